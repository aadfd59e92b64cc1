package main

import (
	"crypto/ed25519"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/verifier"
)

// hostile steers a terminal when printed raw: erase, cursor home, window title, OSC 52 clipboard write, a
// C1 CSI, a right-to-left override and DEL.
const hostile = "\x1b[2J\x1b[H\x1b]0;pwned\x07\x1b]52;c;ZWNobyBoaQ==\x07\u009b31m\u202eevil\x7f"

var rawControls = []string{"\x1b", "\x07", "\x7f", "\u009b", "\u202e"}

func checkNoRaw(t *testing.T, what, out string) {
	t.Helper()
	for _, c := range rawControls {
		if strings.Contains(out, c) {
			t.Errorf("%s prints %q raw:\n%q", what, c, out)
		}
	}
}

// TestTerminalEscapes: claims, file names and arguments holding terminal control sequences print escaped
// (Chinese unchanged); --json keeps the exact values.
func TestTerminalEscapes(t *testing.T) {
	seed := make([]byte, ed25519.SeedSize)
	priv := ed25519.NewKeyFromSeed(seed)
	pub := priv.Public().(ed25519.PublicKey)
	pem, err := keys.EncodePublicPEM(pub)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	keyFile := writeFile(t, dir, "keys.pem", string(pem))
	c := &verifier.Claims{Issuer: "licentia", LicenseID: "L-" + hostile, Generation: 1, IssuedAt: 1, NotBefore: 1,
		Status: "active", ProductID: "产品" + hostile, SKU: "s" + hostile, OrderID: "O-1", CustomerID: "c"}
	code, err := verifier.Sign(c, keys.KeyID(pub), priv)
	if err != nil {
		t.Fatal(err)
	}

	r := runCmd(t, "", "--keys", keyFile, "--any-product", code)
	if r.exit != exitValid {
		t.Fatalf("run() = %d (%s), want 0", r.exit, r.stderr)
	}
	checkNoRaw(t, "the verdict", r.stdout+r.stderr)
	if !strings.Contains(r.stdout, `license=L-\x1b[2J`) || !strings.Contains(r.stdout, "product=产品") {
		t.Errorf("verdict %q, want the license id escaped and the Chinese product id as it is", r.stdout)
	}
	r = runCmd(t, "", "--keys", keyFile, "--product", "P"+hostile, code)
	if r.exit != exitWrongScope {
		t.Fatalf("run(--product) = %d, want %d", r.exit, exitWrongScope)
	}
	checkNoRaw(t, "a wrong-product verdict", r.stdout+r.stderr)

	r = runCmd(t, "", "--keys", keyFile, "--any-product", "--json", code)
	var rep report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || rep.LicenseID != c.LicenseID || rep.ProductID != c.ProductID {
		t.Errorf("--json = %q (%v), want the exact license and product ids", r.stdout, err)
	}

	// Errors that echo a file name or an argument.
	for _, args := range [][]string{
		{"--keys", filepath.Join(dir, "missing"+hostile), "--any-product", code},
		{"--keys", keyFile, "--any-product", "--revocations", filepath.Join(dir, "gone"+hostile), code},
		{"--keys", keyFile, "--any-product", "--at", hostile, code},
		{"--keys", keyFile, "--any-product", "--bogus" + hostile, code},
	} {
		r := runCmd(t, "", args...)
		if r.exit == exitValid {
			t.Errorf("run(%q) = 0, want an error", args)
		}
		checkNoRaw(t, "an error", r.stdout+r.stderr)
		if !strings.Contains(r.stderr, `\x1b`) {
			t.Errorf("run(%q) stderr %q, want the argument shown escaped", args, r.stderr)
		}
	}
}
