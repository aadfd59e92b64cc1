package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
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

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	var c serveConfig
	c.data.register(fs, getenv)
	c.data.registerPool(fs, getenv)
	fs.StringVar(&c.addr, "addr", envOr(getenv, "LICENTIA_ADDR", "127.0.0.1:8080"),
		"listen address; port 0 picks a free one, logged in the \"listening\" line (env LICENTIA_ADDR)")
	fs.StringVar(&c.addrFile, "addr-file", getenv("LICENTIA_ADDR_FILE"),
		"once listening, write the bound address (host:port) to this file, e.g. with --addr 127.0.0.1:0 (env LICENTIA_ADDR_FILE)")
	fs.StringVar(&c.metrics, "metrics-addr", getenv("LICENTIA_METRICS_ADDR"),
		"listen address of /metrics alone, which --addr then no longer serves; empty: /metrics on --addr (env LICENTIA_METRICS_ADDR)")
	mktKey := newSecretFlag(fs, getenv, "koogallery-key", "LICENTIA_KOOGALLERY_KEY",
		"KooGallery access key(s) from the seller console, comma- or line-separated during rotation")
	var iss issuerFlags
	iss.register(fs, getenv)
	legacyWindow := envOr(getenv, "LICENTIA_LEGACY_WINDOW", "24h")
	fs.Func("legacy-window", "how old a License 1.0 timeStamp may be; older URLs are refused so a captured one cannot be replayed (env LICENTIA_LEGACY_WINDOW, default 24h)", func(s string) error {
		legacyWindow = s
		return nil
	})
	fs.StringVar(&c.mktAPI, "koogallery-api", getenv(marketapi.EnvAPI),
		"KooGallery OpenAPI base URLs, comma-separated, tried in order (env "+marketapi.EnvAPI+"; default the marketplace's own); credentials only from "+marketapi.EnvAK+" and "+marketapi.EnvSK)
	fs.StringVar(&c.path, "callback-path", envOr(getenv, "LICENTIA_CALLBACK_PATH", "/koogallery/license"),
		"production path registered with KooGallery (env LICENTIA_CALLBACK_PATH)")
	fs.StringVar(&c.proxies, "trusted-proxy", getenv("LICENTIA_TRUSTED_PROXIES"),
		"load balancers in front of licentia, comma-separated IPs or CIDRs: rate limits then use their X-Forwarded-For, "+
			"and logs their X-Request-Id (env LICENTIA_TRUSTED_PROXIES)")
	maxConns := envOr(getenv, "LICENTIA_MAX_CLIENT_CONNS", strconv.Itoa(daemon.DefaultMaxConnsPerClient))
	fs.Func("max-client-conns", fmt.Sprintf("connections one client address (IPv6: one /64) may hold open at once; "+
		"trusted proxies are not limited; 0: no limit (env LICENTIA_MAX_CLIENT_CONNS, default %d)", daemon.DefaultMaxConnsPerClient),
		func(s string) error {
			maxConns = s
			return nil
		})
	c.act.register(fs, getenv)
	fs.StringVar(&c.logFormat, "log-format", envOr(getenv, "LICENTIA_LOG_FORMAT", "json"), "log format: json or text (env LICENTIA_LOG_FORMAT)")
	fs.StringVar(&c.logLevel, "log-level", envOr(getenv, "LICENTIA_LOG_LEVEL", "info"), "log level: debug, info, warn, error (env LICENTIA_LOG_LEVEL)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := c.data.parsePool(); err != nil {
		return err
	}
	warnings, err := c.resolveSecrets(fs, mktKey)
	if err != nil {
		return err
	}
	if c.issuer, c.grace, err = iss.resolve(); err != nil {
		return err
	}
	lw, err := time.ParseDuration(legacyWindow)
	if err != nil || lw < time.Hour {
		return &usageError{fmt.Sprintf("--legacy-window %q: want a duration of at least 1h such as 24h (KooGallery resends getLicense hourly for 3 hours)", legacyWindow)}
	}
	if c.conns, err = strconv.Atoi(maxConns); err != nil || c.conns < 0 {
		return &usageError{fmt.Sprintf("--max-client-conns %q: want a number, 0 for no limit", maxConns)}
	}
	log, err := newLogger(c.logFormat, c.logLevel, stderr)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		log.Warn(w)
	}
	proxies, err := parsePrefixes(c.proxies)
	if err != nil {
		return &usageError{fmt.Sprintf("--trusted-proxy: %v", err)}
	}
	bases, err := marketapi.ParseBaseURLs(c.mktAPI)
	if err != nil {
		return &usageError{fmt.Sprintf("--koogallery-api: %v", err)}
	}
	act, err := c.act.limits()
	if err != nil {
		return err
	}
	o := daemon.Options{Addr: c.addr, MetricsAddr: c.metrics, AddrFile: c.addrFile, KooGalleryKeys: splitKeys(c.mktKeys),
		CallbackPath: c.path, TrustedProxies: proxies, LegacyWindow: lw, MaxConnsPerClient: c.conns, Activation: act,
		Market: marketapi.Config{AK: getenv(marketapi.EnvAK), SK: getenv(marketapi.EnvSK), BaseURLs: bases}}
	if err := o.Validate(); err != nil {
		return &usageError{err.Error()}
	}
	return serve(ctx, &c, o, log)
}

// resolveSecrets settles the access keys and the database, and returns a warning for each secret given
// as a flag value.
func (c *serveConfig) resolveSecrets(fs *flag.FlagSet, mktKey *secretFlag) ([]string, error) {
	var warnings []string
	keys, onCommandLine, err := mktKey.resolve(fs)
	if err != nil {
		return nil, err
	}
	c.mktKeys = keys
	if onCommandLine {
		warnings = append(warnings, mktKey.warning())
	}
	w, err := c.data.resolveDB()
	if err != nil {
		return nil, err
	}
	if w != "" {
		warnings = append(warnings, w)
	}
	return warnings, nil
}

// parsePrefixes parses comma-separated IP addresses and CIDR prefixes.
func parsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range splitKeys(s) {
		if p, err := netip.ParsePrefix(item); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an IP address nor a CIDR prefix", item)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
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

func newLogger(format, level string, w io.Writer) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, &usageError{fmt.Sprintf("--log-level %q: want debug, info, warn or error", level)}
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "json":
		return slog.New(daemon.LogHandler(slog.NewJSONHandler(w, opts))), nil
	case "text":
		return slog.New(daemon.LogHandler(slog.NewTextHandler(w, opts))), nil
	default:
		return nil, &usageError{fmt.Sprintf("--log-format %q: want json or text", format)}
	}
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
		return err
	}
	defer st.Close()
	o.Issuer = support.NewIssuer(ring, c.issuer, c.grace)
	return daemon.Run(ctx, o, st, ring, log)
}
