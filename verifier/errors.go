package verifier

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error returned by Verify, Check, ParseKeyring, ParseRevocations, OpenState and LocalDeployment is
// one of these or wraps one; compare with errors.Is, never with the message. Some sentinels wrap a
// broader one: ErrWrongType is also ErrMalformed, ErrWrongSKU is also ErrWrongProduct and ErrSuperseded is
// also ErrRevoked.
var (
	// ErrNoBinding means the verifier was made with no product binding: neither WithProduct, WithSKU
	// nor WithAnyProduct. One seller key signs the codes of all the seller's products, so a verifier
	// that forgot its binding would take a cheap product's code for a dear one's; it refuses every code
	// instead, before reading it. It is a mistake in the calling program, never a property of a code.
	ErrNoBinding = errors.New("verifier: no product binding: give WithProduct, WithSKU or WithAnyProduct")
	// ErrMalformed means the input is not a well-formed licentia code: wrong shape, bad base64url, bad
	// JSON, an unknown critical header, a missing or out-of-range claim, or too long.
	ErrMalformed = errors.New("verifier: malformed code")
	// ErrWrongType means the "typ" header is not the one expected, e.g. a revocation list passed as a
	// code or a code passed as a revocation list.
	ErrWrongType = fmt.Errorf("%w: wrong typ", ErrMalformed)
	// ErrAlgorithm means the "alg" header is neither EdDSA nor Ed25519 (none, HS256, RS256, ES256, ...
	// are all refused).
	ErrAlgorithm = errors.New("verifier: algorithm not accepted")
	// ErrUnknownKey means the "kid" header names no key of the key ring, or is missing.
	ErrUnknownKey = errors.New("verifier: unknown key id")
	// ErrSignature means the Ed25519 signature does not verify with the key named by "kid".
	ErrSignature = errors.New("verifier: signature does not verify")
	// ErrExpired means the code's "exp" plus "grace" (plus leeway) has passed.
	ErrExpired = errors.New("verifier: code expired")
	// ErrNotYetValid means the code's "nbf" (minus leeway) has not come yet.
	ErrNotYetValid = errors.New("verifier: code not yet valid")
	// ErrWrongIssuer means the "iss" claim is not the issuer the verifier was told to accept.
	ErrWrongIssuer = errors.New("verifier: wrong issuer")
	// ErrWrongProduct means the "pid" claim is not a product the verifier was told to accept.
	ErrWrongProduct = errors.New("verifier: wrong product")
	// ErrWrongSKU means the "sku" claim is not a SKU the verifier was told to accept.
	ErrWrongSKU = fmt.Errorf("%w: wrong sku", ErrWrongProduct)
	// ErrTestCode means the code was issued to a marketplace probe (testFlag=1) and test codes are not
	// allowed (see AllowTest).
	ErrTestCode = errors.New("verifier: test code not allowed")
	// ErrWrongDeployment means the code is bound to a deployment (the "dep" claim) and the verifier's
	// deployment (WithDeployment) is not it: fewer of its components match than the claim requires, or,
	// for a claim that binds the id alone, the id differs. A copy of the code on another machine gets it.
	ErrWrongDeployment = errors.New("verifier: code bound to another deployment")
	// ErrRevoked means the license was revoked: its status is "revoked", or the revocation list names a
	// higher minimum generation for it.
	ErrRevoked = errors.New("verifier: code revoked")
	// ErrSuperseded means the state file has already seen a newer generation of this license.
	ErrSuperseded = fmt.Errorf("%w: superseded by a newer generation", ErrRevoked)
	// ErrInactive means the license status is "frozen" or "released" (or any status other than
	// "active" and "revoked").
	ErrInactive = errors.New("verifier: license not active")
	// ErrStaleList means the revocation list cannot be trusted to be current: it was made longer ago
	// than WithMaxListAge allows (or none was given although a fresh one is required), or the state file
	// has already seen a newer list. Fetch the current list (GET /v1/revocations) and check again. It is
	// not ErrRevoked: the code may well be valid.
	ErrStaleList = errors.New("verifier: revocation list not fresh")
	// ErrClockRollback means the clock is more than the rollback tolerance behind the latest trusted time
	// the state file has recorded.
	ErrClockRollback = errors.New("verifier: clock rollback detected")
	// ErrState means the state file cannot be read, parsed or written. A corrupt or foreign state file is
	// never silently replaced.
	ErrState = errors.New("verifier: state file unusable")
	// ErrKeyring means key material given to ParseKeyring or NewKeyring is unusable.
	ErrKeyring = errors.New("verifier: unusable key ring")
)

// CodeError is the error Verify and Check return for a rejected code. It wraps the reason (a sentinel,
// possibly with detail) and carries what can be said about the code without trusting it blindly.
type CodeError struct {
	// Err is the reason the code was rejected; it is or wraps one of the sentinel errors.
	Err error
	// KeyID is the "kid" header when the header could be decoded. It is authenticated only when Claims
	// is not nil.
	KeyID string
	// Claims are the claims of a code whose signature verified but which was rejected later (expired,
	// frozen, wrong product, ...), so a program can tell the user which license failed and why. They
	// are nil when the signature did not verify. They must never be used to grant access.
	Claims *Claims
}

// Error returns the reason's message. It never contains the code.
func (e *CodeError) Error() string { return e.Err.Error() }

// Unwrap returns the reason, so errors.Is(err, ErrExpired) and the like work.
func (e *CodeError) Unwrap() error { return e.Err }

// reasons maps sentinels to stable snake_case names, most specific first.
var reasons = []struct {
	err  error
	name string
}{
	{ErrNoBinding, "no_binding"},
	{ErrWrongType, "wrong_type"},
	{ErrMalformed, "malformed"},
	{ErrAlgorithm, "wrong_algorithm"},
	{ErrUnknownKey, "unknown_key"},
	{ErrSignature, "bad_signature"},
	{ErrExpired, "expired"},
	{ErrNotYetValid, "not_yet_valid"},
	{ErrWrongIssuer, "wrong_issuer"},
	{ErrWrongSKU, "wrong_sku"},
	{ErrWrongProduct, "wrong_product"},
	{ErrTestCode, "test_code"},
	{ErrWrongDeployment, "wrong_deployment"},
	{ErrSuperseded, "superseded"},
	{ErrRevoked, "revoked"},
	{ErrInactive, "inactive"},
	{ErrStaleList, "stale_list"},
	{ErrClockRollback, "clock_rollback"},
	{ErrState, "state_error"},
	{ErrKeyring, "keyring_error"},
	{ErrDeployment, "deployment_error"},
}

// Reason returns a stable snake_case name for err: "valid" for nil, the name of the most specific
// sentinel err wraps (e.g. "expired", "bad_signature", "superseded"), or "error" for anything else. The
// names are part of the published format (see the package documentation) and never change.
func Reason(err error) string {
	if err == nil {
		return "valid"
	}
	for _, r := range reasons {
		if errors.Is(err, r.err) {
			return r.name
		}
	}
	return "error"
}
