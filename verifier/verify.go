package verifier

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"
)

// DefaultRollbackTolerance is how far the clock may fall behind the latest trusted time recorded in the
// state file before Verify reports ErrClockRollback.
const DefaultRollbackTolerance = 10 * time.Minute

// Verifier checks authorization codes offline against a key ring and a set of expectations. It is
// immutable after New and safe for concurrent use; a State it was given is locked internally.
type Verifier struct {
	kr        *Keyring
	issuer    string
	products  []string
	skus      []string
	now       func() time.Time
	leeway    int64 // seconds
	revs      *RevocationList
	state     *State
	tolerance int64 // seconds
	allowTest bool
}

// Option configures a Verifier.
type Option func(*Verifier)

// WithIssuer makes the verifier accept only codes whose "iss" claim is iss. Without it any issuer is
// accepted (the key ring is what establishes trust). A mismatch gives ErrWrongIssuer.
func WithIssuer(iss string) Option { return func(v *Verifier) { v.issuer = iss } }

// WithProduct makes the verifier accept only codes whose "pid" claim is one of ids. Software should
// always set it (or WithSKU): one seller key signs the codes of all the seller's products. KooGallery
// gives one SKU a different productId per period type (monthly, yearly), so several ids may be listed.
// A mismatch gives ErrWrongProduct.
func WithProduct(ids ...string) Option {
	return func(v *Verifier) { v.products = append(v.products, ids...) }
}

// WithSKU makes the verifier accept only codes whose "sku" claim is one of skus. A mismatch gives
// ErrWrongSKU, which is also ErrWrongProduct.
func WithSKU(skus ...string) Option {
	return func(v *Verifier) { v.skus = append(v.skus, skus...) }
}

// WithTime sets the clock: now is called once per verification. The default is time.Now. For a fixed
// time (audits, tests, golden vectors) pass a function returning that time:
//
//	verifier.WithTime(func() time.Time { return at })
func WithTime(now func() time.Time) Option {
	return func(v *Verifier) {
		if now != nil {
			v.now = now
		}
	}
}

// WithLeeway tolerates clock skew of up to d (whole seconds; default 0) on both "nbf" and "exp".
// Negative values count as 0.
func WithLeeway(d time.Duration) Option {
	return func(v *Verifier) { v.leeway = max(0, int64(d/time.Second)) }
}

// WithRevocations makes the verifier reject, with ErrRevoked, every code whose generation is below the
// list's minimum generation for its license. l must come from ParseRevocations, which checks its
// signature.
func WithRevocations(l *RevocationList) Option { return func(v *Verifier) { v.revs = l } }

// WithState makes the verifier remember the latest trusted time and the newest generation per license
// in s, reject older generations with ErrSuperseded and a clock set back with ErrClockRollback. See
// OpenState.
func WithState(s *State) Option { return func(v *Verifier) { v.state = s } }

// WithRollbackTolerance sets how far the clock may lag the state's latest trusted time before
// ErrClockRollback (default DefaultRollbackTolerance). It matters only with WithState.
func WithRollbackTolerance(d time.Duration) Option {
	return func(v *Verifier) { v.tolerance = max(0, int64(d/time.Second)) }
}

// AllowTest makes the verifier accept codes issued to marketplace probe calls ("test": true). Without
// it they give ErrTestCode.
func AllowTest() Option { return func(v *Verifier) { v.allowTest = true } }

// New returns a verifier that trusts the keys of kr. A nil or empty kr trusts nothing: every code then
// fails with ErrUnknownKey, never unchecked.
func New(kr *Keyring, opts ...Option) *Verifier {
	v := &Verifier{kr: kr, now: time.Now, tolerance: int64(DefaultRollbackTolerance / time.Second)}
	for _, o := range opts {
		if o != nil {
			o(v)
		}
	}
	return v
}

// Result is the outcome of a successful Check.
type Result struct {
	// Claims are the verified claims.
	Claims *Claims
	// KeyID is the id of the key that signed the code.
	KeyID string
	// InGrace is true when the code's "exp" has passed but it is still accepted through its "grace"
	// period (or the leeway). Software should warn the user that the license needs renewing.
	InGrace bool
	// At is the time the code was judged at.
	At time.Time
}

// Verify checks code and returns its claims. code may carry leading and trailing white space and line
// breaks (as when pasted); nothing else is tolerated. On any failure it returns nil claims and a
// *CodeError that wraps one of ErrMalformed, ErrWrongType, ErrAlgorithm, ErrUnknownKey, ErrSignature,
// ErrWrongIssuer, ErrWrongProduct, ErrWrongSKU, ErrTestCode, ErrClockRollback, ErrState, ErrRevoked,
// ErrSuperseded, ErrInactive, ErrNotYetValid or ErrExpired, checked in the order the package
// documentation gives. Verify never panics.
func (v *Verifier) Verify(code string) (*Claims, error) {
	c, _, _, err := v.verifyAt(code, v.now())
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Check is Verify with more detail on success: the signing key id, the time the code was judged at and
// whether it is in its grace period. It returns the same errors as Verify and a nil Result with them.
func (v *Verifier) Check(code string) (*Result, error) {
	at := v.now()
	c, kid, inGrace, err := v.verifyAt(code, at)
	if err != nil {
		return nil, err
	}
	return &Result{Claims: c, KeyID: kid, InGrace: inGrace, At: at}, nil
}

// verifyAt runs every check in the documented order. It is the hot path: one copy of the code, one
// strict decode per part, one json.Unmarshal into the fixed Claims struct, no maps unless a revocation
// list or state is configured.
func (v *Verifier) verifyAt(code string, at time.Time) (*Claims, string, bool, error) {
	if len(code) > maxPastedLen {
		return nil, "", false, &CodeError{Err: fmt.Errorf("%w: longer than %d bytes", ErrMalformed, maxPastedLen)}
	}
	payload, kid, err := v.kr.open(clean(code), TypeCode, maxCodeLen)
	if err != nil {
		return nil, "", false, &CodeError{Err: err, KeyID: kid}
	}
	c := new(Claims)
	if err := json.Unmarshal(payload, c); err != nil {
		return nil, "", false, &CodeError{Err: fmt.Errorf("%w: claims: %w", ErrMalformed, err), KeyID: kid}
	}
	if err := c.wellFormed(); err != nil {
		return nil, "", false, &CodeError{Err: err, KeyID: kid}
	}
	inGrace, err := v.judge(c, at.Unix())
	if err != nil {
		return nil, "", false, &CodeError{Err: err, KeyID: kid, Claims: c}
	}
	return c, kid, inGrace, nil
}

// wellFormed checks the claims every code must carry, with sane ranges. Errors wrap ErrMalformed.
func (c *Claims) wellFormed() error {
	switch {
	case c.LicenseID == "":
		return fmt.Errorf("%w: no \"sub\" claim", ErrMalformed)
	case c.Generation < 1:
		return fmt.Errorf("%w: \"gen\" %d, want 1 or more", ErrMalformed, c.Generation)
	case c.Status == "":
		return fmt.Errorf("%w: no \"st\" claim", ErrMalformed)
	case c.IssuedAt < 0 || c.NotBefore < 0 || c.ExpiresAt < 0 || c.Grace < 0 || c.Quantity < 0:
		return fmt.Errorf("%w: negative \"iat\", \"nbf\", \"exp\", \"grace\" or \"qty\"", ErrMalformed)
	}
	return nil
}

// judge applies the expectations, the state, the status, the revocation list and the time rules to the
// authentic claims c at unix time now, in that order.
func (v *Verifier) judge(c *Claims, now int64) (inGrace bool, err error) {
	switch {
	case v.issuer != "" && c.Issuer != v.issuer:
		return false, fmt.Errorf("%w: %q", ErrWrongIssuer, c.Issuer)
	case len(v.products) > 0 && !slices.Contains(v.products, c.ProductID):
		return false, fmt.Errorf("%w: %q", ErrWrongProduct, c.ProductID)
	case len(v.skus) > 0 && !slices.Contains(v.skus, c.SKU):
		return false, fmt.Errorf("%w: %q", ErrWrongSKU, c.SKU)
	case c.Test && !v.allowTest:
		return false, ErrTestCode
	}
	var stateMin int64
	if v.state != nil {
		if stateMin, err = v.state.observe(c, v.revs, now, v.tolerance); err != nil {
			return false, err
		}
	}
	switch c.Status {
	case StatusActive:
	case StatusRevoked:
		return false, fmt.Errorf("%w: status %q", ErrRevoked, c.Status)
	default:
		return false, fmt.Errorf("%w: status %q", ErrInactive, c.Status)
	}
	if v.revs != nil {
		if m := v.revs.MinGen[c.LicenseID]; c.Generation < m {
			return false, fmt.Errorf("%w: generation %d below the revocation list's %d", ErrRevoked, c.Generation, m)
		}
	}
	if c.Generation < stateMin {
		return false, fmt.Errorf("%w: generation %d, already seen %d", ErrSuperseded, c.Generation, stateMin)
	}
	return v.checkTime(c, now)
}

// checkTime applies nbf, exp, grace and leeway at unix time now.
func (v *Verifier) checkTime(c *Claims, now int64) (inGrace bool, err error) {
	if now < c.NotBefore-v.leeway {
		return false, fmt.Errorf("%w: starts %s", ErrNotYetValid, unixUTC(c.NotBefore))
	}
	if c.ExpiresAt == 0 {
		return false, nil
	}
	if now >= addSat(addSat(c.ExpiresAt, c.Grace), v.leeway) {
		return false, fmt.Errorf("%w: ended %s", ErrExpired, unixUTC(c.ExpiresAt))
	}
	return now >= c.ExpiresAt, nil
}

// addSat adds two non-negative int64s, saturating at math.MaxInt64.
func addSat(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

func unixUTC(sec int64) string { return time.Unix(sec, 0).UTC().Format(time.RFC3339) }
