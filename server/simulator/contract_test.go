package simulator

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/marketapi"
	"github.com/licentia/licentia/server/simulator/market"
	"github.com/licentia/licentia/verifier"
)

const (
	testAK = "sim-test-ak"
	testSK = "sim-test-sk"
)

// contractSeller is a seller that follows licentia's License 2.0 contract (README "Endpoints", docs/koogallery.md "License 2.0 end to end") with opaque codes:
// POST /v1/activations and /v1/codes/refresh, callbacks keyed on marketplace codes (kept until activation when
// the code is unknown), the daily query at most once per UTC day per code, G1b uploads and the order query, all
// through the real OpenAPI client against the stand-in. Everything else is the opaque seller. unknownNotFound
// makes it answer 000003 to callbacks for codes it has not seen, as a seller that only listens does.
type contractSeller struct {
	*opaqueSeller
	api             *marketapi.Client
	unknownNotFound bool

	mu       sync.Mutex
	byCode   map[string]*codeLicense // marketplace code → license
	byToken  map[string]*codeLicense // any code issued → license
	pending  map[string][]map[string]string
	applied  map[string]bool     // orderIds of refreshes applied
	devices  map[string][]string // instanceId → the device fingerprints it was uploaded for
	reported map[string]bool     // "day id" of the uses reported
	n        int
}

// contractDeviceQuota is the contract seller's seats per G1b order: the amount every order the scenarios
// place carries.
const contractDeviceQuota = 2

type codeLicense struct {
	id, mcode, token string
	gen              int64
	status           string
	exp              time.Time
	queried          string    // UTC day of the last query
	callbackAt       time.Time // when a marketplace callback last changed it
	seats            int64     // the purchased amount: the installations it serves
	installed        []string  // the deployment ids that hold a seat
}

func newContractSeller(t testing.TB, m *market.Server) *contractSeller {
	t.Helper()
	api, err := marketapi.New(marketapi.Config{AK: testAK, SK: testSK, BaseURLs: []string{m.URL()}, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	return &contractSeller{opaqueSeller: newOpaqueSeller(), api: api, byCode: map[string]*codeLicense{},
		byToken: map[string]*codeLicense{}, pending: map[string][]map[string]string{}, applied: map[string]bool{}}
}

func readAll(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	return body, err
}

func writeAPI(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeAPIError(w http.ResponseWriter, status int, code string) {
	writeAPI(w, status, map[string]any{"error": map[string]string{"code": code, "message": code}})
}

func (s *contractSeller) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case pathActivations:
		s.activate(w, r)
		return
	case pathRefresh:
		s.refresh(w, r)
		return
	}
	code, p := s.authenticate(r)
	answer := map[string]string{"resultCode": code, "resultMsg": "refused"}
	if code == koogallery.ResultOK {
		answer["resultMsg"] = koogallery.ResultMsgOK
		answer["resultCode"] = s.callback(r.Context(), p, answer)
	}
	body, _ := json.Marshal(answer)
	w.Header().Set("Body-Sign", koogallery.BodySign(testKey, body))
	w.Write(body)
}

// callback handles an authenticated production call and returns its result code; creates fill answer.
func (s *contractSeller) callback(ctx context.Context, p map[string]string, answer map[string]string) string {
	switch p["activity"] {
	case koogallery.ActivityRefreshLicenseCode, koogallery.ActivityUpdateLicenseCodeStatus, koogallery.ActivityReleaseLicenseCode:
		if p["testFlag"] == "1" {
			return koogallery.ResultOK
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		l := s.byCode[p["license"]]
		if l == nil {
			if s.unknownNotFound && p["activity"] != koogallery.ActivityReleaseLicenseCode {
				return koogallery.ResultNotFound
			}
			s.pending[p["license"]] = append(s.pending[p["license"]], p)
			return koogallery.ResultOK
		}
		s.apply(l, p)
	case koogallery.ActivityGetLicenseAsync:
		license := "OPAQUE-LICENSE-" + p["instanceId"]
		if fp := p["deviceFingerprint"]; fp != "" {
			s.mu.Lock()
			known := slices.Contains(s.devices[p["instanceId"]], fp)
			if !known && len(s.devices[p["instanceId"]]) >= contractDeviceQuota {
				s.mu.Unlock()
				return koogallery.ResultQuotaExhausted
			}
			if !known {
				if s.devices == nil {
					s.devices = map[string][]string{}
				}
				s.devices[p["instanceId"]] = append(s.devices[p["instanceId"]], fp)
			}
			s.mu.Unlock()
			license += "-DEVICE-" + strconv.Itoa(len(fp)) + "-" + fp[:min(len(fp), 16)]
		}
		go s.api.UploadEvent(context.Background(), p["eventId"], "", []byte(license))
	case koogallery.ActivityNewInstance:
		if p["expireTime"] == "" && p["testFlag"] != "1" {
			if _, err := s.api.QueryOrder(ctx, p["orderId"], p["orderLineId"]); err != nil {
				return koogallery.ResultProcessing
			}
		}
		answer["instanceId"], answer["license"] = s.create(p)
	case koogallery.ActivityGetLicense:
		answer["instanceId"], answer["license"] = s.create(p)
	}
	return koogallery.ResultOK
}

// apply applies a License 2.0 callback to l: a new generation per distinct change.
func (s *contractSeller) apply(l *codeLicense, p map[string]string) {
	l.callbackAt = time.Now()
	switch p["activity"] {
	case koogallery.ActivityRefreshLicenseCode:
		if s.applied[p["orderId"]] {
			return
		}
		s.applied[p["orderId"]] = true
		t, _ := koogallery.ParseTime(p["expireTime"])
		s.change(l, l.status, t)
	case koogallery.ActivityUpdateLicenseCodeStatus:
		st := verifier.StatusActive
		if p["status"] == koogallery.StatusFreeze {
			st = verifier.StatusFrozen
		}
		if st != l.status {
			s.change(l, st, l.exp)
		}
	case koogallery.ActivityReleaseLicenseCode:
		if l.status != verifier.StatusReleased {
			s.change(l, verifier.StatusReleased, l.exp)
		}
	}
}

func (s *contractSeller) change(l *codeLicense, st string, exp time.Time) {
	l.gen++
	l.status, l.exp = st, exp
	l.token = fmt.Sprintf("OPAQUE-CODE-%s-%d", l.id, l.gen)
	s.byToken[l.token] = l
}

func (l *codeLicense) answer() map[string]any {
	return map[string]any{"code": l.token, "license_id": l.id, "generation": l.gen, "status": l.status,
		"expires_at": l.exp.UTC().Format(time.RFC3339)}
}

func statusOf(queryStatus string) string {
	switch queryStatus {
	case license.MarketReleased:
		return verifier.StatusReleased
	case license.MarketExpired:
		return verifier.StatusFrozen
	}
	return verifier.StatusActive
}

func (s *contractSeller) activate(w http.ResponseWriter, r *http.Request) {
	var req struct{ Code, Deployment string }
	if json.NewDecoder(r.Body).Decode(&req) != nil || req.Code == "" {
		writeAPIError(w, http.StatusBadRequest, "bad_request")
		return
	}
	s.mu.Lock() // one activation at a time: one license per code
	defer s.mu.Unlock()
	if l := s.byCode[req.Code]; l != nil {
		writeAPI(w, http.StatusOK, l.answer())
		return
	}
	for _, p := range s.pending[req.Code] {
		if p["activity"] == koogallery.ActivityReleaseLicenseCode {
			writeAPIError(w, http.StatusConflict, "license_released")
			return
		}
	}
	act, err := s.api.Activate(r.Context(), req.Code, time.Time{})
	var st *marketapi.Status
	if err == nil || errors.Is(err, marketapi.ErrAlreadyActive) {
		st, err = s.api.Query(r.Context(), req.Code)
	}
	switch {
	case errors.Is(err, marketapi.ErrNotReceived):
		writeAPIError(w, http.StatusConflict, "not_received")
		return
	case errors.Is(err, marketapi.ErrUnknownCode):
		writeAPIError(w, http.StatusNotFound, "not_found")
		return
	case err != nil:
		writeAPIError(w, http.StatusBadGateway, "marketplace_unavailable")
		return
	}
	s.n++
	l := &codeLicense{id: fmt.Sprintf("lc-%d", s.n), mcode: req.Code, seats: 1} // the day's query is the first refresh's
	if act != nil {
		if n, err := act.Amount.Int(); err == nil && n > 1 {
			l.seats = n
		}
	}
	if req.Deployment != "" {
		l.installed = []string{req.Deployment}
		s.reportUse(l, req.Deployment)
	}
	s.change(l, statusOf(st.Status), st.ExpiresAt)
	for _, p := range s.pending[req.Code] {
		if p["activity"] == koogallery.ActivityUpdateLicenseCodeStatus {
			l.status = verifier.StatusActive
			if p["status"] == koogallery.StatusFreeze {
				l.status = verifier.StatusFrozen
			}
		}
	}
	delete(s.pending, req.Code)
	s.byCode[req.Code] = l
	writeAPI(w, http.StatusOK, l.answer())
}

func (s *contractSeller) refresh(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Code       string
		Deployment *struct{ ID string }
	}
	json.NewDecoder(r.Body).Decode(&req)
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.byToken[strings.TrimSpace(req.Code)]
	if l == nil {
		writeAPIError(w, http.StatusBadRequest, "invalid_code")
		return
	}
	if d := req.Deployment; d != nil && !slices.Contains(l.installed, d.ID) {
		if int64(len(l.installed)) >= l.seats {
			writeAPI(w, http.StatusConflict, map[string]any{"error": map[string]any{"code": "seats_exhausted",
				"message": "every seat is taken", "seats": map[string]int64{"limit": l.seats, "used": int64(len(l.installed))}}})
			return
		}
		l.installed = append(l.installed, d.ID)
	}
	if d := req.Deployment; d != nil {
		s.reportUse(l, d.ID)
	}
	if day := time.Now().UTC().Format(time.DateOnly); l.queried != day {
		l.queried = day
		// An outage answers from what is stored; a query asked within an hour of a callback may predate it and
		// only releases.
		if st, err := s.api.Query(r.Context(), l.mcode); err == nil &&
			(time.Since(l.callbackAt) >= time.Hour || statusOf(st.Status) == verifier.StatusReleased) {
			if statusOf(st.Status) != l.status || !st.ExpiresAt.Equal(l.exp) {
				s.change(l, statusOf(st.Status), st.ExpiresAt)
			}
		}
	}
	writeAPI(w, http.StatusOK, l.answer())
}

// reportUse reports the use of l by deployment once a UTC day, by a hash of its id, as the usage-statistics
// page asks (topic 0000002290055385). The caller holds s.mu.
func (s *contractSeller) reportUse(l *codeLicense, deployment string) {
	sum := sha256.Sum256([]byte(l.mcode + "\x00" + deployment))
	id := hex.EncodeToString(sum[:8])
	key := time.Now().UTC().Format(time.DateOnly) + " " + id
	if s.reported == nil {
		s.reported = map[string]bool{}
	}
	if s.reported[key] {
		return
	}
	s.reported[key] = true
	go s.api.ReportUsage(context.Background(), []marketapi.UsageReport{{Code: l.mcode, IDs: []string{id}}})
}

func startMarket(t testing.TB) *market.Server {
	t.Helper()
	m, err := market.Start(market.Config{AK: testAK, SK: testSK})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// marketScenarios returns the names of the scenarios that need the OpenAPI stand-in.
func marketScenarios() []string {
	var names []string
	for _, sc := range Scenarios() {
		if sc.Market {
			names = append(names, sc.Name)
		}
	}
	return names
}

// TestContractSellerPasses: a seller following the License 2.0 contract passes every scenario; only the claim
// checks of its opaque codes are skipped.
func TestContractSellerPasses(t *testing.T) {
	m := startMarket(t)
	rep := runSim(t, serve(t, newContractSeller(t, m)), Config{Market: m}, "all")
	if !rep.OK() {
		t.Fatalf("Run(all) against a contract seller: %d failed:%s", rep.Failed, failures(rep))
	}
	if !rep.LicentiaAPI {
		t.Errorf("LicentiaAPI = false, want true")
	}
	seen := map[string]bool{}
	for _, r := range rep.Results {
		seen[r.Scenario] = seen[r.Scenario] || r.Status == Pass
		if r.Status == Skip && r.Reason != ReasonOpaque {
			t.Errorf("%s: %s skipped (%s); only claim checks of opaque codes may be", r.Scenario, r.Step, r.Reason)
		}
	}
	for _, name := range marketScenarios() {
		if !seen[name] {
			t.Errorf("scenario %s passed no step", name)
		}
	}
}

// TestLicense2WrongSellersAreCaught: sellers that get License 2.0 wrong fail the step that shows it.
func TestLicense2WrongSellersAreCaught(t *testing.T) {
	cases := []struct {
		name     string
		seller   func(*contractSeller) http.Handler
		scenario string
		wantStep string
	}{
		{"000003 for unknown marketplace codes", func(s *contractSeller) http.Handler { s.unknownNotFound = true; return s },
			"callbacks-before-activation", "has not seen"},
		{"the activate answer's estimate as expiry", estimateAsExpiry, "activate", "expiring when the query says"},
		{"a second activate call", activateAlways, "activate-twice", "one activate call"},
		{"a daily query on every refresh", queryAlways, "daily-query", "does not query"},
		{"no upload", func(s *contractSeller) http.Handler { return dropAsync(s) }, "get-license-async", "reaches the marketplace"},
		{"a new license on every activation", newLicenseEachTime, "activate-twice", "same license"},
		{"a new license per concurrent activation", newLicenseEachTime, "concurrent-activations", "one license"},
		{"forgets a release before activation", forgetRelease, "release-before-activation", "license_released"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := startMarket(t)
			rep := runSim(t, serve(t, c.seller(newContractSeller(t, m))), Config{Market: m, UploadWait: 2 * time.Second}, c.scenario)
			if rep.OK() {
				t.Fatalf("Run(%s) OK against a seller with %s, want a failure", c.scenario, c.name)
			}
			found := false
			for _, r := range rep.Results {
				found = found || (r.Status == Fail && strings.Contains(r.Step, c.wantStep))
			}
			if !found {
				t.Errorf("no failed step mentions %q; failures:%s", c.wantStep, failures(rep))
			}
		})
	}
}

// estimateAsExpiry answers activations with the expiry moved by the stand-in's estimate skew, as a seller that
// trusts the activate answer's expire_time would.
func estimateAsExpiry(s *contractSeller) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != pathActivations {
			s.ServeHTTP(w, r)
			return
		}
		rec := &recorder{header: http.Header{}}
		s.ServeHTTP(rec, r)
		var a map[string]any
		json.Unmarshal(rec.body, &a)
		if e, ok := a["expires_at"].(string); ok {
			t, _ := time.Parse(time.RFC3339, e)
			a["expires_at"] = t.Add(estimateSkew).Format(time.RFC3339)
		}
		writeAPI(w, rec.status, a)
	})
}

// activateAlways calls the marketplace's activate on every activation, answering from the store afterwards.
func activateAlways(s *contractSeller) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == pathActivations {
			var req struct{ Code string }
			body, _ := readAll(r)
			json.Unmarshal(body, &req)
			if req.Code != "" {
				s.api.Activate(r.Context(), req.Code, time.Time{})
			}
		}
		s.ServeHTTP(w, r)
	})
}

// queryAlways forgets the day's query before every refresh.
func queryAlways(s *contractSeller) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == pathRefresh {
			s.mu.Lock()
			for _, l := range s.byCode {
				l.queried = ""
			}
			s.mu.Unlock()
		}
		s.ServeHTTP(w, r)
	})
}

// dropAsync answers getLicenseAsync 000000 and never uploads.
func dropAsync(s *contractSeller) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && requestParams(r)["activity"] == koogallery.ActivityGetLicenseAsync {
			body := []byte(`{"resultCode":"000000","resultMsg":"success."}`)
			w.Header().Set("Body-Sign", koogallery.BodySign(testKey, body))
			w.Write(body)
			return
		}
		s.ServeHTTP(w, r)
	})
}

// newLicenseEachTime answers every activation with a license id of its own, as a seller without a UNIQUE
// marketplace code would.
func newLicenseEachTime(s *contractSeller) http.Handler {
	var n atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != pathActivations {
			s.ServeHTTP(w, r)
			return
		}
		rec := &recorder{header: http.Header{}}
		s.ServeHTTP(rec, r)
		var a map[string]any
		json.Unmarshal(rec.body, &a)
		if id, ok := a["license_id"].(string); ok {
			a["license_id"] = fmt.Sprintf("%s-%d", id, n.Add(1))
		}
		writeAPI(w, rec.status, a)
	})
}

// forgetRelease answers a releaseLicenseCode 000000 without keeping it.
func forgetRelease(s *contractSeller) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && requestParams(r)["activity"] == koogallery.ActivityReleaseLicenseCode {
			body := []byte(`{"resultCode":"000000","resultMsg":"success."}`)
			w.Header().Set("Body-Sign", koogallery.BodySign(testKey, body))
			w.Write(body)
			return
		}
		s.ServeHTTP(w, r)
	})
}

type recorder struct {
	header http.Header
	status int
	body   []byte
}

func (r *recorder) Header() http.Header    { return r.header }
func (r *recorder) WriteHeader(status int) { r.status = status }
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.body = append(r.body, b...)
	return len(b), nil
}

// TestLicense2Skips: without the stand-in the License 2.0 scenarios and every newInstance step are skipped, and
// only License 1.0 steps and probes on made-up ids are played; against a seller without licentia's activation
// endpoint only the activation steps are, and the callbacks are still checked.
func TestLicense2Skips(t *testing.T) {
	rep := runSim(t, serve(t, newOpaqueSeller()), Config{}, marketScenarios()...)
	if !rep.OK() {
		t.Errorf("without the stand-in: %d failed:%s", rep.Failed, failures(rep))
	}
	skipped := map[string]bool{}
	played := map[string]bool{}
	for _, r := range rep.Results {
		switch {
		case r.Status == Skip && (r.Reason == ReasonNoMarket || r.Reason == ReasonNoOrderQuery):
			skipped[r.Scenario] = true
		case r.Status == Skip && r.Reason == ReasonOpaque:
		case r.Status == Skip:
			t.Errorf("%s: %s skipped for %q, want the stand-in's absence", r.Scenario, r.Step, r.Reason)
		default:
			played[r.Scenario] = true
		}
	}
	for _, sc := range Scenarios() {
		license1 := slices.Contains(sc.Plays, koogallery.ActivityGetLicense)
		switch {
		case sc.Market && !skipped[sc.Name]:
			t.Errorf("without the stand-in scenario %s skipped no step", sc.Name)
		case sc.Market && !license1 && played[sc.Name]:
			t.Errorf("without the stand-in scenario %s, which plays no License 1.0 call, played a step", sc.Name)
		}
	}
	m := startMarket(t)
	rep = runSim(t, serve(t, newOpaqueSeller()), Config{Market: m}, "activate", "callbacks-before-activation")
	if !rep.OK() || rep.LicentiaAPI {
		t.Fatalf("against a seller without activation: %d failed, LicentiaAPI %v; want none and false:%s", rep.Failed, rep.LicentiaAPI, failures(rep))
	}
	var callbacks, skippedActivation int
	for _, r := range rep.Results {
		if r.Status == Pass && strings.Contains(r.Step, "has not seen") {
			callbacks++
		}
		if r.Status == Skip && r.Reason == ReasonNotLicentia {
			skippedActivation++
		}
	}
	if callbacks != 4 || skippedActivation != 2 {
		t.Errorf("callback steps passed = %d, activation steps skipped = %d; want 4 and 2", callbacks, skippedActivation)
	}
}

// TestRateLimitedSellerPasses: a 429 rate_limited answer with Retry-After is waited out and the call sent again.
func TestRateLimitedSellerPasses(t *testing.T) {
	m := startMarket(t)
	s := newContractSeller(t, m)
	var mu sync.Mutex
	limited := map[string]bool{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := readAll(r)
		mu.Lock()
		first := (r.URL.Path == pathRefresh || r.URL.Path == pathActivations) && !strings.Contains(string(body), `"code":""`) && !limited[r.URL.Path]
		limited[r.URL.Path] = limited[r.URL.Path] || first
		mu.Unlock()
		if first {
			w.Header().Set("Retry-After", "1")
			writeAPIError(w, http.StatusTooManyRequests, "rate_limited")
			return
		}
		s.ServeHTTP(w, r)
	})
	rep := runSim(t, serve(t, h), Config{Market: m}, "activate", "code-callbacks")
	if !rep.OK() {
		t.Fatalf("Run against a seller that rate-limits once: %d failed:%s", rep.Failed, failures(rep))
	}
	if !limited[pathActivations] || !limited[pathRefresh] {
		t.Errorf("rate-limited activation %v, refresh %v; want both", limited[pathActivations], limited[pathRefresh])
	}
}
