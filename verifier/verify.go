package verifier

import (
	"fmt"
	"math"
	"slices"
	"sync/atomic"
	"time"
)

// DefaultRollbackTolerance is how far the clock may fall behind the latest trusted time recorded in the
// state file before Verify reports ErrClockRollback.
const DefaultRollbackTolerance = 10 * time.Minute

// Verifier checks authorization codes offline against a key ring and a set of expectations. Its
// configuration is immutable after New and it is safe for concurrent use; a State it was given and its
// cache of authentic codes are locked internally.
type Verifier struct {
	kr         *Keyring
	issuer     string
	products   []string
	skus       []string
	anyProduct bool // WithAnyProduct
	unbound    bool // no product, SKU or WithAnyProduct: every check is ErrNoBinding
	now        func() time.Time
	leeway     int64 // seconds
	revs       *RevocationList
	state      *State
	tolerance  int64 // seconds
	maxListAge int64 // seconds; 0: no freshness required
	allowTest  bool
	deployment *localDeployment // WithDeployment; nil: "dep" is not checked
	cacheSize  int
	used       atomic.Bool               // set by the first check
	cache      atomic.Pointer[codeCache] // made by the second check, unless cacheSize <= 0
}

// Option configures a Verifier.
type Option func(*Verifier)

// WithIssuer makes the verifier accept only codes whose "iss" claim is iss. Without it any issuer is
// accepted (the key ring is what establishes trust). A mismatch gives ErrWrongIssuer.
func WithIssuer(iss string) Option { return func(v *Verifier) { v.issuer = iss } }

// WithProduct makes the verifier accept only codes issued for one of ids: whose "pid" claim, or an entry
// of whose "pids" claim (the productIds the license carried before a renewal changed its product), is one
// of ids. A verifier needs a binding, this, WithSKU or WithAnyProduct (ErrNoBinding otherwise): one seller
// key signs the codes of all the seller's products. KooGallery gives one SKU a different productId per
// period type (monthly, yearly), so several ids may be listed; with none it binds nothing. A mismatch
// gives ErrWrongProduct.
func WithProduct(ids ...string) Option {
	return func(v *Verifier) { v.products = append(v.products, ids...) }
}

// WithSKU makes the verifier accept only codes whose "sku" claim is one of skus; it is a binding, as
// WithProduct is, and with no skus it binds nothing. A mismatch gives ErrWrongSKU, which is also
// ErrWrongProduct.
func WithSKU(skus ...string) Option {
	return func(v *Verifier) { v.skus = append(v.skus, skus...) }
}

// WithAnyProduct says that a code of any of the seller's products will do: the verifier checks no "pid"
// or "sku" unless WithProduct or WithSKU is given too, which then apply. It is for programs that serve
// every product, such as the license server checking its own codes or an audit tool; software sold as
// one product binds it with WithProduct or WithSKU instead, since one seller key signs every product's
// codes (licentia-verify --any-product is the same choice).
func WithAnyProduct() Option { return func(v *Verifier) { v.anyProduct = true } }

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

// WithMaxListAge makes the verifier require a revocation list (WithRevocations) made no more than d
// before the time a code is judged at: with an older list, or none, every active code fails with
// ErrStaleList, so software that cannot fetch a fresh list for too long stops trusting what it holds.
// d is counted in whole seconds; d <= 0 (the default) requires no freshness.
func WithMaxListAge(d time.Duration) Option {
	return func(v *Verifier) { v.maxListAge = max(0, int64(d/time.Second)) }
}

// WithCacheSize sets how many codes the verifier remembers as authentic (default DefaultCacheSize);
// n <= 0 turns the memory off. A remembered code skips the signature check and the decoding of its
// claims on a repeat; every other check (issuer, product, SKU, test, deployment, state, status, revocation list,
// time) runs on every call, so the cache never changes an outcome, only its cost. The memory starts
// with a verifier's second check: a Verifier used once costs nothing more for it.
func WithCacheSize(n int) Option { return func(v *Verifier) { v.cacheSize = n } }

// AllowTest makes the verifier accept codes issued to marketplace probe calls ("test": true). Without
// it they give ErrTestCode.
func AllowTest() Option { return func(v *Verifier) { v.allowTest = true } }

// New returns a verifier that trusts the keys of kr. A nil or empty kr trusts nothing: every code then
// fails with ErrUnknownKey, never unchecked.
func New(kr *Keyring, opts ...Option) *Verifier {
	v := &Verifier{kr: kr, now: time.Now, tolerance: int64(DefaultRollbackTolerance / time.Second),
		cacheSize: DefaultCacheSize}
	for _, o := range opts {
		if o != nil {
			o(v)
		}
	}
	v.unbound = len(v.products) == 0 && len(v.skus) == 0 && !v.anyProduct
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
// *CodeError that wraps one of ErrNoBinding (the verifier was given neither WithProduct, WithSKU nor
// WithAnyProduct: every code is refused, unread), ErrDeployment (WithDeployment was given an invalid
// deployment: likewise), ErrMalformed, ErrWrongType, ErrAlgorithm, ErrUnknownKey, ErrSignature,
// ErrWrongIssuer, ErrWrongProduct, ErrWrongSKU, ErrTestCode, ErrWrongDeployment, ErrClockRollback, ErrState, ErrRevoked,
// ErrStaleList, ErrSuperseded, ErrInactive, ErrNotYetValid or ErrExpired, checked in the order the
// package documentation gives. Verify never panics.
//
// Software may call Verify on every use of a feature: a code the verifier has already found authentic
// (see WithCacheSize) is not checked for its signature or decoded again, but every other check runs
// anew. The claims returned are the caller's own copy.
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

// verifyAt runs every check in the documented order. It is the hot path. A code found in the cache
// costs one hash of the code, one map look-up, one comparison and one copy of its claims before judge.
// Any other costs one copy of the code, one strict decode per part, one decoding into the fixed Claims
// struct (decodeClaims), and no maps unless a revocation list or state is configured or the code
// carries "dep".
func (v *Verifier) verifyAt(code string, at time.Time) (*Claims, string, bool, error) {
	if v.unbound {
		return nil, "", false, &CodeError{Err: ErrNoBinding}
	}
	if v.deployment != nil && v.deployment.err != nil {
		return nil, "", false, &CodeError{Err: v.deployment.err}
	}
	if len(code) > maxPastedLen {
		return nil, "", false, &CodeError{Err: fmt.Errorf("%w: longer than %d bytes", ErrMalformed, maxPastedLen)}
	}
	var key string
	cc := v.codeCache()
	if cc != nil {
		key = cleaned(code)
		if e := cc.get(key); e != nil {
			c := new(Claims)
			*c = e.claims
			c.ProductIDs = slices.Clone(e.claims.ProductIDs) // the caller's own copy
			c.Deployment = e.claims.Deployment.clone()
			return v.judged(c, e.kid, at)
		}
	}
	c, kid, err := v.authentic(code)
	if err != nil {
		return nil, "", false, err
	}
	if cc != nil {
		cc.put(key, c, kid)
	}
	return v.judged(c, kid, at)
}

// codeCache returns the verifier's cache of authentic codes, or nil: when it is disabled, and on the
// verifier's first check, so that a Verifier made for one check (as a server makes per request) never
// pays for remembering. The second check makes the cache.
func (v *Verifier) codeCache() *codeCache {
	if cc := v.cache.Load(); cc != nil {
		return cc
	}
	if v.cacheSize <= 0 || !v.used.Swap(true) {
		return nil
	}
	v.cache.CompareAndSwap(nil, newCodeCache(v.cacheSize))
	return v.cache.Load()
}

// authentic checks code's form, key and signature, then decodes and checks its claims. Its outcome
// depends on the code and the key ring alone, which is what lets the cache remember it.
func (v *Verifier) authentic(code string) (*Claims, string, error) {
	payload, kid, err := v.kr.open(clean(code), TypeCode, maxCodeLen)
	if err != nil {
		return nil, "", &CodeError{Err: err, KeyID: kid}
	}
	c := new(Claims)
	if err := decodeClaims(payload, c); err != nil {
		return nil, "", &CodeError{Err: fmt.Errorf("%w: claims: %w", ErrMalformed, err), KeyID: kid}
	}
	if err := c.wellFormed(); err != nil {
		return nil, "", &CodeError{Err: err, KeyID: kid}
	}
	return c, kid, nil
}

// judged applies judge to the authentic claims c at time at and shapes the outcome for verifyAt.
func (v *Verifier) judged(c *Claims, kid string, at time.Time) (*Claims, string, bool, error) {
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
	case len(c.ProductIDs) > MaxProductIDs:
		return fmt.Errorf("%w: \"pids\" has %d entries, at most %d", ErrMalformed, len(c.ProductIDs), MaxProductIDs)
	case slices.Contains(c.ProductIDs, ""):
		return fmt.Errorf("%w: an empty \"pids\" entry", ErrMalformed)
	case c.Deployment != nil:
		return c.Deployment.wellFormed()
	}
	return nil
}

// productAccepted reports whether c was issued for one of the accepted products: its "pid", or any
// productId the license carried before ("pids").
func productAccepted(accepted []string, c *Claims) bool {
	if slices.Contains(accepted, c.ProductID) {
		return true
	}
	for _, id := range c.ProductIDs {
		if slices.Contains(accepted, id) {
			return true
		}
	}
	return false
}

// judge applies the expectations (the deployment among them), the state, the status, the revocation list and the time rules to the
// authentic claims c at unix time now, in that order.
func (v *Verifier) judge(c *Claims, now int64) (inGrace bool, err error) {
	switch {
	case v.issuer != "" && c.Issuer != v.issuer:
		return false, fmt.Errorf("%w: %q", ErrWrongIssuer, c.Issuer)
	case len(v.products) > 0 && !productAccepted(v.products, c):
		return false, fmt.Errorf("%w: %q", ErrWrongProduct, c.ProductID)
	case len(v.skus) > 0 && !slices.Contains(v.skus, c.SKU):
		return false, fmt.Errorf("%w: %q", ErrWrongSKU, c.SKU)
	case c.Test && !v.allowTest:
		return false, ErrTestCode
	}
	if v.deployment != nil && c.Deployment != nil {
		if err := v.deployment.check(c.Deployment); err != nil {
			return false, err
		}
	}
	var stateMin, newerList int64
	if v.state != nil {
		if stateMin, newerList, err = v.state.observe(c, v.revs, now, v.tolerance); err != nil {
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
	if err := v.fresh(now, newerList); err != nil {
		return false, err
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

// fresh checks the revocation list's age against WithMaxListAge at unix time now, and that the state
// file has seen no newer list (newerList is the iat of such a list, 0 if none). Errors wrap ErrStaleList.
func (v *Verifier) fresh(now, newerList int64) error {
	switch {
	case newerList != 0:
		return fmt.Errorf("%w: made %s, but a list made %s was already seen", ErrStaleList, unixUTC(v.revs.IssuedAt), unixUTC(newerList))
	case v.maxListAge == 0:
		return nil
	case v.revs == nil:
		return fmt.Errorf("%w: none given, but one made in the last %s is required", ErrStaleList, time.Duration(v.maxListAge)*time.Second)
	case now-v.revs.IssuedAt > v.maxListAge:
		return fmt.Errorf("%w: made %s, more than %s before %s", ErrStaleList, unixUTC(v.revs.IssuedAt),
			time.Duration(v.maxListAge)*time.Second, unixUTC(now))
	}
	return nil
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
