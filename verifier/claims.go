package verifier

import (
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/golang-jwt/jwt/v5"
)

// License statuses carried in the "st" claim.
const (
	StatusActive   = "active"
	StatusFrozen   = "frozen"
	StatusReleased = "released"
	StatusRevoked  = "revoked"
)

// Header values of licentia documents. A code and a revocation list are told apart by "typ", so one can
// never be passed off as the other.
//
// Algorithm is the "alg" the issuer writes. AlgorithmEd25519 is RFC 9864's fully specified name for the
// same Ed25519 signature; verifiers accept both, and issuers keep writing Algorithm until the common JWT
// libraries accept the new name (see the package documentation).
const (
	Algorithm        = "EdDSA"
	AlgorithmEd25519 = "Ed25519"
	TypeCode         = "licentia+jwt"
	TypeRevocations  = "licentia-revocations+jwt"
	// TypeRevocationsDelta is the type of a revocation delta: what changed in the list since a time.
	TypeRevocationsDelta = "licentia-revocations-delta+jwt"
)

// Claims are the claims of an authorization code, in wire order. The JSON names are the wire names;
// Sign marshals the fields in this fixed order, so the same signed state always gives the same bytes.
type Claims struct {
	// Issuer ("iss") names the issuing server, "licentia" by default.
	Issuer string `json:"iss"`
	// LicenseID ("sub") is the license id, equal to the instanceId returned to KooGallery.
	LicenseID string `json:"sub"`
	// Generation ("gen") is 1 on create and grows by one on every change of the signed state.
	Generation int64 `json:"gen"`
	// IssuedAt ("iat") is the unix time of the state change that produced this generation.
	IssuedAt int64 `json:"iat"`
	// NotBefore ("nbf") is the unix time the license starts.
	NotBefore int64 `json:"nbf"`
	// ExpiresAt ("exp") is the unix time the license ends; 0 (absent) for a perpetual license.
	ExpiresAt int64 `json:"exp,omitempty"`
	// Grace ("grace") is the number of seconds after ExpiresAt during which the code is still accepted.
	Grace int64 `json:"grace,omitempty"`
	// Status ("st") is one of StatusActive, StatusFrozen, StatusReleased, StatusRevoked.
	Status string `json:"st"`
	// ProductID ("pid") is the KooGallery productId.
	ProductID string `json:"pid"`
	// ProductIDs ("pids") are the other KooGallery productIds the license has carried, oldest first,
	// without ProductID and without repeats, at most MaxProductIDs; absent for a license that never
	// changed product. KooGallery gives one SKU another productId per period type, so a renewal that
	// switches month and year changes "pid"; software bound to the product it was sold under still
	// accepts the license's codes through this claim. See the package documentation.
	ProductIDs []string `json:"pids,omitempty"`
	// SKU ("sku") is the KooGallery skuCode, when known.
	SKU string `json:"sku,omitempty"`
	// OrderID ("ord") is the orderId of the purchase.
	OrderID string `json:"ord"`
	// OrderLineID ("oli") is the orderLineId of the purchase, when given.
	OrderLineID string `json:"oli,omitempty"`
	// CustomerID ("cid") is the buyer's customerId, when given.
	CustomerID string `json:"cid,omitempty"`
	// Quantity ("qty") is the purchased amount (quantity attribute), when given.
	Quantity int64 `json:"qty,omitempty"`
	// Test ("test") is true for codes issued to marketplace probe calls (testFlag=1).
	Test bool `json:"test,omitempty"`
	// Deployment ("dep") binds the code to one installation of the buyer's software, by salted hashes;
	// absent on a code answered without a deployment. See DeploymentClaim.
	Deployment *DeploymentClaim `json:"dep,omitempty"`
}

// MaxProductIDs is the most entries a "pids" claim may carry; a code with more is malformed. The issuer
// keeps a license's first productId and its latest ones within this bound.
const MaxProductIDs = 8

// RevocationList is the payload of the signed revocation list served at /v1/revocations.
type RevocationList struct {
	// IssuedAt ("iat") is the unix time the list was made.
	IssuedAt int64 `json:"iat"`
	// MinGen ("min_gen") maps a license id to the lowest generation still valid. A revoked or released
	// license maps to a generation above any issued.
	MinGen map[string]int64 `json:"min_gen"`
}

// RevocationDelta is the payload of a revocation delta, served at /v1/revocations?since=: the entries of
// the list that changed since a time and the licenses that left it. Applied to a list made at Since or
// later, it gives the list made at IssuedAt. See the package documentation, "Revocation list".
type RevocationDelta struct {
	// IssuedAt ("iat") is the iat of the list the delta brings a verifier to.
	IssuedAt int64 `json:"iat"`
	// Since ("since") is the time asked for: the delta holds every change made since then (and perhaps
	// some made a little earlier). Since <= IssuedAt.
	Since int64 `json:"since"`
	// MinGen ("min_gen") maps each license whose entry was added or changed to its current entry (the
	// value to set, which may be lower than the one held).
	MinGen map[string]int64 `json:"min_gen"`
	// Removed ("removed") lists the licenses whose entry left the list.
	Removed []string `json:"removed"`
}

// ErrSign is wrapped by the errors of Sign, SignRevocations and SignRevocationDelta.
var ErrSign = errors.New("sign")

// Sign returns the compact JWS of c, signed by signer (an Ed25519 key) and carrying kid in its header.
// Ed25519 is deterministic and the claims are marshalled in a fixed order, so equal inputs give
// byte-identical codes.
func Sign(c *Claims, kid string, signer crypto.Signer) (string, error) {
	payload, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("%w code: %w", ErrSign, err)
	}
	return signCompact(TypeCode, kid, payload, signer)
}

// SignRevocations returns the compact JWS of l, signed like a code but with the revocation-list type.
func SignRevocations(l *RevocationList, kid string, signer crypto.Signer) (string, error) {
	if l.MinGen == nil {
		l = &RevocationList{IssuedAt: l.IssuedAt, MinGen: map[string]int64{}}
	}
	payload, err := json.Marshal(l)
	if err != nil {
		return "", fmt.Errorf("%w revocations: %w", ErrSign, err)
	}
	return signCompact(TypeRevocations, kid, payload, signer)
}

// SignRevocationDelta returns the compact JWS of d, signed like a list but with the delta type. A nil
// MinGen or Removed is written empty ({} and []).
func SignRevocationDelta(d *RevocationDelta, kid string, signer crypto.Signer) (string, error) {
	c := *d
	if c.MinGen == nil {
		c.MinGen = map[string]int64{}
	}
	if c.Removed == nil {
		c.Removed = []string{}
	}
	payload, err := json.Marshal(&c)
	if err != nil {
		return "", fmt.Errorf("%w revocation delta: %w", ErrSign, err)
	}
	return signCompact(TypeRevocationsDelta, kid, payload, signer)
}

// joseHeader returns the fixed JOSE header: keys in sorted order, as a map would marshal them.
func joseHeader(typ, kid string) []byte {
	h, _ := json.Marshal(struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		Typ string `json:"typ"`
	}{Algorithm, kid, typ})
	return h
}

func signCompact(typ, kid string, payload []byte, signer crypto.Signer) (string, error) {
	enc := base64.RawURLEncoding
	h := joseHeader(typ, kid)
	buf := make([]byte, 0, enc.EncodedLen(len(h))+enc.EncodedLen(len(payload))+90)
	buf = enc.AppendEncode(buf, h)
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, payload)
	signingInput := string(buf)
	sig, err := jwt.SigningMethodEdDSA.Sign(signingInput, signer)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrSign, err)
	}
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, sig)
	return string(buf), nil
}
