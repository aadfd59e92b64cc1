package marketapi

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/licentia/licentia/server/koogallery"
)

const (
	testAK   = "test-ak-0123"
	testSK   = "test-sk-very-secret-4567"
	testCode = "PLCODE-abcdef-secret"
)

// fake is a loopback OpenAPI that checks every request's App signature and answers from a script.
type fake struct {
	t   testing.TB
	srv *httptest.Server

	mu       sync.Mutex
	answers  []fakeAnswer // answered in order; the last one repeats
	requests []*http.Request
	bodies   [][]byte
	authz    []string
	badSig   int
}

type fakeAnswer struct {
	status int
	body   string
	delay  time.Duration
}

func newFake(t testing.TB, answers ...fakeAnswer) *fake {
	t.Helper()
	f := &fake{t: t, answers: answers}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	if err := koogallery.VerifyAPIG(r, body, testAK, testSK, time.Now(), 0); err != nil {
		f.badSig++
	}
	f.requests = append(f.requests, r)
	f.bodies = append(f.bodies, body)
	f.authz = append(f.authz, r.Header.Get("Authorization"))
	a := f.answers[min(len(f.requests), len(f.answers))-1]
	f.mu.Unlock()
	if a.delay > 0 {
		select {
		case <-time.After(a.delay):
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	io.WriteString(w, a.body)
}

func (f *fake) URL() string { return f.srv.URL }

// hits returns the number of requests received and checks that each was correctly signed.
func (f *fake) hits() int {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.badSig != 0 {
		f.t.Errorf("fake: %d requests with a bad App signature, want 0", f.badSig)
	}
	return len(f.requests)
}

func (f *fake) lastBody() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.bodies[len(f.bodies)-1]
}

func (f *fake) lastRequest() *http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[len(f.requests)-1]
}

// closedURL returns the base URL of a loopback port that refuses connections.
func closedURL(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// testEnv is a client with recorded sleeps, a captured log and its own registry.
type testEnv struct {
	client *Client
	calls  *callCounts
	log    *syncBuffer
	mu     sync.Mutex
	sleeps []time.Duration
}

func newTestClient(t testing.TB, bases []string, tweak func(*Config)) *testEnv {
	t.Helper()
	env := &testEnv{calls: &callCounts{n: map[string]int{}}, log: &syncBuffer{}}
	cfg := Config{
		AK: testAK, SK: testSK, BaseURLs: bases,
		Jitter: func() float64 { return 0.5 },
		Sleep: func(ctx context.Context, d time.Duration) error {
			env.mu.Lock()
			env.sleeps = append(env.sleeps, d)
			env.mu.Unlock()
			return ctx.Err()
		},
		Logger:   slog.New(slog.NewJSONHandler(env.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Observer: env.calls,
	}
	if tweak != nil {
		tweak(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New() err = %v", err)
	}
	env.client = c
	return env
}

func (e *testEnv) slept() []time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]time.Duration(nil), e.sleeps...)
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

const okActivate = `{"error_code":"92020000","error_msg":"success","data":{"license_code_info":"{\"status\":\"ALIVE\",\"expire_time\":\"20300101000000\",\"product_id\":\"P1\",\"order_id\":\"CS1\",\"amount\":2}"}}`

// callCounts is an Observer counting calls by API and code label.
type callCounts struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *callCounts) MarketCall(api koogallery.API, code string, _ time.Duration) {
	c.mu.Lock()
	c.n[string(api)+"/"+code]++
	c.mu.Unlock()
}

func (c *callCounts) count(api koogallery.API, code string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[string(api)+"/"+code]
}
