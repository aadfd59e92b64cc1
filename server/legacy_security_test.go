package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/licentia/licentia/server/koogallery"
)

// TestLegacyRepartitionedProbeRefused: a signed License 1.0 getLicense probe (testFlag=1, made-up ids), with
// its expireTime and testFlag pairs moved into the ends of the customerId and skuCode values, has the same
// signed message and authToken; it must be refused with 000001 and store nothing, not create a real, perpetual
// license.
func TestLegacyRepartitionedProbeRefused(t *testing.T) {
	e := newTestEnv(t)
	c, _ := e.market(testKey)
	signed := c.LegacyRequest(map[string]string{
		"activity": koogallery.ActivityGetLicense, "businessId": "b-probe", "customerId": "c-probe", "orderId": "CS-PROBE",
		"productId": "P1", "skuCode": "S1", "expireTime": mkTime(t0.AddDate(0, 1, 0)), "testFlag": "1",
	})
	probe, err := url.ParseQuery(signed.URL[strings.IndexByte(signed.URL, '?')+1:])
	if err != nil {
		t.Fatal(err)
	}
	r := e.decode(mustGet(t, e.ts.URL+"/koogallery/license?"+probe.Encode()), testKey)
	wantCode(t, r, resultOK)

	forged := url.Values{}
	for k, v := range probe {
		forged[k] = v
	}
	forged.Set("customerId", "c-probe&expireTime="+probe.Get("expireTime"))
	forged.Set("skuCode", "S1&testFlag=1")
	forged.Del("expireTime")
	forged.Del("testFlag")
	r = e.decode(mustGet(t, e.ts.URL+"/koogallery/license?"+forged.Encode()), testKey)
	wantCode(t, r, resultAuth)
	if r.License != "" || r.InstanceID != "" {
		t.Errorf("re-partitioned probe answer = %+v, want no license", r)
	}
	if n := e.countLicenses(); n != 0 {
		t.Errorf("licenses stored = %d, want 0", n)
	}

	// Values that merely contain '&' and '=' apart keep working.
	e.advance(time.Second)
	r = e.legacy(testKey, map[string]string{"activity": "getLicense", "businessId": "b-1", "customerId": "c-1",
		"customerName": "张三 & Co+1 = ok", "orderId": "CS-1", "productId": "P1"})
	wantCode(t, r, resultOK)
	if l := e.license(r.InstanceID); l.CustomerName != "张三 & Co+1 = ok" {
		t.Errorf("customer name = %q, want it as sent", l.CustomerName)
	}
}

// TestLegacyNameWithAmpersandEquals: a genuine getLicense whose customerName holds '&', a name and '=' (a
// team called "R&D=Team") is served, because "D" is no License 1.0 parameter: no reading of its signed
// message gives another License 1.0 parameter set. The same value with a License 1.0 name after the '&'
// stays refused.
func TestLegacyNameWithAmpersandEquals(t *testing.T) {
	e := newTestEnv(t)
	for _, name := range []string{"R&D=Team", "Smith&Sons=1&x_y=2", "研发&D=团队"} {
		order := "CS-" + fmt.Sprint(len(name))
		r := e.legacy(testKey, map[string]string{"activity": "getLicense", "businessId": "b-" + order, "customerId": "c-1",
			"customerName": name, "orderId": order, "productId": "P1"})
		wantCode(t, r, resultOK)
		if r.License == "" || r.InstanceID != "b-"+order {
			t.Fatalf("getLicense with customerName %q = %+v, want a license", name, r)
		}
		if l := e.license(r.InstanceID); l.CustomerName != name {
			t.Errorf("customer name = %q, want %q as sent", l.CustomerName, name)
		}
		e.advance(time.Second)
	}
	r := e.legacy(testKey, map[string]string{"activity": "getLicense", "businessId": "b-x", "customerId": "c-1",
		"customerName": "R&orderId=CS-OTHER", "orderId": "CS-X", "productId": "P1"})
	wantCode(t, r, resultAuth)
	if n := e.countLicenses(); n != 3 {
		t.Errorf("licenses stored = %d, want 3", n)
	}
}

func mustGet(t testing.TB, u string) *http.Response {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("GET err = %v", err)
	}
	return resp
}

// legacyURL signs a License 1.0 call at time at and returns its URL: what a log line would hold.
func (e *testEnv) legacyURL(params map[string]string, at time.Time) string {
	c, _ := e.market(testKey)
	return c.LegacyRequest(params, koogallery.At(at)).URL
}

// TestLegacyReplay: License 1.0 URLs expire (a timeStamp window) and an applied state change is remembered
// by its authToken, so a captured expireLicense URL cannot freeze a paying customer again.
func TestLegacyReplay(t *testing.T) {
	e := newTestEnv(t)
	r := e.legacy(testKey, map[string]string{"activity": "getLicense", "businessId": "b-1", "customerId": "c-1",
		"orderId": "CS-1", "productId": "P1", "expireTime": mkTime(t0.AddDate(0, 1, 0))})
	wantCode(t, r, resultOK)
	expire := map[string]string{"activity": "expireLicense", "instanceId": "b-1", "orderId": "CS-1"}

	// A 3-day-old expireLicense changes nothing.
	stale := e.legacyURL(expire, e.now().Add(-72*time.Hour))
	wantCode(t, e.decode(mustGet(t, stale), testKey), resultParam)
	if l := e.license("b-1"); l.Status != "active" || l.Generation != 1 {
		t.Fatalf("after a 3-day-old expireLicense: %s gen %d, want active gen 1", l.Status, l.Generation)
	}
	// Nor does one from the future beyond the clock-error allowance.
	wantCode(t, e.decode(mustGet(t, e.legacyURL(expire, e.now().Add(10*time.Minute))), testKey), resultParam)

	// A fresh one freezes; a renewal thaws; the exact replay of the freeze URL then changes nothing.
	freeze := e.legacyURL(expire, e.now())
	wantCode(t, e.decode(mustGet(t, freeze), testKey), resultOK)
	if l := e.license("b-1"); l.Status != "frozen" {
		t.Fatalf("after expireLicense: %s, want frozen", l.Status)
	}
	e.advance(time.Hour)
	wantCode(t, e.legacy(testKey, map[string]string{"activity": "refreshLicense", "instanceId": "b-1",
		"orderId": "CS-R1", "expireTime": mkTime(t0.AddDate(1, 0, 0))}), resultOK)
	if l := e.license("b-1"); l.Status != "active" || l.Generation != 3 {
		t.Fatalf("after the renewal: %s gen %d, want active gen 3", l.Status, l.Generation)
	}
	e.advance(time.Hour)
	wantCode(t, e.decode(mustGet(t, freeze), testKey), resultOK)
	if l := e.license("b-1"); l.Status != "active" || l.Generation != 3 {
		t.Errorf("after replaying the expireLicense URL: %s gen %d, want active gen 3", l.Status, l.Generation)
	}
	evs, err := e.st.Events(context.Background(), "b-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 3 {
		t.Errorf("events = %d, want 3 (create, freeze, renew): a replay records nothing", len(evs))
	}

	// A release URL replayed after being applied is answered as done and changes nothing either.
	release := e.legacyURL(map[string]string{"activity": "releaseLicense", "instanceId": "b-1", "orderId": "CS-1"}, e.now())
	wantCode(t, e.decode(mustGet(t, release), testKey), resultOK)
	wantCode(t, e.decode(mustGet(t, release), testKey), resultOK)
	if l := e.license("b-1"); l.Status != "released" || l.Generation != 4 {
		t.Errorf("after release and its replay: %s gen %d, want released gen 4", l.Status, l.Generation)
	}
}
