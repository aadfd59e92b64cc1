package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/go-chi/chi/v5/middleware"
)

// maxRequestID is the longest X-Request-Id accepted from a trusted proxy.
const maxRequestID = 64

// requestIDs hands out request ids: a random per-process prefix and a counter, so ids from several
// replicas never collide and say which process answered.
type requestIDs struct {
	prefix string
	n      atomic.Uint64
}

func newRequestIDs() *requestIDs {
	b := make([]byte, 6)
	rand.Read(b)
	return &requestIDs{prefix: hex.EncodeToString(b)}
}

func (g *requestIDs) next() string {
	return g.prefix + "-" + strconv.FormatUint(g.n.Add(1), 10)
}

// requestID gives every request an id, which every log line about it and every audit event it causes
// carry, and which the answer's X-Request-Id header returns. A client cannot choose it: an X-Request-Id
// header is used only when the request comes from a trusted proxy (Config.TrustedProxies), so that one
// id can follow a request through the load balancer's logs and licentia's, and only when it is short and
// plain (validRequestID). Anything else gets an id of licentia's own.
func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(middleware.RequestIDHeader)
		if id == "" || !validRequestID(id) || !s.fromTrustedProxy(r) {
			id = s.ids.next()
		}
		w.Header().Set(middleware.RequestIDHeader, id)
		ctx := context.WithValue(r.Context(), middleware.RequestIDKey, id)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// fromTrustedProxy reports whether the request's peer is one of the trusted proxies.
func (s *Server) fromTrustedProxy(r *http.Request) bool {
	if len(s.cfg.TrustedProxies) == 0 {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return isTrusted(host, s.cfg.TrustedProxies)
}

// validRequestID reports whether id is 1 to 64 characters of A–Z, a–z, 0–9, '.', '_' and '-': enough for
// the ids nginx ($request_id), HAProxy (unique-id-format) and cloud load balancers make, and nothing that
// could forge a log line or a JSON field.
func validRequestID(id string) bool {
	if len(id) == 0 || len(id) > maxRequestID {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}
