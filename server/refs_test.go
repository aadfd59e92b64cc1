package server

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/licentia/licentia/server/importer"
	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/simulator/market"
)

// importCSV writes the rows of a `codes import` file as the importer does (each row a signed generation-1
// license) and returns the error of each row's write.
func (e *testEnv) importCSV(file string) []error {
	e.t.Helper()
	r := importer.NewReader(strings.NewReader(file), importer.CSV)
	var errs []error
	for {
		row, err := r.Read()
		if err != nil {
			if err != io.EOF {
				e.t.Fatalf("import: %v", err)
			}
			return errs
		}
		l, err := row.License(e.now())
		if err != nil {
			e.t.Fatal(err)
		}
		if err := e.srv.is.Sign(&l); err != nil {
			e.t.Fatal(err)
		}
		ev := license.NewEvent(nil, l, license.Outcome{Action: license.ActCreate, Applied: true},
			license.Delivery{At: e.now().Unix(), Source: license.SourceImport, Actor: "test"})
		_, _, err = e.st.Create(context.Background(), &l, []license.Event{ev}, 0)
		errs = append(errs, err)
	}
}

const decoyFile = "instance_id,order_id,order_line_id,product_id,sku,customer_id,expires_at,status,quantity\n" +
	"MKT-EVE-0003,LEGACY-EVE-1,,P1,,eve,,active,\n"

// unrenewFreezeRelease sends the License 2.0 unrenewal, freeze and release callbacks for code.
func (m *marketEnv) unrenewFreezeRelease(code string) []answerJSON {
	return []answerJSON{
		m.signed(testKey, map[string]string{"activity": "refreshLicenseCode", "license": code, "orderId": "U-1",
			"orderLineId": "U-1-1", "scene": "UNSUBSCRIBE_RENEWAL_PERIOD", "expireTime": mkTime(t0.AddDate(0, 0, 1))}),
		m.signed(testKey, map[string]string{"activity": "updateLicenseCodeStatus", "license": code, "status": "FREEZE"}),
		m.signed(testKey, map[string]string{"activity": "releaseLicenseCode", "license": code}),
	}
}

// TestImportDecoyFirst replays the decoy of hostile-input finding "a crafted import row captures a License
// 2.0 code's callbacks": a row whose instance id is a marketplace code, imported before the buyer activates
// that code. The activation is refused before the marketplace is asked (the code stays unused there), the
// callbacks for the code never touch the decoy (they are answered 000005, so the marketplace retries and
// tells the seller), and the decoy stays as imported.
func TestImportDecoyFirst(t *testing.T) {
	m := newMarketEnv(t, testSK)
	m.addCode("MKT-EVE-0003", market.Received, t0.AddDate(1, 0, 0))
	if errs := m.importCSV(decoyFile); len(errs) != 1 || errs[0] != nil {
		t.Fatalf("import of the decoy = %v, want it imported (the code is unknown here yet)", errs)
	}
	if _, body := m.activate("MKT-EVE-0003", http.StatusConflict); errorCode(t, body) != "conflict" {
		t.Errorf("activate(a code that is a license id) = %s, want conflict", body)
	}
	if n := m.mkt.Calls(koogallery.APIActivate, ""); n != 0 {
		t.Errorf("activate calls at the marketplace = %d, want 0", n)
	}
	for i, r := range m.unrenewFreezeRelease("MKT-EVE-0003") {
		if r.ResultCode == resultOK {
			t.Errorf("callback %d for the code = %s, want a failure the marketplace retries", i, r.ResultCode)
		}
	}
	decoy := m.license("MKT-EVE-0003")
	if decoy.ID != "MKT-EVE-0003" || decoy.Status != license.Active || decoy.Generation != 1 || decoy.ExpiresAt != 0 || decoy.MarketCode != "" {
		t.Fatalf("decoy = %+v, want active generation 1, perpetual, unbound", decoy)
	}
	if n := m.countLicenses(); n != 1 {
		t.Errorf("licenses = %d, want 1 (the decoy)", n)
	}
}

// TestImportDecoyAfterActivation: the code is activated first; the decoy row is refused, and the unrenewal,
// freeze and release reach the buyer's license, whose codes the revocation list then stops.
func TestImportDecoyAfterActivation(t *testing.T) {
	m := newMarketEnv(t, testSK)
	m.addCode("MKT-EVE-0003", market.Received, t0.AddDate(1, 0, 0))
	a, _ := m.activate("MKT-EVE-0003", http.StatusOK)
	if errs := m.importCSV(decoyFile); len(errs) != 1 || errs[0] == nil {
		t.Fatalf("import of the decoy = %v, want it refused (store.ErrRefTaken)", errs)
	}
	for _, r := range m.unrenewFreezeRelease("MKT-EVE-0003") {
		wantCode(t, r, resultOK)
	}
	if l := m.license(a.LicenseID); l.Status != license.Released {
		t.Errorf("the buyer's license = %s, want released", l.Status)
	}
	if err := m.verify(a.Code); err == nil {
		t.Error("verify(the released license's code with a fresh list) = nil, want an error")
	}
	// An instance-flow callback naming the code as an instanceId does not reach the License 2.0 license.
	r := m.signed(testKey, map[string]string{"activity": "updateInstanceStatus", "instanceId": "MKT-EVE-0003", "status": "UNFREEZE"})
	if r.ResultCode == resultOK {
		t.Errorf("updateInstanceStatus(instanceId = a bound code) = %s, want not found", r.ResultCode)
	}
}

// TestCreateIDIsKeptCode: a getLicense whose businessId is a License 2.0 code with callbacks kept gets a
// license of another id; the kept callbacks stay for the code's activation.
func TestCreateIDIsKeptCode(t *testing.T) {
	e := newTestEnv(t)
	wantCode(t, e.signed(testKey, map[string]string{"activity": "updateLicenseCodeStatus", "license": "MC-KEPT", "status": "FREEZE"}), resultOK)
	r := e.legacy(testKey, map[string]string{"activity": "getLicense", "businessId": "MC-KEPT", "customerId": "c-1",
		"orderId": "CS-KEPT", "productId": "P1", "expireTime": mkTime(t0.AddDate(1, 0, 0))})
	wantCode(t, r, resultOK)
	if r.InstanceID == "" || r.InstanceID == "MC-KEPT" {
		t.Errorf("instanceId = %q, want a new id, not the kept code", r.InstanceID)
	}
	if evs, err := e.st.Pending(context.Background(), "MC-KEPT"); err != nil || len(evs) != 1 {
		t.Errorf("kept callbacks for MC-KEPT = %d, %v, want 1", len(evs), err)
	}
}
