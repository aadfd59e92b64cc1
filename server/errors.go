package server

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/licensing"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/server/support"
	"github.com/licentia/licentia/verifier"
)

// Errors of the admin API. errorStatus maps them (and package support's, the store's and the verifier's) to HTTP
// answers.
var (
	// ErrForbidden means the admin token's role does not allow the operation.
	ErrForbidden = errors.New("the token's role does not allow this")
	// ErrLicenseRevoked means the license is revoked, which is final: it cannot be reissued.
	ErrLicenseRevoked = license.ErrRevoked
	// ErrLicenseReleased means the marketplace released the license (the order ended): it cannot be
	// reissued.
	ErrLicenseReleased = license.ErrReleased
	// ErrLoopbackOnly means /metrics on the public listener was asked for by a client that is not on
	// loopback (or through a proxy); it is answered 403.
	ErrLoopbackOnly = errors.New("/metrics on this address answers loopback clients only; scrape it from the host itself, or serve it on --metrics-addr")
)

// badRequest returns a *licensing.RequestError, answered 400 bad_request with its message.
func badRequest(format string, args ...any) error { return licensing.BadRequest(format, args...) }

// errorStatus is the only table from errors to HTTP answers: the status and the stable snake_case code
// of the body {"error":{"code","message"}}. Anything it does not know is a 500 "internal".
func errorStatus(err error) (status int, code string) {
	var (
		reqErr   *licensing.RequestError
		rateErr  *licensing.RateLimitError
		seatErr  *licensing.SeatError
		tooLarge *http.MaxBytesError
	)
	switch {
	case errors.As(err, &seatErr):
		return http.StatusConflict, seatErr.Code
	case errors.As(err, &reqErr):
		return http.StatusBadRequest, "bad_request"
	case errors.Is(err, verifier.ErrTestCode):
		return http.StatusBadRequest, "test_code"
	case errors.Is(err, support.ErrInvalidCode):
		return http.StatusBadRequest, "invalid_code"
	case errors.Is(err, support.ErrSupersededProof):
		return http.StatusForbidden, "code_superseded"
	case errors.Is(err, support.ErrUnauthorized):
		return http.StatusUnauthorized, "unauthorized"
	case errors.Is(err, ErrCrossSite):
		return http.StatusForbidden, "cross_site"
	case errors.Is(err, ErrNoSuchSeat):
		return http.StatusNotFound, "seat_not_found"
	case errors.Is(err, ErrForbidden), errors.Is(err, ErrLoopbackOnly):
		return http.StatusForbidden, "forbidden"
	case errors.Is(err, licensing.ErrNotReceived):
		return http.StatusConflict, "not_received"
	case errors.Is(err, licensing.ErrMarketUnconfigured):
		return http.StatusServiceUnavailable, "marketplace_unconfigured"
	case errors.Is(err, licensing.ErrMarketUnavailable):
		return http.StatusBadGateway, "marketplace_unavailable"
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound, "not_found"
	case errors.Is(err, ErrLicenseRevoked):
		return http.StatusConflict, "license_revoked"
	case errors.Is(err, ErrLicenseReleased):
		return http.StatusConflict, "license_released"
	case errors.Is(err, support.ErrAmbiguous):
		return http.StatusConflict, "ambiguous"
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrRefTaken):
		return http.StatusConflict, "conflict"
	case errors.As(err, &tooLarge):
		return http.StatusRequestEntityTooLarge, "too_large"
	case errors.As(err, &rateErr):
		return http.StatusTooManyRequests, "rate_limited"
	default:
		return http.StatusInternalServerError, "internal"
	}
}

// unavailableMessage is what a 502 or 503 answer says: what the caller can do, never the detail behind it
// (the marketplace's address, a connection error, a gateway's answer), which only the log keeps.
func unavailableMessage(err error) string {
	switch {
	case errors.Is(err, licensing.ErrMarketUnconfigured):
		return "this server cannot activate KooGallery license codes; please contact the seller's support"
	case errors.Is(err, licensing.ErrMarketUnavailable):
		return "the marketplace could not be asked about this code just now; please try again in a few minutes, " +
			"and contact the seller's support if it persists"
	default:
		return "the service is unavailable just now; please try again in a few minutes"
	}
}

// fail answers err as the JSON error body. A 500 gets a generic message and its error is logged at
// Error level with the request id; a 502 or 503 says what the caller can do (unavailableMessage) and its
// error is logged at Warn level; other errors are answered with their own message (they never carry a
// code, key or internal address) and logged at Debug level.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, code := errorStatus(err)
	msg := s.logFailure(w, r, status, err)
	var seatErr *licensing.SeatError
	if errors.As(err, &seatErr) {
		writeSeatError(w, seatErr, msg)
		return
	}
	writeError(w, status, code, msg)
}

// logFailure logs err and returns the message to show for it, setting the headers its status asks for
// (Retry-After, WWW-Authenticate).
func (s *Server) logFailure(w http.ResponseWriter, r *http.Request, status int, err error) string {
	ctx := r.Context()
	reqID := middleware.GetReqID(ctx)
	switch status {
	case http.StatusInternalServerError:
		s.log.ErrorContext(ctx, "request failed", "path", r.URL.Path, "request_id", reqID, "err", err)
		return "internal error; quote request id " + reqID + " when reporting it"
	case http.StatusBadGateway, http.StatusServiceUnavailable:
		s.log.WarnContext(ctx, "request failed", "path", r.URL.Path, "status", status, "request_id", reqID, "err", err)
		return unavailableMessage(err)
	case http.StatusTooManyRequests:
		var rl *licensing.RateLimitError
		if errors.As(err, &rl) {
			secs := max(int64((rl.RetryAfter+time.Second-1)/time.Second), 1)
			w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		}
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="licentia admin"`)
	}
	s.log.DebugContext(ctx, "request refused", "path", r.URL.Path, "status", status, "request_id", reqID, "err", err)
	return err.Error()
}
