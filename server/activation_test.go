package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/licensing"
	"github.com/licentia/licentia/server/marketapi"
	"github.com/licentia/licentia/server/simulator/market"
	"github.com/licentia/licentia/server/support"
	"github.com/licentia/licentia/verifier/online"
)

const (
	testAK = "test-ak"
	testSK = "test-sk-secret"
)

// marketEnv is a testEnv whose server talks to a stand-in for the KooGallery OpenAPI on loopback.
type marketEnv struct {
	*testEnv
	mkt *market.Server
}

// newMarketEnv starts the stand-in (which checks the App signature against testAK/testSK) and a server whose
// client signs with sk; act, when given, sets the server's activation limits.
func newMarketEnv(t *testing.T, sk string, act ...licensing.ActivationLimits) *marketEnv {
	t.Helper()
	var clock func() time.Time
	mkt, err := market.Start(market.Config{AK: testAK, SK: testSK, Now: func() time.Time { return clock() }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mkt.Close() })
	e := newTestEnvWith(t, func(now func() time.Time) *marketapi.Client {
		clock = now
		c, err := marketapi.New(marketapi.Config{AK: testAK, SK: sk, BaseURLs: []string{mkt.URL()}, Now: now,
			MaxAttempts: 2, Sleep: func(context.Context, time.Duration) error { return nil }})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}, act...)
	return &marketEnv{testEnv: e, mkt: mkt}
}

func (m *marketEnv) addCode(code string, st market.State, exp time.Time) {
	m.t.Helper()
	if err := m.mkt.AddCode(market.Code{Code: code, State: st, ExpiresAt: exp, ProductID: "P2", OrderID: "CS-" + code, Amount: 3}); err != nil {
		m.t.Fatal(err)
	}
}

// activate posts the code to /v1/activations and decodes a 200 answer.
func (m *marketEnv) activate(code string, status int) (online.CodeResponse, []byte) {
	m.t.Helper()
	var out online.CodeResponse
	st, body := m.call(http.MethodPost, "/v1/activations", "", map[string]string{"code": code})
	if st != status {
		m.t.Fatalf("activate(%s) = %d %s, want %d", code, st, body, status)
	}
	if st == http.StatusOK {
		if err := json.Unmarshal(body, &out); err != nil {
			m.t.Fatal(err)
		}
	}
	return out, body
}

// TestActivationLifecycle: activate → the offline code verifies → renewal by marketplace code → refresh returns
// the renewed code → unrenewal → freeze → release → every code refused with the revocation list.
func TestActivationLifecycle(t *testing.T) {
	m := newMarketEnv(t, testSK)
	exp := t0.AddDate(0, 1, 0)
	m.addCode("MC-1", market.Received, exp)
	a, _ := m.activate("MC-1", http.StatusOK)
	if a.Generation != 1 || a.Status != "active" || a.LicenseID == "" || a.ExpiresAt == nil || *a.ExpiresAt != support.RFC3339(exp.Unix()) {
		t.Fatalf("activation = %+v, want generation 1, active, expiring %s", a, support.RFC3339(exp.Unix()))
	}
	if err := m.verify(a.Code); err != nil {
		t.Fatalf("verify(activated code) err = %v", err)
	}
	if c := m.claims(a.Code); c.ProductID != "P2" || c.Quantity != 3 || c.OrderID != "CS-MC-1" {
		t.Errorf("claims = %+v, want the marketplace's product, amount and order", c)
	}
	again, _ := m.activate("MC-1", http.StatusOK)
	if again.Code != a.Code || again.LicenseID != a.LicenseID {
		t.Errorf("second activation = %+v, want the same license and byte-identical code", again)
	}
	if n := m.mkt.Calls(koogallery.APIActivate, koogallery.CodeSuccess); n != 1 {
		t.Errorf("successful activate calls = %d, want 1", n)
	}

	exp2 := exp.AddDate(1, 0, 0)
	if err := m.mkt.SetExpiry("MC-1", exp2); err != nil { // the marketplace renews, then calls back
		t.Fatal(err)
	}
	wantCode(t, m.signed(testKey, map[string]string{"activity": "refreshLicenseCode", "license": "MC-1", "orderId": "R-1",
		"orderLineId": "R-1-1", "scene": "RENEWAL", "expireTime": mkTime(exp2)}), resultOK)
	rr, _ := m.refreshCode(a.Code, http.StatusOK)
	if rr.Generation != 2 || rr.ExpiresAt == nil || *rr.ExpiresAt != support.RFC3339(exp2.Unix()) {
		t.Fatalf("refresh after renewal = %+v, want generation 2 expiring %s", rr, support.RFC3339(exp2.Unix()))
	}
	wantCode(t, m.signed(testKey, map[string]string{"activity": "refreshLicenseCode", "license": "MC-1", "orderId": "U-1",
		"orderLineId": "U-1-1", "scene": "UNSUBSCRIBE_RENEWAL_PERIOD", "expireTime": mkTime(exp)}), resultOK)
	wantCode(t, m.signed(testKey, map[string]string{"activity": "updateLicenseCodeStatus", "license": "MC-1", "status": "FREEZE"}), resultOK)
	wantCode(t, m.signed(testKey, map[string]string{"activity": "releaseLicenseCode", "license": "MC-1"}), resultOK)
	l := m.license(a.LicenseID)
	if l.Status != "released" || l.Generation != 5 || l.ExpiresAt != exp.Unix() {
		t.Fatalf("license = %s gen %d exp %d, want released gen 5 exp %d", l.Status, l.Generation, l.ExpiresAt, exp.Unix())
	}
	for _, code := range []string{a.Code, rr.Code, l.Code} {
		if err := m.verify(code); err == nil {
			t.Errorf("verify(a code of the released license) = nil, want an error")
		}
	}
	if _, body := m.activate("MC-1", http.StatusOK); len(body) == 0 {
		t.Error("activation of a released, bound code: want its (released) current code")
	}
}

// TestActivationErrors: every refusal of README "Endpoints", and nothing written for any.
func TestActivationErrors(t *testing.T) {
	m := newMarketEnv(t, testSK)
	m.addCode("MC-NEW", market.NotReceived, t0.AddDate(0, 1, 0))
	tests := []struct {
		code, errCode string
		status        int
	}{
		{"", "bad_request", 400},
		{"MC WITH SPACE", "bad_request", 400},
		{string(make([]byte, 80)), "bad_request", 400},
		{"MC-UNKNOWN", "not_found", 404},
		{"MC-NEW", "not_received", 409},
	}
	for _, tt := range tests {
		if _, body := m.activate(tt.code, tt.status); errorCode(t, body) != tt.errCode {
			t.Errorf("activate(%q) = %s, want %s", tt.code, body, tt.errCode)
		}
	}
	if n := m.countLicenses(); n != 0 {
		t.Errorf("licenses = %d, want 0", n)
	}

	// Released before activation: never a valid code.
	m.addCode("MC-REL", market.Received, t0.AddDate(0, 1, 0))
	wantCode(t, m.signed(testKey, map[string]string{"activity": "releaseLicenseCode", "license": "MC-REL"}), resultOK)
	if _, body := m.activate("MC-REL", http.StatusConflict); errorCode(t, body) != "license_released" {
		t.Errorf("activate(released code) = %s, want license_released", body)
	}
	if n := m.mkt.Calls(koogallery.APIActivate, koogallery.CodeSuccess); n != 0 {
		t.Errorf("activate calls for a released code = %d, want 0", n)
	}

	// The marketplace cannot be reached: 502, nothing written.
	m.addCode("MC-DOWN", market.Received, t0.AddDate(0, 1, 0))
	if err := m.mkt.SetUnreachable(true); err != nil {
		t.Fatal(err)
	}
	if _, body := m.activate("MC-DOWN", http.StatusBadGateway); errorCode(t, body) != "marketplace_unavailable" {
		t.Errorf("activate with the marketplace down = %s, want marketplace_unavailable", body)
	}
	if n := m.countLicenses(); n != 0 {
		t.Errorf("licenses = %d, want 0", n)
	}
}

// TestActivationWrongSK: the gateway refuses the signature; 502, nothing written, the server alive.
func TestActivationWrongSK(t *testing.T) {
	m := newMarketEnv(t, "not-the-sk")
	m.addCode("MC-1", market.Received, t0.AddDate(0, 1, 0))
	if _, body := m.activate("MC-1", http.StatusBadGateway); errorCode(t, body) != "marketplace_unavailable" {
		t.Errorf("activate with a wrong SK = %s, want marketplace_unavailable", body)
	}
	if n := m.countLicenses(); n != 0 {
		t.Errorf("licenses = %d, want 0", n)
	}
	if st, _ := m.call(http.MethodGet, "/healthz", "", nil); st != 200 {
		t.Errorf("healthz = %d, want 200", st)
	}
	if c, ok := m.mkt.Code("MC-1"); !ok || c.Activations != 0 {
		t.Errorf("code at the marketplace = %+v, want never activated", c)
	}
}

// TestActivationConcurrent: 50 concurrent activations of one code make one license and one activate call.
func TestActivationConcurrent(t *testing.T) {
	m := newMarketEnv(t, testSK, licensing.ActivationLimits{PerAddress: 50}) // 50 deployments behind one address
	m.addCode("MC-1", market.Received, t0.AddDate(0, 1, 0))
	var wg sync.WaitGroup
	codes := make([]string, 50)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, body := m.call(http.MethodPost, "/v1/activations", "", map[string]string{"code": "MC-1"})
			var a online.CodeResponse
			if st == 200 && json.Unmarshal(body, &a) == nil {
				codes[i] = a.Code
			}
		}()
	}
	wg.Wait()
	for i, c := range codes {
		if c == "" || c != codes[0] {
			t.Fatalf("activation %d answered %q, want the same code as the first", i, c)
		}
	}
	if n := m.countLicenses(); n != 1 {
		t.Errorf("licenses = %d, want 1", n)
	}
	if c, _ := m.mkt.Code("MC-1"); c.Activations != 1 {
		t.Errorf("activate calls that succeeded = %d, want 1", c.Activations)
	}
}

// TestCallbacksBeforeActivation: License 2.0 callbacks for a code not activated yet are answered 000000, kept
// (resends too, once), and folded into the license when the buyer activates it.
func TestCallbacksBeforeActivation(t *testing.T) {
	m := newMarketEnv(t, testSK)
	exp, exp2 := t0.AddDate(0, 1, 0), t0.AddDate(1, 1, 0)
	m.addCode("MC-1", market.Received, exp)
	renew := map[string]string{"activity": "refreshLicenseCode", "license": "MC-1", "orderId": "R-1", "orderLineId": "R-1-1",
		"scene": "RENEWAL", "expireTime": mkTime(exp2)}
	wantCode(t, m.signed(testKey, renew), resultOK)
	wantCode(t, m.signed(testKey, renew), resultOK) // a marketplace retry
	wantCode(t, m.signed(testKey, map[string]string{"activity": "updateLicenseCodeStatus", "license": "MC-1", "status": "FREEZE"}), resultOK)
	wantCode(t, m.signed(testKey, map[string]string{"activity": "updateLicenseCodeStatus", "license": "MC-1", "status": "UNFREEZE"}), resultOK)
	if n := m.countLicenses(); n != 0 {
		t.Fatalf("licenses before activation = %d, want 0", n)
	}
	if err := m.mkt.SetExpiry("MC-1", exp2); err != nil { // the marketplace renewed the code too
		t.Fatal(err)
	}
	a, _ := m.activate("MC-1", http.StatusOK)
	// The activation answer already carries the renewed expiry, so the kept renewal changes nothing.
	if a.Status != "active" || a.ExpiresAt == nil || *a.ExpiresAt != support.RFC3339(exp2.Unix()) || a.Generation != 3 {
		t.Fatalf("activation = %+v, want active, expiring %s, generation 3 (activate, freeze, unfreeze)", a, support.RFC3339(exp2.Unix()))
	}
	h, err := m.support().History(context.Background(), a.LicenseID)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, ev := range h.Events {
		actions = append(actions, ev.Action)
	}
	if fmt.Sprint(actions) != "[activate ignored freeze unfreeze]" {
		t.Errorf("history = %v, want [activate ignored freeze unfreeze]", actions)
	}
	// The renewal, resent after activation, is recognised as the one already applied.
	wantCode(t, m.signed(testKey, renew), resultOK)
	if l := m.license(a.LicenseID); l.Generation != 3 {
		t.Errorf("after the resent renewal: generation %d, want 3", l.Generation)
	}
}

// TestDailyQuery: a refresh queries the marketplace at most once per UTC day per code and applies a
// difference as a new generation (source koogallery-query); an outage answers the stored code.
func TestDailyQuery(t *testing.T) {
	m := newMarketEnv(t, testSK)
	exp := t0.AddDate(0, 1, 0)
	m.addCode("MC-1", market.Received, exp)
	a, _ := m.activate("MC-1", http.StatusOK)
	queries := func() int { return m.mkt.Calls(koogallery.APIQuery, koogallery.CodeSuccess) }
	q0 := queries()

	exp2 := exp.AddDate(0, 2, 0)
	if err := m.mkt.SetExpiry("MC-1", exp2); err != nil {
		t.Fatal(err)
	}
	// The first refresh (the software's first use) queries, whatever the activation asked.
	rr, _ := m.refreshCode(a.Code, http.StatusOK)
	if rr.Generation != 2 || *rr.ExpiresAt != support.RFC3339(exp2.Unix()) {
		t.Fatalf("next-day refresh = %+v, want generation 2 expiring %s", rr, support.RFC3339(exp2.Unix()))
	}
	if err := m.mkt.SetExpiry("MC-1", exp2.AddDate(0, 1, 0)); err != nil {
		t.Fatal(err)
	}
	if rr, _ := m.refreshCode(a.Code, http.StatusOK); rr.Generation != 2 {
		t.Errorf("second refresh of the day = generation %d, want 2 (no second query today)", rr.Generation)
	}
	if n := queries() - q0; n != 1 {
		t.Errorf("queries = %d, want 1 over two refreshes on one day", n)
	}
	h, _ := m.support().History(context.Background(), a.LicenseID)
	if last := h.Events[len(h.Events)-1]; last.Source != "koogallery-query" || last.Action != "reconcile" {
		t.Errorf("last event = %+v, want a reconcile from koogallery-query", last)
	}

	m.advance(24 * time.Hour)
	if rr, _ := m.refreshCode(a.Code, http.StatusOK); rr.Generation != 3 {
		t.Errorf("next day's refresh = generation %d, want 3 (the change of yesterday evening)", rr.Generation)
	}
	m.advance(24 * time.Hour)
	if err := m.mkt.SetUnreachable(true); err != nil {
		t.Fatal(err)
	}
	if rr, _ := m.refreshCode(a.Code, http.StatusOK); rr.Generation != 3 || rr.Code != m.license(a.LicenseID).Code {
		t.Errorf("refresh during an outage = %+v, want the stored generation 3 code", rr)
	}
}

// TestActivationUnconfigured: without AK/SK, activation answers 503 marketplace_unconfigured.
func TestActivationUnconfigured(t *testing.T) {
	e := newTestEnv(t)
	st, body := e.call(http.MethodPost, "/v1/activations", "", map[string]string{"code": "MC-1"})
	if st != http.StatusServiceUnavailable || errorCode(t, body) != "marketplace_unconfigured" {
		t.Errorf("activate without credentials = %d %s, want 503 marketplace_unconfigured", st, body)
	}
}

// TestLicenseAsyncUpload: G1b getLicenseAsync answers 000000 and the code reaches the marketplace by the
// market-event upload, also when the server restarts between the answer and the upload.
func TestLicenseAsyncUpload(t *testing.T) {
	m := newMarketEnv(t, testSK)
	code := m.newInstance("lic-1", "O-1", "C-1", "P1", t0.AddDate(0, 1, 0))
	if err := m.mkt.SetUnreachable(true); err != nil {
		t.Fatal(err)
	}
	ask := map[string]string{"activity": "getLicenseAsync", "instanceId": "lic-1", "eventId": "EV-1",
		"effectiveTime": mkTime(t0), "expireTime": mkTime(t0.AddDate(0, 1, 0))}
	wantCode(t, m.signed(testKey, ask), resultOK)
	m.srv.Service().SendUploads(context.Background()) // the marketplace is down: the upload waits
	if n := len(m.mkt.Uploads()); n != 0 {
		t.Fatalf("uploads = %d, want 0 while the marketplace is down", n)
	}

	// "Restart": a new server over the same database, the marketplace back, the retry due.
	if err := m.mkt.SetUnreachable(false); err != nil {
		t.Fatal(err)
	}
	cfg := m.srv.cfg
	cfg.Registry = nil
	restarted := New(cfg, m.st, m.ring, support.NewIssuer(m.ring, "licentia", time.Hour), m.srv.log)
	m.advance(time.Minute)
	restarted.Service().SendUploads(context.Background())
	ups := m.mkt.Uploads()
	if len(ups) != 1 || ups[0].EventID != "EV-1" || string(ups[0].Content) != code {
		t.Fatalf("uploads = %+v, want EV-1 carrying the license's code", ups)
	}
	wantCode(t, m.signed(testKey, ask), resultOK) // a resend owes nothing new
	m.advance(time.Hour)
	restarted.Service().SendUploads(context.Background())
	if n := len(m.mkt.Uploads()); n != 1 {
		t.Errorf("uploads after a resent getLicenseAsync = %d, want 1", n)
	}
	wantCode(t, m.signed(testKey, map[string]string{"activity": "getLicenseAsync", "instanceId": "nope", "eventId": "EV-2",
		"effectiveTime": mkTime(t0)}), resultNotFound)
}

// TestNewInstanceFromOrder: a newInstance without expireTime, product or customer is completed from the
// marketplace's order query; a periodic line without an expiry is never issued as perpetual.
func TestNewInstanceFromOrder(t *testing.T) {
	m := newMarketEnv(t, testSK)
	exp := t0.AddDate(1, 0, 0)
	order := koogallery.OrderInfo{OrderID: "CS-ORD", OrderType: "NEW", OrderLine: []koogallery.OrderLine{{
		OrderLineID: "CS-ORD-1", ChargingMode: "PERIOD", ExpireTime: mkTime(exp), PeriodType: "year",
		ProductInfo: []koogallery.ProductInfo{{ProductID: "P-YEAR", SKUCode: "SKU-1", LinearValue: "5"}}}},
		BuyerInfo: &koogallery.BuyerInfo{CustomerID: "cust-9", CustomerName: "张三"}}
	if err := m.mkt.AddOrder(order); err != nil {
		t.Fatal(err)
	}
	r := m.signed(testKey, map[string]string{"activity": "newInstance", "orderId": "CS-ORD", "orderLineId": "CS-ORD-1",
		"businessId": "b-ord"})
	wantCode(t, r, resultOK)
	c := m.claims(r.License)
	if c.ExpiresAt != exp.Unix() || c.ProductID != "P-YEAR" || c.SKU != "SKU-1" || c.CustomerID != "cust-9" || c.Quantity != 5 {
		t.Errorf("claims = %+v, want the order's expiry, product, SKU, customer and quantity", c)
	}
	q := m.signed(testKey, map[string]string{"activity": "queryInstance", "orderId": "CS-ORD", "orderLineId": "CS-ORD-1"})
	if q.ResultCode != resultOK || q.InstanceID != "b-ord" || q.License != r.License {
		t.Errorf("queryInstance = %+v, want the instance and its code", q)
	}

	wantCode(t, m.signed(testKey, map[string]string{"activity": "newInstance", "orderId": "CS-NONE", "orderLineId": "L1",
		"businessId": "b-none"}), resultInternal) // MKT.9001: not (yet) known there; the marketplace retries, nothing issued
	if _, err := m.st.License(context.Background(), "b-none"); err == nil {
		t.Error("a license was issued for an order the marketplace does not know")
	}
}

// TestNewInstanceSlowOrder: when the order query does not answer within the budget, newInstance answers
// 000004 and finishes in the background; queryInstance then answers the instance.
func TestNewInstanceSlowOrder(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out the 3.5 s order budget")
	}
	m := newMarketEnv(t, testSK)
	if err := m.mkt.AddOrder(koogallery.OrderInfo{OrderID: "CS-SLOW", OrderLine: []koogallery.OrderLine{{
		OrderLineID: "L1", ChargingMode: "PERIOD", ExpireTime: mkTime(t0.AddDate(1, 0, 0)),
		ProductInfo: []koogallery.ProductInfo{{ProductID: "P1"}}}}, BuyerInfo: &koogallery.BuyerInfo{CustomerID: "c"}}); err != nil {
		t.Fatal(err)
	}
	m.mkt.SetLatency(licensing.OrderBudget + 500*time.Millisecond)
	create := map[string]string{"activity": "newInstance", "orderId": "CS-SLOW", "orderLineId": "L1", "businessId": "b-slow"}
	wantCode(t, m.signed(testKey, create), resultProcessing)
	query := map[string]string{"activity": "queryInstance", "orderId": "CS-SLOW", "orderLineId": "L1"}
	deadline := time.Now().Add(10 * time.Second)
	for {
		q := m.signed(testKey, query)
		if q.ResultCode == resultOK {
			if q.InstanceID != "b-slow" || q.License == "" {
				t.Fatalf("queryInstance = %+v, want b-slow and its code", q)
			}
			break
		}
		if q.ResultCode != resultProcessing || time.Now().After(deadline) {
			t.Fatalf("queryInstance = %+v, want 000004 then 000000", q)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
