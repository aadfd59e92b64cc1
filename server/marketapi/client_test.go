package marketapi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"
)

func TestRetryOn5xxThenSuccess(t *testing.T) {
	f := newFake(t,
		fakeAnswer{status: 503, body: `busy`},
		fakeAnswer{status: 502, body: `{"error_code":"APIG.0202","error_msg":"Backend unavailable"}`},
		fakeAnswer{status: 200, body: okActivate})
	env := newTestClient(t, []string{f.URL()}, nil)
	a, err := env.client.Activate(context.Background(), testCode, time.Time{})
	if err != nil {
		t.Fatalf("Activate() err = %v, want nil", err)
	}
	if a.Status != "ALIVE" {
		t.Errorf("Status = %q, want ALIVE", a.Status)
	}
	if got := f.hits(); got != 3 {
		t.Errorf("requests = %d, want 3", got)
	}
	// Jitter 0.5: each wait is three quarters of min(250 ms·2ⁿ⁻¹, 2 s).
	if got, want := env.slept(), []time.Duration{187500 * time.Microsecond, 375 * time.Millisecond}; !slices.Equal(got, want) {
		t.Errorf("sleeps = %v, want %v", got, want)
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		jitter float64
		n      int
		want   time.Duration
	}{
		{0, 1, 125 * time.Millisecond},
		{0.999999, 1, 249999875 * time.Nanosecond},
		{0, 2, 250 * time.Millisecond},
		{0, 4, time.Second},
		{0, 5, time.Second},      // capped at 2 s, half of it
		{1, 30, 2 * time.Second}, // capped, no overflow
		{-3, 1, 125 * time.Millisecond},
		{7, 1, 250 * time.Millisecond},
	}
	for _, tt := range tests {
		env := newTestClient(t, []string{"http://127.0.0.1:1"}, func(c *Config) {
			c.Jitter = func() float64 { return tt.jitter }
		})
		if got := env.client.backoff(tt.n); got != tt.want {
			t.Errorf("backoff(%d) with jitter %v = %v, want %v", tt.n, tt.jitter, got, tt.want)
		}
	}
}

func TestNoRetryOn4xxOrBusinessCode(t *testing.T) {
	tests := []fakeAnswer{
		{status: 400, body: `{"error_code":"95000001","error_msg":"req param is invalid"}`},
		{status: 200, body: `{"error_code":"92020004","error_msg":"can not active before user received."}`},
		{status: 401, body: `{"error_code":"APIG.0303","error_msg":"Incorrect app authentication information"}`},
		{status: 500, body: `{"resultCode":"MKT.9001","resultMsg":"Instance ID not found."}`},
	}
	for _, a := range tests {
		f := newFake(t, a)
		env := newTestClient(t, []string{f.URL()}, nil)
		if _, err := env.client.Activate(context.Background(), testCode, time.Time{}); err == nil {
			t.Errorf("Activate() against %d %s err = nil, want an error", a.status, a.body)
		}
		if got := f.hits(); got != 1 {
			t.Errorf("requests for %d %s = %d, want 1", a.status, a.body, got)
		}
		if got := env.slept(); len(got) != 0 {
			t.Errorf("sleeps = %v, want none", got)
		}
	}
}

func TestRetriesExhausted(t *testing.T) {
	f := newFake(t, fakeAnswer{status: 502, body: `{"error_code":"APIG.0202","error_msg":"Backend unavailable"}`})
	env := newTestClient(t, []string{f.URL()}, func(c *Config) { c.MaxAttempts = 4 })
	_, err := env.client.Query(context.Background(), testCode)
	var oe *Error
	if !errors.Is(err, ErrUnavailable) || !errors.As(err, &oe) {
		t.Fatalf("Query() err = %v, want *Error wrapping %v", err, ErrUnavailable)
	}
	if oe.Attempts != 4 || oe.Status != 502 || oe.Code != "APIG.0202" || !oe.Repeated {
		t.Errorf("Error = attempts %d status %d code %s repeated %v, want 4 502 APIG.0202 repeated",
			oe.Attempts, oe.Status, oe.Code, oe.Repeated)
	}
	if got := f.hits(); got != 4 {
		t.Errorf("requests = %d, want 4", got)
	}
	if got := len(env.slept()); got != 3 {
		t.Errorf("sleeps = %d, want 3", got)
	}
}

func TestFallbackHost(t *testing.T) {
	f := newFake(t, fakeAnswer{status: 200, body: okActivate})
	env := newTestClient(t, []string{closedURL(t), f.URL()}, nil)
	for i := range 3 {
		if _, err := env.client.Activate(context.Background(), testCode, time.Time{}); err != nil {
			t.Fatalf("Activate() %d err = %v, want nil", i+1, err)
		}
	}
	if got := f.hits(); got != 3 {
		t.Errorf("requests to the second host = %d, want 3", got)
	}
	if got := env.slept(); len(got) != 0 {
		t.Errorf("sleeps = %v, want none: an unreachable host moves on at once", got)
	}
	if got := env.client.preferred.Load(); got != 1 {
		t.Errorf("preferred host = %d, want 1 (the one that answered)", got)
	}
}

func TestFallbackBackToFirst(t *testing.T) {
	first := newFake(t, fakeAnswer{status: 200, body: okActivate})
	second := newFake(t, fakeAnswer{status: 200, body: okActivate})
	env := newTestClient(t, []string{first.URL(), second.URL()}, nil)
	env.client.preferred.Store(1)
	second.srv.Close()
	if _, err := env.client.Activate(context.Background(), testCode, time.Time{}); err != nil {
		t.Fatalf("Activate() err = %v, want nil", err)
	}
	if got := first.hits(); got != 1 {
		t.Errorf("requests to the first host = %d, want 1", got)
	}
}

func TestAllHostsUnreachable(t *testing.T) {
	env := newTestClient(t, []string{closedURL(t), closedURL(t)}, nil)
	_, err := env.client.QueryOrder(context.Background(), "CS1", "")
	var oe *Error
	if !errors.Is(err, ErrUnavailable) || !errors.As(err, &oe) {
		t.Fatalf("QueryOrder() err = %v, want %v", err, ErrUnavailable)
	}
	if oe.Status != 0 || oe.Code != "" || oe.Attempts != DefaultMaxAttempts || oe.Err == nil || oe.Repeated {
		t.Errorf("Error = %+v, want no status or code, %d attempts, a cause, not repeated (nothing was sent)", oe, DefaultMaxAttempts)
	}
}

func TestAttemptTimeout(t *testing.T) {
	f := newFake(t, fakeAnswer{status: 200, body: okActivate, delay: 5 * time.Second})
	env := newTestClient(t, []string{f.URL()}, func(c *Config) { c.AttemptTimeout = 100 * time.Millisecond; c.MaxAttempts = 2 })
	_, err := env.client.Activate(context.Background(), testCode, time.Time{})
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Activate() err = %v, want %v from the attempt deadline", err, ErrUnavailable)
	}
	if got := f.hits(); got != 2 {
		t.Errorf("requests = %d, want 2", got)
	}
}

func TestTLSRefusesUntrustedCertificate(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(okActivate))
	}))
	t.Cleanup(srv.Close)

	env := newTestClient(t, []string{srv.URL}, nil)
	_, err := env.client.Activate(context.Background(), testCode, time.Time{})
	var verr *tls.CertificateVerificationError
	if !errors.Is(err, ErrUnavailable) || !errors.As(err, &verr) {
		t.Fatalf("Activate() against an untrusted certificate err = %v, want %v with a certificate error", err, ErrUnavailable)
	}
	if got := env.slept(); len(got) != 0 {
		t.Errorf("sleeps = %v, want none: a bad certificate is not retried", got)
	}

	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	trusted := newTestClient(t, []string{srv.URL}, func(c *Config) { c.RootCAs = pool })
	if _, err := trusted.client.Activate(context.Background(), testCode, time.Time{}); err != nil {
		t.Errorf("Activate() with the server's root err = %v, want nil", err)
	}
}

func TestTLSRefusesOldVersions(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(okActivate))
	}))
	srv.TLS = &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	lenient := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS10}}}
	resp, err := lenient.Get(srv.URL)
	if err != nil {
		t.Fatalf("a TLS 1.0 client against the TLS 1.1 server err = %v, want nil (the server must speak TLS 1.1)", err)
	}
	resp.Body.Close()
	env := newTestClient(t, []string{srv.URL}, func(c *Config) { c.RootCAs = pool })
	if _, err := env.client.Activate(context.Background(), testCode, time.Time{}); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Activate() against a TLS 1.1 server err = %v, want %v", err, ErrUnavailable)
	}
}

func TestNoRedirectFollowed(t *testing.T) {
	target := newFake(t, fakeAnswer{status: 200, body: okActivate})
	srv := httptest.NewServer(http.RedirectHandler(target.URL()+"/x", http.StatusTemporaryRedirect))
	t.Cleanup(srv.Close)
	env := newTestClient(t, []string{srv.URL}, nil)
	if _, err := env.client.Activate(context.Background(), testCode, time.Time{}); !errors.Is(err, ErrProtocol) {
		t.Errorf("Activate() against a redirect err = %v, want %v", err, ErrProtocol)
	}
	if got := target.hits(); got != 0 {
		t.Errorf("requests to the redirect target = %d, want 0", got)
	}
}
