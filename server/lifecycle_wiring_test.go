package server

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/server/support"
)

// TestIssuedMetricCountsCommittedCodes: licentia_codes_issued_total equals the generations stored, even when
// the group committer reruns a batch one write at a time because one write of it failed (here: creates whose
// businessId is already another order's instanceId, which fail inside the batch and are retried).
func TestIssuedMetricCountsCommittedCodes(t *testing.T) {
	e := newTestEnv(t)
	const n = 12
	for i := range n {
		e.newInstance(fmt.Sprintf("lic-%d", i), fmt.Sprintf("O-%d", i), "C", "P1", t0.AddDate(0, 1, 0))
	}
	for round := range 4 {
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(2)
			go func() {
				defer wg.Done()
				e.renew(fmt.Sprintf("lic-%d", i), t0.AddDate(0, 2+round, i))
			}()
			go func() {
				defer wg.Done()
				wantCode(e.t, e.signed(testKey, map[string]string{"activity": "newInstance", "orderId": fmt.Sprintf("X-%d-%d", round, i),
					"orderLineId": "1", "businessId": fmt.Sprintf("lic-%d", i), "productId": "P1", "customerId": "C",
					"expireTime": mkTime(t0.AddDate(0, 1, 0))}), resultOK)
			}()
		}
		wg.Wait()
		e.advance(time.Second)
	}
	ls, err := e.st.List(context.Background(), store.Filter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var gens int64
	for _, l := range ls {
		gens += l.Generation
	}
	if got := e.issuedTotal(); got != float64(gens) {
		t.Errorf("licentia_codes_issued_total = %v, want %d (the generations stored)", got, gens)
	}
}

// issuedTotal sums licentia_codes_issued_total over its labels.
func (e *testEnv) issuedTotal() float64 {
	e.t.Helper()
	mfs, err := e.srv.Registry().Gather()
	if err != nil {
		e.t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() == "licentia_codes_issued_total" {
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

// TestTerminalLicenseAudit: a FREEZE or a release of a revoked license is answered 000000 and recorded in
// the history as ignored, with the reason; an exact resend of a renewal adds nothing.
func TestTerminalLicenseAudit(t *testing.T) {
	e := newTestEnv(t)
	e.newInstance("lic-1", "O-1", "C-1", "P1", t0.AddDate(0, 1, 0))
	sp := e.support()
	if _, err := sp.Revoke(context.Background(), "lic-1", support.ChangeRequest{Reason: "chargeback", Actor: cliActor("a")}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.signed(testKey, map[string]string{"activity": "updateInstanceStatus", "instanceId": "lic-1", "status": "FREEZE"}), resultOK)
	wantCode(t, e.signed(testKey, map[string]string{"activity": "releaseInstance", "instanceId": "lic-1"}), resultOK)
	renew := map[string]string{"activity": "refreshInstance", "instanceId": "lic-1", "orderId": "R-1", "scene": "RENEWAL",
		"expireTime": mkTime(t0.AddDate(1, 0, 0))}
	wantCode(t, e.signed(testKey, renew), resultOK)
	wantCode(t, e.signed(testKey, renew), resultOK) // an exact resend: nothing more
	h, err := sp.History(context.Background(), "lic-1")
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]string{{"create", ""}, {"revoke", "chargeback"}, {"ignored", "license is revoked"},
		{"ignored", "license is revoked"}, {"ignored", "license is revoked"}}
	if len(h.Events) != len(want) {
		t.Fatalf("history = %+v, want %d events", h.Events, len(want))
	}
	for i, w := range want {
		if ev := h.Events[i]; ev.Action != w[0] || ev.Reason != w[1] || ev.Generation != 2 && i > 0 {
			t.Errorf("event %d = %s %q gen %d, want %s %q gen 2", i, ev.Action, ev.Reason, ev.Generation, w[0], w[1])
		}
	}
	if l := e.license("lic-1"); l.Status != "revoked" || l.Generation != 2 {
		t.Errorf("license = %s gen %d, want revoked gen 2", l.Status, l.Generation)
	}
}
