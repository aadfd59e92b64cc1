// Package support is the support desk: find, list, show, reissue, revoke, activate and history, with the views
// the admin API and the CLI print; the proof that a presented code holds a license (refresh, the buyer page);
// the admin token format; and the wiring of the issuer to the key ring. Its reads are its own; its writes
// are licensing.Service's. The admin API in package server and the local CLI (licentia codes, licentia
// tokens) both call it, so they run the same code against the same store; it imports no HTTP server,
// router, metrics or templates (.ci/deps.sh checks it).
package support

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/server/edkey"
	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/licensing"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/verifier"
	"github.com/licentia/licentia/verifier/online"
)

// maxReason caps the length of a reason, in characters.
const maxReason = 500

// Desk is the support desk: find, list, show, reissue, revoke, activate and history, shared by the admin
// API and the local CLI so that both run the same code against the same store; its changes are the
// Service's. It is safe for concurrent use.
type Desk struct {
	svc  *licensing.Service
	st   *store.Store
	ring *keys.Ring
	kr   atomic.Pointer[ringKeys] // the ring's public keys as last derived
	now  func() time.Time
}

// New returns the support desk over svc. ring (active and retired keys) checks presented codes;
// without a ring, listing, showing and history work, presented codes are never genuine, and reissue and
// revoke fail with licensing.ErrNoSigner (when svc has no issuer either).
func New(svc *licensing.Service, ring *keys.Ring) *Desk {
	return &Desk{svc: svc, st: svc.Store(), ring: ring, now: svc.Now}
}

// Activate binds a License 2.0 code to a license as POST /v1/activations does, for support staff, and
// answers the license's current code; see licensing.Service.Activate.
func (sp *Desk) Activate(ctx context.Context, req ActivationRequest) (*online.CodeResponse, error) {
	l, err := sp.svc.ActivateFor(ctx, req.Code, req.Deployment, req.Actor)
	if err != nil {
		return nil, err
	}
	a := CodeAnswer(l)
	return &a, nil
}

// ringKeys is a verifier key ring made from one version of a keys.Ring.
type ringKeys struct {
	version uint64
	kr      *verifier.Keyring
}

// keyring returns the public keys of the ring as it is now (see keys.Ring.Version) as a verifier key
// ring; nil (which trusts nothing) without a ring.
func (sp *Desk) keyring() *verifier.Keyring {
	if sp.ring == nil {
		return nil
	}
	v := sp.ring.Version()
	if c := sp.kr.Load(); c != nil && c.version == v {
		return c.kr
	}
	kr := keyringOf(sp.ring)
	sp.kr.Store(&ringKeys{version: v, kr: kr})
	return kr
}

// keyringOf returns the public keys of ring as a verifier key ring, whose signatures are checked with
// each key decoded once (package edkey: the same verdicts as crypto/ed25519, in about 60% of the time);
// nil (which trusts nothing) when the ring has no key.
func keyringOf(ring *keys.Ring) *verifier.Keyring {
	var pubs []ed25519.PublicKey
	for _, k := range ring.Keys() {
		pubs = append(pubs, k.Public)
	}
	kr, err := verifier.NewKeyring(pubs...)
	if err != nil {
		return nil
	}
	return kr.WithSignatureChecks(edkey.Check)
}

// List returns one page of the licenses matching q, ordered by id. Its errors are *licensing.RequestError for a
// bad query.
func (sp *Desk) List(ctx context.Context, q ListQuery) (*LicensePage, error) {
	if err := q.check(); err != nil {
		return nil, err
	}
	after, _ := decodeCursor(q.Cursor)
	if q.Limit == 0 {
		q.Limit = defaultPageSize
	}
	f := store.Filter{OrderID: q.Order, CustomerID: q.Customer, ProductID: q.Product, Status: q.Status,
		After: after, Limit: q.Limit + 1}
	if q.ExpiringWithin > 0 {
		f.ExpiresBefore = sp.now().Add(q.ExpiringWithin).Unix()
	}
	ls, err := sp.st.List(ctx, f)
	if err != nil {
		return nil, err
	}
	page := &LicensePage{Licenses: []LicenseView{}}
	if len(ls) > q.Limit {
		ls = ls[:q.Limit]
		page.NextCursor = encodeCursor(ls[len(ls)-1].ID)
	}
	for _, l := range ls {
		page.Licenses = append(page.Licenses, NewLicenseView(l, false))
	}
	return page, nil
}

// Show returns the license ref names, with the claims of its current code; see find for what ref may be.
// When ref is a whole code it also says what that code is, even when its license is unknown here.
// reveal includes the whole current code. It returns an error wrapping store.ErrNotFound, ErrAmbiguous
// or ErrInvalidCode (a code-shaped ref that does not even decode).
func (sp *Desk) Show(ctx context.Context, ref string, reveal bool) (*Detail, error) {
	ref = strings.TrimSpace(ref)
	if LooksLikeCode(ref) {
		return sp.showCode(ctx, ref, reveal)
	}
	l, err := sp.find(ctx, ref)
	if err != nil {
		return nil, err
	}
	d := sp.detail(l, reveal)
	if d.Uploads, err = sp.uploadsOf(ctx, l.ID); err != nil {
		return nil, err
	}
	if d.Usage, err = sp.usageOf(ctx, l); err != nil {
		return nil, err
	}
	if d.Seats, err = sp.seatUseOf(ctx, l); err != nil {
		return nil, err
	}
	return d, nil
}

func (sp *Desk) detail(l *store.License, reveal bool) *Detail {
	v := NewLicenseView(l, reveal)
	d := &Detail{License: &v}
	if c, err := DecodeClaims(l.Code); err == nil {
		d.Claims = c
	}
	return d
}

// showCode describes the pasted code and its license.
func (sp *Desk) showCode(ctx context.Context, code string, reveal bool) (*Detail, error) {
	code = CleanCode(code)
	c, err := DecodeClaims(code)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidCode, err)
	}
	cv := &CodeView{Fingerprint: verifier.Fingerprint(code), Claims: c}
	// Any product: the server checks codes of every product it sells; the verdict is what the code's own
	// product's software would say.
	res, verr := verifier.New(sp.keyring(), verifier.WithAnyProduct(), verifier.WithTime(sp.now)).Check(code)
	cv.Verdict = verifier.Reason(verr)
	var ce *verifier.CodeError
	switch {
	case verr == nil:
		cv.Genuine, cv.KeyID = true, res.KeyID
	case errors.As(verr, &ce):
		cv.Genuine, cv.KeyID = ce.Claims != nil, ce.KeyID
	}
	l, err := sp.st.LicenseByID(ctx, c.LicenseID)
	if errors.Is(err, store.ErrNotFound) {
		return &Detail{Presented: cv}, nil
	}
	if err != nil {
		return nil, err
	}
	d := sp.detail(l, reveal)
	if d.Usage, err = sp.usageOf(ctx, l); err != nil {
		return nil, err
	}
	if d.Seats, err = sp.seatUseOf(ctx, l); err != nil {
		return nil, err
	}
	cv.Current = code == l.Code
	cv.Superseded = c.Generation < l.Generation
	d.Presented = cv
	return d, nil
}

// History returns every event of the license ref names (see find), oldest first.
func (sp *Desk) History(ctx context.Context, ref string) (*History, error) {
	l, err := sp.find(ctx, ref)
	if err != nil {
		return nil, err
	}
	evs, err := sp.st.Events(ctx, l.ID)
	if err != nil {
		return nil, err
	}
	h := &History{LicenseID: l.ID, Events: make([]EventView, len(evs))}
	for i := range evs {
		h.Events[i] = newEventView(&evs[i])
	}
	return h, nil
}

// Reissue signs a new generation of the license ref names with the same entitlement (status, expiry,
// product, quantity), which supersedes every older code of it and stops older codes from serving as proof
// (refresh, the buyer page), and records the audit event. With req.FreeSeats it also frees every seat of the
// license in the same transaction (audit action licensing.ActSeatFreed, the same reason), so that a leaked
// code cannot keep serving more deployments than were paid for; Change.SeatsFreed says how many. It returns
// an error wrapping license.ErrRevoked or license.ErrReleased for a license that cannot be reissued,
// licensing.ErrNoSigner without a signing key, a *licensing.RequestError for a missing reason, and the errors
// of find.
func (sp *Desk) Reissue(ctx context.Context, ref string, req ChangeRequest) (*Change, error) {
	return sp.changeLicense(ctx, ref, req, license.Reissue)
}

// Revoke makes the license ref names revoked, for good: a new generation with status "revoked", which
// the revocation list and the code itself make fail everywhere, and the audit event. Revoking a revoked
// license changes nothing and records nothing. Its errors are those of Reissue, less the status ones.
func (sp *Desk) Revoke(ctx context.Context, ref string, req ChangeRequest) (*Change, error) {
	if req.FreeSeats {
		return nil, licensing.BadRequest("free seats goes with a reissue; a revoked license takes no seat")
	}
	return sp.changeLicense(ctx, ref, req, license.Revoke)
}

// target checks a support request's reason and finds the license ref names: what every change needs first.
func (sp *Desk) target(ctx context.Context, ref string, req ChangeRequest) (*store.License, string, error) {
	reason, err := checkReason(req.Reason)
	if err != nil {
		return nil, "", err
	}
	l, err := sp.find(ctx, ref)
	return l, reason, err
}

// changeLicense runs a support operation through the store, so it serialises with marketplace callbacks,
// and returns the change's view, with the license after it (and, with req.FreeSeats, the seats it freed in
// the same transaction). A change that does nothing (revoking a revoked license) records nothing: support
// staff see "unchanged" at once.
func (sp *Desk) changeLicense(ctx context.Context, ref string, req ChangeRequest, t licensing.Transition) (*Change, error) {
	l, reason, err := sp.target(ctx, ref, req)
	if err != nil {
		return nil, err
	}
	d := license.Delivery{At: sp.now().Unix(), Source: req.Actor.Source, Actor: req.Actor.Name,
		RequestID: req.Actor.RequestID, Reason: reason}
	var out *store.License
	var o license.Outcome
	var freed int64
	if req.FreeSeats {
		out, o, freed, err = sp.svc.ChangeFreeingSeats(ctx, l.ID, d, t)
	} else {
		out, o, err = sp.svc.ChangeIfApplied(ctx, l.ID, d, t)
	}
	if err != nil {
		return nil, err
	}
	prev := out.Generation // an applied change is exactly one generation on
	if o.Applied {
		prev--
	}
	return &Change{License: NewLicenseView(out, req.Reveal), Changed: o.Applied, PreviousGeneration: prev,
		SeatsFreed: freed}, nil
}

func checkReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return "", licensing.BadRequest("a reason is required (it goes into the audit log)")
	case !utf8.ValidString(reason) || utf8.RuneCountInString(reason) > maxReason:
		return "", licensing.BadRequest("the reason must be valid UTF-8 of at most %d characters", maxReason)
	}
	return reason, nil
}

// find resolves a reference to one license: a license id, a bound marketplace code, a genuine code of
// the license, or an order or customer id that names exactly one license. It returns an error wrapping
// store.ErrNotFound, ErrAmbiguous (an order or customer with several licenses) or ErrInvalidCode.
func (sp *Desk) find(ctx context.Context, ref string) (*store.License, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil, licensing.BadRequest("no license id, order id or code given")
	}
	if LooksLikeCode(ref) {
		c, err := sp.Genuine(CleanCode(ref))
		if err != nil {
			return nil, err
		}
		ref = c.LicenseID
	}
	l, err := sp.st.License(ctx, ref)
	if !errors.Is(err, store.ErrNotFound) {
		return l, err
	}
	for _, f := range []store.Filter{{OrderID: ref, Limit: 6}, {CustomerID: ref, Limit: 6}} {
		ls, err := sp.st.List(ctx, f)
		if err != nil {
			return nil, err
		}
		switch len(ls) {
		case 0:
			continue
		case 1:
			return ls[0], nil
		default:
			ids := make([]string, 0, len(ls))
			for _, l := range ls[:min(len(ls), 5)] {
				ids = append(ids, l.ID)
			}
			if len(ls) > 5 {
				ids = append(ids, "…")
			}
			return nil, fmt.Errorf("%q: %w (%s); name one by its license id", ref, ErrAmbiguous, strings.Join(ids, ", "))
		}
	}
	return nil, fmt.Errorf("no license, order or customer %q: %w", ref, store.ErrNotFound)
}

// Check judges code as an offline verifier holding the ring's keys (active and retired) would at the
// desk's clock, with no product binding, revocation list or state file: the verifier's result, or its
// *verifier.CodeError.
func (sp *Desk) Check(code string) (*verifier.Result, error) {
	return verifier.New(sp.keyring(), verifier.WithAnyProduct(), verifier.WithTime(sp.now)).Check(code)
}

// Genuine checks that code is an authorization code signed by a key of the ring (active or retired),
// whatever its expiry, generation or status, and returns its claims: proof of possession, for refresh and
// the buyer page. Test codes are refused with an error wrapping verifier.ErrTestCode; anything else not
// genuine with one wrapping ErrInvalidCode.
func (sp *Desk) Genuine(code string) (*verifier.Claims, error) {
	c, err := verifier.New(sp.keyring(), verifier.WithAnyProduct(), verifier.WithTime(sp.now)).Verify(code) // every product's codes refresh
	if err != nil {
		var ce *verifier.CodeError
		if !errors.As(err, &ce) || ce.Claims == nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidCode, err)
		}
		c = ce.Claims // authentic, but expired, superseded, frozen, ...: still proof of possession
	}
	if c.Test {
		return nil, fmt.Errorf("license %s: %w", c.LicenseID, verifier.ErrTestCode)
	}
	return c, nil
}

// Proven returns the license that c, the claims of a genuine code (see Genuine), proves the holding of.
// It returns an error wrapping store.ErrNotFound when this database does not hold the license as the code
// describes it, and a *ProofError when a reissue or revoke after the code stopped it serving as proof.
func (sp *Desk) Proven(ctx context.Context, c *verifier.Claims) (*store.License, error) {
	l, err := sp.st.LicenseByID(ctx, c.LicenseID)
	if err != nil {
		return nil, err
	}
	switch l.ProofOf(c.OrderID, c.Generation) {
	case license.Foreign: // signed by our keys, not of this database's license: there is no current code to give
		return nil, fmt.Errorf("license %s of this code: %w", c.LicenseID, store.ErrNotFound)
	case license.Void:
		return nil, &ProofError{LicenseID: l.ID, Generation: c.Generation, Status: l.Status}
	}
	return l, nil
}

// LooksLikeCode reports whether ref has the shape of a compact JWS (three base64url parts, the first
// decoding to a JSON object), so that it is treated as a pasted code rather than an id.
func LooksLikeCode(ref string) bool {
	_, err := verifier.Peek(CleanCode(ref))
	return err == nil
}

// CleanCode removes the white space and line breaks a pasted code may carry.
func CleanCode(code string) string {
	return strings.Join(strings.Fields(code), "")
}

// DecodeClaims decodes the claims of code without checking its signature: for codes read from the
// database, and for showing a pasted code next to the verdict on it.
func DecodeClaims(code string) (*verifier.Claims, error) {
	u, err := verifier.Peek(code)
	if err != nil {
		return nil, err
	}
	return u.Claims()
}
