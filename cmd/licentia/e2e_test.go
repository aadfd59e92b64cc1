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
	"strings"
	"testing"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/simulator"
	"github.com/licentia/licentia/server/store/pgtest"
)

// licentiaCmd returns the licentia binary (this test binary in licentia mode, see TestMain) with args.
func licentiaCmd(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "LICENTIA_TEST_MAIN=1")
	return cmd
}

// buildVerifier builds cmd/licentia-verify the way it ships (CGO_ENABLED=0) into a temp dir.
func buildVerifier(t *testing.T) string {
	t.Helper()
	srcs, _ := filepath.Glob(filepath.Join("..", "licentia-verify", "*.go"))
	if len(srcs) == 0 {
		t.Skip("cmd/licentia-verify has no sources yet")
	}
	bin := filepath.Join(t.TempDir(), "licentia-verify")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/licentia/licentia/cmd/licentia-verify")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/licentia-verify: %v\n%s", err, out)
	}
	return bin
}

// verified is licentia-verify's --json report.
type verified struct {
	Valid      bool   `json:"valid"`
	Reason     string `json:"reason"`
	LicenseID  string `json:"license_id"`
	Generation int64  `json:"generation"`
	Status     string `json:"status"`
	ExpiresAt  string `json:"expires_at"`
	Refreshed  bool   `json:"refreshed"`
}

// verify runs licentia-verify --json on code (given on standard input) and returns its exit status and
// report.
func verify(t *testing.T, bin, code string, args ...string) (int, verified) {
	t.Helper()
	cmd := exec.Command(bin, append(append([]string{"--json"}, args...), "-")...)
	cmd.Stdin = strings.NewReader(code)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	exit := 0
	if errors.As(err, &ee) {
		exit = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("licentia-verify: %v", err)
	}
	var v verified
	if err := json.Unmarshal(stdout.Bytes(), &v); err != nil && exit != 64 {
		t.Fatalf("licentia-verify --json printed %q (stderr %q): %v", stdout.String(), stderr.String(), err)
	}
	return exit, v
}

// TestEndToEnd builds both binaries, starts licentia serve on a free loopback port with an empty data
// dir, plays every simulator scenario against it, then walks one license through its life and checks
// the code at every step with licentia-verify (exit statuses as cmd/licentia-verify documents them).
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds binaries and starts a server")
	}
	verifyBin := buildVerifier(t)
	data := t.TempDir()
	// The server talks to simulate's stand-in for the KooGallery OpenAPI (License 2.0, G1b).
	marketAddr := freeAddr(t)
	openAPIEnv := []string{"LICENTIA_KOOGALLERY_AK=e2e-ak", "LICENTIA_KOOGALLERY_SK=e2e-sk"}
	// simulate activates more codes from one address than --activation-per-address allows by default.
	c := startChildEnv(t, data, openAPIEnv, "--koogallery-api", "http://"+marketAddr, "--activation-per-address", "1000")
	dir := t.TempDir()

	pub, err := licentiaCmd("keys", "public", "--data", data).Output()
	if err != nil || !bytes.Contains(pub, []byte("BEGIN PUBLIC KEY")) {
		t.Fatalf("licentia keys public: %v, output %q", err, pub)
	}
	keysFile := filepath.Join(dir, "keys.pem")
	writeFile(t, keysFile, pub)

	t.Run("simulate all", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		cmd := licentiaCmd("simulate", "--url", c.url, "--scenario", "all", "--json", "--keys", keysFile,
			"--concurrency", "10", "--market-addr", marketAddr)
		cmd.Env = append(append(cmd.Env, "LICENTIA_KOOGALLERY_KEY="+testKey), openAPIEnv...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("licentia simulate --scenario all: %v\n%s\n%s", err, stdout.String(), stderr.String())
		}
		var rep simulator.Report
		if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
			t.Fatalf("simulate --json output: %v", err)
		}
		if rep.Failed != 0 || rep.Skipped != 0 || !rep.LicentiaFormat || rep.Passed < 100 {
			t.Errorf("simulate: passed %d, failed %d, skipped %d, licentia format %v; want >100 passed, none failed or skipped:\n%s",
				rep.Passed, rep.Failed, rep.Skipped, rep.LicentiaFormat, stdout.String())
		}
	})
	t.Run("lifecycle", func(t *testing.T) {
		lifecycle(t, c.url, verifyBin, keysFile, dir)
	})
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// lifecycle walks one license through create, renew, unrenew into the past, renew, freeze, unfreeze and
// release, checking the current code with licentia-verify after every step.
func lifecycle(t *testing.T, base, bin, keysFile, dir string) {
	ctx := context.Background()
	sim := koogallery.NewCaller(base+"/koogallery/license", testKey, nil, nil)
	now := time.Now().UTC().Truncate(time.Second)
	day := 24 * time.Hour
	order := fmt.Sprintf("E2E-%d", now.UnixNano())
	create := map[string]string{"activity": koogallery.ActivityNewInstance, "orderId": order, "orderLineId": order + "-1",
		"productId": "E2E-P", "skuCode": "E2E-SKU", "customerId": "e2e", "expireTime": koogallery.FormatTime(now.Add(30 * day)),
		"effectiveTime": koogallery.FormatTime(now.Add(-10 * day))}
	n := 0
	current := func() string { // a resent create answers the license's current code
		t.Helper()
		n++
		create["businessId"] = fmt.Sprintf("%s-b%d", order, n)
		a, err := sim.Signed(ctx, create)
		if err == nil {
			err = a.Created()
		}
		if err != nil {
			t.Fatalf("create %s: %v", order, err)
		}
		return a.License
	}
	callback := func(body map[string]string) {
		t.Helper()
		body["instanceId"] = order + "-b1" // the instanceId is the first businessId
		a, err := sim.Signed(ctx, body)
		if err == nil {
			err = a.Accepted()
		}
		if err != nil {
			t.Fatalf("%s: %v", body["activity"], err)
		}
	}
	refresh := func(scene string, exp time.Time) map[string]string {
		id := fmt.Sprintf("%s-%s-%d", order, scene, exp.Unix())
		return map[string]string{"activity": koogallery.ActivityRefreshInstance, "orderId": id, "orderLineId": id + "-1", "scene": scene,
			"expireTime": koogallery.FormatTime(exp)}
	}
	status := func(s string) map[string]string {
		return map[string]string{"activity": koogallery.ActivityUpdateInstanceStatus, "status": s}
	}
	gen1 := current()
	steps := []struct {
		name     string
		call     map[string]string // nil: no callback
		args     []string
		wantExit int
		wantGen  int64
	}{
		{"created", nil, nil, 0, 1},
		{"created, right product", nil, []string{"--product", "E2E-P", "--sku", "E2E-SKU", "--issuer", "licentia"}, 0, 1},
		{"created, wrong product", nil, []string{"--product", "OTHER"}, 4, 0},
		{"renewed", refresh(license.SceneRenewal, now.Add(60*day)), nil, 0, 2},
		{"unrenewed into the past", refresh(license.SceneUnrenew, now.Add(-day)), nil, 2, 0},
		{"unrenewed, judged before the end", nil, []string{"--at", now.Add(-2 * day).Format(time.RFC3339)}, 0, 3},
		{"renewed again", refresh(license.SceneRenewal, now.Add(90*day)), nil, 0, 4},
		{"frozen", status(koogallery.StatusFreeze), nil, 5, 0},
		{"unfrozen", status(koogallery.StatusUnfreeze), nil, 0, 6},
		{"released", map[string]string{"activity": koogallery.ActivityReleaseInstance, "orderId": order}, nil, 5, 0},
	}
	for _, s := range steps {
		if s.call != nil {
			callback(s.call)
		}
		code := current()
		exit, v := verify(t, bin, code, append([]string{"--keys", keysFile, "--product", "E2E-P"}, s.args...)...)
		if exit != s.wantExit {
			t.Fatalf("%s: licentia-verify exit %d (%s), want %d", s.name, exit, v.Reason, s.wantExit)
		}
		if s.wantGen != 0 && (v.Generation != s.wantGen || !v.Valid || v.LicenseID != order+"-b1") {
			t.Errorf("%s: report = %+v, want valid generation %d of %s", s.name, v, s.wantGen, order+"-b1")
		}
	}
	checkSuperseded(t, base, bin, keysFile, dir, gen1)
	checkTestAndForged(t, sim, bin, keysFile, gen1)
}

// checkSuperseded: the first generation of a released license is still a well-signed active code, which
// only the revocation list or a state file that saw a newer generation can turn down.
func checkSuperseded(t *testing.T, base, bin, keysFile, dir, gen1 string) {
	if exit, v := verify(t, bin, gen1, "--keys", keysFile, "--product", "E2E-P"); exit != 0 {
		t.Errorf("generation 1 offline, no list: exit %d (%s), want 0", exit, v.Reason)
	}
	resp, err := http.Get(base + "/v1/revocations")
	if err != nil {
		t.Fatal(err)
	}
	list, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /v1/revocations = %d, want 200", resp.StatusCode)
	}
	revFile := filepath.Join(dir, "revocations.jws")
	writeFile(t, revFile, list)
	if exit, v := verify(t, bin, gen1, "--keys", keysFile, "--product", "E2E-P", "--revocations", revFile); exit != 5 {
		t.Errorf("generation 1 of a released license with the revocation list: exit %d (%s), want 5", exit, v.Reason)
	}
}

// checkTestAndForged: a probe's test code is refused unless test codes are allowed; a tampered code, an
// unknown key, a bad command line and a missing key file get their own statuses.
func checkTestAndForged(t *testing.T, sim *koogallery.Caller, bin, keysFile, code string) {
	a, err := sim.Signed(context.Background(), map[string]string{"activity": koogallery.ActivityNewInstance, "orderId": "MOCK-E2E",
		"orderLineId": "MOCK-E2E-1", "businessId": "mock", "testFlag": "1", "expireTime": "20991231000000"})
	if err == nil {
		err = a.Created()
	}
	if err != nil {
		t.Fatalf("probe create: %v", err)
	}
	otherKeys := filepath.Join(t.TempDir(), "other.pem")
	if out, err := licentiaCmd("keys", "init", "--data", filepath.Dir(otherKeys)).CombinedOutput(); err != nil {
		t.Fatalf("keys init: %v %s", err, out)
	}
	otherPub, _ := licentiaCmd("keys", "public", "--data", filepath.Dir(otherKeys)).Output()
	writeFile(t, otherKeys, otherPub)
	tampered := []byte(code)
	tampered[len(tampered)/2] ^= 1
	cases := []struct {
		name string
		code string
		args []string
		want int
	}{
		{"test code", a.License, []string{"--keys", keysFile, "--any-product"}, 4},
		{"test code allowed", a.License, []string{"--keys", keysFile, "--any-product", "--allow-test"}, 0},
		{"tampered", string(tampered), []string{"--keys", keysFile, "--product", "E2E-P"}, 1},
		{"unknown key", code, []string{"--keys", otherKeys, "--product", "E2E-P"}, 1},
		{"missing key file", code, []string{"--keys", filepath.Join(t.TempDir(), "none.pem"), "--product", "E2E-P"}, 66},
		{"usage", code, []string{"--no-such-flag"}, 64},
		{"no product binding", code, []string{"--keys", keysFile}, 64},
	}
	for _, c := range cases {
		if exit, v := verify(t, bin, c.code, c.args...); exit != c.want {
			t.Errorf("%s: licentia-verify exit %d (%s), want %d", c.name, exit, v.Reason, c.want)
		}
	}
}

// TestSimulatePostgres plays every scenario against licentia on PostgreSQL, where concurrent writes are
// not funnelled through one committer but serialised by the database (skipped without
// LICENTIA_TEST_POSTGRES; .ci/run provides it).
func TestSimulatePostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	dsn := pgtest.DSN(t)
	data := t.TempDir()
	if out, err := licentiaCmd("keys", "init", "--data", data).CombinedOutput(); err != nil {
		t.Fatalf("keys init: %v: %s", err, out)
	}
	// simulate's OpenAPI stand-in holds the orders every newInstance carries only the id of.
	marketAddr := freeAddr(t)
	c := startChildEnv(t, data, []string{"LICENTIA_KOOGALLERY_AK=pg-ak", "LICENTIA_KOOGALLERY_SK=pg-sk"}, "--db", dsn,
		"--koogallery-api", "http://"+marketAddr, "--activation-per-address", "1000")
	var stdout bytes.Buffer
	err := run(context.Background(), []string{"simulate", "--url", c.url, "--key", testKey, "--concurrency", "20",
		"--market-addr", marketAddr}, envMap(map[string]string{"LICENTIA_KOOGALLERY_AK": "pg-ak", "LICENTIA_KOOGALLERY_SK": "pg-sk"}),
		&stdout, io.Discard)
	if err != nil {
		t.Fatalf("simulate --scenario all on PostgreSQL: %v\n%s", err, stdout.String())
	}
	if !strings.Contains(stdout.String(), " 0 failed, 0 skipped ") {
		t.Errorf("simulate --scenario all on PostgreSQL skipped steps:\n%s", stdout.String())
	}
}
