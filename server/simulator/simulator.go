package simulator

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/simulator/market"
	"github.com/licentia/licentia/verifier"
)

// ErrUnknownScenario is returned by Run for a scenario name that does not exist.
var ErrUnknownScenario = errors.New("unknown scenario")

// Config configures a run.
type Config struct {
	// URL is the seller's full production URL, e.g. http://127.0.0.1:8080/koogallery/license.
	URL string
	// Key is the access key bound to the production interface in the seller console.
	Key string
	// HTTPClient sends the calls (default: a client with the marketplace's 5-second timeout).
	HTTPClient *http.Client
	// Concurrency is how many resends the resend storm fires at once (default 20).
	Concurrency int
	// Prefix starts every order id and businessId of the run (default SIM<time>-<random>), so that
	// repeated runs against one server never collide.
	Prefix string
	// RetryInterval is the compressed gap between the attempts of the marketplace's retry schedules
	// (hourly ×3 for a License 1.0 create, every 2 minutes ×60 for the POST callbacks; default 5 ms).
	RetryInterval time.Duration
	// Keys, when set, are the seller's public keys: every licentia code answered must then carry a valid
	// signature from one of them.
	Keys *verifier.Keyring
	// Now is the clock used to stamp requests (default time.Now).
	Now func() time.Time
	// Market is the stand-in for the KooGallery OpenAPI the seller is pointed at (--koogallery-api): it holds the
	// licence codes of the License 2.0 scenarios and the order of every newInstance, which carries only its order
	// (topics 0070649427, 0070649092). When it is nil those scenarios and steps are skipped.
	Market *market.Server
	// UploadWait is how long get-license-async waits for the seller's upload to reach Market (default 15 s).
	UploadWait time.Duration
	// API is the seller's base URL for licentia's own endpoints (POST /v1/activations, /v1/codes/refresh);
	// default: the scheme and host of URL. For a seller without them the steps that need them are skipped.
	API string
}

func (c *Config) defaults() {
	if c.Concurrency <= 0 {
		c.Concurrency = 20
	}
	if c.RetryInterval <= 0 {
		c.RetryInterval = 5 * time.Millisecond
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Prefix == "" {
		c.Prefix = NewPrefix(c.Now())
	}
	if c.UploadWait <= 0 {
		c.UploadWait = 15 * time.Second
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 5 * time.Second}
	}
}

// NewPrefix returns a fresh order-id prefix: SIM, the UTC time to the second and 4 random hex digits.
func NewPrefix(now time.Time) string {
	var b [2]byte
	rand.Read(b[:])
	return "SIM" + now.UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b[:])
}

// Scenario is a named sequence of marketplace calls with the answers they must get.
type Scenario struct {
	// Name is what --scenario takes.
	Name string
	// Summary says in one line what the scenario plays, and ends with the topic ids of the official pages of the
	// calls it plays (see Topics).
	Summary string
	// Market is true when the scenario plays the OpenAPI stand-in (Config.Market): the License 2.0 and G1b
	// scenarios, and every scenario with a newInstance, which carries only its order (the seller fetches the rest
	// with the order query). Without the stand-in the steps that need it are skipped.
	Market bool
	// Plays names the calls the scenario makes or makes the seller make: the activities of the marketplace's
	// calls to the seller, and the OpenAPI calls (activate, query, query_order, upload_event).
	Plays []string
	run   func(context.Context, *run)
}

// plays joins lists of calls.
func plays(lists ...[]string) []string { return slices.Concat(lists...) }

// Scenarios returns every scenario, in the order "all" runs them.
func Scenarios() []Scenario {
	var (
		getLicense = []string{koogallery.ActivityGetLicense}
		// A newInstance carries only its order: the seller queries it, and when that is slow answers 000004 and
		// the marketplace asks with queryInstance.
		newInstance = []string{koogallery.ActivityNewInstance, callQueryOrder, koogallery.ActivityQueryInstance}
		refreshInst = []string{koogallery.ActivityRefreshInstance}
		statusInst  = []string{koogallery.ActivityUpdateInstanceStatus}
		releaseInst = []string{koogallery.ActivityReleaseInstance}
		refreshLic  = []string{koogallery.ActivityRefreshLicense}
		expireLic   = []string{koogallery.ActivityExpireLicense}
		releaseLic  = []string{koogallery.ActivityReleaseLicense}
		license1Chg = plays(refreshLic, expireLic, releaseLic)
		instanceChg = plays(refreshInst, statusInst, releaseInst)
		// An activation names the simulator's deployment: its use is owed to the usage report.
		activation  = []string{callActivate, callQuery, callUsage}
		codeChanges = []string{koogallery.ActivityRefreshLicenseCode, koogallery.ActivityUpdateLicenseCodeStatus,
			koogallery.ActivityReleaseLicenseCode}
		async        = []string{koogallery.ActivityGetLicenseAsync, callUpload}
		license2Code = plays(activation, codeChanges)
	)
	all := []Scenario{
		{"purchase", "getLicense and newInstance create a license; a resend gets the same answer", true,
			plays(getLicense, newInstance), purchase},
		{"resend-storm", "N concurrent first creates of one order: one instanceId, one license", true,
			plays(getLicense, newInstance), resendStorm},
		{"order-lines", "two lines of one order: two licenses, each resend gets its own", true, newInstance, orderLines},
		{"renewal", "refreshInstance and refreshLicense move the expiry later", true,
			plays(refreshInst, refreshLic, newInstance, getLicense), renewal},
		{"resent-renewal", "a renewal sent twice changes the license once", true, plays(refreshInst, newInstance), resentRenewal},
		{"unrenewal", "UNSUBSCRIBE_RENEWAL_PERIOD moves the expiry earlier", true, plays(refreshInst, newInstance), unrenewal},
		{"out-of-order-renewals", "a later renewal arriving first is not undone by the earlier one", true,
			plays(refreshInst, newInstance), outOfOrder},
		{"trial-to-formal", "refreshInstance TRIAL_TO_FORMAL changes product and expiry", true,
			plays(refreshInst, newInstance), trialToFormal},
		{"freeze-unfreeze", "FREEZE and UNFREEZE, each twice; License 1.0 expireLicense", true,
			plays(statusInst, expireLic, newInstance, getLicense), freezeUnfreeze},
		{"release", "releaseInstance and releaseLicense", true, plays(releaseInst, releaseLic, newInstance, getLicense), release},
		{"release-twice", "a second release is answered 000000", true,
			plays(releaseInst, releaseLic, newInstance, getLicense), releaseTwice},
		{"probes", "testFlag=1 on made-up ids succeeds, repeats the same answer, touches no real license", true,
			plays(getLicense, license1Chg, newInstance, instanceChg, codeChanges), probes},
		{"negative", "bad signature, wrong key, stale timestamp, replayed nonce, tampered body are refused", true,
			plays(getLicense, license1Chg, newInstance, instanceChg), negative},
		{"retry-legacy-create", "getLicense answer lost, then the hourly ×3 retries (compressed)", false, getLicense, retryLegacyCreate},
		{"retry-callbacks", "renewal and freeze lost, then retried every 2 min ×60 (compressed)", true,
			plays(refreshInst, statusInst, newInstance), retryCallbacks},
		{"activate", "License 2.0: a received marketplace code activates, with the query's expiry (§2.6)", true, activation, activateCode},
		{"activate-twice", "a second activation: same license and code, no second activate call", true, activation, activateTwice},
		{"concurrent-activations", "N concurrent activations of one code: one license, one activate call", true,
			activation, concurrentActivations},
		{"not-received", "a code the buyer has not received: 409 not_received, then it activates", true, activation, notReceived},
		{"unknown-code", "a code the marketplace does not know: 404 not_found", true, activation, unknownCode},
		{"code-callbacks", "renewal, unrenewal, freeze, unfreeze, release keyed on the marketplace code (§2.4)", true,
			license2Code, codeCallbacks},
		{"callbacks-before-activation", "callbacks for a code not yet activated: 000000, applied on activation", true,
			license2Code, callbacksBeforeActivation},
		{"release-before-activation", "a code released before activation: 409 license_released, never a code", true,
			license2Code, releaseBeforeActivation},
		{"daily-query", "the marketplace's own changes show on the day's first refresh, queried once a day", true,
			activation, dailyQuery},
		{"wrong-sk", "a wrong SK: activation answers 502 marketplace_unavailable and writes nothing", true, activation, wrongSK},
		{"get-license-async", "G1b getLicenseAsync: 000000, then the licence is uploaded to the marketplace (§3)", true,
			plays(async, newInstance), getLicenseAsync},
		{"seats", "License 2.0: a code bought with quantity 3 serves three installations; the fourth is refused 409 seats_exhausted", true,
			activation, seats},
		{"usage-report", "License 2.0: each installation's use of a code is reported to the marketplace once a day, by a hash, never its id", true,
			activation, usageReport},
		{"device-quota", "G1b getLicenseAsync with device fingerprints: a seat per device up to the order's quantity, then 000900", true,
			plays(async, newInstance), deviceQuota},
		{"order-query", "newInstance with only its order: the seller queries the order (§4)", true, newInstance, orderQuery},
		{"nested-body", "newInstance with buyerInfo{} and orderInfo[] as the HTTP Body signing page prints it: 000000", false,
			[]string{koogallery.ActivityNewInstance}, nestedBody},
		{"order-notify", "orderNotify with only the order id: the seller queries the order and answers 000000", true,
			plays([]string{koogallery.ActivityOrderNotify}, []string{callQueryOrder}), orderNotification},
		{"lagging-query", "License 2.0: a renewal just before the day's first query, which still answers the old expiry, stands", true,
			plays(license2Code), laggingQuery},
		{"period-change", "License 2.0: a renewal to the other period's productId; the code still serves the product it was sold under", true,
			plays(license2Code), periodChange},
	}
	for i := range all {
		all[i] = all[i].describe()
	}
	return all
}

// Run plays the named scenarios (all when names is empty or holds "all") against cfg.URL and returns
// the report. It returns ErrUnknownScenario for a name that does not exist; failures of the seller are
// in the report, not in the error.
func Run(ctx context.Context, cfg Config, names ...string) (*Report, error) {
	cfg.defaults()
	all := Scenarios()
	if len(names) == 0 {
		names = []string{"all"}
	}
	var todo []Scenario
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "all" {
			todo = append(todo, all...)
			continue
		}
		sc, ok := find(all, n)
		if !ok {
			return nil, fmt.Errorf("%w %q", ErrUnknownScenario, n)
		}
		todo = append(todo, sc)
	}
	rep := &Report{URL: cfg.URL, Prefix: cfg.Prefix}
	c := koogallery.NewCaller(cfg.URL, cfg.Key, cfg.HTTPClient, cfg.Now)
	var seq atomic.Int64
	sh := &shared{}
	for _, sc := range todo {
		if ctx.Err() != nil {
			start := text("start")
			rep.add(Result{Scenario: sc.Name, Step: start.String(), StepText: start, Status: Fail, Reason: ctx.Err().Error()})
			continue
		}
		sc.run(ctx, &run{cfg: &cfg, c: c, rep: rep, scenario: sc.Name, seq: &seq, shared: sh})
	}
	return rep, nil
}

func find(all []Scenario, name string) (Scenario, bool) {
	for _, sc := range all {
		if sc.Name == name {
			return sc, true
		}
	}
	return Scenario{}, false
}

// run is one scenario being played.
type run struct {
	cfg      *Config
	c        *koogallery.Caller
	rep      *Report
	scenario string
	seq      *atomic.Int64
	shared   *shared
}

// shared is what the scenarios of one run learn once.
type shared struct {
	probe sync.Once
	api   bool // the seller serves licentia's activation endpoint

	mu     sync.Mutex
	orders map[string]koogallery.OrderInfo // the newInstance orders held in the stand-in, by orderId
}

// id returns a run-unique id: the prefix, the scenario, kind and a sequence number.
func (r *run) id(kind string) string {
	return fmt.Sprintf("%s-%s-%s%d", r.cfg.Prefix, abbreviate(r.scenario), kind, r.seq.Add(1))
}

// abbreviate shortens a scenario name for ids: the first letter of each word.
func abbreviate(name string) string {
	var b strings.Builder
	for w := range strings.SplitSeq(name, "-") {
		if w != "" {
			b.WriteByte(w[0])
		}
	}
	return b.String()
}

// check records the step as passed when err is nil, failed otherwise, and reports whether it passed.
func (r *run) check(step Text, err error) bool {
	if err != nil {
		r.record(step, Fail, err.Error(), reasonOf(err))
		return false
	}
	r.record(step, Pass, "", Text{})
	return true
}

// skip records the step as skipped for reason.
func (r *run) skip(step, reason Text) {
	r.record(step, Skip, reason.String(), reason)
}

// record adds a result of the scenario: the step and its reason (as written, rt, when the simulator wrote it).
func (r *run) record(step Text, status, reason string, rt Text) {
	r.rep.add(Result{Scenario: r.scenario, Step: step.String(), StepText: step, Status: status, Reason: reason, ReasonText: rt})
}

// day returns a time days from now, to the second, in UTC.
func (r *run) day(days int) time.Time {
	return r.cfg.Now().UTC().Add(time.Duration(days) * 24 * time.Hour).Truncate(time.Second)
}

// expire returns an expireTime days from now, and its unix time.
func (r *run) expire(days int) (string, int64) {
	t := r.day(days)
	return koogallery.FormatTime(t), t.Unix()
}

// pause waits the compressed retry interval.
func (r *run) pause(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-time.After(r.cfg.RetryInterval):
	}
}
