package server

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/licensing"
)

// timeForms are the forms the marketplace's pages print for a time field, each with the same instant.
// yyyy-MM-dd HH:mm:ss z is getLicenseAsync's (topic 0070649255, "2023-10-27 10:30:15 z", a UTC time).
func timeForms(at time.Time) []struct{ name, value string } {
	at = at.UTC()
	return []struct{ name, value string }{
		{"yyyyMMddHHmmss", koogallery.FormatTime(at)},
		{"yyyyMMddHHmmssSSS", koogallery.FormatTimeMillis(at)},
		{"yyyy-MM-dd HH:mm:ss z", at.Format("2006-01-02 15:04:05") + " z"},
		{"yyyy-MM-dd HH:mm:ss Z", at.Format("2006-01-02 15:04:05") + " Z"},
		{"yyyy-MM-dd HH:mm:ss UTC", at.Format("2006-01-02 15:04:05") + " UTC"},
		{"yyyy-MM-dd HH:mm:ss", at.Format("2006-01-02 15:04:05")},
		{"ISO 8601 Z", at.Format(time.RFC3339)},
		{"ISO 8601 +08:00", at.In(time.FixedZone("CST", 8*3600)).Format(time.RFC3339)},
		{"ISO 8601 millis", at.Format("2006-01-02T15:04:05.000Z07:00")},
	}
}

// formOf returns at in the form timeForms names name.
func formOf(name string, at time.Time) string {
	for _, f := range timeForms(at) {
		if f.name == name {
			return f.value
		}
	}
	panic("no time form " + name)
}

// badTimes are values of a time field that must be answered 000002 naming the field.
var badTimes = []string{"2023-10-27", "2023-02-30 10:30:15 z", "2023-10-27 10:30:15 CST", "tomorrow", "1698402615",
	"2023-10-27T10:30:15+25:00", strings.Repeat("2", 33)}

// TestG1bTimeFields: every time field of the G1b and instance-flow activities takes every form the pages
// print, as the same instant, and refuses garbage with 000002 naming the field. One table per field.
func TestG1bTimeFields(t *testing.T) {
	m := newMarketEnv(t, testSK)
	exp := t0.AddDate(1, 0, 0)
	m.newInstance("lic-t", "O-T", "C-T", "P1", exp)
	n := 0
	next := func() int { n++; return n }

	t.Run("getLicenseAsync effectiveTime and expireTime", func(t *testing.T) {
		for _, f := range timeForms(t0) {
			for _, field := range []string{"effectiveTime", "expireTime"} {
				t.Run(field+" "+f.name, func(t *testing.T) {
					body := map[string]string{"activity": "getLicenseAsync", "instanceId": "lic-t",
						"eventId": fmt.Sprintf("EV-T-%d", next()), "effectiveTime": mkTime(t0), "expireTime": mkTime(exp)}
					body[field] = f.value
					wantCode(t, m.signed(testKey, body), resultOK)
				})
			}
		}
		for _, bad := range badTimes {
			for _, field := range []string{"effectiveTime", "expireTime"} {
				body := map[string]string{"activity": "getLicenseAsync", "instanceId": "lic-t",
					"eventId": fmt.Sprintf("EV-T-%d", next()), "effectiveTime": mkTime(t0)}
				body[field] = bad
				wantParamError(t, m.signed(testKey, body), field)
			}
		}
	})

	t.Run("newInstance expireTime and effectiveTime", func(t *testing.T) {
		start := t0.Add(-time.Hour)
		for _, f := range timeForms(exp) {
			for _, field := range []string{"expireTime", "effectiveTime"} {
				t.Run(field+" "+f.name, func(t *testing.T) {
					i := next()
					body := map[string]string{"activity": "newInstance", "orderId": fmt.Sprintf("O-N-%d", i),
						"orderLineId": "L1", "businessId": fmt.Sprintf("b-n-%d", i), "productId": "P1", "customerId": "c",
						"expireTime": mkTime(exp), "effectiveTime": mkTime(start)}
					want := map[string]int64{"expireTime": exp.Unix(), "effectiveTime": start.Unix()}
					body[field] = f.value
					if field == "effectiveTime" {
						body[field] = formOf(f.name, start)
					}
					r := m.signed(testKey, body)
					wantCode(t, r, resultOK)
					c := m.claims(r.License)
					if c.ExpiresAt != want["expireTime"] || c.NotBefore != want["effectiveTime"] {
						t.Errorf("claims exp, nbf = %d, %d; want %d, %d", c.ExpiresAt, c.NotBefore, want["expireTime"], want["effectiveTime"])
					}
				})
			}
		}
		for _, bad := range badTimes {
			wantParamError(t, m.signed(testKey, map[string]string{"activity": "newInstance", "orderId": "O-BAD",
				"orderLineId": "L1", "productId": "P1", "customerId": "c", "expireTime": bad}), "expireTime")
		}
	})

	t.Run("refreshInstance expireTime", func(t *testing.T) {
		later := exp
		for _, f := range timeForms(exp) {
			later = later.AddDate(0, 1, 0)
			value := formOf(f.name, later)
			t.Run(f.name, func(t *testing.T) {
				wantCode(t, m.signed(testKey, map[string]string{"activity": "refreshInstance", "instanceId": "lic-t",
					"orderId": fmt.Sprintf("R-%d", next()), "scene": "RENEWAL", "expireTime": value}), resultOK)
				if l := m.license("lic-t"); l.ExpiresAt != later.Unix() {
					t.Errorf("expiry after renewal = %d, want %d", l.ExpiresAt, later.Unix())
				}
			})
		}
		for _, bad := range badTimes {
			wantParamError(t, m.signed(testKey, map[string]string{"activity": "refreshInstance", "instanceId": "lic-t",
				"orderId": "R-BAD", "scene": "RENEWAL", "expireTime": bad}), "expireTime")
		}
	})

	t.Run("order query expireTime", func(t *testing.T) {
		for _, f := range timeForms(exp) {
			t.Run(f.name, func(t *testing.T) {
				i := next()
				order := fmt.Sprintf("CS-Q-%d", i)
				addOrder(t, m, order, f.value)
				r := m.signed(testKey, map[string]string{"activity": "newInstance", "orderId": order,
					"orderLineId": order + "-1", "businessId": fmt.Sprintf("b-q-%d", i)})
				wantCode(t, r, resultOK)
				if c := m.claims(r.License); c.ExpiresAt != exp.Unix() {
					t.Errorf("claims exp = %d, want %d", c.ExpiresAt, exp.Unix())
				}
			})
		}
		addOrder(t, m, "CS-Q-BAD", "2023-10-27 10:30:15 CST")
		wantParamError(t, m.signed(testKey, map[string]string{"activity": "newInstance", "orderId": "CS-Q-BAD",
			"orderLineId": "CS-Q-BAD-1", "businessId": "b-q-bad"}), "expireTime")
	})
}

// addOrder puts a yearly order of one line into the stand-in, its expireTime as given.
func addOrder(t *testing.T, m *marketEnv, order, expireTime string) {
	t.Helper()
	err := m.mkt.AddOrder(koogallery.OrderInfo{OrderID: order, OrderType: "NEW", OrderLine: []koogallery.OrderLine{{
		OrderLineID: order + "-1", ChargingMode: "PERIOD", ExpireTime: expireTime, PeriodType: "year",
		ProductInfo: []koogallery.ProductInfo{{ProductID: "P-YEAR", SKUCode: "SKU-1", LinearValue: "1"}}}},
		BuyerInfo: &koogallery.BuyerInfo{CustomerID: "cust-q"}})
	if err != nil {
		t.Fatal(err)
	}
}

// wantParamError checks a 000002 answer whose message names field.
func wantParamError(t testing.TB, r answerJSON, field string) {
	t.Helper()
	wantCode(t, r, resultParam)
	if !strings.Contains(r.ResultMsg, field) {
		t.Errorf("resultMsg = %q, want it to name %s", r.ResultMsg, field)
	}
}

// exampleLicenseAsync is getLicenseAsync's request example as topic 0070649255 (updated 2023-12-25) prints it,
// masked values and all.
func exampleLicenseAsync() map[string]string {
	return map[string]string{"activity": "getLicenseAsync", "eventId": "8****e5694*****c8", "instanceId": "RA2****4LVS",
		"effectiveTime": "2023-10-27 10:30:15 z", "expireTime": "2024-10-27 10:30:15 z",
		"deviceFingerprint": "8******6034e2*****60e1"}
}

// TestLicenseAsyncProbe: the marketplace's testFlag=1 probe with getLicenseAsync's documented example body
// (topic 0070649255) answers success, with the OpenAPI configured or not.
func TestLicenseAsyncProbe(t *testing.T) {
	for _, e := range []*testEnv{newTestEnv(t), newMarketEnv(t, testSK).testEnv} {
		body := exampleLicenseAsync()
		body["testFlag"] = "1"
		wantCode(t, e.signed(testKey, body), resultOK)
	}
}

// logTo makes the server log into a buffer the test reads.
func (e *testEnv) logTo() *syncBuffer {
	var b syncBuffer
	e.srv.logTo(&b)
	return &b
}

// TestG1bWithoutOpenAPI: without AK/SK, the documented newInstance (topic 0070649251: orderId, orderLineId,
// businessId, testFlag; no product, customer or period) is answered 000005, which the marketplace retries, and
// no code is issued; getLicenseAsync is answered 000005 and nothing is owed. Each answer logs why. Probes still
// succeed.
func TestG1bWithoutOpenAPI(t *testing.T) {
	e := newTestEnv(t)
	logs := e.logTo()
	create := map[string]string{"activity": "newInstance", "orderId": "CS2210101920BWXLK", "orderLineId": "CS2210101920BWXLK-000001",
		"businessId": "8a2c4e6f-405a-4f8d-8e24-f41090522646", "testFlag": "0"}
	r := e.signed(testKey, create)
	wantCode(t, r, resultInternal)
	if r.InstanceID != "" || r.License != "" {
		t.Errorf("answer = %+v, want no instance and no code", r)
	}
	if n := e.countLicenses(); n != 0 {
		t.Fatalf("licenses = %d, want none issued without product and customer", n)
	}
	if l := logs.String(); !strings.Contains(l, "no product or customer") || !strings.Contains(l, "AK/SK") ||
		!strings.Contains(l, "CS2210101920BWXLK") {
		t.Errorf("log = %s, want a line saying why the order was answered 000005", l)
	}

	probe := map[string]string{"activity": "newInstance", "orderId": "CS2210101920BWXLK", "orderLineId": "L1",
		"businessId": "b-probe", "testFlag": "1"}
	wantCode(t, e.signed(testKey, probe), resultOK)

	e.newInstance("lic-a", "O-A", "C-A", "P1", t0.AddDate(1, 0, 0)) // product and customer in the body
	body := exampleLicenseAsync()
	body["instanceId"] = "lic-a"
	wantCode(t, e.signed(testKey, body), resultInternal)
	if ups, err := e.st.DueUploads(context.Background(), e.now().Add(time.Hour).Unix(), 10); err != nil || len(ups) != 0 {
		t.Errorf("uploads owed = %+v, %v; want none while no upload can happen", ups, err)
	}
	if l := logs.String(); !strings.Contains(l, "getLicenseAsync for instance lic-a") {
		t.Errorf("log = %s, want a line saying why getLicenseAsync was answered 000005", l)
	}
}

// TestNewInstanceNested: newInstance with buyerInfo{} and orderInfo[] as the HTTP body signing example prints it
// (topic 0070649476, also saascenter_usermanual_0086) is accepted, its signature checked over the raw body; the
// nested order gives the license its order, product, SKU, customer, quantity and expiry; unknown fields are
// ignored, and malformed or hostile nesting keeps its clear 000002.
func TestNewInstanceNested(t *testing.T) {
	const example = `{"activity":"newInstance","buyerInfo":{"customerId":"688055390f3049f283fe9f1aa90f1858","customerName":"CBC_marketplace_mwx616072_01","userId":"1e86066c22754361933f607df834e4fe","userName":"CBC_marketplace_mwx616072_01","mobilePhone":"18652996659","email":"mapengfei8@huawei.com"},"orderInfo":[{"businessId":"8a2c4e6f-405a-4f8d-8e24-f41090522646","orderId":"CS2210101920BWXLK","trialFlag":"0","orderAmount":12.78,"chargingMode":"PERIOD","periodType":"month","periodNumber":5,"provisionType":1,"productInfo":[{"skuCode":"a63ee5c9-4f86-11ed-9f95-fa163e8cb3b2","productId":"OFFI788963615933718528","linearValue":20}],"createTime":"20221024194509","expireTime":"20221224194509","extendParams":[{"name":"emailDomainName","value":"test.xxxx.com"},{"name":"extendParamName","value":"extendParamValue"}]}],"testFlag":"1"}`
	e := newTestEnv(t)
	e.clock.Store(time.Date(2022, 10, 24, 19, 46, 0, 0, time.UTC).UnixNano()) // the example's createTime
	probe := e.signedRaw([]byte(example), "")
	if probe.ResultCode != resultOK || probe.License == "" {
		t.Fatalf("probe = %+v, want 000000 and a test code", probe)
	}
	wantClaims := func(a answerJSON, test bool) {
		t.Helper()
		c := e.claims(a.License)
		if c.OrderID != "CS2210101920BWXLK" || c.ProductID != "OFFI788963615933718528" ||
			c.SKU != "a63ee5c9-4f86-11ed-9f95-fa163e8cb3b2" || c.CustomerID != "688055390f3049f283fe9f1aa90f1858" ||
			c.Quantity != 20 || c.ExpiresAt != time.Date(2022, 12, 24, 19, 45, 9, 0, time.UTC).Unix() || c.Test != test {
			t.Errorf("claims = %+v, want the nested order's", c)
		}
	}
	wantClaims(probe, true)

	real := strings.Replace(example, `"testFlag":"1"`, `"testFlag":"0"`, 1)
	a := e.signedRaw([]byte(real), strings.Repeat("0", 64))
	wantCode(t, a, resultAuth)
	a = e.signedRaw([]byte(real), "")
	if a.ResultCode != resultOK || a.InstanceID != "8a2c4e6f-405a-4f8d-8e24-f41090522646" {
		t.Fatalf("newInstance = %+v, want 000000 and the businessId as instanceId", a)
	}
	wantClaims(a, false)
	if l := e.license(a.InstanceID); l.CustomerName != "CBC_marketplace_mwx616072_01" || l.PeriodType != "month" {
		t.Errorf("stored customerName, periodType = %q, %q; want the nested order's", l.CustomerName, l.PeriodType)
	}

	deep := `{"activity":"newInstance","orderId":"DEEP","x":` + strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth) + `}`
	for _, c := range []struct{ name, body, field string }{
		{"two orders", `{"activity":"newInstance","orderInfo":[{"orderId":"A"},{"orderId":"B"}]}`, "orderInfo"},
		{"two products", `{"activity":"newInstance","orderInfo":[{"orderId":"A","productInfo":[{"productId":"P"},{"productId":"Q"}]}]}`, "productInfo"},
		{"buyerInfo a string", `{"activity":"newInstance","orderId":"A","buyerInfo":"c"}`, "buyerInfo"},
		{"orderInfo an object", `{"activity":"newInstance","orderInfo":{"orderId":"A"}}`, "orderInfo"},
		{"orderId an object", `{"activity":"newInstance","orderInfo":[{"orderId":{"id":"A"}}]}`, "orderInfo"},
		{"nested deeper than the bound", deep, "levels"},
		{"long nested orderId", `{"activity":"newInstance","orderInfo":[{"orderId":"` + strings.Repeat("x", 65) + `"}]}`, "orderId"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := e.countLicenses()
			a := e.signedRaw([]byte(c.body), "")
			if a.ResultCode != resultParam || !strings.Contains(a.ResultMsg, c.field) {
				t.Errorf("answer = %+v, want 000002 naming %s", a, c.field)
			}
			if after := e.countLicenses(); after != before {
				t.Errorf("licenses %d → %d, want no change", before, after)
			}
		})
	}
}

// signedRaw posts body as it is, signed with testKey over the raw bytes unless sig overrides the signature.
func (e *testEnv) signedRaw(body []byte, sig string) answerJSON {
	e.t.Helper()
	ts := strconv.FormatInt(e.now().UnixMilli(), 10)
	nonce := fmt.Sprintf("R%015d", e.nonce.Add(1))
	if sig == "" {
		sig = koogallery.Signature(testKey, nonce, ts, body)
	}
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, postRequest(url.Values{"timestamp": {ts}, "nonce": {nonce}, "signature": {sig}}, body, jsonType))
	return e.decode(rec.Result(), testKey)
}

// TestNewInstanceSlowPath: when the order query is slow, newInstance answers 000004 with the instanceId the
// documented answer requires (topic 0070649251), resends get the same one, and queryInstance in its documented
// form (topic 0070649428: instanceId, up to 100 comma-separated; answer info[]) follows the instance to its code.
func TestNewInstanceSlowPath(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out the 3.5 s order budget")
	}
	m := newMarketEnv(t, testSK)
	const id = "10e758d0-31ad-4c4b-8f1b-81d03469a10e" // queryInstance's example instanceId
	addOrder(t, m, "CS-SLOW", mkTime(t0.AddDate(1, 0, 0)))
	m.mkt.SetLatency(licensing.OrderBudget + 500*time.Millisecond)
	create := map[string]string{"activity": "newInstance", "orderId": "CS-SLOW", "orderLineId": "CS-SLOW-1",
		"businessId": id, "testFlag": "0"}
	r := m.signed(testKey, create)
	wantCode(t, r, resultProcessing)
	if r.InstanceID != id {
		t.Fatalf("000004 answer = %+v, want instanceId %s", r, id)
	}
	create["businessId"] = "b-resend"
	if r := m.signed(testKey, create); r.ResultCode != resultProcessing || r.InstanceID != id {
		t.Fatalf("resend while processing = %+v, want 000004 and instanceId %s", r, id)
	}

	query := map[string]string{"activity": "queryInstance", "instanceId": id, "testFlag": "0"}
	deadline := time.Now().Add(10 * time.Second)
	for {
		q := m.signed(testKey, query)
		if q.ResultCode == resultOK {
			if len(q.Info) != 1 || q.Info[0].InstanceID != id || q.Info[0].License != m.license(id).Code {
				t.Fatalf("queryInstance = %+v, want info[] with the instance and its code", q)
			}
			break
		}
		if q.ResultCode != resultProcessing || time.Now().After(deadline) {
			t.Fatalf("queryInstance = %+v, want 000004 then 000000", q)
		}
		time.Sleep(100 * time.Millisecond)
	}

	q := m.signed(testKey, map[string]string{"activity": "queryInstance", "instanceId": " unknown-1 ," + id + ",,unknown-2"})
	if q.ResultCode != resultOK || len(q.Info) != 1 || q.Info[0].InstanceID != id {
		t.Errorf("queryInstance of a list = %+v, want info[] with the one known instance", q)
	}
	wantCode(t, m.signed(testKey, map[string]string{"activity": "queryInstance", "instanceId": "unknown-1,unknown-2"}), resultNotFound)
	wantParamError(t, m.signed(testKey, map[string]string{"activity": "queryInstance", "instanceId": strings.Repeat("x,", 101)}), "instanceId")
	wantParamError(t, m.signed(testKey, map[string]string{"activity": "queryInstance", "instanceId": strings.Repeat("x", 65)}), "instanceId")
	wantParamError(t, m.signed(testKey, map[string]string{"activity": "queryInstance", "instanceId": " , "}), "instanceId")
	probe := m.signed(testKey, map[string]string{"activity": "queryInstance", "instanceId": "MOCK-1,MOCK-2", "testFlag": "1"})
	if probe.ResultCode != resultOK || len(probe.Info) != 2 || probe.Info[1].InstanceID != "MOCK-2" {
		t.Errorf("probe = %+v, want 000000 and both instances", probe)
	}
}
