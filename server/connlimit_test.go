package server

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"testing"
	"time"
)

// serveLimited serves a real Server on a loopback listener wrapped by its Listener, with the given limit
// and trusted proxies, and returns its address.
func serveLimited(t *testing.T, limit int, trusted []netip.Prefix) (string, *Server) {
	t.Helper()
	s, _, _ := newTestServer(t, t.TempDir(), serverOptions{keys: []string{testKey}, now: time.Now})
	s.cfg.MaxConnsPerClient, s.cfg.TrustedProxies = limit, trusted
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(s.Listener(ln))
	t.Cleanup(func() { hs.Close() })
	return ln.Addr().String(), s
}

// dialFrom opens a connection to addr from the loopback address from (127.0.0.x).
func dialFrom(t *testing.T, from, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial from %s: %v", from, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// healthz sends GET /healthz on c and reports whether a 200 came back; a connection the server closed
// unanswered gives false.
func healthz(c net.Conn) bool {
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: licentia\r\n\r\n"); err != nil {
		return false
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode == http.StatusOK
}

// TestConnLimitPerClient holds connections open from one loopback address and checks that the one past
// the limit is closed unanswered, that other addresses and trusted proxies are not affected, and that a
// closed connection gives its slot back.
func TestConnLimitPerClient(t *testing.T) {
	const limit = 3
	addr, s := serveLimited(t, limit, []netip.Prefix{netip.MustParsePrefix("127.0.0.9/32")})
	var held []net.Conn
	for i := range limit {
		c := dialFrom(t, "127.0.0.2", addr)
		if !healthz(c) {
			t.Fatalf("connection %d of %d from 127.0.0.2 not answered", i+1, limit)
		}
		held = append(held, c)
	}
	if healthz(dialFrom(t, "127.0.0.2", addr)) {
		t.Fatalf("connection %d from 127.0.0.2 answered, want it closed (limit %d)", limit+1, limit)
	}
	if got := testCounterValue(t, s); got < 1 {
		t.Errorf("licentia_connections_refused_total = %v, want at least 1", got)
	}
	if !healthz(dialFrom(t, "127.0.0.3", addr)) {
		t.Errorf("another client address refused while 127.0.0.2 is at its limit")
	}
	for i := range limit + 2 {
		if !healthz(dialFrom(t, "127.0.0.9", addr)) {
			t.Errorf("connection %d from the trusted proxy refused", i+1)
		}
	}
	// Closing one held connection frees a slot: wait until the server has seen the close.
	held[0].Close()
	deadline := time.Now().Add(10 * time.Second)
	for !healthz(dialFrom(t, "127.0.0.2", addr)) {
		if time.Now().After(deadline) {
			t.Fatalf("no slot freed 10 s after a connection from 127.0.0.2 closed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, c := range held[1:] {
		if !healthz(c) {
			t.Errorf("a held connection stopped being answered")
		}
	}
}

// testCounterValue returns licentia_connections_refused_total of s.
func testCounterValue(t *testing.T, s *Server) float64 {
	t.Helper()
	mfs, err := s.metrics.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "licentia_connections_refused_total" {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatal(errors.New("no licentia_connections_refused_total"))
	return 0
}

// pipeListener hands out one end of in-memory connections whose peer address the test chooses.
type pipeListener struct{ conns chan net.Conn }

func (l pipeListener) Accept() (net.Conn, error) {
	c, ok := <-l.conns
	if !ok {
		return nil, net.ErrClosed
	}
	return c, nil
}
func (l pipeListener) Close() error   { return nil }
func (l pipeListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

type peerConn struct {
	net.Conn
	peer net.Addr
}

func (c peerConn) RemoteAddr() net.Addr { return c.peer }

// TestConnLimitKeys checks that IPv6 clients are counted by /64 and IPv4-mapped addresses as IPv4, as
// the rate limits count them: with a limit of 1, the second connection of a group is closed.
func TestConnLimitKeys(t *testing.T) {
	tests := []struct {
		name         string
		first, again string
		same         bool
	}{
		{"one IPv6 /64", "[2001:db8:1:2::1]:1000", "[2001:db8:1:2:ffff::9]:1001", true},
		{"two IPv6 /64s", "[2001:db8:1:2::1]:1000", "[2001:db8:1:3::1]:1001", false},
		{"IPv4 and its mapped form", "192.0.2.1:1000", "[::ffff:192.0.2.1]:1001", true},
		{"two IPv4 addresses", "192.0.2.1:1000", "192.0.2.2:1001", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Server{cfg: Config{MaxConnsPerClient: 1}, metrics: newMetrics(nil)}
			conns := make(chan net.Conn, 2)
			ln := s.Listener(pipeListener{conns})
			var far []net.Conn
			for _, peer := range []string{tt.first, tt.again} {
				near, other := net.Pipe()
				far = append(far, other)
				conns <- peerConn{near, net.TCPAddrFromAddrPort(netip.MustParseAddrPort(peer))}
			}
			close(conns)
			got, err := ln.Accept()
			if err != nil {
				t.Fatalf("Accept() first = %v", err)
			}
			defer got.Close()
			second, err := ln.Accept()
			if tt.same {
				if !errors.Is(err, net.ErrClosed) {
					t.Errorf("Accept() second = %v, %v; want it closed and the listener's end", second, err)
				}
				far[1].SetReadDeadline(time.Now().Add(5 * time.Second))
				if _, err := far[1].Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
					t.Errorf("the refused connection read %v, want EOF", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Accept() second = %v, want a connection of its own", err)
			}
			second.Close()
		})
	}
}
