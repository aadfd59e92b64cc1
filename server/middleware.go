package server

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// reqIDPrefix starts every request id this process makes: the host name and a random word, so ids from
// different processes differ.
var reqIDPrefix = func() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return host + "/" + rand.Text()[:10] + "-"
}()

var reqIDCounter atomic.Uint64

// requestID gives each request an id in its context (middleware.GetReqID reads it): the caller's
// X-Request-Id when it sends one, else the process's prefix and a counter. It is chi's RequestID with one
// allocation for the id instead of a formatted string.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(middleware.RequestIDHeader)
		if id == "" {
			var buf [96]byte
			b := append(buf[:0], reqIDPrefix...)
			n := reqIDCounter.Add(1)
			for p := uint64(100000); p > 1 && n < p; p /= 10 {
				b = append(b, '0') // at least six digits, as chi writes them
			}
			id = string(strconv.AppendUint(b, n, 10))
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), middleware.RequestIDKey, id)))
	})
}

// accessLog logs every request (path only: query strings carry marketplace tokens and customer data)
// and records its latency.
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
		s.metrics.latency.WithLabelValues(route, r.Method).Observe(d.Seconds())
		if s.log.Enabled(r.Context(), slog.LevelDebug) {
			s.log.DebugContext(r.Context(), "request", "method", r.Method, "path", r.URL.Path, "status", ww.Status(),
				"duration", d)
		}
	})
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
			s.log.ErrorContext(r.Context(), "panic serving request", "panic", v, "path", r.URL.Path)
			if r.URL.Path == s.cfg.CallbackPath {
				s.reply(w, r, "", 0, resultInternal, "internal error, please retry", answer{})
				return
			}
			writeError(w, http.StatusInternalServerError, "internal", "internal error")
		}()
		next.ServeHTTP(w, r)
	})
}
