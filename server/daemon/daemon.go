// Package daemon runs licentia's server process: the HTTP server over the store, the key ring and the
// application layer, its listeners (the public one, and /metrics alone when asked), every timeout, the
// address file, the upload outbox, the usage report and the nonce purge, and a graceful shutdown. The serve command parses
// flags and the environment into Options, opens the store and the key ring, and calls Run; it needs nothing
// else of package server, so the CLI stays beside the HTTP side rather than on top of it.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/server"
	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/licensing"
	"github.com/licentia/licentia/server/marketapi"
	"github.com/licentia/licentia/server/store"
)

// DefaultMaxConnsPerClient is how many connections one client address may hold open at once unless
// Options say otherwise.
const DefaultMaxConnsPerClient = server.DefaultMaxConnsPerClient

// UsagePoll is how often the usage report's sender looks for uses due, besides being woken by each first use
// of a day: well within the minute in which a use is to be reported.
const UsagePoll = 10 * time.Second

// Options configure the server process.
type Options struct {
	// Addr is the public listen address; port 0 picks a free one. MetricsAddr, when set, serves /metrics
	// alone, and Addr then does not. AddrFile, when set, receives Addr's bound host:port once listening.
	Addr, MetricsAddr, AddrFile string
	// KooGalleryKeys are the seller console's access keys (several during rotation).
	KooGalleryKeys []string
	// CallbackPath is the production path registered with KooGallery.
	CallbackPath string
	// LegacyWindow is how old a License 1.0 timeStamp may be.
	LegacyWindow time.Duration
	// TrustedProxies are the load balancers in front of licentia.
	TrustedProxies []netip.Prefix
	// MaxConnsPerClient bounds the connections of one client address (0: no limit).
	MaxConnsPerClient int
	// Activation bounds what License 2.0 activation may cost the marketplace.
	Activation licensing.ActivationLimits
	// Market is the marketplace's OpenAPI; without AK and SK it is not configured.
	Market marketapi.Config
	// Issuer signs new codes.
	Issuer *license.Issuer
}

// config is the server's configuration the options describe.
func (o *Options) config() server.Config {
	return server.Config{KooGalleryKeys: o.KooGalleryKeys, CallbackPath: o.CallbackPath, TrustedProxies: o.TrustedProxies,
		LegacyWindow: o.LegacyWindow, SeparateMetrics: o.MetricsAddr != "", MaxConnsPerClient: o.MaxConnsPerClient,
		Activation: o.Activation}
}

// Validate checks the options before anything is opened: a usage error of the serve command.
func (o *Options) Validate() error {
	if o.MetricsAddr != "" && o.MetricsAddr == o.Addr {
		return fmt.Errorf("--metrics-addr %s is --addr: give /metrics a listener of its own, or leave --metrics-addr empty", o.MetricsAddr)
	}
	if (o.Market.AK == "") != (o.Market.SK == "") {
		return fmt.Errorf("marketplace OpenAPI (%s, %s): %w", marketapi.EnvAK, marketapi.EnvSK, marketapi.ErrUnconfigured)
	}
	cfg := o.config()
	return cfg.Validate()
}

// LogHandler wraps h so that every log line written with a request's context carries its request id.
func LogHandler(h slog.Handler) slog.Handler { return server.LogHandler(h) }

// Run serves until ctx ends, then shuts down gracefully (10 s for requests in flight). The caller owns st
// and ring and closes st after Run returns.
func Run(ctx context.Context, o Options, st *store.Store, ring *keys.Ring, log *slog.Logger) error {
	cfg := o.config()
	if err := cfg.Validate(); err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	if o.Market.AK != "" || o.Market.SK != "" {
		o.Market.Observer, o.Market.Logger = server.MarketMetrics(reg), log
		mkt, err := marketapi.New(o.Market)
		if err != nil {
			return fmt.Errorf("marketplace OpenAPI (%s, %s): %w", marketapi.EnvAK, marketapi.EnvSK, err)
		}
		cfg.Market = mkt
		log.Info("marketplace OpenAPI configured", "base_urls", strings.Join(o.Market.BaseURLs, ","))
	} else {
		log.Info("marketplace OpenAPI not configured: License 2.0 activation answers 503 until " + marketapi.EnvAK + " and " + marketapi.EnvSK + " are set")
		log.Warn("G1b needs " + marketapi.EnvAK + " and " + marketapi.EnvSK + ": until they are set, a newInstance without product or customer and every getLicenseAsync are answered 000005, which the marketplace retries; no code is issued or owed without them")
	}
	cfg.Registry = reg
	srv := server.New(cfg, st, ring, o.Issuer, log)
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	servers := []*http.Server{newHTTPServer(srv.Handler(), log)}
	listeners := []net.Listener{srv.Listener(ln)}
	if o.MetricsAddr != "" {
		mln, err := net.Listen("tcp", o.MetricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen on --metrics-addr: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", srv.MetricsHandler())
		servers, listeners = append(servers, newHTTPServer(mux, log)), append(listeners, mln)
	}
	addr := ln.Addr().String()
	if o.AddrFile != "" {
		if err := writeAddrFile(o.AddrFile, addr); err != nil {
			for _, l := range listeners {
				l.Close()
			}
			return err
		}
		defer os.Remove(o.AddrFile)
	}
	go purgeNonces(ctx, st, log)
	// The outbox (uploads owed to the marketplace) and the usage report stop before the store closes.
	octx, ostop := context.WithCancel(ctx)
	odone, udone := make(chan struct{}), make(chan struct{})
	go func() { defer close(odone); srv.Service().RunOutbox(octx, 5*time.Second) }()
	go func() { defer close(udone); srv.Service().RunUsage(octx, UsagePoll) }()
	defer func() { ostop(); <-odone; <-udone }()
	errc := make(chan error, len(servers))
	for i, hs := range servers {
		go func() { errc <- hs.Serve(listeners[i]) }()
	}
	kid, _ := ring.Active()
	attrs := []any{"addr", addr, "key_id", kid, "database", st.Dialect(), "callback_path", cfg.CallbackPath}
	if o.MetricsAddr != "" {
		attrs = append(attrs, "metrics_addr", listeners[1].Addr().String())
	}
	log.Info("listening", attrs...)
	select {
	case err := <-errc:
		for _, hs := range servers {
			hs.Close()
		}
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var errs []error
	for _, hs := range servers {
		if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, fmt.Errorf("shutdown: %w", err))
		}
	}
	return errors.Join(errs...)
}

// newHTTPServer returns an http.Server for h with every timeout set.
func newHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    server.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// writeAddrFile writes addr and a newline to path through a temporary file in the same directory, so a
// reader waiting for path never sees a partial address.
func writeAddrFile(path, addr string) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".addr-*")
	if err != nil {
		return fmt.Errorf("--addr-file: %w", err)
	}
	_, err = f.WriteString(addr + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("--addr-file: %w", err)
	}
	return nil
}

// purgeNonces deletes expired nonces once a minute until ctx ends.
func purgeNonces(ctx context.Context, st *store.Store, log *slog.Logger) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := st.PurgeNonces(ctx); err != nil && ctx.Err() == nil {
				log.Warn("purge nonces", "err", err)
			}
		}
	}
}
