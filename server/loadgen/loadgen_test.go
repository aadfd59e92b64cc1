package loadgen

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	ok := Config{URL: "http://127.0.0.1:8080/koogallery/license", Key: "k", Mode: ModeResend, Duration: time.Second, Concurrency: 4}
	if err := ok.Validate(); err != nil {
		t.Fatalf("Validate() err = %v, want nil", err)
	}
	tests := []struct {
		name string
		edit func(*Config)
		want string
		is   error
	}{
		{"remote host", func(c *Config) { c.URL = "http://192.0.2.10/koogallery/license" }, "loopback", ErrRemote},
		{"remote name", func(c *Config) { c.URL = "https://example.com/x" }, "loopback", ErrRemote},
		{"zoned loopback", func(c *Config) { c.URL = "http://[::1%25lo]:8080/x" }, "loopback", ErrRemote},
		{"no scheme", func(c *Config) { c.URL = "127.0.0.1:8080" }, "--url", ErrBadURL},
		{"no key", func(c *Config) { c.Key = "" }, "--key", ErrNoKey},
		{"bad mode", func(c *Config) { c.Mode = "flood" }, "--mode", ErrBadMode},
		{"too long", func(c *Config) { c.Duration = time.Hour }, "--duration", ErrBadDuration},
		{"no workers", func(c *Config) { c.Concurrency = 0 }, "--concurrency", ErrBadConcurrency},
		{"too many workers", func(c *Config) { c.Concurrency = 5000 }, "--concurrency", ErrBadConcurrency},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.edit(&c)
			if err := c.Validate(); !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() err = %v, want %v mentioning %q", err, tt.is, tt.want)
			}
		})
	}
	// Host names are case-insensitive: LOCALHOST is this machine as much as localhost is.
	upper := ok
	upper.URL = "http://LOCALHOST:8080/koogallery/license"
	if err := upper.Validate(); err != nil {
		t.Errorf("Validate(%s) err = %v, want nil", upper.URL, err)
	}
	remote := ok
	remote.URL, remote.AllowRemote = "http://192.0.2.10/x", true
	if err := remote.Validate(); err != nil {
		t.Errorf("Validate(remote, allowed) err = %v, want nil", err)
	}
}

func TestRunAgainstBaseline(t *testing.T) {
	ts := httptest.NewServer(BareHandler())
	defer ts.Close()
	for _, mode := range []string{ModeCreate, ModeResend, ModeRenew, ModeMixed} {
		rep, err := Run(context.Background(), Config{URL: ts.URL + "/koogallery/license", Key: "k", Mode: mode,
			Duration: 200 * time.Millisecond, Concurrency: 4})
		if err != nil {
			t.Fatalf("Run(%s) err = %v", mode, err)
		}
		if rep.Requests == 0 || rep.Errors != 0 || rep.P50 <= 0 || rep.P99 < rep.P50 {
			t.Errorf("Run(%s) = %+v, want requests, no errors, ordered percentiles", mode, rep)
		}
	}
}
