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

// TestCodesShowUsage: codes show names the last UTC day the marketplace accepted a use of the license's
// marketplace code and the uses still owed, in English and in Chinese; a license without a marketplace code
// shows no usage report.
func TestCodesShowUsage(t *testing.T) {
	data, st := importedLicenses(t, "lic-m", "lic-plain")
	bindCode(t, st, "lic-m", "PLUSAGE1")
	ctx := context.Background()
	run := codesAs(t, data, "")
	codes := func(args ...string) string {
		t.Helper()
		out, err := run(args...)
		if err != nil {
			t.Fatalf("codes %v = %v\n%s", args, err, out)
		}
		return out
	}
	if out := codes("show", "lic-m"); !strings.Contains(out, "usage report") || !strings.Contains(out, "no day reported yet") {
		t.Errorf("show before any report:\n%s\nwant no day reported yet", out)
	}

	day := int64(20790) // 2026-12-03
	for _, dep := range []string{"dep-a", "dep-b"} {
		u := store.Use{UsageKey: store.UsageKey{MarketCode: "PLUSAGE1", Deployment: dep, Day: day}, LicenseID: "lic-m",
			Mode: store.UsageModeID, FirstUsedAt: day * 86400}
		if _, _, err := st.RecordUse(ctx, u, 100); err != nil {
			t.Fatal(err)
		}
	}
	claimed, err := st.ClaimUsage(ctx, "tok", day*86400, day*86400+60, 1)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("ClaimUsage() = %v, %v", claimed, err)
	}
	if err := st.UsageSent(ctx, "tok", []store.UsageKey{claimed[0].UsageKey}, day*86400+10); err != nil {
		t.Fatal(err)
	}
	if out := codes("show", "lic-m"); !strings.Contains(out, "last day reported 2026-12-03 (UTC); 1 use(s) waiting to be reported") {
		t.Errorf("show:\n%s\nwant the last reported day and the use waiting", out)
	}
	if out := codes("show", "lic-m", "--lang", "zh-CN"); !strings.Contains(out, "使用统计上报") ||
		!strings.Contains(out, "最近上报日期 2026-12-03（UTC）；1 条使用记录待上报") {
		t.Errorf("show --lang zh-CN:\n%s\nwant the usage report in Chinese", out)
	}
	if out := codes("show", "lic-m", "--json"); !strings.Contains(out, `"last_reported_day": "2026-12-03"`) ||
		!strings.Contains(out, `"pending": 1`) {
		t.Errorf("show --json:\n%s\nwant usage.last_reported_day and pending", out)
	}
	if out := codes("show", "lic-plain"); strings.Contains(out, "usage report") {
		t.Errorf("show of a license without a marketplace code:\n%s\nwant no usage report", out)
	}
}

// importedLicenses imports the licenses ids (order O-<id>, product P1, customer c-1, expiring in 90 days) into
// a fresh data directory, and returns it with its store open.
func importedLicenses(t *testing.T, ids ...string) (string, *store.Store) {
	t.Helper()
	data, csvFile := filepath.Join(t.TempDir(), "data"), filepath.Join(t.TempDir(), "orders.csv")
	exp := time.Now().Add(90 * 24 * time.Hour).UTC().Format(time.RFC3339)
	rows := "instance_id,order_id,order_line_id,product_id,sku,customer_id,expires_at\n"
	for _, id := range ids {
		rows += id + ",O-" + id + ",,P1,S1,c-1," + exp + "\n"
	}
	writeFile(t, csvFile, []byte(rows))
	if out, errOut, err := runImport(t, data, csvFile); err != nil {
		t.Fatalf("import = %v, %s, %s", err, out, errOut)
	}
	return data, openTestStore(t, data)
}

// bindCode binds the license id to the marketplace code, as an activation does.
func bindCode(t *testing.T, st *store.Store, id, code string) {
	t.Helper()
	_, err := st.Apply(context.Background(), id, "", func(cur *store.License) (*store.License, *store.Event, error) {
		next := *cur
		next.MarketCode = code
		return &next, &store.Event{At: cur.ChangedAt, Source: store.SourceCLI, Action: "bind", AfterStatus: cur.Status,
			Generation: cur.Generation}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// codesAs returns a runner of licentia codes on the local database in data, as actor when not empty: what it
// printed (stdout, then stderr) and its error.
func codesAs(t *testing.T, data, actor string) func(args ...string) (string, error) {
	env := envMap(map[string]string{"LICENTIA_DATA": data, "LICENTIA_ACTOR": actor})
	return func(args ...string) (string, error) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), append([]string{"codes"}, args...), env, &stdout, &stderr)
		return stdout.String() + stderr.String(), err
	}
}
