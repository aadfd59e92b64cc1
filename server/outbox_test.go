package server

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/licentia/licentia/server/adminclient"
	"github.com/licentia/licentia/server/licensing"
	"github.com/licentia/licentia/server/simulator/market"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/server/support"
)

// TestUploadDeadLetter: an upload the marketplace never takes is retried with backoff up to
// licensing.UploadMaxAttempts, then dead-lettered: "dead" in codes show (the admin API's license view), the
// licentia_uploads_dead gauge, an error log line, and no more attempts. Support retries it through the admin
// API, recorded in the audit log, and it goes out.
func TestUploadDeadLetter(t *testing.T) {
	m := newMarketEnv(t, testSK)
	logs := m.logTo()
	m.newInstance("lic-dl", "O-DL", "C-DL", "P1", t0.AddDate(1, 0, 0))
	body := exampleLicenseAsync() // topic 0070649255
	body["instanceId"] = "lic-dl"
	wantCode(t, m.signed(testKey, body), resultOK)
	if err := m.mkt.SetUnreachable(true); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range licensing.UploadMaxAttempts {
		m.srv.Service().SendUploads(ctx)
		ups, err := m.st.UploadsOf(ctx, "lic-dl", 10)
		if err != nil || len(ups) != 1 || ups[0].Attempts != int64(i+1) {
			t.Fatalf("after pass %d: uploads = %+v, %v; want one with %d attempts", i+1, ups, err, i+1)
		}
		if parked := ups[0].Parked(); parked != (i+1 == licensing.UploadMaxAttempts) {
			t.Fatalf("after pass %d: parked = %v", i+1, parked)
		}
		m.advance(licensing.UploadBackoffMax + licensing.UploadLease)
	}
	if !strings.Contains(logs.String(), "license upload dead-lettered") || !strings.Contains(logs.String(), "event_id=8****e5694*****c8") {
		t.Errorf("log = %s, want the dead-letter line", logs)
	}
	if _, metrics := get(t, m.ts.URL+"/metrics"); !strings.Contains(metrics, "licentia_uploads_dead 1") ||
		!strings.Contains(metrics, "licentia_uploads_dead_lettered_total 1") {
		t.Errorf("metrics lack the dead upload:\n%s", metrics)
	}

	// Dead: the marketplace back, passes go by, nothing is sent.
	if err := m.mkt.SetUnreachable(false); err != nil {
		t.Fatal(err)
	}
	m.advance(24 * licensing.UploadBackoffMax)
	m.srv.Service().SendUploads(ctx)
	if n := len(m.mkt.Uploads()); n != 0 {
		t.Fatalf("uploads = %d, want none of a dead-lettered upload", n)
	}
	supportTok := m.token("helper", "support")
	var d support.Detail
	m.callJSON(http.MethodGet, "/admin/v1/licenses/lic-dl", supportTok, nil, http.StatusOK, &d)
	if len(d.Uploads) != 1 || d.Uploads[0].State != support.UploadDead || d.Uploads[0].Attempts != licensing.UploadMaxAttempts ||
		d.Uploads[0].LastError == "" {
		t.Fatalf("show uploads = %+v, want one dead upload with its last error", d.Uploads)
	}

	// Support retries it: audited, due at once, sent.
	st, _ := m.call(http.MethodPost, "/admin/v1/licenses/lic-dl/uploads/retry", supportTok, map[string]string{})
	if st != http.StatusBadRequest {
		t.Errorf("retry without a reason = %d, want 400", st)
	}
	cl, err := adminclient.New(m.ts.URL, supportTok) // as licentia codes retry-upload --server does
	if err != nil {
		t.Fatal(err)
	}
	if out, err := cl.RetryUploads(ctx, "O-DL", support.ChangeRequest{Reason: "AK/SK fixed"}); err != nil ||
		out.Retried != 1 || out.LicenseID != "lic-dl" {
		t.Fatalf("retry = %+v, %v; want 1 upload of lic-dl", out, err)
	}
	m.srv.Service().SendUploads(ctx)
	if ups := m.mkt.Uploads(); len(ups) != 1 || ups[0].EventID != "8****e5694*****c8" {
		t.Fatalf("uploads after the retry = %+v, want the event's", ups)
	}
	m.callJSON(http.MethodGet, "/admin/v1/licenses/lic-dl", supportTok, nil, http.StatusOK, &d)
	if len(d.Uploads) != 1 || d.Uploads[0].State != support.UploadDone {
		t.Errorf("show uploads = %+v, want it done", d.Uploads)
	}
	evs, err := m.st.Events(ctx, "lic-dl")
	if err != nil {
		t.Fatal(err)
	}
	last := evs[len(evs)-1]
	if last.Action != store.ActionRetryUpload || last.Actor != "helper" || last.Reason != "AK/SK fixed" || last.Source != store.SourceAdmin {
		t.Errorf("last event = %+v, want the audited retry", last)
	}
	var out support.UploadRetry
	m.callJSON(http.MethodPost, "/admin/v1/licenses/lic-dl/uploads/retry", supportTok,
		map[string]string{"reason": "again"}, http.StatusOK, &out)
	if out.Retried != 0 {
		t.Errorf("second retry = %+v, want nothing retried", out)
	}
	if evs2, _ := m.st.Events(ctx, "lic-dl"); len(evs2) != len(evs) {
		t.Errorf("events %d → %d, want a retry of nothing unrecorded", len(evs), len(evs2))
	}
	if st, _ := m.call(http.MethodPost, "/admin/v1/licenses/lic-dl/uploads/retry", m.token("reader", "read"),
		map[string]string{"reason": "x"}); st != http.StatusForbidden {
		t.Errorf("retry with a read token = %d, want 403", st)
	}
}

// TestAdminRetryUsage: a deployment's use of a License 2.0 code the marketplace could not be told of is
// dead-lettered; support retries it through the admin API (POST …/usage/retry, as licentia codes retry-usage
// --server does) once the marketplace is back: audited, reported, and a second retry finds nothing. A read
// token, a missing reason and a license without a marketplace code are refused.
func TestAdminRetryUsage(t *testing.T) {
	m := newMarketEnv(t, testSK)
	m.addCode("MC-RU", market.Received, t0.AddDate(1, 0, 0))
	if st, body := m.call(http.MethodPost, "/v1/activations", "", support.ActivationRequest{Code: "MC-RU", Deployment: deployment(1)}); st != http.StatusOK {
		t.Fatalf("activation = %d %s", st, body)
	}
	if err := m.mkt.SetUnreachable(true); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	svc := m.srv.Service()
	for range licensing.UsageMaxAttempts + 2 {
		svc.SendUsage(ctx)
		m.advance(licensing.UsageBackoffMax)
	}
	if err := m.mkt.SetUnreachable(false); err != nil {
		t.Fatal(err)
	}
	supportTok := m.token("helper", "support")
	var d support.Detail
	m.callJSON(http.MethodGet, "/admin/v1/licenses/MC-RU", supportTok, nil, http.StatusOK, &d)
	if d.Usage == nil || d.Usage.Dead != 1 {
		t.Fatalf("show usage = %+v, want one dead-lettered use", d.Usage)
	}
	if st, _ := m.call(http.MethodPost, "/admin/v1/licenses/"+d.License.ID+"/usage/retry", supportTok, map[string]string{}); st != http.StatusBadRequest {
		t.Errorf("retry without a reason = %d, want 400", st)
	}
	if st, _ := m.call(http.MethodPost, "/admin/v1/licenses/"+d.License.ID+"/usage/retry", m.token("reader", "read"),
		map[string]string{"reason": "x"}); st != http.StatusForbidden {
		t.Errorf("retry with a read token = %d, want 403", st)
	}
	cl, err := adminclient.New(m.ts.URL, supportTok)
	if err != nil {
		t.Fatal(err)
	}
	out, err := cl.RetryUsage(ctx, d.License.ID, support.ChangeRequest{Reason: "marketplace back"})
	if err != nil || out.Retried != 1 || out.Older != 0 || out.Day != m.now().Format(time.DateOnly) || out.LicenseID != d.License.ID {
		t.Fatalf("retry = %+v, %v; want today's use", out, err)
	}
	if n := svc.SendUsage(ctx); n != 1 {
		t.Errorf("SendUsage() after the retry accepted %d, want 1", n)
	}
	if calls := m.mkt.UsageCalls(); len(calls) != 1 || len(calls[0].Usage) != 1 || calls[0].Usage[0].Code != "MC-RU" {
		t.Errorf("usage calls the stand-in accepted = %+v, want the retried use", calls)
	}
	evs, err := m.st.Events(ctx, d.License.ID)
	if err != nil {
		t.Fatal(err)
	}
	if last := evs[len(evs)-1]; last.Action != store.ActionRetryUsage || last.Actor != "helper" ||
		last.Reason != "marketplace back" || last.Source != store.SourceAdmin {
		t.Errorf("last event = %+v, want the audited retry", last)
	}
	var again support.UsageRetry
	m.callJSON(http.MethodPost, "/admin/v1/licenses/"+d.License.ID+"/usage/retry", supportTok,
		map[string]string{"reason": "again"}, http.StatusOK, &again)
	if again.Retried != 0 {
		t.Errorf("second retry = %+v, want nothing retried", again)
	}
	m.newInstance("lic-plain", "O-PLAIN", "C-P", "P1", t0.AddDate(1, 0, 0))
	if st, body := m.call(http.MethodPost, "/admin/v1/licenses/lic-plain/usage/retry", supportTok,
		map[string]string{"reason": "x"}); st != http.StatusBadRequest || !strings.Contains(string(body), "no marketplace code") {
		t.Errorf("retry of a license without a marketplace code = %d %s, want 400", st, body)
	}
}
