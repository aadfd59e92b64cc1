package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/verifier"
)

// Errors of the support operations, the admin API and the public code endpoints. errorStatus maps them
// (and the store's and verifier's) to HTTP answers.
var (
	// ErrUnauthorized means the admin request carries no bearer token, or one that is unknown or revoked.
	ErrUnauthorized = errors.New("missing, unknown or revoked admin token")
	// ErrForbidden means the admin token's role does not allow the operation.
	ErrForbidden = errors.New("the token's role does not allow this")
	// ErrLicenseRevoked means the license is revoked, which is final: it cannot be reissued.
	ErrLicenseRevoked = license.ErrRevoked
	// ErrLicenseReleased means the marketplace released the license (the order ended): it cannot be
	// reissued.
	ErrLicenseReleased = license.ErrReleased
	// ErrSupersededProof means a genuine code was presented as proof of holding a license, but the license
	// was reissued (or revoked) after it: it no longer fetches the current code.
	ErrSupersededProof = errors.New("this code was superseded by a reissue and no longer proves the license; use the newer code")
	// ErrAmbiguous means a reference (an order or customer id) matches more than one license.
	ErrAmbiguous = errors.New("more than one license matches")
	// ErrInvalidCode means a presented code is not a genuine authorization code of this server: it is
	// malformed, or its signature does not verify with any key of the ring. It wraps the verifier's error.
	ErrInvalidCode = errors.New("not a genuine authorization code")
)

// RequestError is a request the server cannot act on as asked: a bad parameter, a missing reason, a body
// that is not the expected JSON. It is answered 400 bad_request with its message.
type RequestError struct{ msg string }

// Error returns the message.
func (e *RequestError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &RequestError{msg: fmt.Sprintf(format, args...)}
}

// ProofError means a genuine code was presented as proof of holding a license that was reissued or revoked
// after that code was issued; it wraps ErrSupersededProof. Status is the license's status now.
type ProofError struct {
	LicenseID  string
	Generation int64 // of the presented code
	Status     string
}

// Error names the license and the generation presented.
func (e *ProofError) Error() string {
	return fmt.Sprintf("license %s, generation %d: %v", e.LicenseID, e.Generation, ErrSupersededProof)
}

// Unwrap returns ErrSupersededProof.
func (e *ProofError) Unwrap() error { return ErrSupersededProof }

// RateLimitError means a rate limit of the public code endpoints was reached; RetryAfter says when the
// current window ends.
type RateLimitError struct {
	// RetryAfter is how long until the limit resets.
	RetryAfter time.Duration
}

// Error returns a message naming the wait.
func (e *RateLimitError) Error() string {
	return fmt.Sprintf("too many requests; retry in %s", e.RetryAfter)
}

// errorStatus is the only table from errors to HTTP answers: the status and the stable snake_case code
// of the body {"error":{"code","message"}}. Anything it does not know is a 500 "internal".
func errorStatus(err error) (status int, code string) {
	var (
		reqErr   *RequestError
		rateErr  *RateLimitError
		tooLarge *http.MaxBytesError
	)
	switch {
	case errors.As(err, &reqErr):
		return http.StatusBadRequest, "bad_request"
	case errors.Is(err, verifier.ErrTestCode):
		return http.StatusBadRequest, "test_code"
	case errors.Is(err, ErrInvalidCode):
		return http.StatusBadRequest, "invalid_code"
	case errors.Is(err, ErrSupersededProof):
		return http.StatusForbidden, "code_superseded"
	case errors.Is(err, ErrUnauthorized):
		return http.StatusUnauthorized, "unauthorized"
	case errors.Is(err, ErrForbidden):
		return http.StatusForbidden, "forbidden"
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound, "not_found"
	case errors.Is(err, ErrLicenseRevoked):
		return http.StatusConflict, "license_revoked"
	case errors.Is(err, ErrLicenseReleased):
		return http.StatusConflict, "license_released"
	case errors.Is(err, ErrAmbiguous):
		return http.StatusConflict, "ambiguous"
	case errors.Is(err, store.ErrConflict):
		return http.StatusConflict, "conflict"
	case errors.As(err, &tooLarge):
		return http.StatusRequestEntityTooLarge, "too_large"
	case errors.As(err, &rateErr):
		return http.StatusTooManyRequests, "rate_limited"
	default:
		return http.StatusInternalServerError, "internal"
	}
}

// fail answers err as the JSON error body. A 500 gets a generic message and its error is logged at
// Error level with the request id; other errors are answered with their own message (they never carry
// a code or key) and logged at Debug level.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, code := errorStatus(err)
	msg := s.logFailure(w, r, status, err)
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
	case http.StatusTooManyRequests:
		var rl *RateLimitError
		if errors.As(err, &rl) {
			secs := max(int64(rl.RetryAfter/time.Second), 1)
			w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		}
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="licentia admin"`)
	}
	s.log.DebugContext(ctx, "request refused", "path", r.URL.Path, "status", status, "request_id", reqID, "err", err)
	return err.Error()
}
