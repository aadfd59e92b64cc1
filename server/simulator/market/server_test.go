package market

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/licentia/licentia/server/koogallery"
)

const (
	testAK = "test-ak"
	testSK = "test-sk-secret"
)

func newTestServer(t testing.TB) *Server {
	t.Helper()
	s, err := Start(Config{AK: testAK, SK: testSK})
	if err != nil {
		t.Fatalf("Start() err = %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// answer is a decoded stand-in answer.
type answer struct {
	status int
	code   string
	body   []byte
}

// call sends a signed request with sk and returns the answer.
func call(t testing.TB, s *Server, sk, method, path, contentType string, body []byte) answer {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("http.NewRequest() err = %v", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if err := koogallery.SignAPIG(req, body, testAK, sk, time.Now()); err != nil {
		t.Fatalf("SignAPIG() err = %v", err)
	}
	return send(t, req)
}

func send(t testing.TB, req *http.Request) answer {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("Do() err = %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var env struct {
		ErrorCode  string `json:"error_code"`
		ResultCode string `json:"resultCode"`
	}
	json.Unmarshal(b, &env)
	code := env.ErrorCode
	if code == "" {
		code = env.ResultCode
	}
	return answer{status: resp.StatusCode, code: code, body: b}
}

func postJSON(t testing.TB, s *Server, path string, v any) answer {
	t.Helper()
	b, _ := json.Marshal(v)
	return call(t, s, testSK, http.MethodPost, path, "application/json", b)
}

func TestStartRefuses(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no ak", Config{SK: "s"}},
		{"no sk", Config{AK: "a"}},
		{"public address", Config{AK: "a", SK: "s", Addr: "0.0.0.0:0"}},
		{"zoned loopback", Config{AK: "a", SK: "s", Addr: "[::1%lo]:0"}},
		{"a name that is not localhost", Config{AK: "a", SK: "s", Addr: "localhost.example.com:0"}},
		{"bad address", Config{AK: "a", SK: "s", Addr: "nonsense"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if s, err := Start(tt.cfg); err == nil {
				s.Close()
				t.Errorf("Start(%+v) err = nil, want an error", tt.cfg)
			}
		})
	}
}

func TestGatewayRefusesBadSignature(t *testing.T) {
	s := newTestServer(t)
	if err := s.AddCode(Code{Code: "PL1"}); err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"license":"PL1"}`)

	got := call(t, s, "wrong-sk", http.MethodPost, koogallery.PathActivate, "application/json", body)
	if got.status != http.StatusUnauthorized || got.code != koogallery.GatewayAppAuth {
		t.Errorf("wrong SK: got %d %s, want 401 %s", got.status, got.code, koogallery.GatewayAppAuth)
	}
	if !strings.Contains(string(got.body), "verify signature fail") || !strings.Contains(string(got.body), "request_id") {
		t.Errorf("wrong SK body = %s, want the gateway's message and a request_id", got.body)
	}
	if c, _ := s.Code("PL1"); c.State != Received {
		t.Errorf("after a refused call state = %s, want %s (nothing done)", c.State, Received)
	}

	req, _ := http.NewRequest(http.MethodPost, s.URL()+koogallery.PathActivate, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if got := send(t, req); got.status != http.StatusUnauthorized || got.code != koogallery.GatewayAppAuth {
		t.Errorf("unsigned: got %d %s, want 401 %s", got.status, got.code, koogallery.GatewayAppAuth)
	}

	req, _ = http.NewRequest(http.MethodPost, s.URL()+koogallery.PathActivate, bytes.NewReader(body))
	req.Header.Set("X-Sdk-Date", time.Now().Add(-time.Hour).UTC().Format("20060102T150405Z"))
	koogallery.SignAPIG(req, body, testAK, testSK, time.Now())
	if got := send(t, req); got.status != http.StatusUnauthorized || !strings.Contains(string(got.body), "signature expired") {
		t.Errorf("stale date: got %d %s, want 401 signature expired", got.status, got.body)
	}

	req, _ = http.NewRequest(http.MethodPost, s.URL()+koogallery.PathActivate, bytes.NewReader(body))
	koogallery.SignAPIG(req, body, "other-ak", testSK, time.Now())
	if got := send(t, req); got.status != http.StatusUnauthorized || !strings.Contains(string(got.body), "app not found") {
		t.Errorf("other AK: got %d %s, want 401 app not found", got.status, got.body)
	}
	if n := s.Calls(koogallery.APIActivate, koogallery.GatewayAppAuth); n != 4 {
		t.Errorf("Calls(activate, APIG.0303) = %d, want 4", n)
	}
}

func TestGatewayUnknownPath(t *testing.T) {
	s := newTestServer(t)
	got := call(t, s, testSK, http.MethodPost, koogallery.PathPrefix+"/v9/nothing", "application/json", []byte("{}"))
	if got.status != http.StatusNotFound || got.code != koogallery.GatewayNoAPI {
		t.Errorf("got %d %s, want 404 %s", got.status, got.code, koogallery.GatewayNoAPI)
	}
}

func TestFaults(t *testing.T) {
	s := newTestServer(t)
	s.AddCode(Code{Code: "PL1"})

	s.FailNext(2, http.StatusBadGateway)
	for i := range 2 {
		if got := postJSON(t, s, koogallery.PathActivate, koogallery.ActivateRequest{License: "PL1"}); got.status != http.StatusBadGateway ||
			got.code != koogallery.GatewayUnavailable {
			t.Errorf("call %d: got %d %s, want 502 %s", i+1, got.status, got.code, koogallery.GatewayUnavailable)
		}
	}
	s.FailNext(1, 0)
	if got := postJSON(t, s, koogallery.PathQuery, koogallery.QueryRequest{License: "PL1"}); got.status != http.StatusServiceUnavailable || got.code != "" {
		t.Errorf("default fault: got %d %q, want 503 without a code", got.status, got.code)
	}
	if c, _ := s.Code("PL1"); c.State != Received {
		t.Errorf("state after faults = %s, want %s", c.State, Received)
	}

	// A lost answer: the activation happens, the caller sees the connection close.
	s.LoseAnswers(1)
	b, _ := json.Marshal(koogallery.ActivateRequest{License: "PL1"})
	req, _ := http.NewRequest(http.MethodPost, s.URL()+koogallery.PathActivate, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	koogallery.SignAPIG(req, b, testAK, testSK, time.Now())
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("lost answer: Do() err = nil, status %d, want a network error", resp.StatusCode)
	}
	if c, _ := s.Code("PL1"); c.State != Active || c.Activations != 1 {
		t.Errorf("after the lost answer state = %s, activations %d, want %s, 1", c.State, c.Activations, Active)
	}
	if got := postJSON(t, s, koogallery.PathActivate, koogallery.ActivateRequest{License: "PL1"}); got.code != koogallery.CodeIllegalState {
		t.Errorf("retry after the lost answer: code %s, want %s", got.code, koogallery.CodeIllegalState)
	}
}

func TestLatency(t *testing.T) {
	s := newTestServer(t)
	s.SetLatency(300 * time.Millisecond)
	b := []byte(`{"license":"PL1"}`)
	req, _ := http.NewRequest(http.MethodPost, s.URL()+koogallery.PathQuery, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	koogallery.SignAPIG(req, b, testAK, testSK, time.Now())
	client := &http.Client{Timeout: 50 * time.Millisecond}
	if resp, err := client.Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("Do() with a 50 ms timeout against 300 ms latency err = nil, want a timeout")
	}
}

func TestUnreachable(t *testing.T) {
	s := newTestServer(t)
	if err := s.SetUnreachable(true); err != nil {
		t.Fatalf("SetUnreachable(true) err = %v", err)
	}
	resp, err := http.Get(s.URL() + koogallery.PathQueryOrder)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("Get() while unreachable err = nil, want connection refused")
	}
	if err := s.SetUnreachable(false); err != nil {
		t.Fatalf("SetUnreachable(false) err = %v", err)
	}
	if got := postJSON(t, s, koogallery.PathQuery, koogallery.QueryRequest{License: "PL9"}); got.code != koogallery.CodeNotExist {
		t.Errorf("after coming back: code %s, want %s", got.code, koogallery.CodeNotExist)
	}
}

func TestControlsRefuse(t *testing.T) {
	s := newTestServer(t)
	if err := s.AddCode(Code{}); err == nil {
		t.Errorf("AddCode(empty) err = nil, want an error")
	}
	if err := s.AddCode(Code{Code: "PL1", State: "weird"}); err == nil {
		t.Errorf("AddCode(unknown state) err = nil, want an error")
	}
	s.AddCode(Code{Code: "PL1"})
	if err := s.AddCode(Code{Code: "PL1"}); err == nil {
		t.Errorf("AddCode(twice) err = nil, want an error")
	}
	if err := s.SetState("nope", Active); !errors.Is(err, ErrUnknown) {
		t.Errorf("SetState(unknown) err = %v, want %v", err, ErrUnknown)
	}
	if err := s.SetExpiry("nope", time.Now()); !errors.Is(err, ErrUnknown) {
		t.Errorf("SetExpiry(unknown) err = %v, want %v", err, ErrUnknown)
	}
	if err := s.AddOrder(koogallery.OrderInfo{}); err == nil {
		t.Errorf("AddOrder(no id) err = nil, want an error")
	}
}

// TestConcurrentActivations: of many simultaneous activations of one code exactly one succeeds.
func TestConcurrentActivations(t *testing.T) {
	s := newTestServer(t)
	s.AddCode(Code{Code: "PL1"})
	const n = 50
	codes := make(chan string, n)
	for range n {
		go func() {
			b := []byte(`{"license":"PL1"}`)
			req, _ := http.NewRequest(http.MethodPost, s.URL()+koogallery.PathActivate, bytes.NewReader(b))
			req.Header.Set("Content-Type", "application/json")
			koogallery.SignAPIG(req, b, testAK, testSK, time.Now())
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				codes <- "error: " + err.Error()
				return
			}
			defer resp.Body.Close()
			var a koogallery.Answer
			json.NewDecoder(resp.Body).Decode(&a)
			codes <- a.ErrorCode
		}()
	}
	got := map[string]int{}
	for range n {
		got[<-codes]++
	}
	if got[koogallery.CodeSuccess] != 1 || got[koogallery.CodeIllegalState] != n-1 {
		t.Errorf("answers = %v, want one %s and %d %s", got, koogallery.CodeSuccess, n-1, koogallery.CodeIllegalState)
	}
	if c, _ := s.Code("PL1"); c.Activations != 1 {
		t.Errorf("activations = %d, want 1", c.Activations)
	}
}

// TestSetSK: after SetSK the seller's old SK is refused by the gateway and the new one accepted.
func TestSetSK(t *testing.T) {
	s := newTestServer(t)
	if err := s.AddCode(Code{Code: "PL1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetSK(""); err == nil {
		t.Errorf("SetSK(\"\") err = nil, want an error")
	}
	if prev, err := s.SetSK("rotated-sk"); err != nil || prev != testSK {
		t.Fatalf("SetSK() = %q, %v; want the previous SK, nil", prev, err)
	}
	body := []byte(`{"license":"PL1"}`)
	if got := call(t, s, testSK, http.MethodPost, koogallery.PathActivate, "application/json", body); got.status != http.StatusUnauthorized || got.code != koogallery.GatewayAppAuth {
		t.Errorf("old SK after SetSK: got %d %s, want 401 %s", got.status, got.code, koogallery.GatewayAppAuth)
	}
	if c, _ := s.Code("PL1"); c.State != Received {
		t.Errorf("after a refused activate state = %s, want %s", c.State, Received)
	}
	if got := call(t, s, "rotated-sk", http.MethodPost, koogallery.PathActivate, "application/json", body); got.status != http.StatusOK || got.code != koogallery.CodeSuccess {
		t.Errorf("new SK: got %d %s, want 200 %s", got.status, got.code, koogallery.CodeSuccess)
	}
}
