package server

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"unsafe"

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

// idLen is the room an id of licentia's own takes: 12 hex digits, '-' and a counter of up to 20 digits.
const idLen = 33

// next returns the next id, written in buf (which the caller keeps for the id's life: no allocation).
func (g *requestIDs) next(buf *[idLen]byte) string {
	b := strconv.AppendUint(append(append(buf[:0], g.prefix...), '-'), g.n.Add(1), 10)
	return unsafe.String(&b[0], len(b))
}

// requestIDOf returns the id of a request: its X-Request-Id header when the request comes from a trusted
// proxy (Config.TrustedProxies) and the id is short and plain (validRequestID), so that one id can follow a
// request through the load balancer's logs and licentia's; otherwise an id of licentia's own. A client
// cannot choose it.
func (s *Server) requestIDOf(r *http.Request, buf *[idLen]byte) string {
	if v := r.Header[middleware.RequestIDHeader]; len(v) > 0 && validRequestID(v[0]) && s.fromTrustedProxy(r) {
		return v[0]
	}
	return s.ids.next(buf)
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
