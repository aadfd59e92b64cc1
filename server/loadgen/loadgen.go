// Package loadgen drives bounded, correctly signed KooGallery traffic at a licentia server (or any seller
// URL on this machine) and reports throughput and latency. It is the load generator behind
// `licentia loadgen` and the figures in BENCHMARKS.md.
package loadgen

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/licentia/licentia/internal/loopback"
	"github.com/licentia/licentia/server/koogallery"
)

// Modes of load.
const (
	ModeCreate = "create" // every request a new order (durable create)
	ModeResend = "resend" // resends of already created orders (read path)
	ModeRenew  = "renew"  // renewals of already created licenses (durable update)
	ModeMixed  = "mixed"  // 70% resend, 20% create, 10% renew
)

// Limits that keep a run bounded whatever the flags say.
const (
	MaxDuration    = 10 * time.Minute
	MaxConcurrency = 1024
	seedOrders     = 64
)

// Config describes one run.
type Config struct {
	// URL is the production URL, e.g. http://127.0.0.1:8080/koogallery/license.
	URL string
	// Key is the KooGallery access key the server is configured with.
	Key         string
	Mode        string
	Duration    time.Duration
	Concurrency int
	// AllowRemote permits a target that is not a loopback address.
	AllowRemote bool
}

// Problems Validate finds in a Config, each wrapped with the flag and value at fault (errors.Is), so that a
// command can say them in its reader's language.
var (
	ErrBadURL         = errors.New("want http(s)://host:port/path")
	ErrRemote         = errors.New("not a loopback address; load tests stay on this machine unless --allow-remote is given")
	ErrNoKey          = errors.New("--key is required")
	ErrBadMode        = errors.New("want create, resend, renew or mixed")
	ErrBadDuration    = fmt.Errorf("want more than 0 and at most %s", MaxDuration)
	ErrBadConcurrency = fmt.Errorf("want 1 to %d", MaxConcurrency)
	// ErrSeed is what Run returns when the orders of resend and renew modes cannot be created.
	ErrSeed = errors.New("seed orders")
)

// Validate checks c and refuses targets off this machine unless AllowRemote is set.
func (c *Config) Validate() error {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--url %q: %w", c.URL, ErrBadURL)
	}
	if !c.AllowRemote && !loopback.Host(u.Hostname()) {
		return fmt.Errorf("--url %q: %w", c.URL, ErrRemote)
	}
	if c.Key == "" {
		return ErrNoKey
	}
	switch c.Mode {
	case ModeCreate, ModeResend, ModeRenew, ModeMixed:
	default:
		return fmt.Errorf("--mode %q: %w", c.Mode, ErrBadMode)
	}
	if c.Duration <= 0 || c.Duration > MaxDuration {
		return fmt.Errorf("--duration %s: %w", c.Duration, ErrBadDuration)
	}
	if c.Concurrency < 1 || c.Concurrency > MaxConcurrency {
		return fmt.Errorf("--concurrency %d: %w", c.Concurrency, ErrBadConcurrency)
	}
	return nil
}

// Report is the outcome of a run. Latencies are in milliseconds.
type Report struct {
	Mode        string  `json:"mode"`
	Concurrency int     `json:"concurrency"`
	Seconds     float64 `json:"seconds"`
	Requests    int64   `json:"requests"`
	Errors      int64   `json:"errors"`
	RPS         float64 `json:"requests_per_second"`
	P50         float64 `json:"p50_ms"`
	P99         float64 `json:"p99_ms"`
	P999        float64 `json:"p99_9_ms"`
	Max         float64 `json:"max_ms"`
	// FirstError is the first failure seen, for diagnosis.
	FirstError string `json:"first_error,omitempty"`
}

// Run drives load until cfg.Duration passes or ctx ends, and returns the report.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	g := &gen{cfg: cfg, prefix: runPrefix(), client: &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{MaxIdleConns: cfg.Concurrency, MaxIdleConnsPerHost: cfg.Concurrency,
			IdleConnTimeout: 30 * time.Second},
	}}
	g.market = koogallery.NewCaller(cfg.URL, cfg.Key, g.client, nil)
	defer g.client.CloseIdleConnections()
	if cfg.Mode != ModeCreate {
		if err := g.seed(ctx); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	lat := make([][]time.Duration, cfg.Concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat[w] = g.worker(ctx, w)
		}()
	}
	wg.Wait()
	return g.report(time.Since(start), lat), nil
}

type gen struct {
	cfg      Config
	prefix   string
	client   *http.Client
	market   *koogallery.Caller
	seq      atomic.Int64
	errors   atomic.Int64
	firstErr atomic.Pointer[string]
}

func runPrefix() string {
	b := make([]byte, 4)
	rand.Read(b)
	return "LG" + hex.EncodeToString(b)
}

// seed creates the orders that resend and renew modes work on.
func (g *gen) seed(ctx context.Context) error {
	for i := range seedOrders {
		// A fixed business id makes the seed order's instance id known, so renewals can name it.
		if err := g.create(ctx, g.seedOrder(i), g.seedOrder(i)+"-lic"); err != nil {
			return fmt.Errorf("%w: %w", ErrSeed, err)
		}
	}
	return nil
}

func (g *gen) seedOrder(i int) string { return fmt.Sprintf("%s-S%03d", g.prefix, i) }

func (g *gen) worker(ctx context.Context, w int) []time.Duration {
	lat := make([]time.Duration, 0, 4096)
	for i := 0; ctx.Err() == nil; i++ {
		op := g.cfg.Mode
		if op == ModeMixed {
			switch r := (i*7 + w) % 10; {
			case r < 7:
				op = ModeResend
			case r < 9:
				op = ModeCreate
			default:
				op = ModeRenew
			}
		}
		t := time.Now()
		err := g.do(ctx, op, w, i)
		if ctx.Err() != nil && err != nil {
			break // the run ended mid-request: neither a result nor an error
		}
		lat = append(lat, time.Since(t))
		if err != nil {
			g.errors.Add(1)
			msg := err.Error()
			g.firstErr.CompareAndSwap(nil, &msg)
		}
	}
	return lat
}

func (g *gen) do(ctx context.Context, op string, w, i int) error {
	n := g.seq.Add(1)
	switch op {
	case ModeCreate:
		order := fmt.Sprintf("%s-C%09d", g.prefix, n)
		return g.create(ctx, order, order+"-b")
	case ModeResend:
		return g.create(ctx, g.seedOrder((w+i)%seedOrders), fmt.Sprintf("%s-b%d", g.prefix, n))
	default:
		return g.renew(ctx, g.seedOrder((w+i)%seedOrders), n)
	}
}

// create sends a License 1.0 getLicense for order. The marketplace sends a new businessId with every
// resend; the server answers with the first one as the instance id.
func (g *gen) create(ctx context.Context, order, business string) error {
	return g.get(ctx, map[string]string{"activity": koogallery.ActivityGetLicense, "businessId": business,
		"customerId": "loadgen", "orderId": order, "productId": "LOADGEN",
		"expireTime": koogallery.FormatTime(time.Now().AddDate(1, 0, 0))})
}

// renew sends a License 1.0 refreshLicense for the seed order's license, one day later each time.
func (g *gen) renew(ctx context.Context, order string, n int64) error {
	return g.get(ctx, map[string]string{"activity": koogallery.ActivityRefreshLicense, "instanceId": order + "-lic",
		"orderId":    fmt.Sprintf("%s-R%09d", g.prefix, n),
		"expireTime": koogallery.FormatTime(time.Now().AddDate(2, 0, int(n%3650)))})
}

// get sends a License 1.0 call, signed as the marketplace signs it, and checks for HTTP 200 and resultCode
// 000000. The Body-Sign header is not checked: the bare baseline does not sign.
func (g *gen) get(ctx context.Context, params map[string]string) error {
	req, err := g.market.LegacyRequest(params).HTTPRequest(ctx)
	if err != nil {
		return err
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	var r struct {
		ResultCode string `json:"resultCode"`
		ResultMsg  string `json:"resultMsg"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return fmt.Errorf("answer is not JSON: %w", err)
	}
	if r.ResultCode != koogallery.ResultOK {
		return fmt.Errorf("%s: resultCode %s (%s)", params["activity"], r.ResultCode, r.ResultMsg)
	}
	return nil
}

func (g *gen) report(d time.Duration, lat [][]time.Duration) *Report {
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	pct := func(p float64) float64 {
		if len(all) == 0 {
			return 0
		}
		i := min(len(all)-1, int(p*float64(len(all))))
		return float64(all[i]) / float64(time.Millisecond)
	}
	r := &Report{Mode: g.cfg.Mode, Concurrency: g.cfg.Concurrency, Seconds: d.Seconds(),
		Requests: int64(len(all)), Errors: g.errors.Load(), P50: pct(0.50), P99: pct(0.99), P999: pct(0.999)}
	if len(all) > 0 {
		r.Max = float64(all[len(all)-1]) / float64(time.Millisecond)
	}
	r.RPS = float64(r.Requests) / d.Seconds()
	if e := g.firstErr.Load(); e != nil {
		r.FirstError = *e
	}
	return r
}
