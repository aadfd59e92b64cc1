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
	"regexp"
	"strings"
	"time"

	"github.com/licentia/licentia/cmd/internal/printable"
	"github.com/licentia/licentia/internal/loopback"
	"github.com/licentia/licentia/server/marketapi"
	"github.com/licentia/licentia/server/simulator"
	standin "github.com/licentia/licentia/server/simulator/market"
	"github.com/licentia/licentia/verifier"
)

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

func runSimulate(ctx context.Context, l lang, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("simulate", l, stderr)
	var c simulateConfig
	fs.StringVar(&c.url, "url", getenv("LICENTIA_SIMULATE_URL"), l.T("flag.sim_url"))
	key := newSecretFlag(fs, l, getenv, "key", "LICENTIA_KOOGALLERY_KEY", l.T("flag.simulate_key"))
	fs.StringVar(&c.scenario, "scenario", "all", l.T("flag.sim_scenario"))
	fs.IntVar(&c.concurrency, "concurrency", 20, l.T("flag.sim_concurrency"))
	fs.BoolVar(&c.json, "json", false, l.T("flag.sim_json"))
	fs.StringVar(&c.path, "path", "", l.T("flag.sim_path"))
	fs.StringVar(&c.keysFile, "keys", "", l.T("flag.sim_keys"))
	fs.BoolVar(&c.allowRemote, "allow-remote", false, l.T("flag.sim_allow_remote"))
	fs.StringVar(&c.prefix, "prefix", "", l.T("flag.sim_prefix"))
	fs.DurationVar(&c.interval, "retry-interval", 5*time.Millisecond, l.T("flag.sim_retry_interval"))
	fs.DurationVar(&c.timeout, "timeout", 5*time.Second, l.T("flag.sim_timeout"))
	fs.StringVar(&c.marketAddr, "market-addr", defaultMarketAddr, l.T("flag.sim_market_addr"))
	c.ak, c.sk = getenv(marketapi.EnvAK), getenv(marketapi.EnvSK)
	fs.Usage = func() {
		fmt.Fprint(stderr, l.T("usage.simulate"))
		for _, sc := range simulator.Scenarios() {
			fmt.Fprintf(stderr, "  %-22s %s\n", sc.Name, scenarioSummary(l, sc))
		}
		fmt.Fprintln(stderr, "\n"+l.T("flags"))
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, l, args); err != nil {
		return err
	}
	keys, onCommandLine, err := key.resolve(fs, l)
	if err != nil {
		return err
	}
	if onCommandLine {
		fmt.Fprintln(stderr, l.T("warning"), key.warning(l))
	}
	c.key = firstKey(keys)
	cfg, err := c.simulatorConfig(l)
	if err != nil {
		return err
	}
	names := strings.Split(c.scenario, ",")
	if c.needsMarket(names) {
		m, err := c.startMarket(l, stderr)
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
		return &usageError{l.T("sim.unknown_scenario", c.scenario)}
	}
	if err != nil {
		return err
	}
	if c.json {
		err = rep.WriteJSON(printable.Unwrap(stdout)) // exact, like printJSON
	} else {
		err = writeReport(stdout, l, rep)
	}
	if err != nil {
		return err
	}
	if !rep.OK() {
		return errors.New(l.T("sim.failed", rep.Failed, len(rep.Results)))
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
func (c *simulateConfig) startMarket(l lang, stderr io.Writer) (*standin.Server, error) {
	if c.ak == "" || c.sk == "" {
		fmt.Fprintln(stderr, l.T("sim.no_aksk", marketapi.EnvAK, marketapi.EnvSK))
		return nil, nil
	}
	host, _, err := net.SplitHostPort(c.marketAddr)
	if err != nil || !loopback.Host(host) {
		return nil, &usageError{l.T("sim.market_addr", c.marketAddr)}
	}
	m, err := standin.Start(standin.Config{AK: c.ak, SK: c.sk, Addr: c.marketAddr})
	if err != nil {
		return nil, fmt.Errorf("%s: %w (%s)", l.T("sim.standin_failed"), err, l.T("sim.market_addr_other"))
	}
	fmt.Fprintln(stderr, l.T("sim.standin", m.URL(), m.URL(), marketapi.EnvAK, marketapi.EnvSK))
	return m, nil
}

func firstKey(keys string) string {
	if k := splitKeys(keys); len(k) > 0 {
		return k[0]
	}
	return ""
}

// simulatorConfig validates the flags and turns them into the simulator's configuration.
func (c *simulateConfig) simulatorConfig(l lang) (simulator.Config, error) {
	var cfg simulator.Config
	if c.key == "" {
		return cfg, &usageError{l.T("sim.no_key")}
	}
	switch {
	case c.concurrency < 1 || c.concurrency > 1000:
		return cfg, &usageError{l.T("sim.concurrency")}
	case c.interval <= 0 || c.interval > time.Second:
		return cfg, &usageError{l.T("sim.retry_interval")}
	case c.timeout <= 0:
		return cfg, &usageError{l.T("sim.timeout")}
	}
	target, err := callbackURL(l, c.url, c.path, c.allowRemote)
	if err != nil {
		return cfg, err
	}
	cfg = simulator.Config{URL: target, Key: c.key, Concurrency: c.concurrency, Prefix: c.prefix,
		RetryInterval: c.interval, HTTPClient: &http.Client{Timeout: c.timeout}}
	if c.keysFile != "" {
		pem, err := os.ReadFile(c.keysFile)
		if err != nil {
			return cfg, fmt.Errorf("%s: %w", l.T("sim.keys_read"), err)
		}
		if cfg.Keys, err = verifier.ParseKeyring(pem); err != nil {
			return cfg, fmt.Errorf("%s: %w", l.T("sim.keys", c.keysFile), err)
		}
	}
	return cfg, nil
}

// callbackURL joins the base URL and the production path, and refuses hosts that are not loopback unless
// remote is true. Host names other than localhost are not resolved: they count as remote.
func callbackURL(l lang, base, path string, remote bool) (string, error) {
	if base == "" {
		return "", &usageError{l.T("sim.no_url")}
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", &usageError{l.T("sim.bad_url", base)}
	}
	if !remote && !loopback.Host(u.Hostname()) {
		return "", &usageError{l.T("sim.remote", u.Hostname())}
	}
	switch {
	case path != "":
		if !strings.HasPrefix(path, "/") {
			return "", &usageError{l.T("sim.path")}
		}
		u.Path = path
	case u.Path == "" || u.Path == "/":
		u.Path = "/koogallery/license"
	}
	u.RawQuery, u.Fragment = "", ""
	return u.String(), nil
}

// writeReport prints rep as a table aligned by display width (one row a step: scenario, step, result, reason)
// and the summary line, in l. The steps and the simulator's own reasons are said in l; the marketplace's calls,
// fields and result codes in them are the same in every language, and a reason that quotes what the seller
// answered is shown as it is.
func writeReport(w io.Writer, l lang, rep *simulator.Report) error {
	t := newTable(w)
	t.row(l.T("col.scenario"), l.T("col.step"), l.T("col.result"), l.T("col.reason"))
	for _, r := range rep.Results {
		t.row(cell(r.Scenario), cell(l.simStep(r)), l.simStatus(r.Status), printable.Escape(l.simReason(r)))
	}
	if err := t.flush(); err != nil {
		return err
	}
	format := l.T("sim.format_opaque")
	if rep.LicentiaFormat {
		format = l.T("sim.format_licentia")
	}
	if rep.LicentiaAPI {
		format += l.T("sim.format_api")
	}
	_, err := fmt.Fprintln(w, "\n"+l.T("sim.summary", rep.URL, len(rep.Results), rep.Passed, rep.Failed, rep.Skipped, format, rep.Prefix))
	return err
}

// simStatus is a step's result (simulator.Pass, Fail or Skip) in l.
func (l lang) simStatus(s string) string {
	switch s {
	case simulator.Pass:
		return l.T("sim.pass")
	case simulator.Fail:
		return l.T("sim.fail")
	case simulator.Skip:
		return l.T("sim.skip")
	}
	return s
}

// simText is a sentence the simulator wrote, in l: English as the simulator wrote it, or the format's Chinese from
// simStepsZH with the same arguments, those that are sentences of the simulator (simulator.Text, *simulator.Error,
// simulator.Joined) translated in turn and every other value as it is. ok is false when a format or a nested one has
// no Chinese; the English is then shown.
func (l lang) simText(t simulator.Text) (s string, ok bool) {
	if l == langEN {
		return t.String(), true
	}
	zh, ok := simStepsZH[t.Format]
	if !ok {
		return t.String(), false
	}
	args := make([]any, len(t.Args))
	for i, a := range t.Args {
		var argOK bool
		args[i], argOK = l.simArg(a)
		ok = ok && argOK
	}
	if !ok {
		return t.String(), false
	}
	if len(args) == 0 {
		return zh, true
	}
	return fmt.Sprintf(wrapVerb.ReplaceAllString(zh, "%${1}v"), args...), true
}

// wrapVerb is a %w verb (with or without an argument index), which Sprintf formats as %v.
var wrapVerb = regexp.MustCompile(`%(\[[0-9]+\])?w`)

// simArg is an argument of a simulator sentence in l (see simText).
func (l lang) simArg(a any) (any, bool) {
	switch a := a.(type) {
	case simulator.Text:
		return l.simText(a)
	case error:
		if t, ok := simulator.TextOf(a); ok {
			return l.simText(t)
		}
	case simulator.Joined:
		parts := make([]string, len(a.Items))
		ok := true
		for i, it := range a.Items {
			p, itemOK := l.simArg(it)
			parts[i], ok = fmt.Sprint(p), ok && itemOK
		}
		sep := a.Sep
		if sep == "; " {
			sep = "；"
		}
		return strings.Join(parts, sep), ok
	}
	return a, true
}

// simStep is a result's step in l.
func (l lang) simStep(r simulator.Result) string {
	if r.StepText.Format == "" {
		return r.Step
	}
	s, _ := l.simText(r.StepText)
	return s
}

// simReason is a result's reason in l: translated when the simulator wrote it, else (the seller's answer, an
// error from outside the simulator) as it is.
func (l lang) simReason(r simulator.Result) string {
	if r.ReasonText.Format == "" {
		return r.Reason
	}
	s, _ := l.simText(r.ReasonText)
	return s
}
