package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/licensing"
	"github.com/licentia/licentia/server/marketapi"
	"github.com/licentia/licentia/server/simulator/market"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/server/store/pgtest"
	"github.com/licentia/licentia/server/support"
	"github.com/licentia/licentia/verifier"
	"github.com/licentia/licentia/verifier/online"
)

// deployment is a machine with n as its distinguishing part.
func deployment(n int) *verifier.Deployment {
	return &verifier.Deployment{ID: fmt.Sprintf("dep-%d", n), Components: map[string][]string{
		"machine_id": {fmt.Sprintf("mid-%d", n)}, "mac": {fmt.Sprintf("02:00:00:00:00:%02x", n)}, "hostname": {fmt.Sprintf("host-%d", n)}}}
}

// seatRefresh refreshes code for d and returns the status, the answer and the raw body.
func (e *testEnv) seatRefresh(code string, d *verifier.Deployment) (int, online.CodeResponse, []byte) {
	e.t.Helper()
	status, data := e.call(http.MethodPost, "/v1/codes/refresh", "", RefreshRequest{Code: code, Deployment: d})
	var rr online.CodeResponse
	if status == http.StatusOK {
		if err := json.Unmarshal(data, &rr); err != nil {
			e.t.Fatal(err)
		}
	}
	return status, rr, data
}

// TestSeats: a license of quantity 3 seats three deployments; the fourth is refused 409 seats_exhausted
// with the limit and the seats in use; the same deployment again keeps its seat and gets the same code;
// each code is bound to its deployment ("dep") and to no other machine; a refresh without a deployment of a
// bound code answers the same seat's code; a check-in answers 204.
func TestSeats(t *testing.T) {
	e := newTestEnv(t)
	r := e.signed(testKey, map[string]string{"activity": "newInstance", "orderId": "S-1", "orderLineId": "S-1-1",
		"businessId": "seat-1", "productId": "P1", "skuCode": "S1", "customerId": "C1", "amount": "3",
		"expireTime": mkTime(t0.AddDate(1, 0, 0))})
	wantCode(t, r, resultOK)
	first := r.License

	codes := map[int]string{}
	for n := 1; n <= 3; n++ {
		status, rr, data := e.seatRefresh(first, deployment(n))
		if status != http.StatusOK {
			t.Fatalf("refresh for deployment %d = %d %s, want 200", n, status, data)
		}
		c := e.claims(rr.Code)
		if c.Deployment == nil || c.Generation != 1 {
			t.Fatalf("deployment %d: claims %+v, want generation 1 bound to the deployment", n, c)
		}
		if _, _, ok := c.Deployment.Matches(*deployment(n)); !ok {
			t.Errorf("deployment %d's code does not match its deployment", n)
		}
		if _, _, ok := c.Deployment.Matches(*deployment(n%3 + 1)); ok {
			t.Errorf("deployment %d's code matches another machine", n)
		}
		codes[n] = rr.Code
	}
	status, _, data := e.seatRefresh(first, deployment(4))
	if status != http.StatusConflict {
		t.Fatalf("refresh for a fourth deployment = %d %s, want 409", status, data)
	}
	var refusal struct {
		Error struct {
			Code  string
			Seats SeatCount
		}
	}
	if err := json.Unmarshal(data, &refusal); err != nil || refusal.Error.Code != licensing.CodeSeatsExhausted ||
		refusal.Error.Seats != (SeatCount{Limit: 3, Used: 3}) {
		t.Fatalf("refusal = %s, want seats_exhausted with limit 3, used 3", data)
	}

	again := deployment(2)
	again.Components["hostname"] = []string{"renamed"} // one part of three changed: still the same machine
	if status, rr, data := e.seatRefresh(first, again); status != http.StatusOK || e.claims(rr.Code).Deployment == nil {
		t.Fatalf("refresh of deployment 2 renamed = %d %s, want 200 and a bound code", status, data)
	}
	if status, rr, _ := e.seatRefresh(codes[1], deployment(1)); status != http.StatusOK || rr.Code != codes[1] {
		t.Errorf("refresh of deployment 1 again = %d, code changed: want the same code byte for byte", status)
	}
	if status, rr, _ := e.seatRefresh(codes[3], nil); status != http.StatusOK || rr.Code != codes[3] {
		t.Errorf("refresh of deployment 3's code without a deployment = %d, want deployment 3's code", status)
	}
	clone := deployment(1)
	clone.Components["mac"], clone.Components["machine_id"] = []string{"02:00:00:00:00:99"}, []string{"other"}
	status, _, data = e.seatRefresh(first, clone)
	if status != http.StatusConflict || errorCode(t, data) != licensing.CodeDeploymentClone {
		t.Errorf("refresh of deployment 1's id from another machine = %d %s, want 409 deployment_clone", status, data)
	}
	if got, data := e.call(http.MethodPost, "/v1/usage", "", UsageRequest{Code: first, Deployment: deployment(3)}); got != http.StatusNoContent {
		t.Errorf("check-in = %d %s, want 204", got, data)
	}
	if got, data := e.call(http.MethodPost, "/v1/usage", "", UsageRequest{Code: first, Deployment: deployment(5)}); got != http.StatusConflict {
		t.Errorf("check-in of a fifth deployment = %d %s, want 409", got, data)
	}
	if got, data := e.call(http.MethodPost, "/v1/usage", "", map[string]any{"code": first}); got != http.StatusBadRequest {
		t.Errorf("check-in without a deployment = %d %s, want 400", got, data)
	}
	bad := map[string]any{"code": first, "deployment": map[string]any{"id": "x", "components": map[string]any{"Bad Name": "v"}}}
	if got, data := e.call(http.MethodPost, "/v1/codes/refresh", "", bad); got != http.StatusBadRequest {
		t.Errorf("refresh with a bad component name = %d %s, want 400", got, data)
	}

	e.advance(time.Minute) // the license's refreshes are rate limited
	l := e.license("seat-1")
	seats, err := e.st.Seats(t.Context(), l.ID)
	if err != nil || len(seats) != 3 {
		t.Fatalf("Seats = %d, %v; want 3", len(seats), err)
	}
	for _, s := range seats {
		if s.Deployment == "dep-1" || s.Deployment == "dep-2" || s.Deployment == "dep-3" {
			t.Errorf("seat stored under the raw deployment id %q", s.Deployment)
		}
	}
	if n, err := e.srv.Service().FreeSeat(t.Context(), l, "dep-1", "replaced machine", licensing.Actor{Source: store.SourceCLI, Name: "t"}); err != nil || n != 1 {
		t.Fatalf("FreeSeat(dep-1) = %d, %v", n, err)
	}
	if status, _, data := e.seatRefresh(first, deployment(4)); status != http.StatusOK {
		t.Errorf("refresh for deployment 4 after a seat was freed = %d %s, want 200", status, data)
	}
}

// TestSeatsReplicasPostgres: 1,000 concurrent activations of one 10-seat License 2.0 code from 1,000
// deployments, through two servers on one PostgreSQL database, give exactly 10 seats and 990
// seats_exhausted, and no other answer.
func TestSeatsReplicasPostgres(t *testing.T) {
	dsn := pgtest.DSN(t)
	now := func() time.Time { return t0 }
	mkt, err := market.Start(market.Config{AK: testAK, SK: testSK, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mkt.Close() })
	if err := mkt.AddCode(market.Code{Code: "MC-SEATS", State: market.Received, ExpiresAt: t0.AddDate(1, 0, 0),
		ProductID: "P2", OrderID: "CS-SEATS", Amount: 10}); err != nil {
		t.Fatal(err)
	}
	var replicas []*Server
	for i := range 2 {
		st, err := store.Open(context.Background(), dsn, store.Options{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		c, err := marketapi.New(marketapi.Config{AK: testAK, SK: testSK, BaseURLs: []string{mkt.URL()}, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		ring := testRing(t, filepath.Join(t.TempDir(), fmt.Sprint(i)))
		cfg := Config{KooGalleryKeys: []string{testKey}, Now: now, Market: c}
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		replicas = append(replicas, New(cfg, st, ring, support.NewIssuer(ring, "licentia", 0), slog.New(slog.DiscardHandler)))
	}
	const n = 1000
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, errs[i] = replicas[i%2].Service().ActivateFor(context.Background(), "MC-SEATS", deployment(i),
				licensing.Actor{Source: store.SourceAPI, Name: "buyer"})
		})
	}
	wg.Wait()
	seated, exhausted := 0, 0
	for i, err := range errs {
		var se *licensing.SeatError
		switch {
		case err == nil:
			seated++
		case errors.As(err, &se) && se.Code == licensing.CodeSeatsExhausted && se.Limit == 10 && se.Used == 10:
			exhausted++
		default:
			t.Fatalf("activation %d: %v, want a seat or seats_exhausted (limit 10, used 10)", i, err)
		}
	}
	l, err := replicas[0].Service().Store().LicenseByCode(context.Background(), "MC-SEATS")
	if err != nil {
		t.Fatal(err)
	}
	seats, err := replicas[1].Service().Store().Seats(context.Background(), l.ID)
	if seated != 10 || exhausted != n-10 || err != nil || len(seats) != 10 {
		t.Errorf("seated %d, exhausted %d, seats stored %d (%v); want 10, %d, 10", seated, exhausted, len(seats), err, n-10)
	}
}

// TestLicenseAsyncDevices: G1b getLicenseAsync with a deviceFingerprint uploads a code bound to that device,
// one seat per distinct fingerprint up to the order's quantity; a further device is answered 000900 and
// nothing is owed for it; the same device with a new eventId gets the same code; a product whose policy
// requires a fingerprint answers 000903 without one.
func TestLicenseAsyncDevices(t *testing.T) {
	m := newMarketEnv(t, testSK)
	wantCode(t, m.signed(testKey, map[string]string{"activity": "newInstance", "orderId": "G-1", "orderLineId": "G-1-1",
		"businessId": "dev-1", "productId": "P-DEV", "skuCode": "S1", "customerId": "C1", "amount": "2",
		"expireTime": mkTime(t0.AddDate(1, 0, 0))}), resultOK)
	ask := func(event, fingerprint string) answerJSON {
		body := map[string]string{"activity": "getLicenseAsync", "instanceId": "dev-1", "eventId": event,
			"effectiveTime": "2026-03-01 08:00:00 z"}
		if fingerprint != "" {
			body["deviceFingerprint"] = fingerprint
		}
		return m.signed(testKey, body)
	}
	long := strings.Repeat("f", 1024) // the longest fingerprint the marketplace sends
	wantCode(t, ask("EV-A", "device-A"), resultOK)
	wantCode(t, ask("EV-B", long), resultOK)
	wantCode(t, ask("EV-C", "device-C"), koogallery.ResultQuotaExhausted)
	wantCode(t, ask("EV-A2", "device-A"), resultOK) // the same device, a new event: its seat
	m.srv.Service().SendUploads(context.Background())
	ups := map[string]string{}
	for _, u := range m.mkt.Uploads() {
		ups[u.EventID] = string(u.Content)
	}
	if len(ups) != 3 || ups["EV-C"] != "" {
		t.Fatalf("uploads = %v, want EV-A, EV-B and EV-A2", slices.Collect(maps.Keys(ups)))
	}
	if ups["EV-A"] != ups["EV-A2"] || ups["EV-A"] == ups["EV-B"] {
		t.Errorf("device A's two uploads differ, or device B got device A's code")
	}
	salt := license.DeploymentSalt("dev-1")
	for event, fp := range map[string]string{"EV-A": "device-A", "EV-B": long} {
		c := m.claims(ups[event])
		if c.Deployment == nil || c.Deployment.ID != verifier.DeploymentHash(salt, "id", fp) || c.Deployment.Components != nil {
			t.Errorf("%s: dep = %+v, want bound to its fingerprint alone", event, c.Deployment)
		}
	}

	// A product that requires a fingerprint.
	if err := m.st.SetPolicy(context.Background(), store.Policy{ProductID: "P-DEV", Seats: "quantity", UsageMode: "id",
		RequireFingerprint: true, UpdatedAt: t0.Unix(), UpdatedBy: "test"}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, ask("EV-D", ""), koogallery.ResultFingerprintRequired)
}

// seatMetric returns licentia_seat_decisions_total for outcome.
func (e *testEnv) seatMetric(outcome string) float64 {
	e.t.Helper()
	return metricByLabel(e.t, e.srv, "licentia_seat_decisions_total", "outcome")[outcome]
}

// TestSeatLeases: with a lease, a seat not checked in within it is freed for another deployment; two
// processes holding one deployment id on different machines within one lease are flagged as a clone (409
// deployment_clone, the audit event seat_clone, the metric), and once the holder stops checking in, the
// other takes the seat anew.
func TestSeatLeases(t *testing.T) {
	e := newTestEnv(t)
	if err := e.st.SetPolicy(t.Context(), store.Policy{ProductID: "P-LEASE", Seats: "1", UsageMode: "id",
		LeaseSeconds: 600, UpdatedAt: t0.Unix(), UpdatedBy: "test"}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.signed(testKey, map[string]string{"activity": "newInstance", "orderId": "L-1", "orderLineId": "L-1-1",
		"businessId": "lease-1", "productId": "P-LEASE", "skuCode": "S1", "customerId": "C1", "amount": "5",
		"expireTime": mkTime(t0.AddDate(1, 0, 0))}), resultOK)
	code := e.license("lease-1").Code
	checkIn := func(d *verifier.Deployment) (int, []byte) {
		return e.call(http.MethodPost, "/v1/usage", "", UsageRequest{Code: code, Deployment: d})
	}
	holder := deployment(1)
	copied := deployment(1) // the same id on another machine: a copied installation or container image
	copied.Components["machine_id"], copied.Components["mac"] = []string{"mid-copy"}, []string{"02:00:00:00:00:77"}

	if st, data := checkIn(holder); st != http.StatusNoContent {
		t.Fatalf("holder check-in = %d %s", st, data)
	}
	e.advance(5 * time.Minute)
	if st, data := checkIn(copied); st != http.StatusConflict || errorCode(t, data) != licensing.CodeDeploymentClone {
		t.Fatalf("copy within the lease = %d %s, want 409 deployment_clone", st, data)
	}
	if n := e.seatMetric(licensing.SeatClone); n != 1 {
		t.Errorf("clone metric = %v, want 1", n)
	}
	evs, err := e.st.Events(t.Context(), "lease-1")
	if err != nil || !slices.ContainsFunc(evs, func(ev store.Event) bool { return ev.Action == licensing.ActSeatClone }) {
		t.Errorf("events = %+v, %v; want a seat_clone event", evs, err)
	}
	seats, _ := e.st.Seats(t.Context(), "lease-1")
	if len(seats) != 1 || seats[0].CloneAt != e.now().Unix() {
		t.Errorf("seats = %+v, want the held seat marked as cloned now", seats)
	}
	if st, data := checkIn(deployment(2)); st != http.StatusConflict || errorCode(t, data) != licensing.CodeSeatsExhausted {
		t.Errorf("another deployment while the seat is leased = %d %s, want 409 seats_exhausted", st, data)
	}
	e.advance(6 * time.Minute) // the holder's lease (renewed at its check-in, 11 minutes ago) has passed
	if st, data := checkIn(copied); st != http.StatusNoContent {
		t.Errorf("copy after the holder's lease passed = %d %s, want 204 (the seat taken anew)", st, data)
	}
	if n := e.seatMetric(licensing.SeatRetaken); n != 1 {
		t.Errorf("retaken metric = %v, want 1", n)
	}
	e.advance(11 * time.Minute)
	if st, data := checkIn(deployment(2)); st != http.StatusNoContent {
		t.Errorf("a new deployment after every lease passed = %d %s, want 204", st, data)
	}
	if seats, _ := e.st.Seats(t.Context(), "lease-1"); len(seats) != 1 {
		t.Errorf("seats = %d, want 1: lapsed seats are deleted when a seat is taken", len(seats))
	}
}

// TestSeatsReportUsage: the activation and refreshes of deployments of a License 2.0 code are its uses: each
// (code, deployment, UTC day) is reported once, by the deployment's hash, never its id; a refused deployment
// is no use; the next day counts anew.
func TestSeatsReportUsage(t *testing.T) {
	m := newMarketEnv(t, testSK)
	m.addCode("MC-USE", market.Received, t0.AddDate(1, 0, 0)) // amount 3
	st, body := m.call(http.MethodPost, "/v1/activations", "", support.ActivationRequest{Code: "MC-USE", Deployment: deployment(1)})
	if st != http.StatusOK {
		t.Fatalf("activation = %d %s", st, body)
	}
	var a online.CodeResponse
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 2, 2, 3, 4} { // 4 is refused: three seats
		m.seatRefresh(a.Code, deployment(n))
	}
	svc := m.srv.Service()
	svc.SendUsage(t.Context())
	m.advance(24 * time.Hour)
	m.seatRefresh(a.Code, deployment(2))
	svc.SendUsage(t.Context())

	salt := license.DeploymentSalt(m.license("MC-USE").ID)
	hash := func(n int) string { return verifier.DeploymentHash(salt, "id", deployment(n).ID) }
	var got []string
	for _, c := range m.mkt.UsageCalls() {
		for _, u := range c.Usage {
			if u.Code != "MC-USE" {
				t.Errorf("usage of %q, want MC-USE", u.Code)
			}
			for _, id := range u.IDs {
				got = append(got, c.At.Format(time.DateOnly)+" "+id)
			}
		}
	}
	slices.Sort(got)
	want := []string{"2026-03-01 " + hash(1), "2026-03-01 " + hash(2), "2026-03-01 " + hash(3), "2026-03-02 " + hash(2)}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("reported uses = %v, want %v", got, want)
	}
}

// TestCheckInsReportedOnce: check-ins (POST /v1/usage) from N deployments on M License 2.0 codes over two UTC
// days, several a day each, with a restart between them (uses recorded but not yet sent), report every
// (code, deployment, day) exactly once, in calls of at most 100 codes.
func TestCheckInsReportedOnce(t *testing.T) {
	const codes, deployments = 4, 5
	m := newMarketEnv(t, testSK, licensing.ActivationLimits{PerAddress: 1000})
	if err := m.st.SetPolicy(t.Context(), store.Policy{ProductID: "P2", Seats: "unlimited", UsageMode: "id",
		UpdatedAt: t0.Unix(), UpdatedBy: "test"}); err != nil {
		t.Fatal(err)
	}
	var licentiaCodes []string
	for c := range codes {
		mc := fmt.Sprint("MC-CI-", c)
		m.addCode(mc, market.Received, t0.AddDate(1, 0, 0))
		a, _ := m.activate(mc, http.StatusOK)
		licentiaCodes = append(licentiaCodes, a.Code)
	}
	srv := m.srv
	checkIns := func() {
		for _, code := range licentiaCodes {
			for d := range deployments {
				for range 2 {
					if st, data := m.call(http.MethodPost, "/v1/usage", "", UsageRequest{Code: code, Deployment: deployment(d)}); st != http.StatusNoContent {
						t.Fatalf("check-in = %d %s", st, data)
					}
				}
			}
			m.advance(time.Minute) // the license's refresh limit
		}
	}
	checkIns()
	srv.Service().SendUsage(t.Context())
	m.advance(24 * time.Hour)
	checkIns()
	// Restart with the second day's uses recorded and unsent: a new server over the same database sends them.
	cfg := srv.cfg
	cfg.Registry = nil
	restarted := New(cfg, m.st, m.ring, support.NewIssuer(m.ring, "licentia", time.Hour), srv.log)
	restarted.Service().SendUsage(t.Context())
	srv.Service().SendUsage(t.Context()) // the old one has nothing left either

	seen := map[string]int{}
	for _, c := range m.mkt.UsageCalls() {
		if len(c.Usage) > 100 {
			t.Errorf("a call of %d codes, want at most 100", len(c.Usage))
		}
		for _, u := range c.Usage {
			for _, id := range u.IDs {
				seen[c.At.Format(time.DateOnly)+" "+u.Code+" "+id]++
			}
		}
	}
	if len(seen) != 2*codes*deployments {
		t.Errorf("%d (day, code, deployment) reported, want %d", len(seen), 2*codes*deployments)
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s reported %d times, want once", k, n)
		}
	}
}

// TestActivationLoserAnswersTheWinnersLicense: a replica whose activation the marketplace answers "already
// active" (another replica activated the code a moment before, and is storing its license with the
// product, order and quantity the marketplace answered it) answers that license, and never stores one of
// its own made without them.
func TestActivationLoserAnswersTheWinnersLicense(t *testing.T) {
	m := newMarketEnv(t, testSK)
	m.addCode("MC-RACE", market.Active, t0.AddDate(1, 0, 0)) // activated by the other replica
	type result struct {
		l   *store.License
		err error
	}
	done := make(chan result, 1)
	go func() {
		l, err := m.srv.Service().ActivateFor(context.Background(), "MC-RACE", nil, licensing.Actor{Source: store.SourceAPI, Name: "buyer"})
		done <- result{l, err}
	}()
	for deadline := time.Now().Add(10 * time.Second); m.mkt.Calls(koogallery.APIQuery, "") == 0 &&
		m.mkt.Calls(koogallery.APIActivate, "") == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the activation never asked the marketplace")
		}
	}
	// The other replica stores its license now.
	winner, _, err := license.Create(license.License{ID: "lic-winner", OrderID: "CS-MC-RACE", OrderLineID: "code-winner",
		Flow: license.FlowInstance, ProductID: "P2", Quantity: 10, MarketCode: "MC-RACE", CustomerID: "C1",
		ExpiresAt: t0.AddDate(1, 0, 0).Unix()}, m.now())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.srv.Service().Create(context.Background(), &winner, license.Delivery{At: m.now().Unix(),
		Source: store.SourceAPI, Activity: license.ActActivate}, licensing.KeepID); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || r.l.ID != "lic-winner" || r.l.Quantity != 10 || r.l.ProductID != "P2" {
		t.Fatalf("activation = %+v, %v; want the other replica's license (quantity 10, product P2)", r.l, r.err)
	}
	if n := m.countLicenses(); n != 1 {
		t.Errorf("licenses = %d, want 1", n)
	}
}
