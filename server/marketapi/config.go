package marketapi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/licentia/licentia/internal/loopback"
)

// Environment variables that hold the credentials and base URLs (README "Endpoints", docs/koogallery.md "License 2.0 end to end"). The caller reads them; this
// package never looks at the environment.
const (
	EnvAK  = "LICENTIA_KOOGALLERY_AK"
	EnvSK  = "LICENTIA_KOOGALLERY_SK"
	EnvAPI = "LICENTIA_KOOGALLERY_API"
)

// DefaultBaseURLs are the marketplace's OpenAPI hosts, tried in order when one cannot be reached.
const DefaultBaseURLs = "https://mkt.myhuaweicloud.com,https://mkt.myhuaweicloud.cn"

// Defaults of Config.
const (
	DefaultAttemptTimeout = 5 * time.Second // the marketplace's 5-second budget, per attempt
	DefaultMaxAttempts    = 3
	DefaultBackoffBase    = 250 * time.Millisecond
	DefaultBackoffMax     = 2 * time.Second
	maxAnswerBytes        = 1 << 20
)

// ErrUnconfigured reports a Config without AK or SK: the marketplace cannot be called.
var ErrUnconfigured = errors.New("koogallery openapi: credentials not configured (" + EnvAK + ", " + EnvSK + ")")

// ErrBaseURL reports a base URL that is not https://host[:port][/path], or http:// to a host other than a
// loopback address.
var ErrBaseURL = errors.New("koogallery openapi: invalid base URL")

// Config configures a Client. Only AK and SK are required. Config's String, GoString and LogValue hide SK, so a
// Config printed or logged by mistake does not leak it.
type Config struct {
	// AK and SK are the seller account's access key pair (我的凭证 › 访问密钥), from EnvAK and EnvSK.
	AK, SK string
	// BaseURLs are tried in order when one cannot be reached (default DefaultBaseURLs). Each is
	// https://host[:port][/path]; http:// only for a loopback host (tests, the simulator's stand-in).
	BaseURLs []string
	// RootCAs verifies the servers' certificates; nil means the system roots. TLS is always at least 1.2 and
	// certificates are always verified.
	RootCAs *x509.CertPool
	// AttemptTimeout bounds one attempt, from dialling to the end of the answer (default 5 s).
	AttemptTimeout time.Duration
	// MaxAttempts bounds the attempts of one call (default 3). Only network errors and 5xx answers are retried.
	MaxAttempts int
	// BackoffBase and BackoffMax shape the exponential backoff between attempts: before retry n the client waits
	// between half and all of min(BackoffBase·2ⁿ⁻¹, BackoffMax) (defaults 250 ms and 2 s).
	BackoffBase, BackoffMax time.Duration
	// Now is the clock used to sign requests and measure latency (default time.Now).
	Now func() time.Time
	// Sleep waits d or until ctx is done (default: a timer). Tests inject one to skip the waits.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter returns a number in [0, 1) that spreads the backoff (default math/rand/v2).
	Jitter func() float64
	// Logger receives one record per call (default: discard).
	Logger *slog.Logger
	// Observer is told of every call (nil: nobody).
	Observer Observer
}

// String describes c without its secret key.
func (c Config) String() string {
	return fmt.Sprintf("marketapi.Config{AK:%q, SK:%s, BaseURLs:%q}", c.AK, redact(c.SK), c.BaseURLs)
}

// GoString is String, so that %#v does not print the secret key either.
func (c Config) GoString() string { return c.String() }

// LogValue logs c without its secret key.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("ak", c.AK), slog.String("sk", redact(c.SK)),
		slog.String("base_urls", strings.Join(c.BaseURLs, ",")))
}

func redact(s string) string {
	if s == "" {
		return "(unset)"
	}
	return "(redacted)"
}

// ParseBaseURLs splits a comma-separated list (the --koogallery-api flag) and checks each entry with
// CheckBaseURL. An empty list gives the defaults.
func ParseBaseURLs(list string) ([]string, error) {
	if strings.TrimSpace(list) == "" {
		list = DefaultBaseURLs
	}
	var out []string
	for _, raw := range strings.Split(list, ",") {
		u, err := CheckBaseURL(strings.TrimSpace(raw))
		if err != nil {
			return nil, err
		}
		out = append(out, u.String())
	}
	return out, nil
}

// CheckBaseURL parses a base URL: https://host[:port][/path] for any host, http:// only for localhost or a
// loopback IP address; no user info, query or fragment. The path loses its trailing slash. It returns ErrBaseURL.
func CheckBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("base url %q: %w: %w", raw, ErrBaseURL, err)
	}
	switch {
	case u.Host == "" || u.Hostname() == "" || u.Opaque != "":
		return nil, fmt.Errorf("base url %q: no host: %w", raw, ErrBaseURL)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return nil, fmt.Errorf("base url %q: user info, query or fragment: %w", raw, ErrBaseURL)
	case u.Scheme == "https":
	case u.Scheme == "http" && loopback.Host(u.Hostname()):
	case u.Scheme == "http":
		return nil, fmt.Errorf("base url %q: http is accepted only for a loopback host: %w", raw, ErrBaseURL)
	default:
		return nil, fmt.Errorf("base url %q: scheme %q: %w", raw, u.Scheme, ErrBaseURL)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// NewHTTPClient returns the client the OpenAPI calls use: certificates verified against roots (nil: the system
// roots), TLS 1.2 or later, no redirects followed, proxies from the environment (HTTPS_PROXY) honoured, and no
// overall timeout (each attempt has its own context).
func NewHTTPClient(roots *x509.CertPool) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots}
	tr.ResponseHeaderTimeout = DefaultAttemptTimeout
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// withDefaults validates c and fills in its defaults. It returns ErrUnconfigured or ErrBaseURL.
func (c Config) withDefaults() (Config, []*url.URL, error) {
	if c.AK == "" || c.SK == "" {
		return c, nil, ErrUnconfigured
	}
	if len(c.BaseURLs) == 0 {
		c.BaseURLs = strings.Split(DefaultBaseURLs, ",")
	}
	bases := make([]*url.URL, 0, len(c.BaseURLs))
	for _, raw := range c.BaseURLs {
		u, err := CheckBaseURL(raw)
		if err != nil {
			return c, nil, err
		}
		bases = append(bases, u)
	}
	if c.AttemptTimeout <= 0 {
		c.AttemptTimeout = DefaultAttemptTimeout
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.BackoffBase <= 0 {
		c.BackoffBase = DefaultBackoffBase
	}
	if c.BackoffMax <= 0 {
		c.BackoffMax = DefaultBackoffMax
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Sleep == nil {
		c.Sleep = sleep
	}
	if c.Jitter == nil {
		c.Jitter = rand.Float64
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, bases, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// backoff returns the wait before retry n (n ≥ 1): between half and all of min(base·2ⁿ⁻¹, max).
func (c *Client) backoff(n int) time.Duration {
	d := c.cfg.BackoffBase
	for i := 1; i < n && d < c.cfg.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, c.cfg.BackoffMax)
	j := min(max(c.cfg.Jitter(), 0), 1)
	return d/2 + time.Duration(j*float64(d/2))
}
