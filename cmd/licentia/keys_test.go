package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/licentia/licentia/verifier"
)

// keysRun runs licentia with args against the data directory data and returns its standard output.
func keysRun(t *testing.T, data string, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), append(args, "--data", data), noEnv, &stdout, &stderr); err != nil {
		t.Fatalf("licentia %q err = %v (%s)", args, err, stderr.String())
	}
	return stdout.String()
}

// httpGet returns the status and body of a GET of u.
func httpGet(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestRunningServerFollowsKeyRing rotates and withdraws keys on the data directory of a running server:
// the server signs the next purchase with the new key without a restart, never with the withdrawn one
// (not even right after `keys retire`), and its JWKS, revocation list and refresh follow within seconds.
func TestRunningServerFollowsKeyRing(t *testing.T) {
	data := t.TempDir()
	base, logs := serveInProcess(t, map[string]string{"LICENTIA_KOOGALLERY_KEY": testKey}, "--data", data)
	n := 0
	purchase := func() string {
		t.Helper()
		n++
		rc, _, code, err := getLicense(http.DefaultClient, base, fmt.Sprintf("O-KEYS-%d", n), "B-KEYS")
		if err != nil || rc != "000000" {
			t.Fatalf("getLicense = %s, %v; want 000000", rc, err)
		}
		return code
	}
	// keyOf returns the key that signed code, checked against the ring on disk now (`keys public`).
	keyOf := func(code string) (string, error) {
		res, err := testVerifier(t, data, verifier.WithProduct("P1")).Check(code)
		if err != nil {
			return "", err
		}
		return res.KeyID, nil
	}
	first := purchase()
	old, err := keyOf(first)
	if err != nil {
		t.Fatal(err)
	}

	out := keysRun(t, data, "keys", "rotate")
	if !strings.Contains(out, "within 1 s") {
		t.Errorf("keys rotate says %q; want what a running server does", out)
	}
	cur := strings.Fields(strings.TrimPrefix(out, "new signing key "))[0]
	cur = strings.TrimSuffix(cur, ":")
	deadline := time.Now().Add(10 * time.Second)
	for {
		kid, err := keyOf(purchase())
		if err != nil {
			t.Fatalf("a code signed after keys rotate: %v", err)
		}
		if kid == cur {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("10 s after keys rotate the server still signs with %s, want %s", kid, cur)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}

	out = keysRun(t, data, "keys", "retire", old, "--lang", "zh-CN")
	if !strings.Contains(out, "立即停止用它签名") || !strings.Contains(out, "1 秒内") {
		t.Errorf("keys retire --lang zh-CN says %q; want what a running server does, in Chinese", out)
	}
	// The purchase right after keys retire: a key that verifies signs it.
	if kid, err := keyOf(purchase()); err != nil || kid == old {
		t.Errorf("the purchase right after keys retire %s: signed by %s, %v (%s); want a code of a key that verifies",
			old, kid, err, verifier.Reason(err))
	}
	// Rotate and retire at once: the very next purchase is signed with a key that verifies.
	keysRun(t, data, "keys", "rotate")
	keysRun(t, data, "keys", "retire", cur)
	code := purchase()
	kid, err := keyOf(code)
	if err != nil {
		t.Fatalf("the purchase right after keys rotate and keys retire %s: %v (%s); want a code of a key that verifies",
			cur, err, verifier.Reason(err))
	}
	if kid == old || kid == cur {
		t.Fatalf("the purchase right after keys retire %s is signed with withdrawn key %s", cur, kid)
	}

	// The JWKS drops the withdrawn keys, the revocation list is signed with the active key, and a
	// withdrawn key's code no longer refreshes.
	kr, err := verifier.ParseKeyring([]byte(keysRun(t, data, "keys", "public")))
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		_, jwks := httpGet(t, base+"/.well-known/jwks.json")
		status, list := httpGet(t, base+"/v1/revocations")
		_, lerr := verifier.ParseRevocations(kr, []byte(list))
		resp, err := http.Post(base+"/v1/codes/refresh", "application/json", strings.NewReader(`{"code":"`+first+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if !strings.Contains(jwks, old) && !strings.Contains(jwks, cur) && strings.Contains(jwks, kid) &&
			status == 200 && lerr == nil && resp.StatusCode == http.StatusBadRequest {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("10 s after keys retire: JWKS %s; revocation list %d, %v; refresh of a withdrawn key's code %d; "+
				"want only %s, a list signed by it, 400", jwks, status, lerr, resp.StatusCode, kid)
		}
	}
	if !strings.Contains(logs.String(), "key ring changed") {
		t.Errorf("the server logged no key ring change:\n%s", logs)
	}
}

// TestKeysHelp checks that the help of keys is asked for, not an error, and that licentia's own help
// names every keys command.
func TestKeysHelp(t *testing.T) {
	for _, arg := range []string{"-h", "--help", "help"} {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), []string{"keys", arg}, noEnv, &stdout, &stderr); err != nil {
			t.Errorf("licentia keys %s err = %v (exit %d), want help and exit 0", arg, err, exitCode(err))
		}
		if !strings.Contains(stdout.String(), "usage: licentia keys") || !strings.Contains(stdout.String(), "retire") {
			t.Errorf("licentia keys %s printed %q", arg, stdout.String())
		}
	}
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"--help"}, noEnv, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "init, list, rotate, retire, public") {
		t.Errorf("licentia --help = %q, want keys' commands retire included", stdout.String())
	}
}
