package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	stand "github.com/licentia/licentia/server/simulator/market"
	"github.com/licentia/licentia/server/support"
)

// hostile is text that steers a terminal when printed raw: erase the screen, home the cursor, set the window
// title, write the clipboard (OSC 52), a C1 CSI colour, a right-to-left override and DEL. It stays under the
// activation's 128-byte deployment limit.
const hostile = "\x1b[2J\x1b[H\x1b]0;pwned\x07\x1b]52;c;ZWNobyBoaQ==\x07\u009b31m\u202eevil\x7f"

// rawControls are the characters none of the text output may hold outside the program's own line feeds and
// tabs.
var rawControls = []string{"\x1b", "\x07", "\x7f", "\u009b", "\u202e"}

// shown is how the OSC 52 clipboard write of hostile reads once escaped.
const shown = `\x1b]52;c;ZWNobyBoaQ==\x07`

// checkEscaped fails when out holds a raw control character, or lacks any of want (escapes that must show, and
// text that must come through unchanged, such as Chinese).
func checkEscaped(t *testing.T, what, out string, want ...string) {
	t.Helper()
	for _, c := range rawControls {
		if strings.Contains(out, c) {
			t.Errorf("%s prints %q raw:\n%q", what, c, out)
		}
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("%s does not show %q:\n%s", what, w, out)
		}
	}
}

// TestTerminalEscapesReachNoTerminal stores hostile text through the real paths (a marketplace customer name,
// an admin API reason, an activation's deployment, an import file's name and a bad import row) and checks
// that every text output of `licentia codes` shows it escaped, Chinese unchanged, while --json keeps the
// exact values.
func TestTerminalEscapesReachNoTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	mkt, err := stand.Start(stand.Config{AK: "esc-ak", SK: "esc-sk"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mkt.Close() })
	exp := time.Now().UTC().Truncate(time.Second).AddDate(0, 6, 0)
	if err := mkt.AddCode(stand.Code{Code: "MC-ESC", State: stand.Received, ExpiresAt: exp, ProductID: "P2", OrderID: "CS-MC-ESC"}); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	base, _ := serveInProcess(t, map[string]string{"LICENTIA_KOOGALLERY_KEY": testKey, "LICENTIA_KOOGALLERY_AK": "esc-ak",
		"LICENTIA_KOOGALLERY_SK": "esc-sk", "LICENTIA_KOOGALLERY_API": mkt.URL()}, "--data", data)
	local := envMap(map[string]string{"LICENTIA_DATA": data, "LICENTIA_ACTOR": "desk"})
	cli := func(args ...string) (string, error) {
		t.Helper()
		var out, errb bytes.Buffer
		err := run(context.Background(), args, local, &out, &errb)
		return out.String() + errb.String(), err
	}

	// The marketplace sends a customer name.
	name := "客户 " + hostile
	r, err := legacyCall(http.DefaultClient, base, map[string]string{"activity": "getLicense", "businessId": "L-ESC",
		"customerId": "c-esc" + hostile, "customerName": name, "orderId": "CS-ESC", "productId": "P1"})
	if err != nil || r.ResultCode != "000000" {
		t.Fatalf("getLicense = %+v, %v; want 000000", r, err)
	}
	// Support gives a reason through the admin API.
	tokFile := filepath.Join(t.TempDir(), "token")
	if out, err := cli("tokens", "create", "desk", "--role", "support", "--out", tokFile); err != nil {
		t.Fatalf("tokens create: %v (%s)", err, out)
	}
	reason := "退订原因：" + hostile
	remote := []string{"--server", base, "--token-file", tokFile}
	out, err := cli(append([]string{"codes", "reissue", "L-ESC", "--reason", reason}, remote...)...)
	if err != nil {
		t.Fatalf("codes reissue through the admin API: %v (%s)", err, out)
	}
	// A buyer's software names its deployment with control characters: refused, and never stored (seats
	// keep salted hashes only). The same code then activates without one.
	for _, dep := range []any{hostile, nil} {
		body, _ := json.Marshal(map[string]any{"code": "MC-ESC", "deployment": dep})
		resp, err := http.Post(base+"/v1/activations", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var act struct {
			LicenseID string `json:"license_id"`
			Error     struct{ Message string }
		}
		json.NewDecoder(resp.Body).Decode(&act)
		resp.Body.Close()
		switch {
		case dep != nil && (resp.StatusCode != http.StatusBadRequest || strings.ContainsAny(act.Error.Message, "\x1b\x07\u009b")):
			t.Fatalf("POST /v1/activations with a hostile deployment = %d %+v, want 400 without the text", resp.StatusCode, act)
		case dep == nil && (resp.StatusCode != http.StatusOK || act.LicenseID == ""):
			t.Fatalf("POST /v1/activations = %d %+v, want 200 and a license", resp.StatusCode, act)
		}
	}
	// An operator imports a file whose name, and one of whose rows, carry the same.
	dir := t.TempDir()
	file := filepath.Join(dir, "legacy"+strings.ReplaceAll(hostile, "/", "")+".csv")
	header := "instance_id,order_id,order_line_id,product_id,sku,customer_id,expires_at,status\n"
	writeFile(t, file, []byte(header+"L-IMP,CS-IMP,,P1,,c-imp,,active\n"))
	out, err = cli("codes", "import", file)
	if err != nil {
		t.Fatalf("codes import: %v (%s)", err, out)
	}
	checkEscaped(t, "codes import", out, shown)
	bad := filepath.Join(dir, "bad.csv")
	writeFile(t, bad, []byte(header+"L-BAD,CS-BAD,,P1,,c-bad,,act"+hostile+"ive\n"))
	out, err = cli("codes", "import", bad)
	if err == nil {
		t.Fatalf("codes import of a bad status: no error (%s)", out)
	}
	var eb bytes.Buffer
	printError(&eb, langEN, err)
	checkEscaped(t, "codes import line errors", out+eb.String())

	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"codes", "history", "L-ESC"}, []string{shown, "退订原因："}},
		{append([]string{"codes", "history", "L-ESC"}, remote...), []string{shown, "退订原因："}},
		{[]string{"codes", "show", "L-ESC"}, []string{shown, "客户 "}},
		{append([]string{"codes", "show", "CS-ESC"}, remote...), []string{shown, "客户 "}},
		{[]string{"codes", "history", "L-IMP"}, []string{shown, "imported from legacy"}},
	} {
		out, err := cli(tc.args...)
		if err != nil {
			t.Fatalf("%s: %v (%s)", strings.Join(tc.args[:3], " "), err, out)
		}
		checkEscaped(t, strings.Join(tc.args[:3], " "), out, tc.want...)
	}
	out, err = cli("codes", "list", "--customer", "c-esc"+hostile)
	if err != nil || !strings.Contains(out, "L-ESC") {
		t.Fatalf("codes list = %v (%s), want L-ESC", err, out)
	}
	checkEscaped(t, "codes list", out, shown)

	// --json keeps the exact values.
	out, err = cli("codes", "history", "L-ESC", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var h support.History
	if err := json.Unmarshal([]byte(out), &h); err != nil {
		t.Fatalf("codes history --json: %v (%q)", err, out)
	}
	if n := len(h.Events); n == 0 || h.Events[n-1].Reason != reason {
		t.Errorf("codes history --json: last reason not %q: %+v", reason, h.Events)
	}
	out, err = cli("codes", "show", "L-ESC", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var d support.Detail
	if err := json.Unmarshal([]byte(out), &d); err != nil || d.License == nil || d.License.CustomerName != name {
		t.Errorf("codes show --json: customer name not %q: %v, %q", name, err, out)
	}
}

// TestErrorsEchoingInputAreEscaped: errors that quote an argument, a file name or a server's answer print
// escaped, on one line.
func TestErrorsEchoingInputAreEscaped(t *testing.T) {
	data := t.TempDir()
	env := envMap(map[string]string{"LICENTIA_DATA": data})
	for _, args := range [][]string{
		{"codes", "import", filepath.Join(data, "missing"+hostile+".csv")},
		{"codes", "list", "--expiring-within", hostile},
		{"codes", "bogus" + hostile},
		{"simulate", "--url", "http://x" + hostile, "--key-file", writeSecret(t, "k")},
		{"codes", "show", "L-" + hostile, "--server", "http://127.0.0.1:1/" + hostile, "--token-file", writeSecret(t, "t")},
	} {
		var out, errb bytes.Buffer
		err := run(context.Background(), args, env, &out, &errb)
		if err == nil {
			t.Errorf("%s: no error", args[:2])
			continue
		}
		printError(&errb, langEN, err)
		got := out.String() + errb.String()
		for _, c := range rawControls {
			if strings.Contains(got, c) {
				t.Errorf("%s prints %q raw:\n%q", args[:2], c, got)
			}
		}
		last := strings.TrimSuffix(errb.String(), "\n")
		if i := strings.LastIndexByte(last, '\n'); i >= 0 {
			last = last[i+1:]
		}
		if !strings.HasPrefix(last, "licentia: ") || !strings.Contains(last, `\x1b[2J`) {
			t.Errorf("%s: error line %q, want it to start with licentia: and show the escape", args[:2], last)
		}
	}
	if _, err := os.Stat(data); err != nil {
		t.Fatal(err)
	}
}
