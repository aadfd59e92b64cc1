package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/server/daemon"
	"github.com/licentia/licentia/server/marketapi"
	"github.com/licentia/licentia/server/support"
)

type serveConfig struct {
	data      dataFlags
	addr      string
	metrics   string
	addrFile  string
	mktKeys   string
	issuer    string
	grace     time.Duration
	path      string
	logFormat string
	logLevel  string
	proxies   string
	conns     int // per client address; 0: no limit
	mktAPI    string
	act       activationFlags
}

func runServe(ctx context.Context, l lang, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", l, stderr)
	var c serveConfig
	c.data.register(fs, l, getenv)
	c.data.registerPool(fs, l, getenv)
	fs.StringVar(&c.addr, "addr", envOr(getenv, "LICENTIA_ADDR", "127.0.0.1:8080"), l.T("flag.addr"))
	fs.StringVar(&c.addrFile, "addr-file", getenv("LICENTIA_ADDR_FILE"), l.T("flag.addr_file"))
	fs.StringVar(&c.metrics, "metrics-addr", getenv("LICENTIA_METRICS_ADDR"), l.T("flag.metrics_addr"))
	mktKey := newSecretFlag(fs, l, getenv, "koogallery-key", "LICENTIA_KOOGALLERY_KEY", l.T("flag.koogallery_key"))
	var iss issuerFlags
	iss.register(fs, l, getenv)
	legacyWindow := envOr(getenv, "LICENTIA_LEGACY_WINDOW", "24h")
	fs.Func("legacy-window", l.T("flag.legacy_window"), func(s string) error {
		legacyWindow = s
		return nil
	})
	fs.StringVar(&c.mktAPI, "koogallery-api", getenv(marketapi.EnvAPI), l.T("flag.koogallery_api", marketapi.EnvAPI, marketapi.EnvAK, marketapi.EnvSK))
	fs.StringVar(&c.path, "callback-path", envOr(getenv, "LICENTIA_CALLBACK_PATH", "/koogallery/license"), l.T("flag.callback_path"))
	fs.StringVar(&c.proxies, "trusted-proxy", getenv("LICENTIA_TRUSTED_PROXIES"), l.T("flag.trusted_proxy"))
	maxConns := envOr(getenv, "LICENTIA_MAX_CLIENT_CONNS", strconv.Itoa(daemon.DefaultMaxConnsPerClient))
	fs.Func("max-client-conns", l.T("flag.max_client_conns", daemon.DefaultMaxConnsPerClient),
		func(s string) error {
			maxConns = s
			return nil
		})
	c.act.register(fs, l, getenv)
	fs.StringVar(&c.logFormat, "log-format", envOr(getenv, "LICENTIA_LOG_FORMAT", "json"), l.T("flag.log_format"))
	fs.StringVar(&c.logLevel, "log-level", envOr(getenv, "LICENTIA_LOG_LEVEL", "info"), l.T("flag.log_level"))
	fs.Usage = func() {
		fmt.Fprint(stderr, l.T("usage.serve"))
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, l, args); err != nil {
		return err
	}
	if err := c.data.parsePool(); err != nil {
		return err
	}
	warnings, err := c.resolveSecrets(fs, mktKey)
	if err != nil {
		return err
	}
	if c.issuer, c.grace, err = iss.resolve(l); err != nil {
		return err
	}
	lw, err := time.ParseDuration(legacyWindow)
	if err != nil || lw < time.Hour {
		return &usageError{l.T("serve.legacy_window", legacyWindow)}
	}
	if c.conns, err = strconv.Atoi(maxConns); err != nil || c.conns < 0 {
		return &usageError{l.T("serve.max_conns", maxConns)}
	}
	log, err := newLogger(l, c.logFormat, c.logLevel, stderr)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		log.Warn(w)
	}
	proxies, bad := parsePrefixes(c.proxies)
	if bad != "" {
		return &usageError{l.T("serve.trusted_proxy", bad)}
	}
	bases, err := marketapi.ParseBaseURLs(c.mktAPI)
	if err != nil {
		return &usageError{l.T("bad_koogallery_api", err)}
	}
	act, err := c.act.limits(l)
	if err != nil {
		return err
	}
	o := daemon.Options{Addr: c.addr, MetricsAddr: c.metrics, AddrFile: c.addrFile, KooGalleryKeys: splitKeys(c.mktKeys),
		CallbackPath: c.path, TrustedProxies: proxies, LegacyWindow: lw, MaxConnsPerClient: c.conns, Activation: act,
		Market: marketapi.Config{AK: getenv(marketapi.EnvAK), SK: getenv(marketapi.EnvSK), BaseURLs: bases}}
	if err := o.Validate(); err != nil {
		return &usageError{serveProblem(l, o, err)}
	}
	if gc, set := tuneGC(getenv); set {
		log.Debug("garbage collector target set", "gogc", gc)
	}
	return serve(ctx, &c, o, log)
}

// serveProblem says what daemon.Options.Validate found wrong with o, in l.
func serveProblem(l lang, o daemon.Options, err error) string {
	switch {
	case o.MetricsAddr != "" && o.MetricsAddr == o.Addr:
		return l.T("serve.metrics_is_addr", o.MetricsAddr)
	case errors.Is(err, marketapi.ErrUnconfigured):
		return l.T("serve.half_aksk", marketapi.EnvAK, marketapi.EnvSK)
	}
	return l.T("serve.bad_config", err.Error())
}

// resolveSecrets settles the access keys and the database, and returns a warning for each secret given
// as a flag value. Its errors are in the reader's language; the warnings go into the server's log, which
// is machine output: English, as every log line.
func (c *serveConfig) resolveSecrets(fs *flag.FlagSet, mktKey *secretFlag) ([]string, error) {
	var warnings []string
	keys, onCommandLine, err := mktKey.resolve(fs, c.data.l)
	if err != nil {
		return nil, err
	}
	c.mktKeys = keys
	if onCommandLine {
		warnings = append(warnings, mktKey.warning(langEN))
	}
	w, err := c.data.resolveDBWarning(langEN)
	if err != nil {
		return nil, err
	}
	if w != "" {
		warnings = append(warnings, w)
	}
	return warnings, nil
}

// parsePrefixes parses comma-separated IP addresses and CIDR prefixes; bad is the first item that is
// neither.
func parsePrefixes(s string) (_ []netip.Prefix, bad string) {
	var out []netip.Prefix
	for _, item := range splitKeys(s) {
		if p, err := netip.ParsePrefix(item); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil {
			return nil, item
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, ""
}

// splitKeys splits a comma- or line-separated list, dropping empty items.
func splitKeys(s string) []string {
	var out []string
	for _, k := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, k)
		}
	}
	return out
}

func newLogger(l lang, format, level string, w io.Writer) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, &usageError{l.T("serve.log_level", level)}
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "json":
		return slog.New(daemon.LogHandler(slog.NewJSONHandler(w, opts))), nil
	case "text":
		return slog.New(daemon.LogHandler(slog.NewTextHandler(w, opts))), nil
	default:
		return nil, &usageError{l.T("serve.log_format", format)}
	}
}

// serveGOGC is the garbage collector's target (GOGC) of the server process. The server's live heap is a
// few MiB, so at Go's default of 100 its collector runs some thirty times a second under load, each cycle
// with a fixed cost that on a virtual machine is a handful of cross-CPU wake-ups; at 200 it runs half as
// often, and a resend costs about a tenth less CPU time (BENCHMARKS.md). The price is memory: the heap may
// reach three times what is live instead of twice (RSS at a million licenses under load 45-46 MiB against
// 37-38; after a flood of requests with 100 KB methods 61-66 MiB against 36-37).
const serveGOGC = 200

// tuneGC sets the collector's target to serveGOGC unless the operator set GOGC in the environment, and
// returns the target it set and whether it did.
func tuneGC(getenv func(string) string) (int, bool) {
	if getenv("GOGC") != "" {
		return 0, false
	}
	debug.SetGCPercent(serveGOGC)
	return serveGOGC, true
}

// serve opens the data directory's key ring and database and runs the server process until ctx ends.
func serve(ctx context.Context, c *serveConfig, o daemon.Options, log *slog.Logger) error {
	if err := c.data.ensureData(); err != nil {
		return err
	}
	ring, created, err := c.data.serverRing(rand.Reader)
	if err != nil {
		return err
	}
	if created {
		kid, _ := ring.Active()
		log.Info("created signing key", "key_id", kid, "dir", ring.Dir())
	}
	// `licentia keys rotate` and `retire` on this data directory reach the running server: it looks at
	// the ring once a second, and never signs with a key the directory has withdrawn.
	dir := ring.Dir()
	ring = ring.Follow(keys.FollowOptions{Changed: func(kid string, err error) {
		if err != nil {
			log.Warn("key ring changed but cannot be read; signing on with the keys read before", "dir", dir, "err", err)
			return
		}
		log.Info("key ring changed", "key_id", kid, "dir", dir)
	}})
	st, err := c.data.openStore(ctx)
	if err != nil {
		return &explained{id: "serve.store", err: err}
	}
	defer st.Close()
	o.Issuer = support.NewIssuer(ring, c.issuer, c.grace)
	if err := daemon.Run(ctx, o, st, ring, log); err != nil {
		return &explained{id: "serve.run", err: err}
	}
	return nil
}
