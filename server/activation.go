package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/google/uuid"

	"github.com/licentia/licentia/server/desk"
	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/openapi"
	"github.com/licentia/licentia/server/ratelimit"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/verifier"
	"github.com/licentia/licentia/verifier/online"
)

// Errors of License 2.0 activation (design.md §4.1).
var (
	// ErrMarketUnconfigured means the server has no OpenAPI credentials (LICENTIA_KOOGALLERY_AK/SK).
	ErrMarketUnconfigured = errors.New("the marketplace OpenAPI is not configured on this server (LICENTIA_KOOGALLERY_AK, LICENTIA_KOOGALLERY_SK)")
	// ErrNotReceived means the buyer has not received (领取) the code in the marketplace yet.
	ErrNotReceived = errors.New("the buyer has not received this license code yet: receive it in KooGallery (买家中心 › 服务监管) first")
	// ErrMarketUnavailable means the marketplace could not be reached or refused licentia's credentials.
	ErrMarketUnavailable = errors.New("the marketplace could not be asked about this code just now")
	// ErrCodeInUse means the code is a license's id on this server, so it cannot be bound (store.ErrRefTaken).
	ErrCodeInUse = fmt.Errorf("this license code cannot be activated on this server; ask the seller's support to check it: %w", store.ErrRefTaken)
	// ErrUnknownMarketCode means the marketplace does not know the code.
	ErrUnknownMarketCode = fmt.Errorf("the marketplace does not know this license code: %w", store.ErrNotFound)
)

// ActivationRequest is the body of POST /v1/activations.
type ActivationRequest struct {
	// Code is the license code KooGallery showed the buyer.
	Code string `json:"code"`
	// Deployment optionally names the installation, for the audit log.
	Deployment string `json:"deployment,omitempty"`
}

// activator binds marketplace codes to licenses: one activation call per code, however many buyers' processes
// ask at once.
type activator struct {
	s      *Server
	pub    *publicAPI
	mu     sync.Mutex
	flight map[string]*activation // codes being activated by this process
	// unknown remembers the codes the marketplace said it does not know, for a while.
	unknown *unknownCodes
}

type activation struct {
	done chan struct{}
	l    *store.License
	err  error
}

// handleActivation serves POST /v1/activations.
func (p *publicAPI) handleActivation(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	var req ActivationRequest
	err := decodeJSON(w, r, &req)
	code := strings.TrimSpace(req.Code)
	if err == nil {
		err = checkMarketCode(code, req.Deployment)
	}
	if err == nil {
		err = allowKey(p.lim.activateAddr, addrKey(p.clientAddr(r)))
	}
	var l *store.License
	if err == nil {
		l, err = p.act.activate(r.Context(), code, req.Deployment, desk.Actor{Source: license.SourceAPI, Name: "buyer",
			RequestID: middleware.GetReqID(r.Context())})
	}
	if err != nil {
		p.s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ActivationAnswer(l))
}

// ActivationAnswer is the answer of an activation (POST /v1/activations, the admin API, `licentia codes
// activate`): the license's current code and what it says.
func ActivationAnswer(l *store.License) online.CodeResponse {
	return online.CodeResponse{Code: l.Code, LicenseID: l.ID, Generation: l.Generation, Status: l.Status,
		ExpiresAt: desk.OptRFC3339(l.ExpiresAt)}
}

// Activate binds the License 2.0 code to a license as POST /v1/activations does, for support staff (the
// admin API and the local CLI); by is recorded as the actor. Its errors are those of the endpoint.
func (s *Server) Activate(ctx context.Context, code, deployment string, by desk.Actor) (*store.License, error) {
	code = strings.TrimSpace(code)
	if err := checkMarketCode(code, deployment); err != nil {
		return nil, err
	}
	return s.act.activate(ctx, code, deployment, by)
}

// checkMarketCode refuses what cannot be a marketplace code before any database or marketplace work.
func checkMarketCode(code, deployment string) error {
	switch {
	case code == "":
		return badRequest(`no code given: send {"code":"<the license code KooGallery shows the buyer>"}`)
	case len(code) > koogallery.MaxCodeLen:
		return badRequest("the code is longer than %d characters: not a KooGallery license code", koogallery.MaxCodeLen)
	case strings.IndexFunc(code, func(r rune) bool { return r > unicode.MaxASCII || !unicode.IsPrint(r) || r == ' ' }) >= 0:
		return badRequest("the code holds characters a KooGallery license code never has")
	case desk.LooksLikeCode(code):
		return badRequest("this is a licentia code already: check it offline or refresh it at /v1/codes/refresh")
	case len(deployment) > 128:
		return badRequest("deployment is longer than 128 characters")
	}
	return nil
}

// activate returns the license bound to code, activating the code with the marketplace first when none is.
// Concurrent calls for one code in this process share one activation; across replicas the database's UNIQUE
// market_code makes one license, and the marketplace's "already active" answer to the loser counts as done.
func (a *activator) activate(ctx context.Context, code, deployment string, by desk.Actor) (*store.License, error) {
	if l, err := a.s.st.LicenseByCode(ctx, code); err == nil {
		return a.catchUp(ctx, l)
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
func (a *activator) bind(ctx context.Context, code, deployment string, by desk.Actor) (*store.License, error) {
	mkt := a.s.cfg.Market
	if mkt == nil {
		return nil, ErrMarketUnconfigured
	}
	if a.unknown.known(code, a.s.now()) { // asked lately: the marketplace did not know it
		return nil, ErrUnknownMarketCode
	}
	// Each code may cost the marketplace a few calls a minute, however many buyers' processes ask.
	if err := a.pub.allowShared(ctx, a.pub.lim.activateCode, ratelimit.LicenseKey("code:"+code), "activate-code:"+code); err != nil {
		return nil, err
	}
	pending, err := a.s.st.Pending(ctx, code)
	if err != nil {
		return nil, err
	}
	for _, p := range pending {
		if p.Activity == koogallery.ActivityReleaseLicenseCode {
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
	if err := a.pub.allowMarketActivation(ctx); err != nil {
		return nil, err
	}
	start := a.s.now()
	act, err := mkt.Activate(ctx, code, time.Time{})
	if errors.Is(err, openapi.ErrAlreadyActive) {
		act, err = &openapi.Activation{}, nil // our own earlier activation (or a replica's): the query tells the rest
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
	l, evs, err := a.fold(code, deployment, by, act, st, pending, start)
	if err != nil {
		return nil, err
	}
	if err := a.s.is.Sign(l); err != nil {
		return nil, err
	}
	var upTo int64
	if len(pending) > 0 {
		upTo = pending[len(pending)-1].ID
	}
	stored, created, err := a.s.st.Activate(ctx, l, evs, upTo)
	if errors.Is(err, store.ErrRefTaken) { // a license with the code as its id was written meanwhile
		return nil, ErrCodeInUse
	}
	if err != nil {
		return nil, err
	}
	if created {
		a.s.metrics.issued.WithLabelValues(license.ActActivate).Inc()
		a.s.log.InfoContext(ctx, "license activated", "license_id", stored.ID, "market_code_fp", verifier.Fingerprint(code),
			"generation", stored.Generation, "status", stored.Status, "pending_applied", len(pending))
	}
	return a.catchUp(ctx, stored)
}

// fold computes the license an activation creates: the marketplace's activation answer, then every callback
// kept from before, then the query (authoritative, and newest), with one audit event for each.
func (a *activator) fold(code, deployment string, by desk.Actor, act *openapi.Activation, q *openapi.Status,
	pending []store.MarketEvent, now time.Time) (*store.License, []store.Event, error) {
	sum := sha256.Sum256([]byte(code))
	base := license.License{
		ID: uuid.NewString(), OrderID: act.OrderID, OrderLineID: "code-" + hex.EncodeToString(sum[:12]),
		Flow: license.FlowInstance, ProductID: act.ProductID, MarketCode: code,
	}
	if base.OrderID == "" {
		base.OrderID = "code-" + hex.EncodeToString(sum[:12])
	}
	base.Quantity, _ = act.Amount.Int()
	base.Quantity = max(base.Quantity, 0)
	// The query is authoritative for status and expiry; the activate answer's expire_time is an estimate, used
	// only when the query gives none.
	first := license.MarketState{Status: q.Status, ExpiresAt: unixOrZero(q.ExpiresAt)}
	if first.ExpiresAt == 0 {
		first.ExpiresAt = unixOrZero(act.ExpiresAt)
	}
	if first.Status != license.MarketReleased {
		first.Status = license.MarketAlive
	}
	cur, out, err := license.Activate(base, first, now)
	if err != nil {
		return nil, nil, err
	}
	d := license.Delivery{At: now.Unix(), Source: by.Source, Actor: by.Name, RequestID: by.RequestID, Reason: deployment,
		Activity: "activate", OrderID: cur.OrderID}
	evs := []store.Event{license.NewEvent(nil, cur, out, d)}
	for _, p := range pending {
		next, out, err := license.ApplyPending(cur, pendingChange(p), now)
		if err != nil {
			return nil, nil, err
		}
		evs = append(evs, license.NewEvent(&cur, next, out, pendingDelivery(p)))
		cur = next
	}
	// The query, newest of all, has the last word over the callbacks kept from before it.
	next, out, err := license.Reconcile(cur, license.MarketState{Status: q.Status, ExpiresAt: unixOrZero(q.ExpiresAt)}, now)
	if err != nil {
		return nil, nil, err
	}
	if out.Applied {
		evs = append(evs, license.NewEvent(&cur, next, out, license.Delivery{At: now.Unix(), Source: license.SourceQuery,
			Actor: "koogallery", Activity: "query"}))
		cur = next
	}
	if cur.Status == license.Released {
		return nil, nil, fmt.Errorf("the marketplace released the code: %w", license.ErrReleased)
	}
	return &cur, evs, nil
}

// pendingChange turns a kept callback into its transition.
func pendingChange(p store.MarketEvent) license.Pending {
	switch {
	case p.Activity == koogallery.ActivityRefreshLicenseCode:
		return license.Pending{Kind: license.PendingValidity, Validity: license.Validity{Kind: renewalKind(p.Scene),
			ExpiresAt: p.ExpiresAt, ProductID: p.ProductID}}
	case p.Status == koogallery.StatusFreeze:
		return license.Pending{Kind: license.PendingFreeze}
	case p.Status == koogallery.StatusUnfreeze:
		return license.Pending{Kind: license.PendingUnfreeze}
	default:
		return license.Pending{Kind: license.PendingRelease}
	}
}

// pendingDelivery is the audit description of a kept callback, as it arrived.
func pendingDelivery(p store.MarketEvent) license.Delivery {
	return license.Delivery{At: p.ReceivedAt, Source: license.SourceKooGallery, Actor: "koogallery",
		Activity: p.Activity, Scene: p.Scene, OrderID: p.OrderID, OrderLineID: p.OrderLineID,
		RequestID: p.RequestID, DedupeKey: p.DedupeKey}
}

// catchUp applies callbacks kept for l's code that a concurrent activation did not fold in (they arrived
// while it ran), then returns the license as stored.
func (a *activator) catchUp(ctx context.Context, l *store.License) (*store.License, error) {
	pending, err := a.s.st.Pending(ctx, l.MarketCode)
	if err != nil || len(pending) == 0 {
		return l, err
	}
	for _, p := range pending {
		change := pendingChange(p)
		_, _, err := a.s.step(ctx, l.ID, pendingDelivery(p), func(cur license.License, now time.Time) (license.License, license.Outcome, error) {
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

// marketError names a marketplace refusal in the activation's terms (design.md §4.1).
func marketError(err error) error {
	switch {
	case errors.Is(err, openapi.ErrNotReceived):
		return ErrNotReceived
	case errors.Is(err, openapi.ErrUnknownCode), errors.Is(err, openapi.ErrInvalidParam):
		return ErrUnknownMarketCode
	case errors.Is(err, openapi.ErrUnconfigured):
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
