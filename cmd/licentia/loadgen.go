package main

import (
	"context"
	"encoding/json"
	"errors"
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
	fs.StringVar(&cfg.URL, "url", "http://127.0.0.1:8080/koogallery/license", l.T("flag.lg_url"))
	fs.StringVar(&cfg.Key, "key", getenv("LICENTIA_KOOGALLERY_KEY"), l.T("flag.lg_key"))
	fs.StringVar(&cfg.Mode, "mode", loadgen.ModeResend, l.T("flag.lg_mode"))
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, l.T("flag.lg_duration", loadgen.MaxDuration))
	fs.IntVar(&cfg.Concurrency, "concurrency", 32, l.T("flag.lg_concurrency", loadgen.MaxConcurrency))
	fs.BoolVar(&cfg.AllowRemote, "allow-remote", false, l.T("flag.lg_allow_remote"))
	fs.BoolVar(&asJSON, "json", false, l.T("flag.json_report"))
	fs.StringVar(&bare, "serve-bare", "", l.T("flag.lg_serve_bare"))
	fs.Usage = func() {
		fmt.Fprint(stderr, l.T("usage.loadgen"))
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, l, args); err != nil {
		return err
	}
	if bare != "" {
		return serveBare(ctx, l, bare, cfg.Duration, stdout)
	}
	if err := cfg.Validate(); err != nil {
		return &usageError{loadgenProblem(l, cfg, err)}
	}
	rep, err := loadgen.Run(ctx, cfg)
	if err != nil {
		if errors.Is(err, loadgen.ErrSeed) {
			return fmt.Errorf("%s: %w", l.T("lg.seed", cfg.URL), err)
		}
		return err
	}
	if asJSON {
		return json.NewEncoder(printable.Unwrap(stdout)).Encode(rep) // exact, like printJSON
	}
	fmt.Fprintln(stdout, l.T("lg.report", rep.Mode, rep.Concurrency, rep.Seconds, rep.Requests, rep.RPS, rep.Errors))
	fmt.Fprintln(stdout, l.T("lg.latency", rep.P50, rep.P99, rep.P999, rep.Max))
	if rep.FirstError != "" {
		fmt.Fprintln(stdout, l.T("lg.first_error", rep.FirstError))
	}
	return nil
}

// loadgenProblem says what loadgen.Config.Validate found wrong with cfg, in l.
func loadgenProblem(l lang, cfg loadgen.Config, err error) string {
	switch {
	case errors.Is(err, loadgen.ErrBadURL):
		return l.T("lg.bad_url", cfg.URL)
	case errors.Is(err, loadgen.ErrRemote):
		return l.T("lg.remote", cfg.URL)
	case errors.Is(err, loadgen.ErrNoKey):
		return l.T("lg.no_key")
	case errors.Is(err, loadgen.ErrBadMode):
		return l.T("lg.mode", cfg.Mode)
	case errors.Is(err, loadgen.ErrBadDuration):
		return l.T("lg.duration", cfg.Duration, loadgen.MaxDuration)
	case errors.Is(err, loadgen.ErrBadConcurrency):
		return l.T("lg.concurrency", cfg.Concurrency, loadgen.MaxConcurrency)
	}
	return err.Error()
}

func serveBare(ctx context.Context, l lang, addr string, d time.Duration, stdout io.Writer) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || !loopback.Host(host) {
		return &usageError{l.T("lg.bare_addr", addr)}
	}
	if d <= 0 || d > loadgen.MaxDuration {
		return &usageError{l.T("lg.duration", d, loadgen.MaxDuration)}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("%s: %w", l.T("lg.listen", addr), err)
	}
	srv := &http.Server{Handler: loadgen.BareHandler(), ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintln(stdout, l.T("lg.bare", ln.Addr(), d))
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	go func() { <-ctx.Done(); srv.Close() }()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		return err
	}
	return nil
}
