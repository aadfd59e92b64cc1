package server

import (
	"log/slog"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// accessLog logs every request (path only: query strings carry marketplace tokens and customer data)
// and records its latency, labelled with the route pattern and the method, both from fixed sets.
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		d := time.Since(start)
		route := chi.RouteContext(r.Context()).RoutePattern()
		if route == "" {
			route = "unmatched"
		}
		s.metrics.latency.WithLabelValues(route, s.methods.label(r.Method)).Observe(d.Seconds())
		if s.log.Enabled(r.Context(), slog.LevelDebug) {
			s.log.DebugContext(r.Context(), "request", "method", r.Method, "path", logPath(r.URL.Path), "status", ww.Status(),
				"duration", d)
		}
	})
}

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

// recoverer turns a panic into an answer the caller understands — 000005 on the marketplace path, a JSON
// 500 elsewhere — and logs it. No input is expected to panic; this is the last line of defence.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil || v == http.ErrAbortHandler {
				if v != nil {
					panic(v)
				}
				return
			}
			s.log.ErrorContext(r.Context(), "panic serving request", "panic", v, "path", logPath(r.URL.Path))
			if r.URL.Path == s.cfg.CallbackPath {
				s.answer(w, r, "", 0, resultInternal, "internal error, please retry", answer{})
				return
			}
			writeError(w, http.StatusInternalServerError, "internal", "internal error")
		}()
		next.ServeHTTP(w, r)
	})
}
