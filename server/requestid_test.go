package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/licentia/licentia/server/support"

	"github.com/licentia/licentia/server/store"
)

// syncBuffer is a bytes.Buffer that the server's goroutines may write to concurrently.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// newLoggedServer is a real Server over a temp SQLite file whose debug-level JSON log (through
// LogHandler, as serve sets it up) goes to the returned buffer.
func newLoggedServer(t *testing.T, trusted []netip.Prefix) (*httptest.Server, *store.Store, *syncBuffer) {
	t.Helper()
	dir := t.TempDir()
	now := func() time.Time { return t0 }
	st, err := store.Open(context.Background(), filepath.Join(dir, "db.sqlite"), store.Options{Now: now})
	if err != nil {
		t.Fatalf("store.Open() err = %v", err)
	}
	t.Cleanup(func() { st.Close() })
	ring := testRing(t, dir)
	cfg := Config{KooGalleryKeys: []string{testKey}, Now: now, TrustedProxies: trusted}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	var buf syncBuffer
	log := slog.New(LogHandler(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	ts := httptest.NewServer(New(cfg, st, ring, support.NewIssuer(ring, "licentia", 0), log).Handler())
	t.Cleanup(ts.Close)
	return ts, st, &buf
}

// TestRequestIDFromClients sends real requests with chosen X-Request-Id headers and reads the slog
// output and the audit log: a client-chosen id never reaches either unless it comes from a trusted
// proxy and is short and plain.
func TestRequestIDFromClients(t *testing.T) {
	huge := strings.Repeat("A", 20<<10)
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	elsewhere := []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}
	tests := []struct {
		name    string
		trusted []netip.Prefix
		header  string
		kept    bool
	}{
		{"20 KB from a client", nil, huge, false},
		{"20 KB from a trusted proxy", loopback, huge, false},
		{"well-formed from a client", nil, "nginx-4f2a.9_b", false},
		{"well-formed from an untrusted proxy", elsewhere, "nginx-4f2a.9_b", false},
		{"well-formed from a trusted proxy", loopback, "nginx-4f2a.9_b", true},
		{"64 characters from a trusted proxy", loopback, strings.Repeat("x", 64), true},
		{"65 characters from a trusted proxy", loopback, strings.Repeat("x", 65), false},
		{"forged log line from a trusted proxy", loopback, `a","level":"ERROR`, false},
		{"space from a trusted proxy", loopback, "a b", false},
		{"non-ASCII from a trusted proxy", loopback, "请求-1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, st, logs := newLoggedServer(t, tt.trusted)
			req, _ := http.NewRequest(http.MethodGet, ts.URL+"/koogallery/license?"+legacyQuery("O-RID", "b-rid"), nil)
			req.Header.Set("X-Request-Id", tt.header)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var r answerJSON
			if err := json.Unmarshal(body, &r); err != nil || r.ResultCode != resultOK {
				t.Fatalf("getLicense = %s, want resultCode %s", body, resultOK)
			}
			got := resp.Header.Get("X-Request-Id")
			if tt.kept && got != tt.header {
				t.Errorf("answer X-Request-Id = %q, want the proxy's %q", got, tt.header)
			}
			if !tt.kept && (got == tt.header || !validRequestID(got)) {
				t.Errorf("answer X-Request-Id = %.80q, want an id of licentia's own", got)
			}
			out := logs.String()
			if !strings.Contains(out, `"request_id":"`+got+`"`) {
				t.Errorf("log does not carry request_id %q:\n%.2000s", got, out)
			}
			if !tt.kept && strings.Contains(out, tt.header) {
				t.Errorf("log carries the client's X-Request-Id (%d bytes of log)", len(out))
			}
			if len(out) > 8<<10 {
				t.Errorf("log of one request is %d bytes, want under 8 KiB", len(out))
			}
			evs, err := st.Events(context.Background(), r.InstanceID)
			if err != nil || len(evs) != 1 {
				t.Fatalf("Events(%s) = %d events, %v; want 1", r.InstanceID, len(evs), err)
			}
			if evs[0].RequestID != got {
				t.Errorf("audit event request_id = %.80q, want %q", evs[0].RequestID, got)
			}
		})
	}
}

// TestRequestIDsDiffer checks that generated ids are distinct and well-formed.
func TestRequestIDsDiffer(t *testing.T) {
	a, b := newRequestIDs(), newRequestIDs()
	seen := map[string]bool{}
	for _, g := range []*requestIDs{a, b} {
		for range 100 {
			id := g.next(new([idLen]byte))
			if !validRequestID(id) {
				t.Errorf("generated id %q is not well-formed", id)
			}
			if seen[id] {
				t.Errorf("generated id %q twice", id)
			}
			seen[id] = true
		}
	}
}

// TestLongPathNotLogged checks that a 20 KB request path is cut in the access log.
func TestLongPathNotLogged(t *testing.T) {
	ts, _, logs := newLoggedServer(t, nil)
	long := "/v1/" + strings.Repeat("p", 20<<10)
	resp, err := http.Get(ts.URL + long)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET 20 KB path = %d, want 404", resp.StatusCode)
	}
	out := logs.String()
	if !strings.Contains(out, `"path":"/v1/pppp`) || strings.Contains(out, strings.Repeat("p", maxLogPath)) {
		t.Errorf("access log = %.400s…, want the path cut to %d bytes", out, maxLogPath)
	}
	if got := logPath("/" + strings.Repeat("é", 200)); len(got) > maxLogPath+len("…") || !utf8.ValidString(got) {
		t.Errorf("logPath(long UTF-8) = %q, want at most %d bytes of valid UTF-8", got, maxLogPath)
	}
}

// TestFrontAnswersPanics: a handler that panics is answered as its caller understands — 000005 on the
// marketplace path, a JSON 500 elsewhere — with the request's id; http.ErrAbortHandler still aborts.
func TestFrontAnswersPanics(t *testing.T) {
	e := newTestEnv(t)
	h := e.srv.front(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	for path, want := range map[string]string{"/koogallery/license": `"resultCode":"000005"`, "/v1/codes/refresh": `"code":"internal"`} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, path, nil))
		if !strings.Contains(w.Body.String(), want) || w.Header().Get("X-Request-Id") == "" {
			t.Errorf("%s: a panic answered %d %s (X-Request-Id %q), want %s and an id", path, w.Code, w.Body,
				w.Header().Get("X-Request-Id"), want)
		}
	}
	abort := e.srv.front(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }))
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler to go on up", v)
		}
	}()
	abort.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	t.Error("http.ErrAbortHandler was swallowed")
}
