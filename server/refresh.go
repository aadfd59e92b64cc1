package server

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/licentia/licentia/server/desk"
	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/ratelimit"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/verifier"
	"github.com/licentia/licentia/verifier/online"
)

// Rate limits of code refresh (POST /v1/codes/refresh and the buyer page) and activation: at most so many
// at once, regained over the window (see publicLimits).
const (
	refreshWindow     = time.Minute
	refreshPerLicense = 10 // refreshes of one license (activations of one code) per window
	refreshPerAddress = 60 // requests from one client address per window, genuine codes or not
)

// publicAPI serves the unauthenticated code endpoints: refresh, the revocation list and the buyer page.
type publicAPI struct {
	s    *Server
	sup  *desk.Support
	revs *revocationCache
	act  *activator
	lim  *publicLimits
	// purged is the window in which expired rate-limit counters were last deleted by this process.
	purged atomic.Int64
}

func newPublicAPI(s *Server, sup *desk.Support) *publicAPI {
	p := &publicAPI{s: s, sup: sup, revs: newRevocationCache(s.st, s.is, s.now), lim: newPublicLimits(s.st, s.now, s.cfg.Activation)}
	p.act = &activator{s: s, pub: p, flight: map[string]*activation{},
		unknown: newUnknownCodes(s.cfg.Activation.UnknownTTL, MaxUnknownCodes)}
	return p
}

// RefreshRequest is the body of POST /v1/codes/refresh.
type RefreshRequest struct {
	// Code is any genuine code of the license: current, superseded or expired.
	Code string `json:"code"`
}

// handleRefresh serves POST /v1/codes/refresh {"code":"…"}.
func (p *publicAPI) handleRefresh(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	var req RefreshRequest
	err := decodeJSON(w, r, &req)
	if err == nil && strings.TrimSpace(req.Code) == "" {
		err = badRequest(`no code given: send {"code":"<any code of the license>"}`)
	}
	var l *store.License
	if err == nil {
		l, err = p.refresh(r.Context(), req.Code, p.clientAddr(r))
	}
	if err != nil {
		p.s.fail(w, r, err)
		return
	}
	// A released or revoked license is answered 200 like any other: its current code says so (it fails
	// every verifier).
	writeJSON(w, http.StatusOK, online.CodeResponse{Code: l.Code, Generation: l.Generation, Status: l.Status,
		ExpiresAt: desk.OptRFC3339(l.ExpiresAt)})
}

// refresh returns the current state of the license that code (any genuine, non-test code of it) belongs
// to, after counting the request against the rate limits of addr and of the license. It returns an error
// wrapping desk.ErrInvalidCode, verifier.ErrTestCode, store.ErrNotFound, a *desk.ProofError or a
// *RateLimitError. The address limit and the code's signature are checked before any database work, so
// garbage costs no query.
func (p *publicAPI) refresh(ctx context.Context, code, addr string) (*store.License, error) {
	if err := allowKey(p.lim.refreshAddr, addrKey(addr)); err != nil {
		return nil, err
	}
	c, err := p.sup.Genuine(desk.CleanCode(code))
	if err != nil {
		return nil, err
	}
	if err := p.allowShared(ctx, p.lim.refreshLicense, ratelimit.LicenseKey(c.LicenseID), "refresh-license:"+c.LicenseID); err != nil {
		return nil, err
	}
	l, err := p.sup.Proven(ctx, c)
	if err != nil {
		return nil, err
	}
	l = p.reconcile(ctx, l)
	p.s.log.InfoContext(ctx, "code refreshed", "license_id", l.ID, "from_generation", c.Generation,
		"generation", l.Generation, "status", l.Status, "code_fp", verifier.Fingerprint(l.Code))
	return l, nil
}

// queryBudget bounds the daily marketplace query a refresh makes: a slow marketplace delays a buyer's
// refresh by at most this much, and never fails it.
const queryBudget = 3 * time.Second

// reconcile queries the marketplace for a license bound to a License 2.0 code, at most once per UTC day per
// code (claimed in the database, so replicas share it), and applies a difference as a new generation
// (source koogallery-query). Whatever goes wrong, it returns the license as the database has it.
func (p *publicAPI) reconcile(ctx context.Context, l *store.License) *store.License {
	mkt, day := p.s.cfg.Market, utcDay(p.s.now())
	if l.MarketCode == "" || mkt == nil || l.QueriedDay >= day {
		return l
	}
	claimed, err := p.s.st.ClaimQueryDay(ctx, l.ID, day)
	if err != nil || !claimed {
		return l
	}
	qctx, cancel := context.WithTimeout(ctx, queryBudget)
	q, err := mkt.Query(qctx, l.MarketCode)
	cancel()
	if err != nil {
		p.s.log.WarnContext(ctx, "daily marketplace query failed; answering from the database", "license_id", l.ID, "err", err)
		return l
	}
	m := license.MarketState{Status: q.Status, ExpiresAt: unixOrZero(q.ExpiresAt)}
	d := license.Delivery{At: p.s.now().Unix(), Source: license.SourceQuery, Actor: "koogallery", Activity: "query"}
	next, out, err := p.s.stepIfChanged(ctx, l.ID, d, func(cur license.License, now time.Time) (license.License, license.Outcome, error) {
		return license.Reconcile(cur, m, now)
	})
	if err != nil {
		p.s.log.WarnContext(ctx, "apply the marketplace query", "license_id", l.ID, "err", err)
		return l
	}
	if !out.Applied { // the marketplace agrees: nothing to record
		return next
	}
	p.s.log.InfoContext(ctx, "license reconciled with the marketplace", "license_id", next.ID, "status", next.Status,
		"generation", next.Generation, "action", out.Action)
	return next
}

// hitLimits counts a request against limits kept in the database (the license or code it asks about, for
// every replica). It returns a *RateLimitError when one is reached.
func (p *publicAPI) hitLimits(ctx context.Context, limits ...store.Limit) error {
	ok, retry, err := p.s.st.Hit(ctx, refreshWindow, limits...)
	if err != nil {
		return err
	}
	p.purgeLimits(ctx)
	if !ok {
		return &RateLimitError{RetryAfter: retry}
	}
	return nil
}

// purgeLimits deletes expired rate-limit counters once per window per process.
func (p *publicAPI) purgeLimits(ctx context.Context) {
	win := p.s.now().Unix() / int64(refreshWindow/time.Second)
	old := p.purged.Load()
	if old == win || !p.purged.CompareAndSwap(old, win) {
		return
	}
	if _, err := p.s.st.PurgeRateLimits(ctx); err != nil {
		p.s.log.WarnContext(ctx, "purge rate limits", "err", err)
	}
}

// clientAddr is the client's IP address as the connection shows it. X-Forwarded-For and the like are
// ignored: anyone can set them, so trusting them needs a trusted proxy in front (not configured).
func (p *publicAPI) clientAddr(r *http.Request) string {
	return clientAddr(r, p.s.cfg.TrustedProxies)
}

// clientAddr returns the address a request came from, for rate limits: the connection's peer, or, when
// that peer is a trusted proxy (a load balancer in front of licentia), the nearest address in
// X-Forwarded-For that is not itself a trusted proxy. Headers from untrusted peers are ignored, so a
// client cannot pick its own address.
func clientAddr(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if !isTrusted(host, trusted) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		if _, err := netip.ParseAddr(hop); err != nil {
			break // not an address: stop at what the proxies vouched for
		}
		if !isTrusted(hop, trusted) {
			return hop
		}
		host = hop
	}
	return host
}

func isTrusted(addr string, trusted []netip.Prefix) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
