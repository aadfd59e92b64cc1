package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/licentia/licentia/schema"
	"github.com/licentia/licentia/server/koogallery"
)

// TestMain lets the test binary act as the licentia binary: the crash and end-to-end tests run it as a
// child process with LICENTIA_TEST_MAIN=1 and licentia's own arguments.
func TestMain(m *testing.M) {
	if os.Getenv("LICENTIA_TEST_MAIN") == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
		stop()
		if err != nil {
			if !errors.Is(err, flag.ErrHelp) {
				fmt.Fprintln(os.Stderr, "licentia:", err)
			}
			os.Exit(exitCode(err))
		}
		os.Exit(0)
	}
	cleanup, err := writeScriptBin()
	if err != nil {
		fmt.Fprintln(os.Stderr, "write the script tests' licentia wrapper:", err)
		os.Exit(1)
	}
	code := m.Run()
	cleanup()
	os.Exit(code)
}

func noEnv(string) string { return "" }

func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestServeWithoutKeyNamesTheVariable(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0"}, noEnv, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "LICENTIA_KOOGALLERY_KEY") {
		t.Fatalf("run(serve) err = %v, want one naming LICENTIA_KOOGALLERY_KEY", err)
	}
	if exitCode(err) == 0 {
		t.Errorf("exitCode = 0, want non-zero")
	}
}

// TestServeReportsBoundAddr checks that a server asked for port 0 says which port it got: in the
// "listening" log line and in --addr-file, which it removes when it shuts down.
func TestServeReportsBoundAddr(t *testing.T) {
	addrFile := filepath.Join(t.TempDir(), "addr")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--addr-file", addrFile,
			"--koogallery-key", testKey}, noEnv, io.Discard, &logs)
	}()
	var addr string
	for deadline := time.Now().Add(20 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		addr = readAddrFile(addrFile)
	}
	if addr == "" || strings.HasSuffix(addr, ":0") {
		t.Fatalf("--addr-file holds %q, want the bound host:port; logs:\n%s", addr, logs.String())
	}
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz at the reported address: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz status = %d, want 200", resp.StatusCode)
	}
	logged := ""
	for _, line := range strings.Split(logs.String(), "\n") {
		var rec struct{ Msg, Addr string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "listening" {
			logged = rec.Addr
		}
	}
	if logged != addr {
		t.Errorf("listening log addr = %q, want %q", logged, addr)
	}
	if !strings.Contains(logs.String(), `"msg":"G1b needs LICENTIA_KOOGALLERY_AK and LICENTIA_KOOGALLERY_SK`) {
		t.Errorf("logs without AK/SK lack the start-up warning that G1b needs them:\n%s", logs.String())
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run(serve) after cancel err = %v, want nil", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop after its context ended")
	}
	if _, err := os.Stat(addrFile); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after shutdown, stat(--addr-file) err = %v, want it removed", err)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"frobnicate"}, {"serve", "--no-such-flag"}, {"keys"}, {"keys", "melt"},
		{"serve", "--grace", "soon", "--koogallery-key", "k"}, {"serve", "--koogallery-key", "k", "--trusted-proxy", "the-lb"},
		{"serve", "--koogallery-key", "k", "--max-client-conns", "-1"}, {"serve", "--koogallery-key", "k", "--max-client-conns", "many"}} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), args, noEnv, &stdout, &stderr)
		if exitCode(err) != 2 {
			t.Errorf("run(%q) = %v (exit %d), want a usage error", args, err, exitCode(err))
		}
	}
}

func TestKeysCommands(t *testing.T) {
	ctx := context.Background()
	env := envMap(map[string]string{"LICENTIA_DATA": t.TempDir()})
	out := func(args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if err := run(ctx, args, env, &stdout, &stderr); err != nil {
			t.Fatalf("run(%q) err = %v (%s)", args, err, stderr.String())
		}
		return stdout.String()
	}
	if err := run(ctx, []string{"keys", "list"}, env, io.Discard, io.Discard); err == nil {
		t.Errorf("keys list on an empty data dir: err = nil, want an error")
	}
	init1 := out("keys", "init")
	if !strings.Contains(init1, "created signing key") {
		t.Errorf("keys init = %q", init1)
	}
	if got := out("keys", "init"); !strings.Contains(got, "exists") {
		t.Errorf("second keys init = %q, want it to keep the ring", got)
	}
	out("keys", "rotate")
	list := out("keys", "list")
	if strings.Count(list, "active") != 1 || strings.Count(list, "retired") != 1 {
		t.Errorf("keys list = %q, want one active and one retired key", list)
	}
	if pub := out("keys", "public"); strings.Count(pub, "BEGIN PUBLIC KEY") != 2 || strings.Contains(pub, "PRIVATE") {
		t.Errorf("keys public = %q, want two public keys", pub)
	}
	roles := func(list string) map[string]string { // role -> a key id with it
		m := map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(list), "\n") {
			if f := strings.Fields(line); len(f) >= 3 { // id, role, created (a time and its zone)
				m[f[1]] = f[0]
			}
		}
		return m
	}
	first := roles(list)["retired"]
	out("keys", "rotate")
	active := roles(out("keys", "list"))["active"]
	for _, kid := range []string{active, "0000000000000000"} {
		if err := run(ctx, []string{"keys", "retire", kid}, env, io.Discard, io.Discard); exitCode(err) != 2 {
			t.Errorf("keys retire %s = %v (exit %d), want a usage error", kid, err, exitCode(err))
		}
	}
	if got := out("keys", "retire", first); !strings.Contains(got, "withdrew key "+first) {
		t.Errorf("keys retire = %q", got)
	}
	list = out("keys", "list")
	if strings.Count(list, "active") != 1 || strings.Count(list, "retired") != 1 || !strings.Contains(list, first+"  withdrawn") {
		t.Errorf("keys list after retire = %q, want one active, one retired and %s withdrawn", list, first)
	}
	if pub := out("keys", "public"); strings.Count(pub, "BEGIN PUBLIC KEY") != 2 {
		t.Errorf("keys public after retire = %q, want the two keys that verify", pub)
	}
	dir := filepath.Join(env("LICENTIA_DATA"), "keys")
	if info, _ := os.Stat(dir); info.Mode().Perm() != 0o700 {
		t.Errorf("%s mode = %v, want 0700", dir, info.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		info, _ := e.Info()
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s mode = %v, want 0600", e.Name(), info.Mode().Perm())
		}
	}
}

func TestMigrate(t *testing.T) {
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"migrate", "--data", t.TempDir()}, noEnv, &stdout, io.Discard); err != nil {
		t.Fatalf("migrate err = %v", err)
	}
	// The latest version is the number of the newest migration file.
	fsys, err := schema.Migrations(schema.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := fs.Glob(fsys, "*.sql")
	if want := fmt.Sprintf("schema version %d\n", len(files)); !strings.HasSuffix(stdout.String(), want) {
		t.Errorf("migrate output = %q, want it to end in %q", stdout.String(), want)
	}
}

// child is a licentia server running as a separate process.
type child struct {
	cmd  *exec.Cmd
	url  string
	logs *bytes.Buffer
}

// readAddrFile returns the address `licentia serve --addr-file path` wrote, or "" while there is none.
func readAddrFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// startChild runs `licentia serve` on a loopback port it picks itself (--addr 127.0.0.1:0, reported
// through --addr-file) and waits until it is ready.
func startChild(t testing.TB, data string, extra ...string) *child {
	t.Helper()
	return startChildEnv(t, data, nil, extra...)
}

// startChildEnv is startChild with env added to the child's environment (e.g. the OpenAPI AK/SK).
func startChildEnv(t testing.TB, data string, env []string, extra ...string) *child {
	t.Helper()
	addrFile := filepath.Join(t.TempDir(), "addr")
	args := append([]string{"serve", "--data", data, "--addr", "127.0.0.1:0", "--addr-file", addrFile, "--log-level", "warn"}, extra...)
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "LICENTIA_TEST_MAIN=1", "LICENTIA_KOOGALLERY_KEY="+testKey), env...)
	logs := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, logs: logs}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for ; time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c.url == "" {
			addr := readAddrFile(addrFile)
			if addr == "" {
				continue
			}
			c.url = "http://" + addr
		}
		resp, err := http.Get(c.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return c
			}
		}
	}
	t.Fatalf("server did not become ready; logs:\n%s", logs)
	return nil
}

const testKey = "test-access-key-123"

// getLicense sends a signed License 1.0 getLicense for order and returns resultCode, instanceId, license.
func getLicense(client *http.Client, base, order, business string) (string, string, string, error) {
	r, err := legacyCall(client, base, map[string]string{"activity": koogallery.ActivityGetLicense, "businessId": business,
		"customerId": "c-1", "orderId": order, "productId": "P1"})
	return r.ResultCode, r.InstanceID, r.License, err
}

// serveInProcess runs `licentia serve` through run on free loopback ports until the test ends and
// returns its base URL and its log. extra adds flags; env is the environment.
func serveInProcess(t *testing.T, env map[string]string, extra ...string) (string, *syncBuffer) {
	t.Helper()
	addr := freeAddr(t)
	args := append([]string{"serve", "--data", t.TempDir(), "--addr", addr}, extra...)
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, envMap(env), io.Discard, logs) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve err = %v", err)
		}
	})
	// The probe keeps no connection open: tests of per-client connection limits count on that.
	probe := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			done <- err
			t.Fatalf("serve exited: %v; logs:\n%s", err, logs)
		default:
		}
		if resp, err := probe.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return "http://" + addr, logs
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("server did not become ready; logs:\n%s", logs)
	return "", nil
}

func writeSecret(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestServeSecretSources checks where serve takes the access key from, and that a key given as a flag
// value is warned about (and never logged).
func TestServeSecretSources(t *testing.T) {
	const warning = "--koogallery-key puts a secret on the command line"
	tests := []struct {
		name  string
		env   map[string]string
		args  []string
		warns bool
	}{
		{"environment", map[string]string{"LICENTIA_KOOGALLERY_KEY": testKey}, nil, false},
		{"file flag", nil, []string{"--koogallery-key-file", writeSecret(t, testKey+"\n")}, false},
		{"file variable", map[string]string{"LICENTIA_KOOGALLERY_KEY_FILE": writeSecret(t, "old-key\n"+testKey+"\n")}, nil, false},
		{"file flag over variable", map[string]string{"LICENTIA_KOOGALLERY_KEY": "stale"},
			[]string{"--koogallery-key-file", writeSecret(t, testKey)}, false},
		{"flag value", nil, []string{"--koogallery-key", testKey}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, logs := serveInProcess(t, tt.env, tt.args...)
			code, _, _, err := getLicense(http.DefaultClient, base, "O-SECRET", "b-secret")
			if err != nil || code != "000000" {
				t.Errorf("getLicense signed with the key = %s, %v; want 000000", code, err)
			}
			if got := strings.Contains(logs.String(), warning); got != tt.warns {
				t.Errorf("log warns about the flag value: %v, want %v; logs:\n%s", got, tt.warns, logs)
			}
			if strings.Contains(logs.String(), testKey) {
				t.Errorf("log shows the access key:\n%s", logs)
			}
		})
	}
}

func TestSecretSourceErrors(t *testing.T) {
	empty := writeSecret(t, " \n")
	big := writeSecret(t, strings.Repeat("k", maxSecretFile+1))
	key := writeSecret(t, testKey)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"flag and file flag", nil, []string{"serve", "--koogallery-key", "k", "--koogallery-key-file", key}, "not both"},
		{"variable and file variable", map[string]string{"LICENTIA_KOOGALLERY_KEY": "k", "LICENTIA_KOOGALLERY_KEY_FILE": key},
			[]string{"serve"}, "set LICENTIA_KOOGALLERY_KEY or LICENTIA_KOOGALLERY_KEY_FILE, not both"},
		{"missing file", nil, []string{"serve", "--koogallery-key-file", "/nonexistent/key"}, "no such file"},
		{"empty file", nil, []string{"serve", "--koogallery-key-file", empty}, "is empty"},
		{"oversized file", nil, []string{"serve", "--koogallery-key-file", big}, "larger than 64 KiB"},
		{"directory", nil, []string{"serve", "--koogallery-key-file", t.TempDir()}, "--koogallery-key-file"},
		{"database file missing", nil, []string{"migrate", "--db-file", "/nonexistent/db"}, "--db-file"},
		{"simulate key file empty", nil, []string{"simulate", "--url", "http://127.0.0.1:1", "--key-file", empty}, "is empty"},
		{"metrics on the main listener", map[string]string{"LICENTIA_KOOGALLERY_KEY": "k"},
			[]string{"serve", "--addr", "127.0.0.1:9", "--metrics-addr", "127.0.0.1:9"}, "listener of its own"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(tt.args, "--data", t.TempDir())
			if tt.args[0] == "simulate" {
				args = tt.args
			}
			err := run(context.Background(), args, envMap(tt.env), io.Discard, io.Discard)
			if exitCode(err) != 2 || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run(%q) = %v (exit %d), want a usage error containing %q", tt.args, err, exitCode(err), tt.want)
			}
		})
	}
}

// TestDatabaseFromFile checks that --db-file and LICENTIA_DB_FILE name the database, and that a password
// in a --db value on the command line is warned about.
func TestDatabaseFromFile(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "elsewhere.db")
	file := writeSecret(t, dbPath+"\n")
	for _, env := range []map[string]string{{"LICENTIA_DB_FILE": file}, nil} {
		args := []string{"migrate", "--data", filepath.Join(dir, "data")}
		if env == nil {
			args = append(args, "--db-file", file)
		}
		var stderr bytes.Buffer
		if err := run(context.Background(), args, envMap(env), io.Discard, &stderr); err != nil {
			t.Fatalf("run(%q) err = %v", args, err)
		}
		if stderr.Len() != 0 {
			t.Errorf("migrate with a database file wrote %q to stderr, want nothing", stderr.String())
		}
	}
	if _, err := os.Stat(dbPath); err != nil {
		t.Errorf("database named in the file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "licentia.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("default database created too: stat err = %v", err)
	}
	tests := []struct {
		dsn  string
		want bool
	}{
		{"postgres://licentia:s3cret@db:5432/licentia", true},
		{"postgres://licentia:@db/licentia", true},
		{"postgres://db/licentia?password=s3cret", true},
		{"postgres://licentia@db:5432/licentia?sslmode=verify-full", false},
		{"postgresql://db/licentia?passfile=/etc/licentia/pgpass", false},
		{"/var/lib/licentia/licentia.db", false},
	}
	for _, tt := range tests {
		if got := hasPassword(tt.dsn); got != tt.want {
			t.Errorf("hasPassword(%q) = %v, want %v", tt.dsn, got, tt.want)
		}
	}
}

// TestMetricsAddr checks that with --metrics-addr /metrics is served only there.
func TestMetricsAddr(t *testing.T) {
	metricsAddr := freeAddr(t)
	base, _ := serveInProcess(t, map[string]string{"LICENTIA_KOOGALLERY_KEY": testKey, "LICENTIA_METRICS_ADDR": metricsAddr})
	for _, tt := range []struct {
		url    string
		status int
	}{
		{base + "/metrics", http.StatusNotFound},
		{"http://" + metricsAddr + "/metrics", http.StatusOK},
		{"http://" + metricsAddr + "/healthz", http.StatusNotFound},
		{"http://" + metricsAddr + "/admin/v1/licenses", http.StatusNotFound},
	} {
		resp, err := http.Get(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("GET %s = %d, want %d", tt.url, resp.StatusCode, tt.status)
		}
		if tt.status == http.StatusOK && !strings.Contains(string(body), "licentia_http_request_duration_seconds") {
			t.Errorf("GET %s lacks licentia's metrics", tt.url)
		}
	}
	// Without --metrics-addr /metrics stays on --addr (a loopback address by default).
	base, _ = serveInProcess(t, map[string]string{"LICENTIA_KOOGALLERY_KEY": testKey})
	if resp, err := http.Get(base + "/metrics"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("GET /metrics without --metrics-addr = %v, %v; want 200", resp, err)
	} else {
		resp.Body.Close()
	}
}

// TestTokenToFile checks tokens create --out: the token goes to a new 0600 file, not to stdout, and an
// existing file is never overwritten nor a token stored for it.
func TestTokenToFile(t *testing.T) {
	ctx := context.Background()
	env := envMap(map[string]string{"LICENTIA_DATA": t.TempDir()})
	path := filepath.Join(t.TempDir(), "support.token")
	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"tokens", "create", "desk", "--role", "support", "--out", path}, env, &stdout, &stderr); err != nil {
		t.Fatalf("tokens create --out err = %v (%s)", err, stderr.String())
	}
	if stdout.Len() != 0 || strings.Contains(stderr.String(), "lct_") {
		t.Errorf("tokens create --out printed %q / %q, want the token in the file only", stdout.String(), stderr.String())
	}
	data, err := os.ReadFile(path)
	if err != nil || !strings.HasPrefix(string(data), "lct_") {
		t.Fatalf("token file = %q, %v; want the token", data, err)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("token file mode = %v, want 0600", info.Mode().Perm())
	}
	if tok, err := readSecretFile(langEN, path, "test"); err != nil || tok != strings.TrimSpace(string(data)) {
		t.Errorf("readSecretFile(langEN, token file) = %q, %v", tok, err)
	}
	err = run(ctx, []string{"tokens", "create", "other", "--out", path}, env, io.Discard, io.Discard)
	if exitCode(err) != 2 {
		t.Errorf("tokens create --out EXISTING = %v (exit %d), want a usage error", err, exitCode(err))
	}
	if again, _ := os.ReadFile(path); !bytes.Equal(again, data) {
		t.Errorf("existing token file overwritten")
	}
	stdout.Reset()
	if err := run(ctx, []string{"tokens", "list"}, env, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stdout.String(), "other") {
		t.Errorf("tokens list = %q, want no token stored for the refused file", stdout.String())
	}
}

// freeAddr returns a loopback address free at the time of the call, for listeners a test must name before
// the server starts (the metrics listener); serve itself reports its bound --addr (--addr-file).
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
