package main

import (
	"bytes"
	"context"
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
	os.Exit(m.Run())
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

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"frobnicate"}, {"serve", "--no-such-flag"}, {"keys"}, {"keys", "melt"},
		{"serve", "--grace", "soon", "--koogallery-key", "k"}, {"serve", "--koogallery-key", "k", "--trusted-proxy", "the-lb"}} {
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
	entries, _ := os.ReadDir(filepath.Join(env("LICENTIA_DATA"), "keys"))
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

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startChild runs `licentia serve` on a free loopback port and waits until it is ready.
func startChild(t testing.TB, data string, extra ...string) *child {
	t.Helper()
	addr := freeAddr(t)
	args := append([]string{"serve", "--data", data, "--addr", addr, "--log-level", "warn"}, extra...)
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "LICENTIA_TEST_MAIN=1", "LICENTIA_KOOGALLERY_KEY="+testKey)
	logs := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, url: "http://" + addr, logs: logs}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(c.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return c
			}
		}
		time.Sleep(20 * time.Millisecond)
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
