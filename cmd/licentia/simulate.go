package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/licentia/licentia/cmd/internal/printable"
	"github.com/licentia/licentia/internal/loopback"
	"github.com/licentia/licentia/server/marketapi"
	"github.com/licentia/licentia/server/simulator"
	standin "github.com/licentia/licentia/server/simulator/market"
	"github.com/licentia/licentia/verifier"
)

const simulateUsage = `usage: licentia simulate --url URL [--scenario NAME|all] [--concurrency N] [--json]
                         [--path /koogallery/license] [--keys FILE] [--allow-remote] [--market-addr ADDR]

Plays KooGallery against a seller's production interface (licentia or any other implementation) and
prints a pass/fail table; exits 1 when any step fails. Run it before registering the production URL.
Only loopback URLs are accepted unless --allow-remote is given (e.g. your own staging server).
The access key comes from LICENTIA_KOOGALLERY_KEY or --key-file FILE (env LICENTIA_KOOGALLERY_KEY_FILE).

The License 2.0 and G1b scenarios also play the KooGallery OpenAPI: with LICENTIA_KOOGALLERY_AK and
LICENTIA_KOOGALLERY_SK set, simulate starts a stand-in for it on --market-addr; start the seller with
--koogallery-api http://ADDR and the same AK/SK (for licentia: licentia serve --koogallery-api
http://127.0.0.1:8090 --activation-per-address 1000, as the scenarios activate more codes from one address
than the default 20 an hour). Without them those scenarios are skipped. Activation steps need licentia's own
POST /v1/activations and are skipped for another seller.

scenarios:
`

type simulateConfig struct {
	url         string
	key         string
	scenario    string
	concurrency int
	json        bool
	path        string
	keysFile    string
	allowRemote bool
	prefix      string
	interval    time.Duration
	timeout     time.Duration
	marketAddr  string
	ak, sk      string
}

// defaultMarketAddr is where simulate starts the OpenAPI stand-in unless told otherwise: a fixed address, so a
// seller configured once with --koogallery-api serves every run.
const defaultMarketAddr = "127.0.0.1:8090"

func runSimulate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("simulate", stderr)
	var c simulateConfig
	fs.StringVar(&c.url, "url", getenv("LICENTIA_SIMULATE_URL"), "seller base URL, e.g. http://127.0.0.1:8080 (env LICENTIA_SIMULATE_URL)")
	key := newSecretFlag(fs, getenv, "key", "LICENTIA_KOOGALLERY_KEY",
		"the seller's KooGallery access key (the first of a comma- or line-separated list)")
	fs.StringVar(&c.scenario, "scenario", "all", "scenario to play, or all; comma-separated for several")
	fs.IntVar(&c.concurrency, "concurrency", 20, "concurrent sends in the resend storm")
	fs.BoolVar(&c.json, "json", false, "print the report as JSON instead of a table")
	fs.StringVar(&c.path, "path", "", "production path (default: the path of --url, or /koogallery/license)")
	fs.StringVar(&c.keysFile, "keys", "", "the seller's public keys (PEM or JWKS): verify every licentia code answered")
	fs.BoolVar(&c.allowRemote, "allow-remote", false, "allow a URL that is not on the loopback interface")
	fs.StringVar(&c.prefix, "prefix", "", "order-id prefix (default SIM<time>-<random>, unique per run)")
	fs.DurationVar(&c.interval, "retry-interval", 5*time.Millisecond, "gap between compressed marketplace retries")
	fs.DurationVar(&c.timeout, "timeout", 5*time.Second, "per-call timeout (KooGallery waits 5 s)")
	fs.StringVar(&c.marketAddr, "market-addr", defaultMarketAddr,
		"loopback address of the KooGallery OpenAPI stand-in (needs LICENTIA_KOOGALLERY_AK and LICENTIA_KOOGALLERY_SK)")
	c.ak, c.sk = getenv(marketapi.EnvAK), getenv(marketapi.EnvSK)
	fs.Usage = func() {
		fmt.Fprint(stderr, simulateUsage)
		for _, sc := range simulator.Scenarios() {
			fmt.Fprintf(stderr, "  %-22s %s\n", sc.Name, sc.Summary)
		}
		fmt.Fprintln(stderr, "\nflags:")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	keys, onCommandLine, err := key.resolve(fs)
	if err != nil {
		return err
	}
	if onCommandLine {
		fmt.Fprintln(stderr, "licentia: warning:", key.warning())
	}
	c.key = firstKey(keys)
	cfg, err := c.simulatorConfig()
	if err != nil {
		return err
	}
	names := strings.Split(c.scenario, ",")
	if c.needsMarket(names) {
		m, err := c.startMarket(stderr)
		if err != nil {
			return err
		}
		if m != nil {
			defer m.Close()
			cfg.Market = m
		}
	}
	rep, err := simulator.Run(ctx, cfg, names...)
	if errors.Is(err, simulator.ErrUnknownScenario) {
		return &usageError{err.Error()}
	}
	if err != nil {
		return err
	}
	if c.json {
		err = rep.WriteJSON(printable.Unwrap(stdout)) // exact, like printJSON
	} else {
		err = rep.WriteTable(stdout)
	}
	if err != nil {
		return err
	}
	if !rep.OK() {
		return fmt.Errorf("simulate: %d of %d steps failed", rep.Failed, len(rep.Results))
	}
	return nil
}

// needsMarket reports whether any of the named scenarios plays the OpenAPI (unknown names are left to Run).
func (c *simulateConfig) needsMarket(names []string) bool {
	for _, sc := range simulator.Scenarios() {
		for _, n := range names {
			if n = strings.TrimSpace(n); sc.Market && (n == "all" || n == sc.Name) {
				return true
			}
		}
	}
	return false
}

// startMarket starts the OpenAPI stand-in and tells the user how to point the seller at it; without AK/SK it
// says why the License 2.0 scenarios will be skipped and returns nil.
func (c *simulateConfig) startMarket(stderr io.Writer) (*standin.Server, error) {
	if c.ak == "" || c.sk == "" {
		fmt.Fprintf(stderr, "simulate: %s and %s are not set: the License 2.0 and G1b scenarios are skipped\n",
			marketapi.EnvAK, marketapi.EnvSK)
		return nil, nil
	}
	host, _, err := net.SplitHostPort(c.marketAddr)
	if err != nil || !loopback.Host(host) {
		return nil, &usageError{fmt.Sprintf("simulate: --market-addr %q: want a loopback host:port", c.marketAddr)}
	}
	m, err := standin.Start(standin.Config{AK: c.ak, SK: c.sk, Addr: c.marketAddr})
	if err != nil {
		return nil, fmt.Errorf("simulate: %w (pass another --market-addr)", err)
	}
	fmt.Fprintf(stderr, "simulate: KooGallery OpenAPI stand-in on %s; the seller must run with --koogallery-api %s "+
		"and the same %s / %s (licentia also with --activation-per-address 1000: the scenarios activate more codes "+
		"from one address than the default allows)\n", m.URL(), m.URL(), marketapi.EnvAK, marketapi.EnvSK)
	return m, nil
}

func firstKey(keys string) string {
	if k := splitKeys(keys); len(k) > 0 {
		return k[0]
	}
	return ""
}

// simulatorConfig validates the flags and turns them into the simulator's configuration.
func (c *simulateConfig) simulatorConfig() (simulator.Config, error) {
	var cfg simulator.Config
	if c.key == "" {
		return cfg, &usageError{"simulate: the access key is required: set LICENTIA_KOOGALLERY_KEY or pass --key-file"}
	}
	switch {
	case c.concurrency < 1 || c.concurrency > 1000:
		return cfg, &usageError{"simulate: --concurrency must be between 1 and 1000"}
	case c.interval <= 0 || c.interval > time.Second:
		return cfg, &usageError{"simulate: --retry-interval must be more than 0 and at most 1s (the schedules are compressed)"}
	case c.timeout <= 0:
		return cfg, &usageError{"simulate: --timeout must be positive"}
	}
	target, err := callbackURL(c.url, c.path, c.allowRemote)
	if err != nil {
		return cfg, err
	}
	cfg = simulator.Config{URL: target, Key: c.key, Concurrency: c.concurrency, Prefix: c.prefix,
		RetryInterval: c.interval, HTTPClient: &http.Client{Timeout: c.timeout}}
	if c.keysFile != "" {
		pem, err := os.ReadFile(c.keysFile)
		if err != nil {
			return cfg, fmt.Errorf("simulate: %w", err)
		}
		if cfg.Keys, err = verifier.ParseKeyring(pem); err != nil {
			return cfg, fmt.Errorf("simulate: --keys %s: %w", c.keysFile, err)
		}
	}
	return cfg, nil
}

// callbackURL joins the base URL and the production path, and refuses hosts that are not loopback unless
// remote is true. Host names other than localhost are not resolved: they count as remote.
func callbackURL(base, path string, remote bool) (string, error) {
	if base == "" {
		return "", &usageError{"simulate: --url (or LICENTIA_SIMULATE_URL) is required"}
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", &usageError{fmt.Sprintf("simulate: --url %q: want http(s)://host[:port][/path]", base)}
	}
	if !remote && !loopback.Host(u.Hostname()) {
		return "", &usageError{fmt.Sprintf("simulate: %s is not a loopback address; pass --allow-remote to play against it "+
			"(it creates, renews and releases licenses there)", u.Hostname())}
	}
	switch {
	case path != "":
		if !strings.HasPrefix(path, "/") {
			return "", &usageError{"simulate: --path must start with /"}
		}
		u.Path = path
	case u.Path == "" || u.Path == "/":
		u.Path = "/koogallery/license"
	}
	u.RawQuery, u.Fragment = "", ""
	return u.String(), nil
}
