package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/licentia/licentia/server/store"
)

// TestCodesRetryUpload: a dead-lettered upload shows as dead in codes show; codes retry-upload on the local
// database makes it due again, audited with the reason and the actor; a second run finds nothing to do.
func TestCodesRetryUpload(t *testing.T) {
	dir, data := t.TempDir(), filepath.Join(t.TempDir(), "data")
	csvFile := filepath.Join(dir, "orders.csv")
	exp := time.Now().Add(90 * 24 * time.Hour).UTC().Format(time.RFC3339)
	writeFile(t, csvFile, []byte("instance_id,order_id,order_line_id,product_id,sku,customer_id,expires_at\nlic-u,O-U,,P1,S1,c-1,"+exp+"\n"))
	if out, errOut, err := runImport(t, data, csvFile); err != nil {
		t.Fatalf("import = %v, %s, %s", err, out, errOut)
	}
	ctx := context.Background()
	st := openTestStore(t, data)
	if _, err := st.EnqueueUpload(ctx, &store.Upload{EventID: "EV-U", LicenseID: "lic-u", Content: "code"}, 1); err != nil {
		t.Fatal(err)
	}
	if err := st.ParkUpload(ctx, "EV-U", "koogallery openapi upload_event: code 91381033 http 200 after 1 attempt(s)"); err != nil {
		t.Fatal(err)
	}
	codes := func(args ...string) (string, error) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		env := envMap(map[string]string{"LICENTIA_DATA": data, "LICENTIA_ACTOR": "carol"})
		err := run(ctx, append([]string{"codes"}, args...), env, &stdout, &stderr)
		return stdout.String() + stderr.String(), err
	}

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
