package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/server/support"
)

// TestCodesRetryUpload: a dead-lettered upload shows as dead in codes show; codes retry-upload on the local
// database makes it due again, audited with the reason and the actor; a second run finds nothing to do.
func TestCodesRetryUpload(t *testing.T) {
	data, st := importedLicenses(t, "lic-u")
	ctx := context.Background()
	if _, err := st.EnqueueUpload(ctx, &store.Upload{EventID: "EV-U", LicenseID: "lic-u", Content: "code"}, 1); err != nil {
		t.Fatal(err)
	}
	if err := st.ParkUpload(ctx, "EV-U", "koogallery openapi upload_event: code 91381033 http 200 after 1 attempt(s)"); err != nil {
		t.Fatal(err)
	}
	codes := codesAs(t, data, "carol")

	if out, err := codes("show", "lic-u"); err != nil || !strings.Contains(out, "event EV-U: dead after 0 attempt(s)") ||
		!strings.Contains(out, "last error: koogallery openapi upload_event: code 91381033") {
		t.Fatalf("show = %v\n%s\nwant the dead upload", err, out)
	}
	if out, err := codes("retry-upload", "lic-u"); exitCode(err) != 2 || !strings.Contains(err.Error(), "--reason") {
		t.Errorf("retry-upload without a reason = %v (exit %d)\n%s", err, exitCode(err), out)
	}
	if out, err := codes("retry-upload", "lic-u", "--reason", "marketplace fixed the event"); err != nil ||
		!strings.Contains(out, "lic-u: 1 dead-lettered upload(s) due again now") || strings.Contains(out, "重新上传") {
		t.Fatalf("retry-upload = %v\n%s", err, out)
	}
	if ups, err := st.UploadsOf(ctx, "lic-u", 10); err != nil || len(ups) != 1 || ups[0].Parked() || ups[0].Attempts != 0 {
		t.Errorf("uploads after the retry = %+v, %v; want it due with fresh attempts", ups, err)
	}
	if out, err := codes("history", "lic-u"); err != nil || !strings.Contains(out, "retry_upload") ||
		!strings.Contains(out, "marketplace fixed the event") || !strings.Contains(out, "carol") {
		t.Errorf("history = %v\n%s\nwant the audited retry", err, out)
	}
	if out, err := codes("retry-upload", "lic-u", "--reason", "again", "--json"); err != nil || !strings.Contains(out, `"retried": 0`) {
		t.Errorf("second retry-upload = %v\n%s", err, out)
	}
	if out, err := codes("retry-upload", "--help"); !strings.Contains(out, "usage: licentia codes retry-upload") {
		t.Errorf("retry-upload --help = %v\n%s\nwant the usage in English", err, out)
	}
	if out, err := codes("retry-upload", "--help", "--lang", "zh-CN"); !strings.Contains(out, "用法：licentia codes retry-upload") ||
		!strings.Contains(out, "原因；记入审计日志（必填）") {
		t.Errorf("retry-upload --help --lang zh-CN = %v\n%s\nwant the usage and flags in Chinese", err, out)
	}
	if out, err := codes("retry-upload", "lic-u", "--reason", "again", "--lang", "zh-CN"); err != nil ||
		!strings.Contains(out, "lic-u 没有已停止重试的上传；未做任何更改") {
		t.Errorf("retry-upload --lang zh-CN = %v\n%s\nwant the report in Chinese", err, out)
	}
}

// TestCodesRetryUsage: codes show points at retry-usage for dead-lettered uses; codes retry-usage on the local
// database makes today's (UTC) due again, audited with the reason and the actor, and says that an earlier
// day's stay; a second run finds nothing to do; a license without a marketplace code is refused; English and
// Chinese.
func TestCodesRetryUsage(t *testing.T) {
	data, st := importedLicenses(t, "lic-m", "lic-plain")
	bindCode(t, st, "lic-m", "PLRETRY1")
	ctx := context.Background()
	// A use today and one two days ago, both dead-lettered.
	today := license.UsageDay(time.Now())
	for _, day := range []int64{today - 2, today} {
		u := store.Use{UsageKey: store.UsageKey{MarketCode: "PLRETRY1", Deployment: "dep-a", Day: day}, LicenseID: "lic-m",
			Mode: store.UsageModeID, FirstUsedAt: day * 86400}
		if _, _, err := st.RecordUse(ctx, u, 100); err != nil {
			t.Fatal(err)
		}
	}
	claimed, err := st.ClaimUsage(ctx, "tok", (today+1)*86400, (today+1)*86400+60, 10)
	if err != nil || len(claimed) != 2 {
		t.Fatalf("ClaimUsage() = %v, %v", claimed, err)
	}
	if err := st.UsageDead(ctx, "tok", []store.UsageKey{claimed[0].UsageKey, claimed[1].UsageKey}, today*86400,
		"koogallery openapi usage: code 92020020"); err != nil {
		t.Fatal(err)
	}
	codes := codesAs(t, data, "carol")

	if out, err := codes("show", "lic-m"); err != nil || !strings.Contains(out, "2 use(s) the marketplace did not accept") ||
		!strings.Contains(out, "codes retry-usage reports today's again") {
		t.Fatalf("show = %v\n%s\nwant the dead uses and the hint", err, out)
	}
	if out, err := codes("retry-usage", "lic-m"); exitCode(err) != 2 || !strings.Contains(err.Error(), "--reason") {
		t.Errorf("retry-usage without a reason = %v (exit %d)\n%s", err, exitCode(err), out)
	}
	out, err := codes("retry-usage", "lic-m", "--reason", "AK/SK fixed", "--json")
	if err != nil {
		t.Fatalf("retry-usage = %v\n%s", err, out)
	}
	var got support.UsageRetry
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("retry-usage --json = %s: %v", out, err)
	}
	// The command's day is today's unless UTC midnight passed since the uses were set up.
	want := support.UsageRetry{LicenseID: "lic-m", Day: license.DayDate(today), Retried: 1, Older: 1}
	if got.Day != want.Day {
		want = support.UsageRetry{LicenseID: "lic-m", Day: license.DayDate(today + 1), Retried: 0, Older: 2}
	}
	if got != want {
		t.Fatalf("retry-usage --json = %+v, want %+v", got, want)
	}
	if want.Retried == 1 {
		if uses, err := st.Uses(ctx, "PLRETRY1"); err != nil || len(uses) != 2 || !uses[0].DeadAt.Valid ||
			uses[1].DeadAt.Valid || uses[1].Attempts != 0 {
			t.Errorf("uses after the retry = %+v, %v; want the older dead, today's due with fresh attempts", uses, err)
		}
		if out, err := codes("history", "lic-m"); err != nil || !strings.Contains(out, "retry_usage") ||
			!strings.Contains(out, "AK/SK fixed") || !strings.Contains(out, "carol") {
			t.Errorf("history = %v\n%s\nwant the audited retry", err, out)
		}
	}
	if out, err := codes("retry-usage", "lic-m", "--reason", "again"); err != nil ||
		!strings.Contains(out, "lic-m has no dead-lettered use of today (") ||
		!strings.Contains(out, "dead-lettered use(s) of earlier days stay as they are") {
		t.Errorf("second retry-usage = %v\n%s", err, out)
	}
	if out, err := codes("retry-usage", "lic-m", "--reason", "again", "--lang", "zh-CN"); err != nil ||
		!strings.Contains(out, "lic-m 今天（") || !strings.Contains(out, "UTC）没有已停止重试的使用记录；未做任何更改") ||
		!strings.Contains(out, "已停止重试的使用记录保持不变") {
		t.Errorf("retry-usage --lang zh-CN = %v\n%s\nwant the report in Chinese", err, out)
	}
	if out, err := codes("retry-usage", "lic-plain", "--reason", "x"); err == nil || !strings.Contains(err.Error(), "no marketplace code") {
		t.Errorf("retry-usage of a license without a marketplace code = %v\n%s", err, out)
	}
	if out, err := codes("retry-usage", "--help"); !strings.Contains(out, "usage: licentia codes retry-usage") {
		t.Errorf("retry-usage --help = %v\n%s\nwant the usage in English", err, out)
	}
	if out, err := codes("retry-usage", "--help", "--lang", "zh-CN"); !strings.Contains(out, "用法：licentia codes retry-usage") ||
		!strings.Contains(out, "原因；记入审计日志（必填）") {
		t.Errorf("retry-usage --help --lang zh-CN = %v\n%s\nwant the usage and flags in Chinese", err, out)
	}
}
