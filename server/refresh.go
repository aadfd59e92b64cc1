package server

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/licensing"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/server/support"
	"github.com/licentia/licentia/verifier"
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
	sup  *support.Desk
	revs *revocationCache
	lim  *publicLimits
	// origins refuses the buyer page's seat-freeing posts from other sites' pages (Sec-Fetch-Site, Origin).
	origins *http.CrossOriginProtection
}

func newPublicAPI(s *Server, sup *support.Desk) *publicAPI {
	return &publicAPI{s: s, sup: sup, revs: newRevocationCache(s.st, s.is, s.now), lim: newPublicLimits(s.st, s.now, s.cfg.Activation),
		origins: http.NewCrossOriginProtection()}
}

// RefreshRequest is the body of POST /v1/codes/refresh.
type RefreshRequest struct {
	// Code is any genuine code of the license: current, superseded or expired.
	Code string `json:"code"`
	// Deployment optionally names the installation asking (a string is its id alone): the license then
	// takes a seat for it, and the answer is the code bound to it. Without it, a code bound to a deployment
	// is answered the current code of the same seat, and any other the license's own code.
	Deployment *verifier.Deployment `json:"deployment,omitempty"`
}

// handleRefresh serves POST /v1/codes/refresh {"code":"…"}.
func (p *publicAPI) handleRefresh(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	var req RefreshRequest
	body, err := readJSONBody(w, r)
	if err == nil {
		var ok bool
		if req.Code, ok = codeOnly(body.b); !ok {
			err = unmarshalJSON(body.b, &req)
		}
		body.release()
	}
	if err == nil && strings.TrimSpace(req.Code) == "" {
		err = badRequest(`no code given: send {"code":"<any code of the license>"}`)
	}
	if err == nil && req.Deployment != nil { // refused before it costs the address a request
		err = licensing.CheckDeployment(*req.Deployment)
	}
	var l *store.License
	if err == nil {
		l, err = p.refresh(r.Context(), req.Code, req.Deployment, p.clientAddr(r))
	}
	if err != nil {
		p.s.fail(w, r, err)
		return
	}
	// A released or revoked license is answered 200 like any other: its current code says so (it fails
	// every verifier).
	writeJSON(w, http.StatusOK, support.CodeAnswer(l))
}

// refresh returns the current state of the license that code (any genuine, non-test code of it) belongs
// to, after counting the request against the rate limits of addr and of the license. It returns an error
// wrapping support.ErrInvalidCode, verifier.ErrTestCode, store.ErrNotFound, a *support.ProofError or a
// *licensing.RateLimitError. The address limit and the code's signature are checked before any database work, so
// garbage costs no query.
func (p *publicAPI) refresh(ctx context.Context, code string, d *verifier.Deployment, addr string) (*store.License, error) {
	c, l, err := p.prove(ctx, code, addr)
	if err != nil {
		return nil, err
	}
	l = p.s.svc.Reconcile(ctx, l)
	switch {
	case d != nil:
		l, err = p.s.svc.Seat(ctx, l, *d, buyerActor(ctx))
	case c.Deployment != nil:
		l, err = p.s.svc.SeatOf(ctx, l, c.Deployment, buyerActor(ctx))
	}
	if err != nil {
		return nil, err
	}
	if p.s.log.Enabled(ctx, slog.LevelInfo) {
		p.s.log.InfoContext(ctx, "code refreshed", "license_id", l.ID, "from_generation", c.Generation,
			"generation", l.Generation, "status", l.Status, "code_fp", verifier.Fingerprint(l.Code))
	}
	return l, nil
}

// UsageRequest is the body of POST /v1/usage: a check-in of one installation.
type UsageRequest struct {
	// Code is any genuine code of the license, as for a refresh.
	Code string `json:"code"`
	// Deployment names the installation (a string is its id alone).
	Deployment *verifier.Deployment `json:"deployment"`
}

// handleUsage serves POST /v1/usage {"code","deployment"}: the installation is in use. It takes or keeps
// the deployment's seat (renewing its lease) as a refresh does, answers 204 and no code.
func (p *publicAPI) handleUsage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	var req UsageRequest
	err := decodeJSON(w, r, &req)
	switch {
	case err != nil:
	case strings.TrimSpace(req.Code) == "":
		err = badRequest(`no code given: send {"code":"<any code of the license>","deployment":{"id":"…"}}`)
	case req.Deployment == nil:
		err = badRequest(`no deployment given: send {"code":"…","deployment":{"id":"<this installation's id>"}}`)
	default:
		err = licensing.CheckDeployment(*req.Deployment)
	}
	if err == nil {
		err = p.checkIn(r.Context(), req.Code, *req.Deployment, p.clientAddr(r))
	}
	if err != nil {
		p.s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// checkIn is refresh's check-in: the same limits and proofs, then the seat, no code.
func (p *publicAPI) checkIn(ctx context.Context, code string, d verifier.Deployment, addr string) error {
	_, l, err := p.prove(ctx, code, addr)
	if err != nil {
		return err
	}
	return p.s.svc.CheckIn(ctx, l, d, buyerActor(ctx))
}

// prove is what every request a code authorizes checks first: it counts the request against the rate
// limits of addr and of the code's license, and returns the claims of code and the license they prove the
// holding of (see support.Desk.Genuine and Proven): never for a test code, nor one a reissue or revoke
// made void. The address limit and the code's signature are checked before any database work, so garbage
// costs no query.
func (p *publicAPI) prove(ctx context.Context, code, addr string) (*verifier.Claims, *store.License, error) {
	if err := allowKey(p.lim.refreshAddr, addrKey(addr)); err != nil {
		return nil, nil, err
	}
	c, err := p.sup.Genuine(support.CleanCode(code))
	if err != nil {
		return nil, nil, err
	}
	if err := p.lim.refreshLicense.Allow(ctx, "refresh-license:"+c.LicenseID); err != nil {
		return nil, nil, err
	}
	l, err := p.sup.Proven(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	return c, l, nil
}

// buyerActor is who the audit log records for a request a code authorizes: the code's holder.
func buyerActor(ctx context.Context) licensing.Actor {
	return licensing.Actor{Source: license.SourceAPI, Name: "buyer", RequestID: middleware.GetReqID(ctx)}
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
