package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// front is what every request a route serves meets first, in one wrapper and one allocation (a
// requestState) on the hot paths:
//
//   - the request's id (requestIDOf), in the answer's X-Request-Id header and in the request's context,
//     where every log line about it and every audit event it causes find it (middleware.GetReqID);
//   - a panic turned into an answer the caller understands — 000005 on the marketplace path, a JSON 500
//     elsewhere — and logged. No input is expected to panic; this is the last line of defence;
//   - the latency, labelled with the route pattern and the method, both from fixed sets, and at debug level
//     a log line (path only: query strings carry marketplace tokens and customer data).
//
// It stands in front of the router and carries the router's context itself, so the router adds none.
func (s *Server) front(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rs := &requestState{Context: r.Context(), w: w}
		rs.id[0] = s.requestIDOf(r, &rs.idBuf)
		rs.route.Routes = s.router
		rs.route.RoutePatterns = rs.patterns[:0]
		w.Header()[middleware.RequestIDHeader] = rs.id[:]
		r = r.WithContext(rs)
		defer s.finish(rs, r, start)
		next.ServeHTTP(rs, r)
	})
}

// finish ends a request front served: it answers a panic, records the latency and logs the request.
func (s *Server) finish(rs *requestState, r *http.Request, start time.Time) {
	if v := recover(); v != nil {
		if v == http.ErrAbortHandler {
			panic(v)
		}
		s.log.ErrorContext(r.Context(), "panic serving request", "panic", v, "path", logPath(r.URL.Path))
		if r.URL.Path == s.cfg.CallbackPath {
			s.answer(rs, r, "", 0, resultInternal, "internal error, please retry", answer{})
		} else {
			writeError(rs, http.StatusInternalServerError, "internal", "internal error")
		}
	}
	d := time.Since(start)
	route := rs.route.RoutePattern() // the whole pattern, also of a route in a mounted router
	if route == "" {
		route = "unmatched"
	}
	s.metrics.latencyOf.get(route, s.methods.label(r.Method)).Observe(d.Seconds())
	if s.log.Enabled(r.Context(), slog.LevelDebug) {
		s.log.DebugContext(r.Context(), "request", "method", r.Method, "path", logPath(r.URL.Path), "status", rs.status,
			"duration", d)
	}
}

// requestState is one request's context (its id and the router's context) and its response writer (which
// notes the status), in one allocation.
type requestState struct {
	context.Context
	id       [1]string // the X-Request-Id header's value
	idBuf    [idLen]byte
	route    chi.Context
	patterns [4]string // room for the route's patterns (a mounted router's too)
	w        http.ResponseWriter
	status   int
}

// Value answers the request id and the router's context; anything else from the parent.
func (rs *requestState) Value(key any) any {
	switch key {
	case middleware.RequestIDKey:
		return rs.id[0] // boxed when asked (an audit event, a log line), not for every request
	case chi.RouteCtxKey:
		return &rs.route
	}
	return rs.Context.Value(key)
}

func (rs *requestState) Header() http.Header { return rs.w.Header() }

func (rs *requestState) WriteHeader(code int) {
	if rs.status == 0 {
		rs.status = code
	}
	rs.w.WriteHeader(code)
}

func (rs *requestState) Write(p []byte) (int, error) {
	if rs.status == 0 {
		rs.status = http.StatusOK
	}
	return rs.w.Write(p)
}

// Unwrap gives http.ResponseController the connection's writer.
func (rs *requestState) Unwrap() http.ResponseWriter { return rs.w }

// maxLogPath is the most of a request path a log line repeats: paths are the client's to choose.
const maxLogPath = 256

// logPath returns path, cut to maxLogPath bytes (on a rune boundary) with "…" when longer.
func logPath(path string) string {
	if len(path) <= maxLogPath {
		return path
	}
	cut := maxLogPath
	for cut > 0 && !utf8.RuneStart(path[cut]) {
		cut--
	}
	return path[:cut] + "…"
}
