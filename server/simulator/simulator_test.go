package simulator

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/licensing"
	"github.com/licentia/licentia/server/marketapi"
	"github.com/licentia/licentia/server/simulator/market"

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/server"
	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/server/support"
	"github.com/licentia/licentia/verifier"
)

const testKey = "test-access-key-123"

// licentia is a real licentia server over a temp SQLite file.
type licentia struct {
	handler http.Handler
	ring    *keys.Ring
	st      *store.Store
}

// usageSent waits until every use the scenarios made is reported (the usage sender runs on its own, as
// serve runs it), so that a report is counted for the scenario that made it.
func (l *licentia) usageSent(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := l.st.CountPendingUsage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d uses not reported within 10 s", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// newLicentiaWith starts licentia with its OpenAPI client pointed at the stand-in m (nil: none).
func newLicentiaWith(t testing.TB, m *market.Server) *licentia {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(context.Background(), filepath.Join(dir, "db.sqlite"), store.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatalf("store.Open() err = %v", err)
	}
	t.Cleanup(func() { st.Close() })
	ring, _, err := keys.InitRing(filepath.Join(dir, "keys"), rand.Reader)
	if err != nil {
		t.Fatalf("InitRing() err = %v", err)
	}
	// The scenarios activate more codes from one address than the default per-address limit allows.
	cfg := server.Config{KooGalleryKeys: []string{testKey}, Activation: licensing.ActivationLimits{PerAddress: 1000}}
	if m != nil {
		mkt, err := marketapi.New(marketapi.Config{AK: testAK, SK: testSK, BaseURLs: []string{m.URL()}})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Market = mkt
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := server.New(cfg, st, ring, support.NewIssuer(ring, "licentia", 0), log)
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { srv.Service().RunOutbox(ctx, 100*time.Millisecond) }) // G1b uploads, as serve runs it
	wg.Go(func() { srv.Service().RunUsage(ctx, 100*time.Millisecond) })  // the usage report, as serve runs it
	t.Cleanup(func() { stop(); wg.Wait() })
	return &licentia{handler: srv.Handler(), ring: ring, st: st}
}

// serve starts h on a loopback test server and returns the production URL.
func serve(t testing.TB, h http.Handler) string {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL + "/koogallery/license"
}

func runSim(t testing.TB, url string, cfg Config, scenarios ...string) *Report {
	t.Helper()
	cfg.URL, cfg.Key = url, testKey
	cfg.Concurrency = 8
	cfg.RetryInterval = time.Millisecond
	rep, err := Run(context.Background(), cfg, scenarios...)
	if err != nil {
		t.Fatalf("Run() err = %v", err)
	}
	return rep
}

func failures(rep *Report) string {
	var b strings.Builder
	for _, r := range rep.Results {
		if r.Status == Fail {
			b.WriteString("\n  " + r.Scenario + ": " + r.Step + ": " + r.Reason)
		}
	}
	return b.String()
}

func TestAllScenariosPassAgainstLicentia(t *testing.T) {
	m := startMarket(t)
	l := newLicentiaWith(t, m)
	pem, err := l.ring.PublicPEM()
	if err != nil {
		t.Fatal(err)
	}
	kr, err := verifier.ParseKeyring(pem)
	if err != nil {
		t.Fatal(err)
	}
	rep := runSim(t, serve(t, l.handler), Config{Keys: kr, Market: m}, "all")
	if !rep.OK() {
		t.Fatalf("Run(all) against licentia: %d failed:%s", rep.Failed, failures(rep))
	}
	if !rep.LicentiaFormat || rep.Skipped != 0 {
		t.Errorf("LicentiaFormat = %v, skipped = %d; want true, 0", rep.LicentiaFormat, rep.Skipped)
	}
	seen := map[string]bool{}
	for _, r := range rep.Results {
		seen[r.Scenario] = true
	}
	for _, sc := range Scenarios() {
		if !seen[sc.Name] {
			t.Errorf("scenario %s recorded no step", sc.Name)
		}
	}
	// A second run against the same server must not collide with the first.
	if rep2 := runSim(t, serve(t, l.handler), Config{}, "purchase", "negative"); !rep2.OK() {
		t.Errorf("second run: %d failed:%s", rep2.Failed, failures(rep2))
	}
}

func TestUnknownScenario(t *testing.T) {
	_, err := Run(context.Background(), Config{URL: "http://127.0.0.1:1/", Key: testKey}, "purchase", "teleport")
	if !errors.Is(err, ErrUnknownScenario) {
		t.Fatalf("Run(teleport) err = %v, want ErrUnknownScenario", err)
	}
}

// TestWrongSellersAreCaught plays scenarios against sellers that get one thing wrong, and checks that the
// run fails on exactly the step that shows it.
func TestWrongSellersAreCaught(t *testing.T) {
	cases := []struct {
		name      string
		wrap      func(http.Handler) http.Handler
		scenarios []string
		wantStep  string // a failing step contains this
	}{
		{"new instanceId on resend", newInstanceOnResend, []string{"purchase"}, "same instanceId and license"},
		{"new instanceId in a storm", newInstanceOnResend, []string{"resend-storm"}, "one instanceId and one license"},
		{"no Body-Sign", stripBodySign, []string{"purchase"}, "getLicense"},
		{"Body-Sign with another key", missign, []string{"purchase"}, "getLicense"},
		{"accepts anything", acceptAnything, []string{"negative"}, "refused"},
		{"accepts replays", forgetNonces, []string{"negative"}, "replayed"},
		{"changes a license on a probe", probesTouchData, []string{"probes"}, "unchanged"},
		{"shortens on a late renewal", lastRenewalWins, []string{"out-of-order-renewals"}, "later renewal"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := startMarket(t) // newInstance carries only its order: licentia queries it
			l := newLicentiaWith(t, m)
			rep := runSim(t, serve(t, c.wrap(l.handler)), Config{Market: m}, c.scenarios...)
			if rep.OK() {
				t.Fatalf("Run(%v) OK against a seller with %s, want a failure", c.scenarios, c.name)
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

// TestOpaqueSellerPasses: a correct seller whose licenses are not licentia codes passes, with the
// state checks skipped.
func TestOpaqueSellerPasses(t *testing.T) {
	rep := runSim(t, serve(t, newOpaqueSeller()), Config{}, "all")
	if !rep.OK() {
		t.Fatalf("Run(all) against a correct opaque seller: %d failed:%s", rep.Failed, failures(rep))
	}
	if rep.LicentiaFormat || rep.Skipped == 0 {
		t.Errorf("LicentiaFormat = %v, skipped = %d; want false and some skipped", rep.LicentiaFormat, rep.Skipped)
	}
}

func TestReportOutput(t *testing.T) {
	rep := &Report{URL: "http://127.0.0.1:1/x", Prefix: "SIMX"}
	rep.add(Result{Scenario: "purchase", Step: "creates", Status: Pass})
	rep.add(Result{Scenario: "negative", Step: "refused", Status: Fail, Reason: "resultCode 000000"})
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.Failed != 1 || len(back.Results) != 2 {
		t.Errorf("JSON round trip: failed %d, %d results, err %v; want 1 failed of 2", back.Failed, len(back.Results), err)
	}
}

// --- wrong sellers: licentia with one fault added ---

// rewrite runs h and lets edit change the answer's JSON fields, then re-signs the answer correctly, so
// that only the edited field is wrong.
func rewrite(h http.Handler, edit func(r *http.Request, params map[string]string, answer map[string]any)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		params := requestParams(r)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		var answer map[string]any
		json.Unmarshal(rec.Body.Bytes(), &answer)
		edit(r, params, answer)
		body, _ := json.Marshal(answer)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Body-Sign", koogallery.BodySign(testKey, body))
		w.Write(body)
	})
}

// requestParams returns the call's parameters (query or JSON body) and leaves the body readable.
func requestParams(r *http.Request) map[string]string {
	p := map[string]string{}
	if r.Method == http.MethodGet {
		for k, v := range r.URL.Query() {
			p[k] = v[0]
		}
		return p
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	json.Unmarshal(body, &p)
	return p
}

func isCreate(p map[string]string) bool {
	return p["activity"] == koogallery.ActivityGetLicense || p["activity"] == koogallery.ActivityNewInstance
}

// newInstanceOnResend answers every create with its own businessId as instanceId (no idempotency).
func newInstanceOnResend(h http.Handler) http.Handler {
	return rewrite(h, func(_ *http.Request, p map[string]string, a map[string]any) {
		if isCreate(p) && a["resultCode"] == koogallery.ResultOK {
			a["instanceId"] = p["businessId"]
		}
	})
}

func stripBodySign(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		w.Header().Set("Content-Type", "application/json")
		w.Write(rec.Body.Bytes())
	})
}

func missign(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		w.Header().Set("Body-Sign", koogallery.BodySign("another-key", rec.Body.Bytes()))
		w.Write(rec.Body.Bytes())
	})
}

// resign replaces the request's authentication with a valid one, as a seller that checks nothing would
// see it; change may alter the parameters first.
func resign(h http.Handler, change func(map[string]string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := requestParams(r)
		delete(p, "authToken")
		delete(p, "timeStamp")
		if change != nil {
			change(p)
		}
		c := koogallery.NewCaller("http://seller/koogallery/license", testKey, nil, nil)
		var req *koogallery.Request
		if r.Method == http.MethodGet {
			req = c.LegacyRequest(p)
		} else {
			req = c.SignedRequest(p)
		}
		hr, _ := req.HTTPRequest(r.Context())
		h.ServeHTTP(w, hr)
	})
}

func acceptAnything(h http.Handler) http.Handler { return resign(h, nil) }

// forgetNonces accepts a replayed POST: it re-signs every authentic, fresh POST with a new nonce.
func forgetNonces(h http.Handler) http.Handler {
	resigned := resign(h, nil)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		_, _, err := verifySigned(r, q)
		ts, _ := strconv.ParseInt(q.Get("timestamp"), 10, 64)
		if r.Method == http.MethodPost && err == nil && time.Since(time.UnixMilli(ts)) < time.Minute {
			resigned.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func verifySigned(r *http.Request, q url.Values) (int, []byte, error) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	i, err := koogallery.VerifySignature([]string{testKey}, q.Get("nonce"), q.Get("timestamp"), q.Get("signature"), body)
	return i, body, err
}

// probesTouchData ignores testFlag: probes naming a real license change it.
func probesTouchData(h http.Handler) http.Handler {
	resigned := resign(h, func(p map[string]string) { delete(p, "testFlag") })
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := requestParams(r); p["testFlag"] == "1" && !isCreate(p) {
			resigned.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// lastRenewalWins treats every renewal as authoritative, so a late earlier renewal shortens the license.
func lastRenewalWins(h http.Handler) http.Handler {
	return resign(h, func(p map[string]string) {
		if p["scene"] == license.SceneRenewal {
			p["scene"] = license.SceneUnrenew
		}
	})
}

// --- a correct seller with opaque licenses ---

type opaqueSeller struct {
	mu        sync.Mutex
	instances map[string]string // order key → instanceId
	nonces    map[string]bool
	n         int
}

func newOpaqueSeller() *opaqueSeller {
	return &opaqueSeller{instances: map[string]string{}, nonces: map[string]bool{}}
}

func (s *opaqueSeller) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	code, p := s.authenticate(r)
	answer := map[string]string{"resultCode": code, "resultMsg": "refused"}
	if code == koogallery.ResultOK {
		answer["resultMsg"] = koogallery.ResultMsgOK
		if isCreate(p) {
			answer["instanceId"], answer["license"] = s.create(p)
		}
	}
	body, _ := json.Marshal(answer)
	w.Header().Set("Body-Sign", koogallery.BodySign(testKey, body))
	w.Write(body)
}

func (s *opaqueSeller) authenticate(r *http.Request) (string, map[string]string) {
	q := r.URL.Query()
	if r.Method == http.MethodGet {
		if _, err := koogallery.VerifyAuthToken([]string{testKey}, q); err != nil {
			return koogallery.ResultAuth, nil
		}
		return koogallery.ResultOK, requestParams(r)
	}
	_, body, err := verifySigned(r, q)
	if err != nil {
		return koogallery.ResultAuth, nil
	}
	ts, _ := strconv.ParseInt(q.Get("timestamp"), 10, 64)
	if d := time.Since(time.UnixMilli(ts)); d > time.Minute || d < -time.Minute {
		return koogallery.ResultParam, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.nonces[q.Get("nonce")] {
		return koogallery.ResultAuth, nil
	}
	s.nonces[q.Get("nonce")] = true
	p := map[string]string{}
	json.Unmarshal(body, &p)
	return koogallery.ResultOK, p
}

func (s *opaqueSeller) create(p map[string]string) (string, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := p["orderId"] + "/" + p["orderLineId"] + "/" + p["testFlag"]
	id, ok := s.instances[key]
	if !ok {
		s.n++
		id = "inst-" + strconv.Itoa(s.n)
		s.instances[key] = id
	}
	return id, "OPAQUE-LICENSE-" + id
}
