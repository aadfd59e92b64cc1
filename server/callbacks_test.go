package server

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/licentia/licentia/server/koogallery"
)

// TestLicenseLifecycle walks one instance-flow license (newInstance, refreshInstance, updateInstanceStatus,
// releaseInstance) through the marketplace's whole life, checking idempotency at every step. The License 2.0
// flow, keyed on the marketplace's own codes, is TestActivationLifecycle.
func TestLicenseLifecycle(t *testing.T) {
	e := newTestEnv(t)
	exp1 := t0.AddDate(0, 1, 0)
	create := map[string]string{
		"activity": "newInstance", "orderId": "CS0001", "orderLineId": "CS0001-000001", "businessId": "b-001",
		"productId": "P1", "skuCode": "S1", "customerId": "c-001", "expireTime": mkTime(exp1), "amount": "5",
	}
	r := e.signed(testKey, create)
	wantCode(t, r, resultOK)
	if r.InstanceID != "b-001" || r.License == "" {
		t.Fatalf("create = %+v, want instanceId b-001 and a license", r)
	}
	c := e.claims(r.License)
	if c.Generation != 1 || c.ExpiresAt != exp1.Unix() || c.Status != "active" || c.Quantity != 5 ||
		c.OrderLineID != "CS0001-000001" || c.Grace != 3600 || c.Test {
		t.Errorf("claims = %+v", c)
	}
	first := r.License

	// A resend with a new businessId and nonce gets the same instance and the byte-identical code.
	e.advance(time.Second)
	create["businessId"] = "b-002"
	r = e.signed(testKey, create)
	wantCode(t, r, resultOK)
	if r.InstanceID != "b-001" || r.License != first {
		t.Fatalf("resend = %s, want b-001 and the same code", r.InstanceID)
	}

	// 100 concurrent resends: one license, all answers identical.
	var wg sync.WaitGroup
	answers := make([]answerJSON, 100)
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := map[string]string{}
			for k, v := range create {
				body[k] = v
			}
			body["businessId"] = "b-c" + string(rune('a'+i%26))
			answers[i] = e.signed(testKey, body)
		}()
	}
	wg.Wait()
	for _, a := range answers {
		if a.ResultCode != resultOK || a.InstanceID != "b-001" || a.License != first {
			t.Fatalf("concurrent resend = %+v, want the first answer", a)
		}
	}
	if n := e.countLicenses(); n != 1 {
		t.Fatalf("licenses = %d, want 1", n)
	}

	// Renew: later expiry, generation 2.
	exp2 := exp1.AddDate(0, 1, 0)
	renew := map[string]string{"activity": "refreshInstance", "instanceId": "b-001", "orderId": "R1",
		"orderLineId": "R1-1", "scene": "RENEWAL", "expireTime": mkTime(exp2)}
	wantCode(t, e.signed(testKey, renew), resultOK)
	l := e.license("b-001")
	if l.Generation != 2 || l.ExpiresAt != exp2.Unix() {
		t.Fatalf("after renew: gen %d exp %d, want 2 %d", l.Generation, l.ExpiresAt, exp2.Unix())
	}
	if cl := e.claims(l.Code); cl.ExpiresAt != exp2.Unix() || cl.Generation != 2 {
		t.Errorf("renewed code claims = %+v", cl)
	}

	// A resend of the create now returns the current code.
	r = e.signed(testKey, create)
	if r.License != l.Code {
		t.Errorf("resent create after renew returned an old code")
	}

	// Resent renew: no change.
	wantCode(t, e.signed(testKey, renew), resultOK)
	if l := e.license("b-001"); l.Generation != 2 {
		t.Fatalf("after resent renew: gen %d, want 2", l.Generation)
	}

	// Unrenew moves the expiry earlier.
	unrenew := map[string]string{"activity": "refreshInstance", "instanceId": "b-001", "orderId": "U1",
		"orderLineId": "U1-1", "scene": "UNSUBSCRIBE_RENEWAL_PERIOD", "expireTime": mkTime(exp1)}
	wantCode(t, e.signed(testKey, unrenew), resultOK)
	if l := e.license("b-001"); l.Generation != 3 || l.ExpiresAt != exp1.Unix() {
		t.Fatalf("after unrenew: gen %d exp %d, want 3 %d", l.Generation, l.ExpiresAt, exp1.Unix())
	}

	// A late resend of the old renewal changes nothing.
	wantCode(t, e.signed(testKey, renew), resultOK)
	if l := e.license("b-001"); l.Generation != 3 || l.ExpiresAt != exp1.Unix() {
		t.Fatalf("after late renewal resend: gen %d exp %d, want 3 %d", l.Generation, l.ExpiresAt, exp1.Unix())
	}
	// An older renewal never seen before, but not later than the current expiry, changes nothing either.
	older := map[string]string{"activity": "refreshInstance", "instanceId": "b-001", "orderId": "R0",
		"orderLineId": "R0-1", "scene": "RENEWAL", "expireTime": mkTime(exp1.AddDate(0, 0, -3))}
	wantCode(t, e.signed(testKey, older), resultOK)
	if l := e.license("b-001"); l.Generation != 3 || l.ExpiresAt != exp1.Unix() {
		t.Fatalf("after older renewal: gen %d exp %d, want 3 %d", l.Generation, l.ExpiresAt, exp1.Unix())
	}

	status := func(s string) map[string]string {
		return map[string]string{"activity": "updateInstanceStatus", "instanceId": "b-001", "status": s}
	}
	steps := []struct {
		body       map[string]string
		gen        int64
		wantStatus string
	}{
		{status("FREEZE"), 4, "frozen"},
		{status("FREEZE"), 4, "frozen"},
		{status("UNFREEZE"), 5, "active"},
		{status("UNFREEZE"), 5, "active"},
		{map[string]string{"activity": "releaseInstance", "instanceId": "b-001"}, 6, "released"},
		{map[string]string{"activity": "releaseInstance", "instanceId": "b-001", "orderId": "X"}, 6, "released"},
		{status("UNFREEZE"), 6, "released"},
		{renew, 6, "released"},
	}
	for i, s := range steps {
		wantCode(t, e.signed(testKey, s.body), resultOK)
		l := e.license("b-001")
		if l.Generation != s.gen || l.Status != s.wantStatus {
			t.Fatalf("step %d (%s %s): gen %d status %s, want %d %s", i, s.body["activity"], s.body["status"],
				l.Generation, l.Status, s.gen, s.wantStatus)
		}
		if c := e.claims(l.Code); c.Status != s.wantStatus || c.Generation != s.gen {
			t.Fatalf("step %d: code says %s gen %d", i, c.Status, c.Generation)
		}
	}

	evs, err := e.st.Events(context.Background(), "b-001")
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, ev := range evs {
		actions = append(actions, ev.Action)
	}
	// One event per distinct delivery, ignored ones included; exact resends of a renewal (same dedupe key)
	// add nothing.
	want := []string{"create", "renew", "unrenew", "ignored", "freeze", "ignored", "unfreeze", "ignored", "release",
		"ignored", "ignored"}
	if len(actions) != len(want) {
		t.Fatalf("audit actions = %v, want %v", actions, want)
	}
	for i := range want {
		if actions[i] != want[i] {
			t.Fatalf("audit actions = %v, want %v", actions, want)
		}
	}
	if evs[2].BeforeExpires != exp2.Unix() || evs[2].AfterExpires != exp1.Unix() || evs[2].Scene != "UNSUBSCRIBE_RENEWAL_PERIOD" {
		t.Errorf("unrenew event = %+v", evs[2])
	}
}

// TestLegacyLicense1 runs the License 1.0 GET flow: getLicense, refreshLicense, expireLicense, releaseLicense.
func TestLegacyLicense1(t *testing.T) {
	e := newTestEnv(t)
	exp := t0.AddDate(1, 0, 0)
	get := map[string]string{"activity": "getLicense", "businessId": "b-100", "customerId": "c-1",
		"customerName": "张三 & Co", "orderId": "CS100", "productId": "OFFI001", "skuCode": "S1",
		"expireTime": mkTime(exp), "periodType": "year", "amount": "3"}
	r := e.legacy(testKey, get)
	wantCode(t, r, resultOK)
	if r.InstanceID != "b-100" {
		t.Fatalf("instanceId = %s, want b-100", r.InstanceID)
	}
	get["businessId"] = "b-101"
	again := e.legacy("second-key", get) // the rotated key works too, and signs its answer
	if again.InstanceID != "b-100" || again.License != r.License {
		t.Fatalf("resend = %+v, want the first answer", again)
	}
	if l := e.license("b-100"); l.CustomerName != "张三 & Co" || l.Flow != "license1" {
		t.Errorf("stored license = %+v", l)
	}

	exp2 := exp.AddDate(1, 0, 0)
	refresh := map[string]string{"activity": "refreshLicense", "instanceId": "b-100", "orderId": "CS101",
		"expireTime": mkTime(exp2), "periodType": "year", "periodNumber": "1"}
	wantCode(t, e.legacy(testKey, refresh), resultOK)
	wantCode(t, e.legacy(testKey, map[string]string{"activity": "expireLicense", "instanceId": "b-100", "orderId": "CS100"}), resultOK)
	if l := e.license("b-100"); l.Status != "frozen" || l.ExpiresAt != exp2.Unix() || l.Generation != 3 {
		t.Fatalf("after expire: %s exp %d gen %d", l.Status, l.ExpiresAt, l.Generation)
	}
	// License 1.0 has no unfreeze: a renewal into the future thaws the license.
	refresh["orderId"], refresh["expireTime"] = "CS102", mkTime(exp2.AddDate(1, 0, 0))
	wantCode(t, e.legacy(testKey, refresh), resultOK)
	if l := e.license("b-100"); l.Status != "active" || l.Generation != 4 {
		t.Fatalf("after renewal of frozen: %s gen %d, want active 4", l.Status, l.Generation)
	}
	rel := map[string]string{"activity": "releaseLicense", "instanceId": "b-100", "orderId": "CS100"}
	wantCode(t, e.legacy(testKey, rel), resultOK)
	wantCode(t, e.legacy(testKey, rel), resultOK)
	if l := e.license("b-100"); l.Status != "released" || l.Generation != 5 {
		t.Fatalf("after release: %s gen %d, want released 5", l.Status, l.Generation)
	}
}

// TestRejections covers every refusal: none of them may write anything.
func TestRejections(t *testing.T) {
	e := newTestEnv(t)
	create := map[string]string{"activity": "newInstance", "orderId": "O1", "orderLineId": "L1", "businessId": "b-1",
		"productId": "P1", "customerId": "c-1"}

	wantCode(t, e.signed("wrong-key", create), resultAuth)
	wantCode(t, e.signed(testKey, create, koogallery.At(time.UnixMilli(1000000000000))), resultParam) // 2001
	wantCode(t, e.signed(testKey, create, koogallery.At(e.now().Add(-2*time.Minute))), resultParam)
	wantCode(t, e.signed(testKey, create, koogallery.At(e.now().Add(2*time.Minute))), resultParam)
	wantCode(t, e.legacy("wrong-key", map[string]string{"activity": "getLicense", "businessId": "b", "customerId": "c",
		"orderId": "O9", "productId": "P"}), resultAuth)
	if n := e.countLicenses(); n != 0 {
		t.Fatalf("licenses after refused calls = %d, want 0", n)
	}

	// A replayed nonce is refused even though the signature is genuine.
	fixed := koogallery.WithNonce("REPLAYED-NONCE")
	wantCode(t, e.signed(testKey, create, fixed), resultOK)
	wantCode(t, e.signed(testKey, create, fixed), resultAuth)

	cases := []struct {
		name string
		body map[string]string
		want string
	}{
		{"unknown activity", map[string]string{"activity": "hackTheGibson", "orderId": "O1"}, resultParam},
		{"missing activity", map[string]string{"orderId": "O1"}, resultParam},
		{"missing orderId", map[string]string{"activity": "newInstance", "businessId": "b-2"}, resultParam},
		{"bad expireTime", map[string]string{"activity": "newInstance", "orderId": "O3", "expireTime": "2026-01-01"}, resultParam},
		{"bad amount", map[string]string{"activity": "newInstance", "orderId": "O3", "amount": "-1"}, resultParam},
		{"long orderId", map[string]string{"activity": "newInstance", "orderId": string(make([]byte, 65))}, resultParam},
		// A License 2.0 code not activated yet: kept until the buyer activates it (TestCallbacksBeforeActivation).
		{"code not activated yet renew", map[string]string{"activity": "refreshLicenseCode", "license": "nope", "orderId": "R",
			"orderLineId": "R1", "scene": "RENEWAL", "expireTime": "20300101000000"}, resultOK},
		{"code not activated yet freeze", map[string]string{"activity": "updateLicenseCodeStatus", "license": "nope", "status": "FREEZE"}, resultOK},
		{"unknown instance renew", map[string]string{"activity": "refreshInstance", "instanceId": "nope", "orderId": "R",
			"scene": "RENEWAL", "expireTime": "20300101000000"}, resultNotFound},
		{"unknown instance freeze", map[string]string{"activity": "updateInstanceStatus", "instanceId": "nope", "status": "FREEZE"}, resultNotFound},
		{"bad status", map[string]string{"activity": "updateLicenseCodeStatus", "license": "b-1", "status": "MELT"}, resultParam},
		{"renew without expireTime", map[string]string{"activity": "refreshLicenseCode", "license": "b-1", "orderId": "R"}, resultParam},
		{"unknown instance release", map[string]string{"activity": "releaseLicenseCode", "license": "nope"}, resultOK},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantCode(t, e.signed(testKey, c.body), c.want)
		})
	}
	if n := e.countLicenses(); n != 1 {
		t.Fatalf("licenses = %d, want 1", n)
	}
	if l := e.license("b-1"); l.Generation != 1 {
		t.Errorf("license changed by refused calls: gen %d", l.Generation)
	}
}

// TestProbes: testFlag=1 calls succeed for made-up ids, answer deterministic test codes, and touch nothing.
func TestProbes(t *testing.T) {
	e := newTestEnv(t)
	probe := map[string]string{"activity": "newInstance", "orderId": "MOCKORDER", "orderLineId": "MOCK-1",
		"businessId": "b-probe", "testFlag": "1", "expireTime": "20300101000000"}
	r1 := e.signed(testKey, probe)
	wantCode(t, r1, resultOK)
	e.advance(time.Hour)
	probe["businessId"] = "b-probe-2"
	r2 := e.signed(testKey, probe)
	if r1.License == "" || r1.License != r2.License || r1.InstanceID != r2.InstanceID {
		t.Fatalf("probe answers differ: %+v vs %+v", r1, r2)
	}
	if c := e.claims(r1.License); !c.Test || c.OrderID != "MOCKORDER" {
		t.Errorf("probe code claims = %+v, want test code", c)
	}
	legacy := e.legacy(testKey, map[string]string{"activity": "getLicense", "businessId": "b", "customerId": "c",
		"orderId": "CS0001", "productId": "OFFI001", "testFlag": "1"})
	wantCode(t, legacy, resultOK)
	for _, b := range []map[string]string{
		{"activity": "refreshLicenseCode", "license": "PL0001", "orderId": "CS0002", "orderLineId": "CS0002-000001",
			"scene": "RENEWAL", "expireTime": "20250101000000", "testFlag": "1"},
		{"activity": "updateLicenseCodeStatus", "license": "PL0001", "status": "FREEZE", "testFlag": "1"},
		{"activity": "releaseLicenseCode", "license": "PL0001", "testFlag": "1"},
		{"activity": "refreshInstance", "instanceId": "nope", "orderId": "x", "scene": "RENEWAL", "expireTime": "20250101000000", "testFlag": "1"},
	} {
		wantCode(t, e.signed(testKey, b), resultOK)
	}
	// Probes still check signatures.
	wantCode(t, e.signed("wrong-key", probe), resultAuth)
	if n := e.countLicenses(); n != 0 {
		t.Fatalf("licenses after probes = %d, want 0", n)
	}
}
