package server

import (
	"net"
	"net/netip"
	"sync"

	"github.com/licentia/licentia/server/ratelimit"
)

// DefaultMaxConnsPerClient is the number of connections one client address may hold open at once unless
// configured otherwise (serve --max-client-conns): far more than a buyer's software, a browser or the
// marketplace opens, few enough that one address holding unfinished requests costs a bounded amount of
// memory (each at most MaxHeaderBytes plus a goroutine).
const DefaultMaxConnsPerClient = 256

// MaxHeaderBytes bounds the request line and headers the server reads from one request. The longest
// legitimate ones are License 1.0 callback URLs (a few KB with percent-encoded Chinese names); 32 KiB is
// what nginx's default buffers allow, and leaves room for cookies on the buyer page.
const MaxHeaderBytes = 32 << 10

// Listener wraps ln so that one client address — an IPv4 address, or an IPv6 /64 as the rate limits
// group them — holds at most cfg.MaxConnsPerClient connections at once; a connection past the limit is
// closed as soon as it is accepted, before anything is read from it, and counted in
// licentia_connections_refused_total. Connections from a trusted proxy are not limited: they carry many
// clients. A MaxConnsPerClient of 0 returns ln unchanged.
//
// The table holds one entry per client address with a connection open, and drops it when the last one
// closes, so it is bounded by the number of open connections.
func (s *Server) Listener(ln net.Listener) net.Listener {
	if s.cfg.MaxConnsPerClient <= 0 {
		return ln
	}
	return &limitListener{Listener: ln, max: s.cfg.MaxConnsPerClient, trusted: s.cfg.TrustedProxies,
		refused: s.metrics.refusedConns.Inc, open: map[ratelimit.Key]int{}}
}

type limitListener struct {
	net.Listener
	max     int
	trusted []netip.Prefix
	refused func()

	mu   sync.Mutex
	open map[ratelimit.Key]int
}

// Accept returns the next connection whose client address is within its limit.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ap, err := netip.ParseAddrPort(c.RemoteAddr().String())
		if err != nil || isTrusted(ap.Addr().Unmap().String(), l.trusted) {
			return c, nil // not an IP peer (a Unix socket), or a trusted proxy
		}
		k := ratelimit.AddrKey(ap.Addr())
		if !l.acquire(k) {
			l.refused() // counted before the close, which the client sees
			c.Close()
			continue
		}
		return &limitedConn{Conn: c, release: func() { l.release(k) }}, nil
	}
}

func (l *limitListener) acquire(k ratelimit.Key) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[k] >= l.max {
		return false
	}
	l.open[k]++
	return true
}

func (l *limitListener) release(k ratelimit.Key) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[k]--; l.open[k] <= 0 {
		delete(l.open, k)
	}
}

// limitedConn gives its client's slot back when it is closed (once, however often Close is called).
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// CloseWrite half-closes the connection where the underlying one can (TCP), so that net/http can let an
// error answer (431, 400) reach the client before the connection is closed.
func (c *limitedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
