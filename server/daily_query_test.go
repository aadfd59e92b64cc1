package server

import (
	"net/http"
	"testing"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/simulator/market"
	"github.com/licentia/licentia/server/support"
)

// TestDailyQueryRetried: a daily query that fails is tried again the same day, once its retry is due — not on
// every refresh, and not only the next day.
func TestDailyQueryRetried(t *testing.T) {
	m := newMarketEnv(t, testSK)
	exp := t0.AddDate(0, 1, 0)
	m.addCode("MC-1", market.Received, exp)
	a, _ := m.activate("MC-1", http.StatusOK)
	queries := func() int { return m.mkt.Calls(koogallery.APIQuery, koogallery.CodeSuccess) }
	m.refreshCode(a.Code, http.StatusOK) // today's query, answered: the marketplace agrees

	m.advance(24 * time.Hour)
	exp2 := exp.AddDate(0, 2, 0)
	if err := m.mkt.SetExpiry("MC-1", exp2); err != nil {
		t.Fatal(err)
	}
	if err := m.mkt.SetUnreachable(true); err != nil {
		t.Fatal(err)
	}
	if rr, _ := m.refreshCode(a.Code, http.StatusOK); rr.Generation != 1 {
		t.Fatalf("refresh while the query fails = generation %d, want 1 from the database", rr.Generation)
	}
	if err := m.mkt.SetUnreachable(false); err != nil {
		t.Fatal(err)
	}
	q0 := queries()
	if rr, _ := m.refreshCode(a.Code, http.StatusOK); rr.Generation != 1 || queries() != q0 {
		t.Errorf("refresh right after the failure = generation %d, %d queries; want 1 and none (the retry is not due)",
			rr.Generation, queries()-q0)
	}
	m.advance(20 * time.Minute)
	rr, _ := m.refreshCode(a.Code, http.StatusOK)
	if rr.Generation != 2 || *rr.ExpiresAt != support.RFC3339(exp2.Unix()) || queries() != q0+1 {
		t.Errorf("refresh once the retry is due = generation %d expiring %s after %d queries; want 2, %s, 1",
			rr.Generation, *rr.ExpiresAt, queries()-q0, support.RFC3339(exp2.Unix()))
	}
}

// TestDailyQueryLagsRenewal: a query asked right after a renewal callback, which still answers the old expiry,
// does not roll the paid renewal back (license.QueryLag).
func TestDailyQueryLagsRenewal(t *testing.T) {
	m := newMarketEnv(t, testSK)
	exp := t0.AddDate(0, 1, 0)
	m.addCode("MC-1", market.Received, exp)
	a, _ := m.activate("MC-1", http.StatusOK)
	m.refreshCode(a.Code, http.StatusOK)

	m.advance(24 * time.Hour)
	exp2 := exp.AddDate(1, 0, 0)
	wantCode(t, m.signed(testKey, map[string]string{"activity": "refreshLicenseCode", "license": "MC-1", "orderId": "R-1",
		"orderLineId": "R-1-1", "scene": "RENEWAL", "expireTime": mkTime(exp2)}), resultOK)
	// The marketplace's query still answers the old expiry: the first refresh of the day asks it.
	rr, _ := m.refreshCode(a.Code, http.StatusOK)
	if rr.Generation != 2 || *rr.ExpiresAt != support.RFC3339(exp2.Unix()) {
		t.Errorf("refresh after the renewal = generation %d expiring %s, want 2 and the renewal's %s",
			rr.Generation, *rr.ExpiresAt, support.RFC3339(exp2.Unix()))
	}
	if l := m.license(a.LicenseID); l.ExpiresAt != exp2.Unix() {
		t.Errorf("stored expiry = %d, want the renewal's %d", l.ExpiresAt, exp2.Unix())
	}
}
