package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	stand "github.com/licentia/licentia/server/simulator/market"
)

// TestActivateAgainstRealServer: licentia-verify --activate, `licentia codes activate` locally and through
// the admin API, against a real server pointed at the KooGallery OpenAPI stand-in on loopback.
func TestActivateAgainstRealServer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds licentia-verify and starts a server")
	}
	mkt, err := stand.Start(stand.Config{AK: "act-ak", SK: "act-sk"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mkt.Close() })
	exp := time.Now().UTC().Truncate(time.Second).AddDate(0, 6, 0)
	for _, code := range []string{"MC-VERIFY", "MC-LOCAL", "MC-REMOTE"} {
		if err := mkt.AddCode(stand.Code{Code: code, State: stand.Received, ExpiresAt: exp, ProductID: "P2", OrderID: "CS-" + code}); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{"LICENTIA_KOOGALLERY_AK=act-ak", "LICENTIA_KOOGALLERY_SK=act-sk"}
	data := t.TempDir()
	c := startChildEnv(t, data, env, "--koogallery-api", mkt.URL())
	bin := buildVerifier(t)
	dir := t.TempDir()
	pub, err := licentiaCmd("keys", "public", "--data", data).Output()
	if err != nil {
		t.Fatal(err)
	}
	keysFile, saved := filepath.Join(dir, "keys.pem"), filepath.Join(dir, "license.jwt")
	writeFile(t, keysFile, pub)

	// An image's first boot: the KooGallery code in, licentia's offline code saved.
	exit, v := verify(t, bin, "MC-VERIFY", "--keys", keysFile, "--product", "P2", "--activate", c.url, "--save", saved)
	if exit != 0 || !v.Valid || v.Generation != 1 || v.ExpiresAt != exp.Format(time.RFC3339) {
		t.Fatalf("licentia-verify --activate = exit %d, %+v; want 0, valid, generation 1, expiring %s", exit, v, exp.Format(time.RFC3339))
	}
	code, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	if exit, _ := verify(t, bin, string(code), "--keys", keysFile, "--product", "P2"); exit != 0 {
		t.Errorf("saved code offline = exit %d, want 0", exit)
	}
	// Again: the same license, no second activation at the marketplace.
	if exit, v2 := verify(t, bin, "MC-VERIFY", "--keys", keysFile, "--product", "P2", "--activate", c.url); exit != 0 || v2.LicenseID != v.LicenseID {
		t.Errorf("second --activate = exit %d, %+v; want 0 and license %s", exit, v2, v.LicenseID)
	}
	if got, _ := mkt.Code("MC-VERIFY"); got.Activations != 1 {
		t.Errorf("activations at the marketplace = %d, want 1", got.Activations)
	}
	// A code the marketplace does not know: refused, nothing saved.
	os.Remove(saved)
	if exit, _ := verify(t, bin, "MC-NOPE", "--keys", keysFile, "--product", "P2", "--activate", c.url, "--save", saved); exit == 0 {
		t.Errorf("--activate of an unknown code = exit 0, want a refusal")
	}
	if _, err := os.Stat(saved); err == nil {
		t.Errorf("--activate of an unknown code saved a file")
	}

	// Support, locally on the same database.
	var out, errb bytes.Buffer
	local := envMap(map[string]string{"LICENTIA_KOOGALLERY_AK": "act-ak", "LICENTIA_KOOGALLERY_SK": "act-sk",
		"LICENTIA_KOOGALLERY_API": mkt.URL()})
	if err := run(context.Background(), []string{"codes", "activate", "MC-LOCAL", "--data", data, "--actor", "alice", "--reveal"},
		local, &out, &errb); err != nil {
		t.Fatalf("codes activate (local): %v (%s)", err, errb.String())
	}
	if !strings.HasPrefix(out.String(), "activated: license ") || !strings.Contains(out.String(), "\neyJ") {
		t.Errorf("codes activate (local) printed %q, want the activation and the code", out.String())
	}

	// Support, through the admin API with a support token.
	tokFile := filepath.Join(dir, "token")
	if err := run(context.Background(), []string{"tokens", "create", "desk", "--role", "support", "--data", data, "--out", tokFile},
		noEnv, &out, &errb); err != nil {
		t.Fatalf("tokens create: %v (%s)", err, errb.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"codes", "activate", "MC-REMOTE", "--server", c.url, "--token-file", tokFile, "--json"},
		noEnv, &out, &errb); err != nil {
		t.Fatalf("codes activate (remote): %v (%s)", err, errb.String())
	}
	if !strings.Contains(out.String(), `"license_id"`) || strings.Contains(out.String(), "eyJ") {
		t.Errorf("codes activate --json (remote) printed %q, want the license and no code without --reveal", out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"codes", "history", "MC-REMOTE", "--server", c.url, "--token-file", tokFile},
		noEnv, &out, &errb); err != nil {
		t.Fatalf("codes history: %v (%s)", err, errb.String())
	}
	if !strings.Contains(out.String(), "admin") || !strings.Contains(out.String(), "desk") || !strings.Contains(out.String(), "activate") {
		t.Errorf("history of the remote activation = %q, want an admin activate by desk", out.String())
	}
}
