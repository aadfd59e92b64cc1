package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/licentia/licentia/server/koogallery"
)

// TestVerifyOnline runs licentia-verify --refresh against a real server: a reissue is picked up online,
// the fetched revocation list then rejects the old code offline, and with the server gone the check
// falls back to the code held.
func TestVerifyOnline(t *testing.T) {
	if testing.Short() {
		t.Skip("builds licentia-verify and starts a server")
	}
	bin := buildVerifier(t)
	data, dir := t.TempDir(), t.TempDir()
	c := startChild(t, data)
	pub, err := licentiaCmd("keys", "public", "--data", data).Output()
	if err != nil {
		t.Fatal(err)
	}
	keysFile, revsFile, saved := filepath.Join(dir, "keys.pem"), filepath.Join(dir, "revocations.jwt"), filepath.Join(dir, "code.jwt")
	writeFile(t, keysFile, pub)

	code, inst, gen1, err := getLicense(&http.Client{Timeout: 5 * time.Second}, c.url, "ONLINE-1", "b-online-1")
	if err != nil || code != "000000" {
		t.Fatalf("getLicense = %s, %v", code, err)
	}
	var out bytes.Buffer
	// A marketplace change (an unrenewal gives the perpetual license an end) makes generation 2; the buyer's
	// generation-1 code still fetches it (a reissue would not: see TestCodesScripts).
	m := newMarket(c, 5*time.Second)
	a, err := m.sim.Signed(context.Background(), map[string]string{"activity": "refreshInstance", "instanceId": inst,
		"orderId": "U-ONLINE-1", "scene": "UNSUBSCRIBE_RENEWAL_PERIOD", "expireTime": koogallery.FormatTime(time.Now().AddDate(1, 0, 0))})
	if err == nil {
		err = a.Accepted()
	}
	m.close()
	if err != nil {
		t.Fatalf("unrenewal: %v", err)
	}

	// Online: the old code is traded for generation 2, which is saved; the list is kept for later.
	exit, v := verify(t, bin, gen1, "--keys", keysFile, "--product", "P1", "--refresh", c.url, "--revocations", revsFile, "--save", saved)
	if exit != 0 || v.Generation != 2 || v.LicenseID != inst || !v.Refreshed {
		t.Fatalf("online check = exit %d, %+v; want 0 and generation 2", exit, v)
	}
	gen2, err := os.ReadFile(saved)
	if err != nil || strings.TrimSpace(string(gen2)) == gen1 {
		t.Fatalf("saved code: %v, want the refreshed code", err)
	}
	info, err := os.Stat(saved)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("saved code mode = %v, %v; want 0600", info.Mode().Perm(), err)
	}
	// Offline with the fetched list: the superseded code fails (exit 5), the new one passes.
	if exit, v := verify(t, bin, gen1, "--keys", keysFile, "--product", "P1", "--revocations", revsFile); exit != 5 {
		t.Errorf("old code with the fetched list = exit %d (%s), want 5", exit, v.Reason)
	}
	if exit, _ := verify(t, bin, string(gen2), "--keys", keysFile, "--product", "P1", "--revocations", revsFile); exit != 0 {
		t.Errorf("new code with the fetched list = exit %d, want 0", exit)
	}

	// Server gone: the check falls back to the code held, offline.
	c.cmd.Process.Signal(syscall.SIGTERM)
	c.cmd.Wait()
	exit, v = verify(t, bin, string(gen2), "--keys", keysFile, "--product", "P1", "--refresh", c.url, "--revocations", revsFile)
	if exit != 0 || v.Generation != 2 || v.Refreshed {
		t.Errorf("check with the server down = exit %d, %+v; want 0 from the offline check", exit, v)
	}

	// Revoked: with the server back, every code of the license fails, online and offline (exit 5).
	c = startChild(t, data)
	revoke := []string{"codes", "revoke", inst, "--reason", "chargeback", "--actor", "alice", "--data", data}
	if err := run(context.Background(), revoke, noEnv, &out, &out); err != nil {
		t.Fatalf("codes revoke: %v (%s)", err, out.String())
	}
	if exit, v := verify(t, bin, string(gen2), "--keys", keysFile, "--product", "P1", "--refresh", c.url, "--revocations", revsFile); exit != 5 || v.Reason != "revoked" || v.Refreshed {
		// A revoke raises the proof generation: the old code no longer fetches anything, and the freshly
		// fetched revocation list voids it.
		t.Errorf("revoked license online = exit %d, %+v; want 5, revoked by the list, not refreshed", exit, v)
	}
	for _, code := range []string{gen1, string(gen2)} {
		if exit, v := verify(t, bin, code, "--keys", keysFile, "--product", "P1", "--revocations", revsFile); exit != 5 {
			t.Errorf("code of a revoked license offline = exit %d (%s), want 5", exit, v.Reason)
		}
	}
}
