package licensing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/google/uuid"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/marketapi"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/verifier"
)

// activator binds marketplace codes to licenses: one activation call per code, however many buyers' processes
// ask at once.
type activator struct {
	s       *Service
	perCode *SharedLimit // activations of one code
	global  *SharedLimit // codes sent to the marketplace, one key
	mu      sync.Mutex
	flight  map[string]*activation // codes being activated by this process
	// unknown remembers the codes the marketplace said it does not know, for a while.
	unknown *unknownCodes
}

type activation struct {
	done chan struct{}
	l    *store.License
	err  error
}

// globalActivationKey is the one key of the global budget, in memory and in the database.
const globalActivationKey = "activate-global"

func newActivator(s *Service) *activator {
	return &activator{s: s, flight: map[string]*activation{},
		perCode: NewSharedLimit(s.st, perCodeLimit, perCodeWindow, s.now),
		global:  NewSharedLimit(s.st, s.limits.Global, activationGlobalWindow, s.now),
		unknown: newUnknownCodes(s.limits.UnknownTTL, MaxUnknownCodes)}
}

// Activate returns the license bound to the License 2.0 code, activating the code with the marketplace first
// when none is: one activation call per code, however many buyers' processes ask; by is recorded as the
// actor and deployment in the audit event. Concurrent calls for one code in this process share one
// activation; across replicas the database's UNIQUE market_code makes one license, and the marketplace's
// "already active" answer to the loser counts as done. It returns a *RequestError for what cannot be a
// marketplace code, ErrMarketUnconfigured, ErrUnknownMarketCode, ErrNotReceived, ErrMarketUnavailable,
// ErrCodeInUse, a *RateLimitError, or an error wrapping license.ErrReleased.
func (s *Service) Activate(ctx context.Context, code, deployment string, by Actor) (*store.License, error) {
	code = strings.TrimSpace(code)
	if err := CheckMarketCode(code, deployment); err != nil {
		return nil, err
	}
	return s.act.activate(ctx, code, deployment, by)
}

// CheckMarketCode refuses what cannot be a marketplace code before any database or marketplace work.
func CheckMarketCode(code, deployment string) error {
	switch {
	case code == "":
		return BadRequest(`no code given: send {"code":"<the license code KooGallery shows the buyer>"}`)
	case len(code) > koogallery.MaxCodeLen:
		return BadRequest("the code is longer than %d characters: not a KooGallery license code", koogallery.MaxCodeLen)
	case strings.IndexFunc(code, func(r rune) bool { return r > unicode.MaxASCII || !unicode.IsPrint(r) || r == ' ' }) >= 0:
		return BadRequest("the code holds characters a KooGallery license code never has")
	case isCode(code):
		return BadRequest("this is a licentia code already: check it offline or refresh it at /v1/codes/refresh")
	case len(deployment) > 128:
		return BadRequest("deployment is longer than 128 characters")
	}
	return nil
}

// activate returns the license bound to code, activating the code with the marketplace first when none is.
// Concurrent calls for one code in this process share one activation; across replicas the database's UNIQUE
// market_code makes one license, and the marketplace's "already active" answer to the loser counts as done.
func (a *activator) activate(ctx context.Context, code, deployment string, by Actor) (*store.License, error) {
	if l, err := a.s.st.LicenseByCode(ctx, code); err == nil {
		return a.applyKept(ctx, l)
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	a.mu.Lock()
	if f, ok := a.flight[code]; ok {
		a.mu.Unlock()
		select {
		case <-f.done:
			return f.l, f.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f := &activation{done: make(chan struct{})}
	a.flight[code] = f
	a.mu.Unlock()
	// The activation outlives a caller that hangs up: its result is what the next call answers.
	f.l, f.err = a.bind(context.WithoutCancel(ctx), code, deployment, by)
	a.mu.Lock()
	delete(a.flight, code)
	a.mu.Unlock()
	close(f.done)
	return f.l, f.err
}

// bind activates code with the marketplace, reads its authoritative state, folds in the callbacks that came
// before, and stores the license, in that order: nothing is written when the marketplace refuses or cannot
// be reached.
func (a *activator) bind(ctx context.Context, code, deployment string, by Actor) (*store.License, error) {
	mkt := a.s.market
	if mkt == nil {
		return nil, ErrMarketUnconfigured
	}
	if a.unknown.known(code, a.s.now()) { // asked lately: the marketplace did not know it
		return nil, ErrUnknownMarketCode
	}
	// Each code may cost the marketplace a few calls a minute, however many buyers' processes ask.
	if err := a.perCode.Allow(ctx, "activate-code:"+code); err != nil {
		return nil, err
	}
	pending, err := a.s.st.Pending(ctx, code)
	if err != nil {
		return nil, err
	}
	for _, p := range pending {
		if pendingChange(p).Kind == license.PendingRelease {
			return nil, fmt.Errorf("code released before activation: %w", license.ErrReleased)
		}
	}
	// A code that is a license's id here is never bound (the database refuses it too): refuse before the
	// marketplace marks it activated.
	if _, err := a.s.st.LicenseByID(ctx, code); err == nil {
		a.s.log.ErrorContext(ctx, "marketplace code refused: it is a license id here", "market_code_fp", verifier.Fingerprint(code))
		return nil, ErrCodeInUse
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if err := a.global.Allow(ctx, globalActivationKey); err != nil { // this process's and every replica's budget
		return nil, err
	}
	start := a.s.now()
	act, err := mkt.Activate(ctx, code, time.Time{})
	if errors.Is(err, marketapi.ErrAlreadyActive) {
		// Another replica's activation, most likely, storing its license now with what the marketplace answered
		// it (product, order, quantity), which this "already active" answer lacks: answer that license. Only when
		// none comes (an earlier activation whose license was never stored) is one made from the query alone.
		if l, err := a.awaitBound(ctx, code); err != nil || l != nil {
			return l, err
		}
		act, err = &marketapi.Activation{}, nil
	}
	if err != nil {
		err = marketError(err)
		if errors.Is(err, ErrUnknownMarketCode) {
			a.unknown.add(code, a.s.now())
		}
		return nil, err
	}
	st, err := mkt.Query(ctx, code)
	if err != nil {
		return nil, marketError(err)
	}
	l, evs, err := a.describe(code, deployment, by, act, st, pending, start)
	if err != nil {
		return nil, err
	}
	var consumed int64
	if len(pending) > 0 {
		consumed = pending[len(pending)-1].ID
	}
	stored, _, err := a.s.create(ctx, l, evs, consumed, KeepID)
	if errors.Is(err, store.ErrRefTaken) { // a license with the code as its id was written meanwhile
		return nil, ErrCodeInUse
	}
	if err != nil {
		return nil, err
	}
	return a.applyKept(ctx, stored)
}

// AwaitBound is how long an activation answered "already active" waits for another replica to store the
// code's license.
const AwaitBound = 5 * time.Second

// awaitBound waits, at most AwaitBound, for a license bound to code to be stored, and returns it; nil when
// none was.
func (a *activator) awaitBound(ctx context.Context, code string) (*store.License, error) {
	deadline := time.Now().Add(AwaitBound)
	for {
		l, err := a.s.st.LicenseByCode(ctx, code)
		switch {
		case err == nil:
			return l, nil
		case !errors.Is(err, store.ErrNotFound):
			return nil, err
		case time.Now().After(deadline):
			return nil, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// describe describes the license an activation creates, by license.Fold, with one audit event for each step: the
// marketplace's activation answer, every callback kept from before, the query.
func (a *activator) describe(code, deployment string, by Actor, act *marketapi.Activation, q *marketapi.Status,
	pending []store.MarketEvent, now time.Time) (*store.License, []store.Event, error) {
	sum := sha256.Sum256([]byte(code))
	base := license.License{
		ID: uuid.NewString(), OrderID: act.OrderID, OrderLineID: "code-" + hex.EncodeToString(sum[:12]),
		Flow: license.FlowInstance, ProductID: act.ProductID, MarketCode: code,
	}
	if base.OrderID == "" {
		base.OrderID = base.OrderLineID
	}
	base.Quantity, _ = act.Amount.Int()
	base.Quantity = max(base.Quantity, 0)
	fa := license.Activation{License: base,
		// The query is authoritative for status and expiry; the activation answer's expire_time is an
		// estimate, used only when the query gives none.
		First: license.MarketState{Status: q.Status, ExpiresAt: unixOrZero(q.ExpiresAt)},
		Query: license.MarketState{Status: q.Status, ExpiresAt: unixOrZero(q.ExpiresAt), AskedAt: now.Unix()}}
	if fa.First.ExpiresAt == 0 {
		fa.First.ExpiresAt = unixOrZero(act.ExpiresAt)
	}
	for _, p := range pending {
		fa.Kept = append(fa.Kept, license.Kept{Pending: pendingChange(p), ReceivedAt: p.ReceivedAt})
	}
	cur, steps, err := license.Fold(fa, now)
	if err != nil {
		return nil, nil, err
	}
	activation := license.Delivery{At: now.Unix(), Source: by.Source, Actor: by.Name, RequestID: by.RequestID,
		Reason: deployment, Activity: license.ActActivate, OrderID: cur.OrderID}
	evs := make([]store.Event, len(steps))
	for i, st := range steps {
		d := activation
		switch {
		case st.Kept == len(pending):
			d = queryDelivery(now)
		case st.Kept >= 0:
			d = pendingDelivery(pending[st.Kept])
		}
		evs[i] = license.NewEvent(st.Before, st.After, st.Out, d)
	}
	return &cur, evs, nil
}

// pendingDelivery is the audit description of a kept callback, as it arrived.
func pendingDelivery(p store.MarketEvent) license.Delivery {
	return license.Delivery{At: p.ReceivedAt, Source: license.SourceKooGallery, Actor: "koogallery",
		Activity: p.Activity, Scene: p.Scene, OrderID: p.OrderID, OrderLineID: p.OrderLineID,
		RequestID: p.RequestID, DedupeKey: p.DedupeKey}
}

// applyKept applies callbacks kept for l's code that a concurrent activation did not fold in (they arrived
// while it ran), then returns the license as stored.
func (a *activator) applyKept(ctx context.Context, l *store.License) (*store.License, error) {
	pending, err := a.s.st.Pending(ctx, l.MarketCode)
	if err != nil || len(pending) == 0 {
		return l, err
	}
	for _, p := range pending {
		change := pendingChange(p)
		_, _, err := a.s.Change(ctx, l.ID, pendingDelivery(p), func(cur license.License, now time.Time) (license.License, license.Outcome, error) {
			return license.ApplyPending(cur, change, now)
		})
		if err != nil && !errors.Is(err, store.ErrDuplicate) {
			return nil, err
		}
	}
	if err := a.s.st.DeletePending(ctx, l.MarketCode, pending[len(pending)-1].ID); err != nil {
		return nil, err
	}
	return a.s.st.LicenseByID(ctx, l.ID)
}

// marketError names a marketplace refusal in the activation's terms (README "Endpoints", docs/koogallery.md "License 2.0 end to end").
func marketError(err error) error {
	switch {
	case errors.Is(err, marketapi.ErrNotReceived):
		return ErrNotReceived
	case errors.Is(err, marketapi.ErrUnknownCode), errors.Is(err, marketapi.ErrInvalidParam):
		return ErrUnknownMarketCode
	case errors.Is(err, marketapi.ErrUnconfigured):
		return ErrMarketUnconfigured
	default:
		return fmt.Errorf("%w: %w", ErrMarketUnavailable, err)
	}
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// utcDay is the number of days since 1970-01-01 in UTC.
func utcDay(t time.Time) int64 { return t.Unix() / 86400 }

// isCode reports whether s is shaped as a licentia code (a compact JWS with a JSON header) rather than a
// marketplace one.
func isCode(s string) bool {
	_, err := verifier.Peek(s)
	return err == nil
}
