package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/verifier"
)

// TestCodesScripts runs the support CLI scripts in testdata/script: the real licentia binary (this test
// binary acting as it, see TestMain) against a real server process, locally on its database and remotely
// through the admin API.
func TestCodesScripts(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	if scriptBin == "" {
		t.Fatal("TestMain did not write the licentia wrapper")
	}
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		Deadline:            time.Now().Add(4 * time.Minute),
		Setup: func(env *testscript.Env) error {
			env.Setenv("PATH", scriptBin+string(os.PathListSeparator)+env.Getenv("PATH"))
			env.Setenv("LICENTIA_DATA", filepath.Join(env.WorkDir, "data"))
			// The scripts read English tables with times in UTC, whatever the machine's locale and zone.
			env.Setenv("LC_ALL", "C.UTF-8")
			env.Setenv("TZ", "UTC")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"serve":         cmdServe,
			"newinstance":   cmdNewInstance,
			"refresh":       cmdRefresh,
			"save-code":     cmdSaveCode,
			"verify":        cmdVerify,
			"http":          cmdHTTP,
			"setenv-stdout": cmdSetenvStdout,
			"setenv-file":   cmdSetenvFile,
			"await-list":    cmdAwaitList,
			"keptrenewal":   cmdKeptRenewal,
			"checkin":       cmdCheckIn,
		},
	})
}

var scriptClient = &http.Client{Timeout: 10 * time.Second}

// scriptBin is the directory of the script tests' licentia command: a wrapper that runs this test binary as
// licentia. TestMain writes it once, before any test starts: a file written while another test forks a child
// can be held open for writing by that child, and executing it then fails with "text file busy".
var scriptBin string

// writeScriptBin writes the licentia wrapper into a new temporary directory and sets scriptBin; the returned
// function removes it.
func writeScriptBin() (cleanup func(), err error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "licentia-script-bin-")
	if err != nil {
		return nil, err
	}
	wrapper := "#!/bin/sh\nLICENTIA_TEST_MAIN=1 exec " + strconv.Quote(self) + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(dir, "licentia"), []byte(wrapper), 0o755); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	scriptBin = dir
	return func() { os.RemoveAll(dir) }, nil
}

// awaitListWait bounds how long await-list waits: the server re-reads the database for the list about once a
// second, so a change made by the CLI on the same database shows within a few seconds.
const awaitListWait = 15 * time.Second

// cmdAwaitList waits until $SERVER's signed revocation list voids generations of LICENSE below MIN_GEN (a
// change the CLI made on the database directly reaches the running server's cached list within about a
// second), and fails if it does not within awaitListWait.
func cmdAwaitList(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: await-list LICENSE MIN_GEN")
	}
	want, err := strconv.ParseInt(args[1], 10, 64)
	ts.Check(err)
	var last int64
	for deadline := time.Now().Add(awaitListWait); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		kr, err := verifier.ParseKeyring(scriptGet(ts, "/.well-known/jwks.json"))
		ts.Check(err)
		list, err := verifier.ParseRevocations(kr, scriptGet(ts, "/v1/revocations"))
		ts.Check(err)
		if last = list.MinGen[args[0]]; last >= want {
			return
		}
	}
	ts.Fatalf("await-list: min_gen of %s is %d after %v, want >= %d", args[0], last, awaitListWait, want)
}

// scriptGet returns the body of GET $SERVER+path.
func scriptGet(ts *testscript.TestScript, path string) []byte {
	resp, err := scriptClient.Get(ts.Getenv("SERVER") + path)
	ts.Check(err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	ts.Check(err)
	return b
}

// cmdServe starts `licentia serve` on $LICENTIA_DATA and a free loopback port, waits until it is ready,
// and sets $SERVER to its URL. The server is killed when the script ends.
func cmdServe(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: serve")
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LICENTIA_") { // the script's settings only, like the CLI it runs
			env = append(env, kv)
		}
	}
	env = append(env, "LICENTIA_DATA="+ts.Getenv("LICENTIA_DATA"), "LICENTIA_KOOGALLERY_KEY="+testKey)
	base, logs, ok := startScriptServer(ts, env)
	if !ok {
		ts.Fatalf("server did not become ready:\n%s", logs)
	}
	ts.Setenv("SERVER", base)
}

// startScriptServer starts one server on a loopback port it picks itself (--addr 127.0.0.1:0, reported
// through --addr-file) and waits for it; false (with its logs) when it exits or stays unready for 20
// seconds.
func startScriptServer(ts *testscript.TestScript, env []string) (base, logs string, ok bool) {
	dir, err := os.MkdirTemp(ts.Getenv("WORK"), "serve-")
	ts.Check(err)
	addrFile := filepath.Join(dir, "addr")
	cmd := exec.Command(filepath.Join(scriptBin, "licentia"), "serve", "--addr", "127.0.0.1:0",
		"--addr-file", addrFile, "--log-level", "warn")
	cmd.Env = env
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	ts.Check(cmd.Start())
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	ts.Defer(func() { cmd.Process.Kill(); <-exited })
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		select {
		case <-exited:
			return "", out.String(), false
		case <-time.After(20 * time.Millisecond):
		}
		if base == "" {
			addr := readAddrFile(addrFile)
			if addr == "" {
				continue
			}
			base = "http://" + addr
		}
		resp, err := scriptClient.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base, "", true
			}
		}
	}
	cmd.Process.Kill()
	return "", out.String(), false
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a child's stdout and stderr.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// cmdNewInstance creates a license through a signed newInstance callback, the way KooGallery does:
// newinstance ID ORDER CUSTOMER PRODUCT DAYS. The code is written to ID.code.
func cmdNewInstance(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 5 {
		ts.Fatalf("usage: newinstance ID ORDER CUSTOMER PRODUCT DAYS")
	}
	days, err := strconv.Atoi(args[4])
	ts.Check(err)
	now := time.Now()
	r, err := marketClient(scriptClient, ts.Getenv("SERVER")).Signed(context.Background(), map[string]string{
		"activity": koogallery.ActivityNewInstance, "businessId": args[0], "orderId": args[1], "orderLineId": args[1] + "-1",
		"customerId": args[2], "productId": args[3], "skuCode": "S1", "expireTime": koogallery.FormatTime(now.AddDate(0, 0, days))},
		koogallery.UpperHex())
	if err == nil {
		err = r.Created()
	}
	ts.Check(err)
	if r.InstanceID != args[0] {
		ts.Fatalf("newInstance instanceId = %q, want %q", r.InstanceID, args[0])
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]+".code"), []byte(r.License), 0o600))
}

// cmdKeptRenewal sends a signed License 2.0 renewal (refreshLicenseCode) for a marketplace code no license is
// bound to, the way KooGallery does: keptrenewal CODE ORDER. The server keeps it until the code is activated.
func cmdKeptRenewal(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: keptrenewal CODE ORDER")
	}
	r, err := marketClient(scriptClient, ts.Getenv("SERVER")).Signed(context.Background(), map[string]string{
		"activity": koogallery.ActivityRefreshLicenseCode, "license": args[0], "orderId": args[1],
		"expireTime": koogallery.FormatTime(time.Now().AddDate(1, 0, 0))}, koogallery.UpperHex())
	ts.Check(err)
	if r.ResultCode != koogallery.ResultOK || len(r.Problems) > 0 {
		ts.Fatalf("refreshLicenseCode answered %s %s %v", r.ResultCode, r.ResultMsg, r.Problems)
	}
}

// cmdRefresh posts the code in FILE to /v1/codes/refresh and writes the current code to OUT; it prints
// "generation N status S".
func cmdRefresh(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: refresh FILE OUT")
	}
	body, _ := json.Marshal(map[string]string{"code": ts.ReadFile(args[0])})
	resp, err := scriptClient.Post(ts.Getenv("SERVER")+"/v1/codes/refresh", "application/json", bytes.NewReader(body))
	ts.Check(err)
	defer resp.Body.Close()
	var r struct {
		Code       string `json:"code"`
		Generation int64  `json:"generation"`
		Status     string `json:"status"`
	}
	data, _ := io.ReadAll(resp.Body)
	if neg { // "! refresh": the server must refuse; print its status and error code
		var e struct {
			Error struct{ Code string } `json:"error"`
		}
		if resp.StatusCode == http.StatusOK || json.Unmarshal(data, &e) != nil {
			ts.Fatalf("refresh: %d %s, want a refusal", resp.StatusCode, data)
		}
		fmt.Fprintf(ts.Stdout(), "refused %d %s\n", resp.StatusCode, e.Error.Code)
		return
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(data, &r) != nil {
		ts.Fatalf("refresh: %d %s", resp.StatusCode, data)
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(r.Code), 0o600))
	fmt.Fprintf(ts.Stdout(), "generation %d status %s\n", r.Generation, r.Status)
}

// cmdCheckIn checks in the code in FILE for the deployment DEPLOYMENT-ID (POST /v1/usage), which takes or
// keeps its seat; it prints the status, or with "!" the refusal's status and error code.
func cmdCheckIn(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: checkin FILE DEPLOYMENT-ID")
	}
	body, _ := json.Marshal(map[string]string{"code": ts.ReadFile(args[0]), "deployment": args[1]})
	resp, err := scriptClient.Post(ts.Getenv("SERVER")+"/v1/usage", "application/json", bytes.NewReader(body))
	ts.Check(err)
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if neg {
		var e struct {
			Error struct{ Code string } `json:"error"`
		}
		if resp.StatusCode == http.StatusNoContent || json.Unmarshal(data, &e) != nil {
			ts.Fatalf("checkin: %d %s, want a refusal", resp.StatusCode, data)
		}
		fmt.Fprintf(ts.Stdout(), "refused %d %s\n", resp.StatusCode, e.Error.Code)
		return
	}
	if resp.StatusCode != http.StatusNoContent {
		ts.Fatalf("checkin: %d %s", resp.StatusCode, data)
	}
	fmt.Fprintln(ts.Stdout(), resp.StatusCode)
}

// exitCodes are licentia-verify's exit codes by reason (cmd/licentia-verify's exit table).
var exitCodes = map[string]int{"malformed": 1, "wrong_type": 1, "wrong_algorithm": 1, "unknown_key": 1,
	"bad_signature": 1, "expired": 2, "not_yet_valid": 3, "wrong_product": 4, "wrong_sku": 4, "wrong_issuer": 4,
	"test_code": 4, "revoked": 5, "superseded": 5, "inactive": 5, "clock_rollback": 6}

// cmdVerify checks the code in FILE as the buyer's software does online: keys from $SERVER's JWKS and
// the signed revocation list from $SERVER. It prints "valid" or "<reason> (exit N)" with licentia-verify's
// exit code, and fails unless the code is valid.
func cmdVerify(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: verify FILE")
	}
	kr, err := verifier.ParseKeyring(scriptGet(ts, "/.well-known/jwks.json"))
	ts.Check(err)
	list, err := verifier.ParseRevocations(kr, scriptGet(ts, "/v1/revocations"))
	ts.Check(err)
	_, err = verifier.New(kr, verifier.WithAnyProduct(), verifier.WithRevocations(list)).Verify(ts.ReadFile(args[0]))
	if err == nil {
		fmt.Fprintln(ts.Stdout(), "valid")
	} else {
		reason := verifier.Reason(err)
		fmt.Fprintf(ts.Stdout(), "%s (exit %d)\n", reason, exitCodes[reason])
	}
	if (err != nil) != neg {
		ts.Fatalf("verify: %v", err)
	}
}

// cmdHTTP sends METHOD $SERVER+PATH with an optional bearer TOKEN and JSON BODY, and prints
// "STATUS BODY".
func cmdHTTP(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 || len(args) > 4 {
		ts.Fatalf("usage: http METHOD PATH [TOKEN [BODY]]")
	}
	var body io.Reader
	if len(args) == 4 {
		body = strings.NewReader(args[3])
	}
	req, err := http.NewRequestWithContext(context.Background(), args[0], ts.Getenv("SERVER")+args[1], body)
	ts.Check(err)
	if len(args) >= 3 && args[2] != "" {
		req.Header.Set("Authorization", "Bearer "+args[2])
	}
	resp, err := scriptClient.Do(req)
	ts.Check(err)
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	fmt.Fprintf(ts.Stdout(), "%d %s\n", resp.StatusCode, bytes.TrimSpace(data))
}

// cmdSaveCode writes the first whole code (a token starting eyJ) of the previous command's standard output
// to FILE: support handing the buyer a reissued code.
func cmdSaveCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: save-code FILE")
	}
	for _, f := range strings.Fields(ts.ReadFile("stdout")) {
		if strings.HasPrefix(f, "eyJ") && strings.Count(f, ".") == 2 {
			ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(f), 0o600))
			return
		}
	}
	ts.Fatalf("save-code: no code in the previous output")
}

// cmdSetenvStdout sets VAR to the previous command's standard output, trimmed.
func cmdSetenvStdout(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: setenv-stdout VAR")
	}
	ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile("stdout")))
}

// cmdSetenvFile sets VAR to the content of FILE, trimmed.
func cmdSetenvFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: setenv-file VAR FILE")
	}
	ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile(args[1])))
}

// TestCodesUsageErrors covers the argument errors run reports before touching any database.
func TestCodesUsageErrors(t *testing.T) {
	env := envMap(map[string]string{"LICENTIA_DATA": t.TempDir()})
	for _, args := range [][]string{
		{"codes"}, {"codes", "melt"}, {"codes", "list", "--frobnicate"}, {"codes", "list", "extra"},
		{"codes", "show"}, {"codes", "show", "a", "b"}, {"codes", "reissue", "lic-1"},
		{"codes", "revoke", "lic-1", "--reason"}, {"codes", "list", "--expiring-within", "soon"},
		{"codes", "list", "--server", "localhost:1", "--token", "t"},
		{"codes", "list", "--older-than", "3d"}, {"codes", "list", "--unactivated", "--older-than", "soon"},
		{"codes", "list", "--unactivated", "--status", "active"}, {"codes", "list", "--unactivated", "--all"},
		{"codes", "history", "x", "--server", "http://127.0.0.1:1", "--token", "t", "--actor", "eve"},
		{"tokens"}, {"tokens", "create"}, {"tokens", "create", "bad name"}, {"tokens", "create", "n", "--role", "root"},
		{"tokens", "revoke"},
		{"codes", "seats"}, {"codes", "seats", "a", "b"}, {"codes", "free-seat", "lic-1"}, {"codes", "free-seat", "lic-1", "dep-1"},
		{"codes", "free-seat", "lic-1", "", "--reason", "r"},
		{"policy"}, {"policy", "melt"}, {"policy", "set"}, {"policy", "set", "P1", "--lease", "soon"},
		{"policy", "set", "P1", "--lease", "1.5s"}, {"policy", "set", "P1", "--match", "x"}, {"policy", "list", "extra"},
		{"policy", "delete"}, {"policy", "delete", "P1", "P2"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), args, env, &stdout, &stderr)
		var ue *usageError
		if !errors.As(err, &ue) || exitCode(err) != 2 || strings.Contains(err.Error(), "\n") {
			t.Errorf("run(%q) = %v (exit %d), want a one-line usage error", args, err, exitCode(err))
		}
	}
}
