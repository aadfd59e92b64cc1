package server

import (
	"errors"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/licentia/licentia/server/simulator/market"
	"github.com/licentia/licentia/verifier"
)

// verifyFor checks code as software bound to product would (licentia-verify --product), at the test
// clock, with the current revocation list.
func (e *testEnv) verifyFor(product, code string) error {
	e.t.Helper()
	_, err := verifier.New(e.keyring(), verifier.WithProduct(product), verifier.WithTime(e.now),
		verifier.WithRevocations(e.revocations())).Verify(code)
	return err
}

// TestProductFamilyRenewal: a License 2.0 code activated under the monthly productId, then renewed with a
// refreshLicenseCode whose productId is the yearly one (a period-type switch, topic 0070649167), verifies
// for software bound to either, the old code and the renewed one alike; a code of an unrelated product
// still fails wrong_product; switching back keeps both; a callback kept before activation does the same.
func TestProductFamilyRenewal(t *testing.T) {
	const monthly, yearly, other = "OFFI-MONTH", "OFFI-YEAR", "OFFI-OTHER"
	m := newMarketEnv(t, testSK)
	add := func(code, product string, exp time.Time) {
		t.Helper()
		if err := m.mkt.AddCode(market.Code{Code: code, State: market.Received, ExpiresAt: exp, ProductID: product,
			OrderID: "CS-" + code, Amount: 1}); err != nil {
			t.Fatal(err)
		}
	}
	renew := func(code, order, product string, exp time.Time) {
		t.Helper()
		if err := m.mkt.SetExpiry(code, exp); err != nil { // the marketplace renews, then calls back
			t.Fatal(err)
		}
		wantCode(t, m.signed(testKey, map[string]string{"activity": "refreshLicenseCode", "license": code,
			"orderId": order, "orderLineId": order + "-1", "productId": product, "scene": "RENEWAL",
			"expireTime": mkTime(exp)}), resultOK)
	}
	want := func(what, product, code string, wantErr error) {
		t.Helper()
		if err := m.verifyFor(product, code); !errors.Is(err, wantErr) || (wantErr == nil) != (err == nil) {
			t.Errorf("%s bound to %s: verify err = %v, want %v", what, product, err, wantErr)
		}
	}
	claims := func(what, code, pid string, pids ...string) {
		t.Helper()
		if c := m.claims(code); c.ProductID != pid || !reflect.DeepEqual(c.ProductIDs, pids) {
			t.Errorf("%s: pid %q pids %q, want %q %q", what, c.ProductID, c.ProductIDs, pid, pids)
		}
	}

	exp := t0.AddDate(0, 1, 0)
	add("MC-FAM", monthly, exp)
	add("MC-OTHER", other, exp)
	a, _ := m.activate("MC-FAM", http.StatusOK)
	claims("activated", a.Code, monthly)
	o, _ := m.activate("MC-OTHER", http.StatusOK)

	exp2 := exp.AddDate(1, 0, 0)
	renew("MC-FAM", "R-1", yearly, exp2)
	r1, _ := m.refreshCode(a.Code, http.StatusOK)
	if r1.Generation != 2 {
		t.Fatalf("refresh after the renewal = generation %d, want 2", r1.Generation)
	}
	claims("renewed to yearly", r1.Code, yearly, monthly)
	for _, p := range []string{monthly, yearly} {
		want("renewed code", p, r1.Code, nil)
		want("unrelated product's code", p, o.Code, verifier.ErrWrongProduct)
	}
	want("renewed code", other, r1.Code, verifier.ErrWrongProduct)

	renew("MC-FAM", "R-2", monthly, exp2.AddDate(0, 1, 0)) // and back to monthly
	r2, _ := m.refreshCode(r1.Code, http.StatusOK)
	claims("renewed back to monthly", r2.Code, monthly, yearly)
	for _, p := range []string{monthly, yearly} {
		want("renewed-back code", p, r2.Code, nil)
	}
	if l := m.license(a.LicenseID); !reflect.DeepEqual(l.ProductFamily, []string{yearly}) {
		t.Errorf("stored family = %q, want [%s]", l.ProductFamily, yearly)
	}

	// A renewal that switched the period before the buyer activated: kept, folded in on activation.
	add("MC-KEPT", monthly, exp)
	renew("MC-KEPT", "R-3", yearly, exp2)
	k, _ := m.activate("MC-KEPT", http.StatusOK)
	claims("activated after a kept renewal", k.Code, yearly, monthly)
	want("kept renewal's code", monthly, k.Code, nil)
	want("kept renewal's code", other, k.Code, verifier.ErrWrongProduct)
}
