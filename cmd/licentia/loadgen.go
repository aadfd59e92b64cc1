package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/licentia/licentia/cmd/internal/printable"
	"github.com/licentia/licentia/internal/loopback"
	"github.com/licentia/licentia/server/loadgen"
)

// runLoadgen drives bounded load at a server on this machine, or (--serve-bare) serves the bare
// baseline handler that BENCHMARKS.md compares the server with.
func runLoadgen(ctx context.Context, l lang, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("loadgen", l, stderr)
	var cfg loadgen.Config
	var asJSON bool
	var bare string
	fs.StringVar(&cfg.URL, "url", "http://127.0.0.1:8080/koogallery/license", "production URL of the server under test")
	fs.StringVar(&cfg.Key, "key", getenv("LICENTIA_KOOGALLERY_KEY"), "KooGallery access key the server uses (env LICENTIA_KOOGALLERY_KEY)")
	fs.StringVar(&cfg.Mode, "mode", loadgen.ModeResend, "create, resend, renew or mixed")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "how long to run (at most 10m)")
	fs.IntVar(&cfg.Concurrency, "concurrency", 32, "concurrent requests (at most 1024)")
	fs.BoolVar(&cfg.AllowRemote, "allow-remote", false, "allow a target that is not a loopback address")
	fs.BoolVar(&asJSON, "json", false, "print the report as JSON")
	fs.StringVar(&bare, "serve-bare", "", "serve the bare baseline handler on this loopback address for --duration instead")
	if err := parseFlags(fs, l, args); err != nil {
		return err
	}
	if bare != "" {
		return serveBare(ctx, bare, cfg.Duration, stdout)
	}
	if err := cfg.Validate(); err != nil {
		return &usageError{err.Error()}
	}
	rep, err := loadgen.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(printable.Unwrap(stdout)).Encode(rep) // exact, like printJSON
	}
	fmt.Fprintf(stdout, "mode %s, concurrency %d, %.1fs: %d requests, %.0f req/s, %d errors\n",
		rep.Mode, rep.Concurrency, rep.Seconds, rep.Requests, rep.RPS, rep.Errors)
	fmt.Fprintf(stdout, "latency ms: p50 %.2f  p99 %.2f  p99.9 %.2f  max %.2f\n", rep.P50, rep.P99, rep.P999, rep.Max)
	if rep.FirstError != "" {
		fmt.Fprintf(stdout, "first error: %s\n", rep.FirstError)
	}
	return nil
}

func serveBare(ctx context.Context, addr string, d time.Duration, stdout io.Writer) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || !loopback.Host(host) {
		return &usageError{fmt.Sprintf("--serve-bare %q: want a loopback host:port", addr)}
	}
	if d <= 0 || d > loadgen.MaxDuration {
		return &usageError{fmt.Sprintf("--duration %s: want more than 0 and at most %s", d, loadgen.MaxDuration)}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: loadgen.BareHandler(), ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(stdout, "bare baseline on http://%s for %s\n", ln.Addr(), d)
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	go func() { <-ctx.Done(); srv.Close() }()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		return err
	}
	return nil
}
