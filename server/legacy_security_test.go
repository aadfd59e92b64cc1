package server

import (
	"net/http"
	"net/url"
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
	probe := url.Values{}
	for k, v := range map[string]string{
		"activity": "getLicense", "businessId": "b-probe", "customerId": "c-probe", "orderId": "CS-PROBE",
		"productId": "P1", "skuCode": "S1", "expireTime": mkTime(t0.AddDate(0, 1, 0)), "testFlag": "1",
		"timeStamp": koogallery.FormatTimeMillis(e.now()),
	} {
		probe.Set(k, v)
	}
	probe.Set("authToken", koogallery.AuthToken(testKey, probe))
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

func mustGet(t testing.TB, u string) *http.Response {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("GET err = %v", err)
	}
	return resp
}
