package server

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/licensing"
	"github.com/licentia/licentia/server/marketapi"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/server/support"
	"github.com/licentia/licentia/verifier"
)

const testKey = "test-access-key-123"

var t0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// testEnv is a real Server over a temp SQLite file, behind httptest, with a clock the test moves.
type testEnv struct {
	t     testing.TB
	st    *store.Store
	ring  *keys.Ring
	srv   *Server
	ts    *httptest.Server
	clock atomic.Int64 // unix nanoseconds
	nonce atomic.Int64
}

func newTestEnv(t testing.TB) *testEnv { return newTestEnvWith(t, nil) }

// newTestEnvWith is newTestEnv with a marketplace OpenAPI client (nil: none).
// act, when given, sets the activation limits.
func newTestEnvWith(t testing.TB, market func(now func() time.Time) *marketapi.Client, act ...licensing.ActivationLimits) *testEnv {
	t.Helper()
	return newTestEnvGrace(t, market, time.Hour, act...)
}

// newTestEnvGrace is newTestEnvWith with codes that carry grace.
func newTestEnvGrace(t testing.TB, market func(now func() time.Time) *marketapi.Client, grace time.Duration, act ...licensing.ActivationLimits) *testEnv {
	t.Helper()
	e := &testEnv{t: t}
	e.clock.Store(t0.UnixNano())
	now := func() time.Time { return time.Unix(0, e.clock.Load()).UTC() }
	o := serverOptions{keys: []string{testKey, "second-key"}, now: now, grace: grace}
	if len(act) > 0 {
		o.activation = act[0]
	}
	if market != nil {
		o.market = market(now)
	}
	e.srv, e.st, e.ring = newTestServer(t, t.TempDir(), o)
	e.ts = httptest.NewServer(e.srv.Handler())
	t.Cleanup(e.ts.Close)
	return e
}

// serverOptions vary the test servers built by newTestServer.
type serverOptions struct {
	keys  []string         // KooGallery access keys
	now   func() time.Time // the clock
	grace time.Duration    // grace of issued codes
	sync  string           // SQLite synchronous level ("" = FULL)
	// market is the marketplace OpenAPI client (nil: none)
	market *marketapi.Client
	// activation are the activation limits (zero: the defaults)
	activation licensing.ActivationLimits
}

// newTestServer builds a real Server over a new SQLite file in dir, signing with testRing(dir). The
// store is closed when the test ends.
func newTestServer(tb testing.TB, dir string, o serverOptions) (*Server, *store.Store, *keys.Ring) {
	tb.Helper()
	st, err := store.Open(context.Background(), filepath.Join(dir, "db.sqlite"), store.Options{Synchronous: o.sync, Now: o.now})
	if err != nil {
		tb.Fatalf("store.Open() err = %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	ring := testRing(tb, dir)
	cfg := Config{KooGalleryKeys: o.keys, Now: o.now, Market: o.market, Activation: o.activation}
	if err := cfg.Validate(); err != nil {
		tb.Fatal(err)
	}
	log := slog.New(&switchHandler{})
	return New(cfg, st, ring, support.NewIssuer(ring, "licentia", o.grace), log), st, ring
}

// switchHandler is the log handler of test servers: it discards until a test points it somewhere
// (logTo), so the HTTP side and the Service log to one place.
type switchHandler struct{ to atomic.Pointer[slog.Handler] }

func (h *switchHandler) target() slog.Handler {
	if p := h.to.Load(); p != nil {
		return *p
	}
	return slog.DiscardHandler
}
func (h *switchHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.target().Enabled(ctx, l)
}
func (h *switchHandler) Handle(ctx context.Context, r slog.Record) error {
	return h.target().Handle(ctx, r)
}
func (h *switchHandler) WithAttrs(a []slog.Attr) slog.Handler { return h.target().WithAttrs(a) }
func (h *switchHandler) WithGroup(g string) slog.Handler      { return h.target().WithGroup(g) }

// logTo sends the server's log (and its Service's) to w as text.
func (s *Server) logTo(w io.Writer) {
	h := slog.Handler(slog.NewTextHandler(w, nil))
	s.log.Handler().(*switchHandler).to.Store(&h)
}

// testRing returns the key ring in dir/keys, created from a fixed all-zero seed.
func testRing(tb testing.TB, dir string) *keys.Ring {
	tb.Helper()
	ring, _, err := keys.InitRing(filepath.Join(dir, "keys"), bytes.NewReader(make([]byte, 32)))
	if err != nil {
		tb.Fatalf("InitRing() err = %v", err)
	}
	return ring
}

func (e *testEnv) advance(d time.Duration) { e.clock.Add(int64(d)) }
func (e *testEnv) now() time.Time          { return time.Unix(0, e.clock.Load()).UTC() }

// market returns a marketplace client of the test server that signs with key. Answers to an unknown key are
// signed with the first configured key, so that is the key their Body-Sign is checked with.
func (e *testEnv) market(key string) (*koogallery.Caller, []koogallery.SignOption) {
	replyKey := key
	if key != testKey && key != "second-key" {
		replyKey = testKey
	}
	return koogallery.NewCaller(e.ts.URL+"/koogallery/license", replyKey, nil, e.now), []koogallery.SignOption{koogallery.WithKey(key)}
}

// legacy sends a License 1.0 GET signed with key, and checks the Body-Sign of the answer.
func (e *testEnv) legacy(key string, params map[string]string) answerJSON {
	e.t.Helper()
	c, opts := e.market(key)
	return e.check(c.Legacy(context.Background(), params, opts...))
}

// signed sends a signed POST callback, its signature in upper-case hex; opts may override the nonce or
// timestamp.
func (e *testEnv) signed(key string, body map[string]string, opts ...koogallery.SignOption) answerJSON {
	e.t.Helper()
	c, sign := e.market(key)
	sign = append(sign, koogallery.UpperHex(), koogallery.WithNonce(fmt.Sprintf("N%015d", e.nonce.Add(1))))
	return e.check(c.Signed(context.Background(), body, append(sign, opts...)...))
}

// check checks the form of a marketplace answer (HTTP 200, JSON, a Body-Sign that verifies) and decodes it.
func (e *testEnv) check(a *koogallery.Reply, err error) answerJSON {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("marketplace call err = %v", err)
	}
	if a.HTTPStatus != http.StatusOK {
		e.t.Fatalf("status = %d, want 200 (body %s)", a.HTTPStatus, a.Body)
	}
	if len(a.Header.Values("Body-Sign")) == 0 {
		e.t.Errorf("answer %s has no Body-Sign", a.Body)
	}
	if err := a.FormError(); err != nil {
		e.t.Errorf("answer %s: %v", a.Body, err)
	}
	var r answerJSON
	if err := json.Unmarshal(a.Body, &r); err != nil {
		e.t.Fatalf("answer %q is not JSON: %v", a.Body, err)
	}
	return r
}

// decode reads an answer to a License 1.0 call sent by hand, checks it as check does and decodes it. key is
// the key the call was signed with.
func (e *testEnv) decode(resp *http.Response, key string) answerJSON {
	e.t.Helper()
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("reading the answer: %v", err)
	}
	c, _ := e.market(key)
	return e.check(c.Inspect(true, resp.StatusCode, resp.Header, body), nil)
}

// claims checks the code's signature against the ring and returns its claims.
func (e *testEnv) claims(code string) verifier.Claims {
	e.t.Helper()
	parts := strings.Split(code, ".")
	if len(parts) != 3 {
		e.t.Fatalf("code has %d parts, want 3", len(parts))
	}
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	ok := false
	for _, k := range e.ring.Keys() {
		ok = ok || ed25519.Verify(k.Public, []byte(parts[0]+"."+parts[1]), sig)
	}
	if !ok {
		e.t.Fatalf("code signature does not verify")
	}
	var c verifier.Claims
	if err := json.Unmarshal(payload, &c); err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *testEnv) license(ref string) *store.License {
	e.t.Helper()
	l, err := e.st.License(context.Background(), ref)
	if err != nil {
		e.t.Fatalf("License(%s) err = %v", ref, err)
	}
	return l
}

func (e *testEnv) countLicenses() int {
	e.t.Helper()
	n, err := e.st.Count(context.Background(), store.Filter{})
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func wantCode(t testing.TB, r answerJSON, code string) {
	t.Helper()
	if r.ResultCode != code {
		t.Fatalf("resultCode = %s (%s), want %s", r.ResultCode, r.ResultMsg, code)
	}
}

func mkTime(t time.Time) string { return koogallery.FormatTime(t) }
