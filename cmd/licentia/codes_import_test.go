package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/verifier"
)

// runImport runs `licentia codes import` with args in data and returns stdout, stderr and the error.
func runImport(t *testing.T, data string, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := envMap(map[string]string{"LICENTIA_DATA": data, "LICENTIA_ACTOR": "importer-test"})
	err := run(context.Background(), append([]string{"codes", "import"}, args...), env, &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

// snapshot is every license of a store with its events, for comparing a database before and after.
func snapshot(t *testing.T, data string) string {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(data, "licentia.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ls, err := st.List(context.Background(), store.Filter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, l := range ls {
		evs, err := st.Events(context.Background(), l.ID)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%+v\n%+v\n", *l, evs)
	}
	return b.String()
}

func openTestStore(t *testing.T, data string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(data, "licentia.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func testVerifier(t *testing.T, data string, opts ...verifier.Option) *verifier.Verifier {
	t.Helper()
	ring, err := keys.OpenRing(filepath.Join(data, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ring.PublicPEM()
	if err != nil {
		t.Fatal(err)
	}
	kr, err := verifier.ParseKeyring(pub)
	if err != nil {
		t.Fatal(err)
	}
	return verifier.New(kr, opts...)
}

func TestCodesImportUsage(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "o.csv")
	writeFile(t, file, []byte("instance_id,order_id,order_line_id,product_id,sku,customer_id,expires_at\n"))
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"no file", nil, nil, "wants one FILE"},
		{"two files", []string{file, file}, nil, "wants one FILE"},
		{"server flag", []string{file, "--server", "http://127.0.0.1:1"}, nil, "local database only"},
		{"server env", []string{file}, map[string]string{"LICENTIA_SERVER": "http://127.0.0.1:1"}, "local database only"},
		{"format", []string{file, "--format", "xlsx"}, nil, `--format "xlsx": want csv, jsonl or auto`},
		{"grace", []string{file, "--grace", "soon"}, nil, `--grace "soon"`},
		{"unknown flag", []string{file, "--force"}, nil, "flag provided but not defined: -force"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"LICENTIA_DATA": filepath.Join(dir, "data")}
			for k, v := range tt.env {
				env[k] = v
			}
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), append([]string{"codes", "import"}, tt.args...), envMap(env), &stdout, &stderr)
			if exitCode(err) != 2 || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("import %q = %v (exit %d), want a usage error saying %q", tt.args, err, exitCode(err), tt.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "data")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a refused import made the data directory (stat err %v)", err)
			}
		})
	}
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"codes", "help"}, noEnv, &stdout, &stdout); err != nil ||
		!strings.Contains(stdout.String(), "import    FILE") {
		t.Errorf("codes help = %v, %q; want it to list import", err, stdout.String())
	}
}

// TestCodesImport: a file is imported once, a second import skips every row, a dry run writes nothing,
// bad rows are reported with their line and the rest is kept, and a file that cannot be read as a whole
// writes nothing.
func TestCodesImport(t *testing.T) {
	dir, data := t.TempDir(), filepath.Join(t.TempDir(), "data")
	future := time.Now().Add(90 * 24 * time.Hour).UTC().Truncate(time.Second)
	past := time.Now().Add(-30 * 24 * time.Hour).UTC().Truncate(time.Second)
	csvFile := filepath.Join(dir, "orders.csv")
	writeFile(t, csvFile, []byte("instance_id,order_id,order_line_id,product_id,sku,customer_id,expires_at,status,quantity\n"+
		"imp-1,IO-1,,P1,S1,c-1,"+future.Format(time.RFC3339)+",,\n"+
		"imp-2,IO-2,L1,P1,S1,c-2,,frozen,3\n"+
		"imp-3,IO-3,,P1,,c-3,"+past.Format(time.RFC3339)+",,\n"))

	t.Run("dry run on no database", func(t *testing.T) {
		out, errOut, err := runImport(t, data, csvFile, "--dry-run")
		if err != nil || !strings.Contains(out, "would import 3, skip 0; bad 0; nothing written") || errOut != "" {
			t.Fatalf("dry run = %v, stdout %q, stderr %q", err, out, errOut)
		}
		if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the dry run made the data directory (stat err %v)", err)
		}
	})
	t.Run("first import", func(t *testing.T) {
		out, errOut, err := runImport(t, data, csvFile)
		if err != nil || !strings.Contains(out, "imported 3, skipped 0, bad 0") {
			t.Fatalf("import = %v, stdout %q, stderr %q", err, out, errOut)
		}
		if strings.Contains(errOut, "\r") {
			t.Errorf("stderr (not a terminal) holds a progress line: %q", errOut)
		}
		st := openTestStore(t, data)
		v := testVerifier(t, data, verifier.WithProduct("P1"))
		for _, want := range []struct {
			id, flow, status string
			exp              int64
			qty              int64
		}{
			{"imp-1", license.FlowLicense1, license.Active, future.Unix(), 0},
			{"imp-2", license.FlowInstance, license.Frozen, 0, 3},
			{"imp-3", license.FlowLicense1, license.Active, past.Unix(), 0},
		} {
			l, err := st.License(context.Background(), want.id)
			if err != nil {
				t.Fatalf("license %s: %v", want.id, err)
			}
			if l.Flow != want.flow || l.Status != want.status || l.ExpiresAt != want.exp || l.Quantity != want.qty ||
				l.Generation != 1 || l.StartsAt >= max(l.ExpiresAt, l.StartsAt+1) {
				t.Errorf("license %s = %+v, want flow %s, status %s, exp %d, qty %d, generation 1, start before expiry",
					want.id, l, want.flow, want.status, want.exp, want.qty)
			}
			evs, err := st.Events(context.Background(), want.id)
			if err != nil || len(evs) != 1 || evs[0].Source != license.SourceImport || evs[0].Action != license.ActCreate ||
				evs[0].Actor != "importer-test" || evs[0].OrderID != l.OrderID || !strings.HasPrefix(evs[0].Reason, "imported from orders.csv line ") {
				t.Errorf("events of %s = %+v, %v; want one create from import by importer-test", want.id, evs, err)
			}
			c, err := v.Verify(l.Code)
			switch want.id {
			case "imp-1":
				if err != nil || c.LicenseID != "imp-1" || c.Generation != 1 || c.ExpiresAt != future.Unix() || c.OrderID != "IO-1" ||
					c.SKU != "S1" || c.CustomerID != "c-1" || c.Issuer != "licentia" {
					t.Errorf("Verify(imp-1) = %+v, %v; want the imported license", c, err)
				}
			case "imp-2":
				if !errors.Is(err, verifier.ErrInactive) {
					t.Errorf("Verify(imp-2, frozen) err = %v, want %v", err, verifier.ErrInactive)
				}
			case "imp-3":
				if !errors.Is(err, verifier.ErrExpired) {
					t.Errorf("Verify(imp-3, expired) err = %v, want %v", err, verifier.ErrExpired)
				}
			}
		}
	})
	before := snapshot(t, data)
	t.Run("second import changes nothing", func(t *testing.T) {
		out, _, err := runImport(t, data, csvFile)
		if err != nil || !strings.Contains(out, "imported 0, skipped 3, bad 0") {
			t.Fatalf("second import = %v, %q", err, out)
		}
		if after := snapshot(t, data); after != before {
			t.Errorf("the second import changed the database:\nbefore %s\nafter %s", before, after)
		}
	})
	t.Run("bad rows", func(t *testing.T) {
		bad := filepath.Join(dir, "more.jsonl")
		writeFile(t, bad, []byte(
			`{"instance_id":"imp-4","order_id":"IO-4","order_line_id":"","product_id":"P1","sku":"","customer_id":"","expires_at":null}`+"\n"+
				`{"instance_id":"imp-1","order_id":"IO-5","order_line_id":"","product_id":"P1","sku":"","customer_id":"","expires_at":null}`+"\n"+
				`{"instance_id":"imp-other","order_id":"IO-1","order_line_id":"","product_id":"P1","sku":"","customer_id":"","expires_at":null}`+"\n"+
				`{"instance_id":"imp-6","order_id":"IO-6","order_line_id":"","product_id":"P1","sku":"","customer_id":"","expires_at":"next year"}`+"\n"))
		out, errOut, err := runImport(t, data, bad, "--dry-run")
		if err == nil || exitCode(err) != 1 || !strings.Contains(out, "would import 1, skip 1; bad 2") ||
			!strings.Contains(errOut, "more.jsonl:2: instance_id \"imp-1\" is already the license of order_id \"IO-1\"") {
			t.Fatalf("dry run = %v (exit %d), stdout %q, stderr %q", err, exitCode(err), out, errOut)
		}
		if snapshot(t, data) != before {
			t.Error("the dry run changed the database")
		}
		out, errOut, err = runImport(t, data, bad, "--json")
		if err == nil || exitCode(err) != 1 {
			t.Fatalf("import with bad rows = %v (exit %d), want exit 1", err, exitCode(err))
		}
		var rep importReport
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("--json output %q: %v", out, err)
		}
		want := []importRow{
			{Line: 1, Result: resImported, LicenseID: "imp-4"},
			{Line: 2, Result: resBad, Error: `instance_id "imp-1" is already the license of order_id "IO-1" with order_line_id ""`},
			{Line: 3, Result: resSkipped, LicenseID: "imp-1", Note: `the order already has license "imp-1" (the row says "imp-other")`},
			{Line: 4, Result: resBad, Error: `expires_at "next year" is not a time such as 2027-03-01T00:00:00Z, 2027-03-01T08:00:00+08:00, 2027/03/01 or 2027/3/1 8:00 (a time without a zone is in --tz)`},
		}
		if rep.Format != "jsonl" || rep.Imported != 1 || rep.Skipped != 1 || rep.Bad != 2 || len(rep.Rows) != len(want) {
			t.Fatalf("report = %+v, want 1 imported, 1 skipped, 2 bad", rep)
		}
		for i, r := range rep.Rows {
			if r.Line != want[i].Line || r.Result != want[i].Result || r.LicenseID != want[i].LicenseID ||
				r.Error != want[i].Error || r.Note != want[i].Note {
				t.Errorf("row %d = %+v, want %+v", i, r, want[i])
			}
		}
		if errOut != "" {
			t.Errorf("--json stderr = %q, want nothing", errOut)
		}
		_, errOut, _ = runImport(t, data, bad)
		for _, w := range []string{"more.jsonl:2: instance_id", "more.jsonl:3: skipped: the order already has license",
			"more.jsonl:4: expires_at"} {
			if !strings.Contains(errOut, w) {
				t.Errorf("stderr = %q, want it to hold %q", errOut, w)
			}
		}
	})
	t.Run("wrong header writes nothing", func(t *testing.T) {
		before := snapshot(t, data)
		wrong := filepath.Join(dir, "wrong.csv")
		writeFile(t, wrong, []byte("instance,order_id\nimp-9,IO-9\n"))
		_, _, err := runImport(t, data, wrong)
		if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), `wrong.csv: line 1: header: unknown column "instance"`) ||
			!strings.Contains(err.Error(), "nothing imported") {
			t.Errorf("import of a wrong header = %v, want an error naming line 1 and the column", err)
		}
		if snapshot(t, data) != before {
			t.Error("a refused file changed the database")
		}
	})
	t.Run("missing file", func(t *testing.T) {
		_, _, err := runImport(t, data, filepath.Join(dir, "nope.csv"))
		if err == nil || exitCode(err) != 1 || !errors.Is(err, os.ErrNotExist) {
			t.Errorf("import of a missing file = %v, want a not-exist error", err)
		}
	})
}

func TestProgress(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	var buf bytes.Buffer
	p := newProgress(&buf, langEN, clock)
	if p.w != nil {
		t.Fatal("a buffer is taken for a terminal")
	}
	p.update("line %d", 1)
	p.clear()
	if buf.Len() != 0 {
		t.Errorf("progress wrote %q to a non-terminal, want nothing", buf.String())
	}
	p = newProgress(&buf, langEN, clock)
	p.w = &buf // as on a terminal
	steps := []struct {
		after time.Duration
		want  string
	}{
		{0, ""}, // too soon: a quick import shows nothing
		{300 * time.Millisecond, "\r\x1b[Kline 2"},
		{50 * time.Millisecond, ""},
		{100 * time.Millisecond, "\r\x1b[Kline 4"},
	}
	for i, s := range steps {
		now = now.Add(s.after)
		buf.Reset()
		p.update("line %d", i+1)
		if buf.String() != s.want {
			t.Errorf("update %d after %v wrote %q, want %q", i+1, s.after, buf.String(), s.want)
		}
	}
	buf.Reset()
	p.clear()
	p.clear()
	if buf.String() != "\r\x1b[K" {
		t.Errorf("clear wrote %q, want one line clear", buf.String())
	}
}

// TestCodesImportAcceptance: a CSV of existing orders imported twice, then a real server answers the
// marketplace's later callbacks for them: a License 1.0 refreshLicense of an imported instance, a resent
// getLicense of an imported order (same instanceId, the imported code), a resent newInstance of an
// imported order line; a file imported while the server runs is answered at once; a bad row is refused
// with its line number.
func TestCodesImportAcceptance(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	dir, data := t.TempDir(), t.TempDir()
	exp := time.Now().Add(60 * 24 * time.Hour).UTC().Truncate(time.Second)
	orders := filepath.Join(dir, "orders.csv")
	writeFile(t, orders, []byte("instance_id,order_id,order_line_id,product_id,sku,customer_id,expires_at\n"+
		"legacy-inst-1,ACC-O-1,,P1,S1,c-1,"+exp.Format(time.RFC3339)+"\n"+
		"legacy-inst-2,ACC-O-2,,P1,S1,c-2,\n"+
		"inst-3,ACC-O-3,ACC-L-1,P1,S1,c-3,"+exp.Format(time.RFC3339)+"\n"))
	if out, errOut, err := runImport(t, data, orders); err != nil || !strings.Contains(out, "imported 3, skipped 0, bad 0") {
		t.Fatalf("first import = %v, %q, %q", err, out, errOut)
	}
	st := openTestStore(t, data)
	imported := map[string]*store.License{}
	for _, id := range []string{"legacy-inst-1", "legacy-inst-2", "inst-3"} {
		l, err := st.License(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		imported[id] = l
	}
	st.Close()

	c := startChild(t, data)
	client := &http.Client{Timeout: 10 * time.Second}
	// The second import runs while the server serves the same database.
	if out, errOut, err := runImport(t, data, orders); err != nil || !strings.Contains(out, "imported 0, skipped 3, bad 0") {
		t.Fatalf("second import = %v, %q, %q", err, out, errOut)
	}

	getLicense := func(order string) mktReply {
		t.Helper()
		r, err := legacyCall(client, c.url, map[string]string{"activity": "getLicense", "orderId": order,
			"businessId": "new-business-" + order, "productId": "P1", "customerId": "c-1"})
		if err != nil || r.ResultCode != koogallery.ResultOK {
			t.Fatalf("getLicense %s = %+v, %v", order, r, err)
		}
		return r
	}
	t.Run("resent getLicense", func(t *testing.T) {
		for _, id := range []string{"legacy-inst-1", "legacy-inst-2"} {
			r := getLicense(imported[id].OrderID)
			if r.InstanceID != id || r.License != imported[id].Code {
				t.Errorf("getLicense %s = instance %s (same code: %v), want %s and the imported code",
					imported[id].OrderID, r.InstanceID, r.License == imported[id].Code, id)
			}
		}
	})
	t.Run("resent newInstance", func(t *testing.T) {
		req := newSignedRequest(map[string]string{"activity": "newInstance", "orderId": "ACC-O-3", "orderLineId": "ACC-L-1",
			"businessId": "another-business", "productId": "P1", "customerId": "c-3"}, "IMPORT-NONCE-1")
		r, err := req.send(client, c.url)
		if err != nil || r.ResultCode != koogallery.ResultOK || r.InstanceID != "inst-3" || r.License != imported["inst-3"].Code {
			t.Errorf("newInstance = %+v, %v; want instance inst-3 with the imported code", r, err)
		}
	})
	t.Run("refreshLicense", func(t *testing.T) {
		renewed := exp.AddDate(1, 0, 0)
		r, err := legacyCall(client, c.url, map[string]string{"activity": "refreshLicense", "instanceId": "legacy-inst-1",
			"orderId": "ACC-O-1-RENEW", "expireTime": koogallery.FormatTime(renewed), "periodType": "year", "periodNumber": "1"})
		if err != nil || r.ResultCode != koogallery.ResultOK {
			t.Fatalf("refreshLicense = %+v, %v; want %s", r, err, koogallery.ResultOK)
		}
		again := getLicense("ACC-O-1")
		cl, err := testVerifier(t, data, verifier.WithProduct("P1")).Verify(again.License)
		if err != nil || again.InstanceID != "legacy-inst-1" || cl.Generation != 2 || cl.ExpiresAt != renewed.Unix() {
			t.Errorf("after refreshLicense, getLicense = instance %s, claims %+v, %v; want generation 2 expiring %v",
				again.InstanceID, cl, err, renewed)
		}
	})
	t.Run("imported while serving", func(t *testing.T) {
		getLicense("ACC-O-1") // fills the server's answer cache
		more := filepath.Join(dir, "more.csv")
		writeFile(t, more, []byte("instance_id,order_id,order_line_id,product_id,sku,customer_id,expires_at\n"+
			"legacy-inst-4,ACC-O-4,,P1,S1,c-4,\n"+
			"legacy-inst-5,ACC-O-5,,P1,S1,c-5,not-a-time\n"))
		out, errOut, err := runImport(t, data, more)
		if err == nil || exitCode(err) != 1 || !strings.Contains(out, "imported 1, skipped 0, bad 1") ||
			!strings.Contains(errOut, "more.csv:3: expires_at \"not-a-time\" is not a time such as") {
			t.Fatalf("import with a bad row = %v (exit %d), stdout %q, stderr %q; want line 3 refused, exit 1",
				err, exitCode(err), out, errOut)
		}
		if r := getLicense("ACC-O-4"); r.InstanceID != "legacy-inst-4" {
			t.Errorf("getLicense ACC-O-4 = instance %s, want legacy-inst-4", r.InstanceID)
		}
		st := openTestStore(t, data)
		if _, err := st.LicenseByOrder(context.Background(), "ACC-O-5", ""); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the bad row's order: err = %v, want %v (nothing of it written)", err, store.ErrNotFound)
		}
	})
}

// TestCodesImportRefusesMarketCodes: a row whose instance_id is a KooGallery License 2.0 code the database
// knows (bound, or kept with callbacks before activation) is refused with its line, in a dry run too, so
// that the code's callbacks and support lookups can never reach the imported license.
func TestCodesImportRefusesMarketCodes(t *testing.T) {
	dir, data := t.TempDir(), filepath.Join(t.TempDir(), "data")
	first := filepath.Join(dir, "first.csv")
	writeFile(t, first, []byte("instance_id,order_id,order_line_id,product_id,sku,customer_id,expires_at\nimp-0,IO-0,,P1,,c-0,\n"))
	if out, errOut, err := runImport(t, data, first); err != nil {
		t.Fatalf("import = %v, stdout %q, stderr %q", err, out, errOut)
	}
	st := openTestStore(t, data)
	ctx := context.Background()
	if err := st.SavePending(ctx, &store.MarketEvent{Code: "MKT-EVE-0003", Activity: koogallery.ActivityReleaseLicenseCode}); err != nil {
		t.Fatal(err)
	}
	bound := license.License{ID: "lic-bound", OrderID: "CS-1", OrderLineID: "code-1", Flow: license.FlowInstance, ProductID: "P2",
		Status: license.Active, Generation: 1, Code: "c", KeyID: "k", MarketCode: "MKT-BOUND-1"}
	if _, _, err := st.Create(ctx, &bound, []store.Event{{Source: license.SourceAPI, Action: license.ActActivate,
		AfterStatus: license.Active, Generation: 1}}, 0); err != nil {
		t.Fatal(err)
	}
	st.Close()
	decoys := filepath.Join(dir, "decoys.csv")
	writeFile(t, decoys, []byte("instance_id,order_id,order_line_id,product_id,sku,customer_id,expires_at,status,quantity\n"+
		"MKT-EVE-0003,LEGACY-EVE-1,,P1,,eve,,active,\n"+
		"MKT-BOUND-1,LEGACY-EVE-2,,P1,,eve,,active,\n"+
		"imp-1,IO-1,,P1,,c-1,,,\n"))
	for _, args := range [][]string{{decoys, "--dry-run"}, {decoys}} {
		out, errOut, err := runImport(t, data, args...)
		if err == nil {
			t.Errorf("import %v err = nil, want the bad rows reported", args)
		}
		for _, want := range []string{
			decoys + `:2: instance_id "MKT-EVE-0003" is a KooGallery License 2.0 code here`,
			decoys + `:3: instance_id "MKT-BOUND-1" is a KooGallery License 2.0 code here`,
		} {
			if !strings.Contains(errOut, want) {
				t.Errorf("import %v stderr = %q, want it to contain %q", args, errOut, want)
			}
		}
		if !strings.Contains(out, "1, skip") && !strings.Contains(out, "imported 1,") {
			t.Errorf("import %v stdout = %q, want the good row imported", args, out)
		}
	}
	st = openTestStore(t, data)
	for _, id := range []string{"MKT-EVE-0003", "MKT-BOUND-1"} {
		if l, err := st.LicenseByID(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("license %s = %+v, %v; want none", id, l, err)
		}
	}
	if _, err := st.LicenseByID(ctx, "imp-1"); err != nil {
		t.Errorf("license imp-1: %v", err)
	}
}

// TestCodesImportSpreadsheetDates: a spreadsheet's zone-less dates are read in --tz (or TZ), UTC by default;
// a bad zone is a usage error.
func TestCodesImportSpreadsheetDates(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "export.csv")
	writeFile(t, file, []byte("instance_id,order_id,order_line_id,product_id,sku,customer_id,expires_at\n"+
		"xls-1,XO-1,,P1,,c-1,2027/3/1\n"+
		"xls-2,XO-2,,P1,,c-2,\"2027/3/1 8:30\"\n"))
	for _, tt := range []struct {
		args []string
		env  string
		want time.Time
	}{
		{nil, "", time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)},
		{[]string{"--tz", "Asia/Shanghai"}, "", time.Date(2027, 2, 28, 16, 0, 0, 0, time.UTC)},
		{nil, "Asia/Shanghai", time.Date(2027, 2, 28, 16, 0, 0, 0, time.UTC)},
	} {
		data := filepath.Join(t.TempDir(), "data")
		var stdout, stderr bytes.Buffer
		env := envMap(map[string]string{"LICENTIA_DATA": data, "LICENTIA_ACTOR": "importer-test", "TZ": tt.env})
		if err := run(context.Background(), append([]string{"codes", "import", file}, tt.args...), env, &stdout, &stderr); err != nil {
			t.Fatalf("import %v (TZ=%q) = %v: %s", tt.args, tt.env, err, stderr.String())
		}
		st, err := store.Open(context.Background(), filepath.Join(data, "licentia.db"), store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		l1, err1 := st.LicenseByID(context.Background(), "xls-1")
		l2, err2 := st.LicenseByID(context.Background(), "xls-2")
		st.Close()
		if err1 != nil || err2 != nil || l1.ExpiresAt != tt.want.Unix() || l2.ExpiresAt != tt.want.Add(8*time.Hour+30*time.Minute).Unix() {
			t.Errorf("import %v (TZ=%q): expiries %v, %v (%v, %v); want %v and 8:30 later", tt.args, tt.env,
				time.Unix(l1.ExpiresAt, 0).UTC(), time.Unix(l2.ExpiresAt, 0).UTC(), err1, err2, tt.want)
		}
	}
	if _, _, err := runImport(t, filepath.Join(t.TempDir(), "data"), file, "--tz", "Mars/Olympus"); exitCode(err) != 2 ||
		!strings.Contains(err.Error(), `--tz "Mars/Olympus"`) {
		t.Errorf("import --tz Mars/Olympus = %v, want a usage error naming the zone", err)
	}
}
