package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/simulator/market"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/server/support"
)

// notifiedOrder puts a License 2.0 order in the stand-in, created at created.
func (m *marketEnv) notifiedOrder(id string, created time.Time) {
	m.t.Helper()
	if err := m.mkt.AddOrder(koogallery.OrderInfo{OrderID: id, OrderType: koogallery.OrderTypeNew, CreateTime: mkTime(created),
		OrderLine: []koogallery.OrderLine{{OrderLineID: id + "-000001", ChargingMode: koogallery.ChargingPeriod, PeriodType: "year",
			ExpireTime:  mkTime(created.AddDate(1, 0, 0)),
			ProductInfo: []koogallery.ProductInfo{{ProductID: "P2", SKUCode: "SKU2", LinearValue: "1"}}}},
		BuyerInfo: &koogallery.BuyerInfo{CustomerID: "cust-" + id, CustomerName: "Buyer " + id}}); err != nil {
		m.t.Fatal(err)
	}
}

func (m *marketEnv) orderNotify(id string) answerJSON {
	m.t.Helper()
	return m.signed(testKey, map[string]string{"activity": "orderNotify", "orderId": id})
}

func (m *marketEnv) unactivated(query string) support.UnactivatedPage {
	m.t.Helper()
	var page support.UnactivatedPage
	m.callJSON(http.MethodGet, "/admin/v1/unactivated"+query, m.token("ops-"+strconv.FormatInt(m.nonce.Add(1), 10), store.RoleRead), nil, http.StatusOK, &page)
	return page
}

// TestOrderNotify: the marketplace's order notification (topic 0000002091799153) is answered 000000 once the
// order, fetched with the order query, is recorded; a repeated notification is answered the same and queries
// and records nothing new; the order shows as unactivated until its License 2.0 code is activated.
func TestOrderNotify(t *testing.T) {
	m := newMarketEnv(t, testSK)
	created := m.now().Add(-4 * 24 * time.Hour)
	m.notifiedOrder("CS2410231200ORDR1", created)
	if r := m.orderNotify("CS2410231200ORDR1"); r.ResultCode != resultOK || r.InstanceID != "" {
		t.Fatalf("orderNotify = %+v, want 000000 and no instanceId", r)
	}
	queries := m.mkt.Calls(koogallery.APIQueryOrder, "")
	if r := m.orderNotify("CS2410231200ORDR1"); r.ResultCode != resultOK {
		t.Fatalf("orderNotify (repeat) = %+v, want 000000", r)
	}
	if n := m.mkt.Calls(koogallery.APIQueryOrder, ""); n != queries {
		t.Errorf("a repeated notification queried the order again (%d queries, want %d)", n, queries)
	}
	page := m.unactivated("?older_than=3d")
	if page.Total != 1 || len(page.Entries) != 1 {
		t.Fatalf("unactivated = %+v, want the one order", page)
	}
	e := page.Entries[0]
	if e.Kind != support.UnactivatedOrder || e.OrderID != "CS2410231200ORDR1" || e.OrderLineID != "CS2410231200ORDR1-000001" ||
		e.OrderType != "NEW" || e.ProductID != "P2" || e.CustomerID != "cust-CS2410231200ORDR1" ||
		e.Since != created.UTC().Format(time.RFC3339) || e.NotifiedAt == nil || !strings.HasSuffix(e.Since, "Z") {
		t.Errorf("unactivated entry = %+v", e)
	}
	if page := m.unactivated("?older_than=5d"); page.Total != 0 || len(page.Entries) != 0 {
		t.Errorf("unactivated older than 5d = %+v, want none (the order is 4 days old)", page)
	}

	// The buyer activates the order's code: the order is settled.
	if err := m.mkt.AddCode(market.Code{Code: "MKT-ORDR1-CODE-0001", State: market.Received, ExpiresAt: m.now().AddDate(1, 0, 0),
		ProductID: "P2", OrderID: "CS2410231200ORDR1", Amount: 1}); err != nil {
		t.Fatal(err)
	}
	m.activate("MKT-ORDR1-CODE-0001", http.StatusOK)
	if page := m.unactivated(""); page.Total != 0 {
		t.Errorf("unactivated after the activation = %+v, want none", page)
	}
}

// TestOrderNotifyQueryFails: when the order query cannot describe the order (the marketplace unavailable, too
// slow, the order unknown to it) or licentia has no AK/SK, orderNotify is answered 000005, which the marketplace
// retries, the log says why, and nothing is recorded; the retry, once the query answers, records the order.
func TestOrderNotifyQueryFails(t *testing.T) {
	m := newMarketEnv(t, testSK)
	logs := m.logTo()
	m.notifiedOrder("CS2410231200FAIL1", m.now())
	m.mkt.FailNext(100, http.StatusServiceUnavailable)
	if r := m.orderNotify("CS2410231200FAIL1"); r.ResultCode != resultInternal || r.ResultMsg != msgOrderQuery {
		t.Fatalf("orderNotify with the order query unavailable = %+v, want 000005 %q", r, msgOrderQuery)
	}
	if !strings.Contains(logs.String(), "the order query did not answer") {
		t.Errorf("log does not say why the marketplace must retry:\n%s", logs)
	}
	if ok, err := m.st.OrderRecorded(context.Background(), "CS2410231200FAIL1"); err != nil || ok {
		t.Fatalf("OrderRecorded after a failed query = %v, %v; want nothing recorded", ok, err)
	}
	m.mkt.FailNext(0, 0)
	if r := m.orderNotify("CS2410231200UNKN1"); r.ResultCode != resultInternal {
		t.Errorf("orderNotify of an order the marketplace does not know = %+v, want 000005", r)
	}
	if r := m.orderNotify("CS2410231200FAIL1"); r.ResultCode != resultOK {
		t.Fatalf("orderNotify retried = %+v, want 000000", r)
	}
	if page := m.unactivated(""); page.Total != 1 || page.Entries[0].OrderID != "CS2410231200FAIL1" {
		t.Errorf("unactivated after the retry = %+v, want the order", page)
	}
}

func TestOrderNotifyWithoutOpenAPI(t *testing.T) {
	e := newTestEnv(t)
	logs := e.logTo()
	r := e.signed(testKey, map[string]string{"activity": "orderNotify", "orderId": "CS2410231200NOAK1"})
	if r.ResultCode != resultInternal || r.ResultMsg != msgNeedsMarket {
		t.Fatalf("orderNotify without AK/SK = %+v, want 000005 %q", r, msgNeedsMarket)
	}
	if !strings.Contains(logs.String(), "orderNotify needs the OpenAPI credentials") {
		t.Errorf("log does not say why the marketplace must retry:\n%s", logs)
	}
	if r := e.signed(testKey, map[string]string{"activity": "orderNotify", "orderId": "CS2410231200NOAK1", "testFlag": "1"}); r.ResultCode != resultOK {
		t.Errorf("orderNotify probe = %+v, want 000000", r)
	}
	if r := e.signed(testKey, map[string]string{"activity": "orderNotify"}); r.ResultCode != resultParam {
		t.Errorf("orderNotify without orderId = %+v, want 000002", r)
	}
	if r := e.signed(testKey, map[string]string{"activity": "orderNotify", "orderId": strings.Repeat("9", 65)}); r.ResultCode != resultParam {
		t.Errorf("orderNotify with a 65-character orderId = %+v, want 000002", r)
	}
	if n, c, err := e.st.CountUnactivated(context.Background(), e.now().Unix()); err != nil || n+c != 0 {
		t.Errorf("CountUnactivated() = %d, %d, %v; want nothing recorded", n, c, err)
	}
}

// TestUnactivatedGauge: licentia_unactivated_orders counts the waiting orders and License 2.0 codes by age.
func TestUnactivatedGauge(t *testing.T) {
	m := newMarketEnv(t, testSK)
	day := 24 * time.Hour
	for i, age := range []time.Duration{2 * time.Hour, 2 * day, 4 * day, 40 * day} {
		id := "CS2410231200GAUG" + string(rune('A'+i))
		m.notifiedOrder(id, m.now().Add(-age))
		if r := m.orderNotify(id); r.ResultCode != resultOK {
			t.Fatalf("orderNotify(%s) = %+v", id, r)
		}
	}
	// A renewal callback for a code never activated is kept: the code waits too.
	if r := m.signed(testKey, map[string]string{"activity": "refreshLicenseCode", "license": "MKT-KEPT-CODE-0001",
		"orderId": "CS-RENEW-1", "expireTime": mkTime(m.now().AddDate(2, 0, 0))}); r.ResultCode != resultOK {
		t.Fatalf("refreshLicenseCode = %+v", r)
	}
	want := map[string]float64{"under_1d": 2, "1d_to_3d": 1, "3d_to_7d": 1, "7d_to_30d": 0, "over_30d": 1}
	if got := gaugeByAge(t, m.srv); !equalCounts(got, want) {
		t.Errorf("licentia_unactivated_orders = %v, want %v", got, want)
	}
	if page := m.unactivated("?limit=2"); page.Total != 5 || len(page.Entries) != 2 || page.Entries[0].OrderID != "CS2410231200GAUGD" {
		t.Errorf("unactivated?limit=2 = %+v, want the 2 oldest of 5", page)
	}
	if page := m.unactivated(""); page.Entries[4].Kind != support.UnactivatedCode || page.Entries[4].CodeFingerprint == "" ||
		strings.Contains(mustJSON(t, page), "MKT-KEPT-CODE-0001") {
		t.Errorf("unactivated = %+v, want the kept code last, by fingerprint only", page)
	}
	var bad struct{ Error struct{ Code string } }
	m.callJSON(http.MethodGet, "/admin/v1/unactivated?older_than=soon", m.token("ops2", store.RoleRead), nil, http.StatusBadRequest, &bad)
	if bad.Error.Code != "bad_request" {
		t.Errorf("older_than=soon answer code = %q, want bad_request", bad.Error.Code)
	}
}

func gaugeByAge(t *testing.T, s *Server) map[string]float64 {
	t.Helper()
	return metricByLabel(t, s, "licentia_unactivated_orders", "age")
}

// metricByLabel returns the values of the counter or gauge name on s's registry, by the value of label.
func metricByLabel(t testing.TB, s *Server, name, label string) map[string]float64 {
	t.Helper()
	mfs, err := s.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, mt := range mf.GetMetric() {
			for _, l := range mt.GetLabel() {
				if l.GetName() == label {
					out[l.GetValue()] = mt.GetGauge().GetValue() + mt.GetCounter().GetValue()
				}
			}
		}
	}
	return out
}

func equalCounts(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
