package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// goldenFile is the verifier's golden vector file; every vector carries the exit status expected here.
const goldenFile = "../../verifier/testdata/vectors.json"

type vectorFile struct {
	PublicKeyPEM string `json:"public_key_pem"`
	Now          string `json:"now"`
	Options      struct {
		Issuer  string `json:"issuer"`
		Product string `json:"product"`
		SKU     string `json:"sku"`
	} `json:"options"`
	Revocations string `json:"revocations"`
	Vectors     []struct {
		Name      string          `json:"name"`
		Code      string          `json:"code"`
		AllowTest bool            `json:"allow_test"`
		State     json.RawMessage `json:"state"`
		Want      struct {
			Valid   bool   `json:"valid"`
			Reason  string `json:"reason"`
			Exit    int    `json:"exit"`
			InGrace bool   `json:"in_grace"`
		} `json:"want"`
	} `json:"vectors"`
}

func loadVectors(tb testing.TB) *vectorFile {
	tb.Helper()
	data, err := os.ReadFile(goldenFile)
	if err != nil {
		tb.Fatal(err)
	}
	var vf vectorFile
	if err := json.Unmarshal(data, &vf); err != nil {
		tb.Fatal(err)
	}
	return &vf
}

// writeFile writes content to name in dir and returns the path.
func writeFile(tb testing.TB, dir, name, content string) string {
	tb.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

type result struct {
	exit           int
	stdout, stderr string
}

func runCmd(tb testing.TB, stdin string, args ...string) result {
	tb.Helper()
	return runEnv(tb, nil, stdin, args...)
}

// runEnv runs the command with env as its whole environment, TZ=UTC unless env says otherwise.
func runEnv(tb testing.TB, env map[string]string, stdin string, args ...string) result {
	tb.Helper()
	var out, errOut bytes.Buffer
	exit := run(tb.Context(), args, envOf(env), strings.NewReader(stdin), &out, &errOut)
	return result{exit, out.String(), errOut.String()}
}

// envOf is a getenv for env, with TZ=UTC unless env sets TZ.
func envOf(env map[string]string) func(string) string {
	return func(name string) string {
		if v, ok := env[name]; ok {
			return v
		}
		if name == "TZ" {
			return "UTC"
		}
		return ""
	}
}

// noCode fails if the output shows the code or its signature.
func noCode(tb testing.TB, r result, code string) {
	tb.Helper()
	code = strings.TrimSpace(code)
	if len(code) < 40 {
		return
	}
	sig := code[strings.LastIndexByte(code, '.')+1:]
	for _, s := range []string{r.stdout, r.stderr} {
		if strings.Contains(s, code) || (len(sig) > 20 && strings.Contains(s, sig)) {
			tb.Errorf("output shows the code: %q", s)
		}
	}
}

func TestGoldenVectorExitCodes(t *testing.T) {
	vf := loadVectors(t)
	dir := t.TempDir()
	keys := writeFile(t, dir, "keys.pem", vf.PublicKeyPEM)
	revs := writeFile(t, dir, "revocations.jwt", vf.Revocations+"\n")
	for _, vec := range vf.Vectors {
		t.Run(vec.Name, func(t *testing.T) {
			args := []string{"--keys", keys, "--product", vf.Options.Product, "--sku", vf.Options.SKU,
				"--issuer", vf.Options.Issuer, "--revocations", revs, "--at", vf.Now, "--json"}
			if vec.AllowTest {
				args = append(args, "--allow-test")
			}
			if vec.State != nil {
				args = append(args, "--state", writeFile(t, t.TempDir(), "state.json", string(vec.State)))
			}
			var r result
			if vec.Code == "" || strings.ContainsAny(vec.Code, "\r\n") {
				r = runCmd(t, vec.Code, append(args, "-")...)
			} else {
				r = runCmd(t, "", append(args, vec.Code)...)
			}
			if r.exit != vec.Want.Exit {
				t.Fatalf("exit = %d, want %d (stdout %q, stderr %q)", r.exit, vec.Want.Exit, r.stdout, r.stderr)
			}
			var rep report
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
				t.Fatalf("stdout %q is not one JSON object: %v", r.stdout, err)
			}
			if rep.Valid != vec.Want.Valid || rep.Reason != vec.Want.Reason || rep.InGrace != vec.Want.InGrace {
				t.Errorf("report valid, reason, in_grace = %v, %q, %v, want %v, %q, %v",
					rep.Valid, rep.Reason, rep.InGrace, vec.Want.Valid, vec.Want.Reason, vec.Want.InGrace)
			}
			if len(rep.Fingerprint) != 16 {
				t.Errorf("fingerprint = %q, want 16 hex characters", rep.Fingerprint)
			}
			noCode(t, r, vec.Code)
		})
	}
}

func TestJSONFields(t *testing.T) {
	vf := loadVectors(t)
	keys := writeFile(t, t.TempDir(), "keys.pem", vf.PublicKeyPEM)
	r := runCmd(t, "", "--keys", keys, "--product", "OFFI001", "--at", vf.Now, "--json", vf.Vectors[0].Code)
	var got map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"valid": true, "reason": "valid", "license_id": "inst-0001", "generation": 2.0, "status": "active",
		"product_id": "OFFI001", "sku": "sku-std", "order_id": "CS0001", "customer_id": "c-001",
		"expires_at": "2027-01-01T00:00:00Z", "in_grace": false, "key_id": "fd110d301d2f077d",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %v, want %v", k, got[k], w)
		}
	}
}

func TestTextOutput(t *testing.T) {
	vf := loadVectors(t)
	keys := writeFile(t, t.TempDir(), "keys.pem", vf.PublicKeyPEM)
	code := vf.Vectors[0].Code
	// Flags may follow the code.
	r := runCmd(t, "", code, "--keys", keys, "--sku", "sku-std", "--at", "2027-01-03T00:00:00Z")
	if r.exit != exitValid || !strings.HasPrefix(r.stdout, "valid license=inst-0001 gen=2 ") || !strings.Contains(r.stdout, "in_grace=true") {
		t.Errorf("run() = %d, %q, want 0 and a valid line in grace", r.exit, r.stdout)
	}
	r = runCmd(t, "", "--keys", keys, "--any-product", "--at", "2030-01-01T00:00:00Z", code)
	if r.exit != exitExpired || !strings.HasPrefix(r.stdout, "invalid reason=expired ") || !strings.Contains(r.stdout, "license=inst-0001") {
		t.Errorf("run() = %d, %q, want 2 and an expired line naming the license", r.exit, r.stdout)
	}
	noCode(t, r, code)
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestUsageAndInputErrors(t *testing.T) {
	vf := loadVectors(t)
	dir := t.TempDir()
	keys := writeFile(t, dir, "keys.pem", vf.PublicKeyPEM)
	code := vf.Vectors[0].Code
	anyProduct := "--any-product"
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"help", []string{"-h"}, exitValid},
		{"no keys flag", []string{anyProduct, code}, exitUsage},
		{"no product binding", []string{"--keys", keys, code}, exitUsage},
		{"any product and a product", []string{"--keys", keys, anyProduct, "--product", "OFFI001", code}, exitUsage},
		{"any product and a sku", []string{"--keys", keys, anyProduct, "--sku", "sku-std", code}, exitUsage},
		{"unknown flag", []string{"--keys", keys, anyProduct, "--leeway", "5m", code}, exitUsage},
		{"two codes", []string{"--keys", keys, anyProduct, code, code}, exitUsage},
		{"bad --at", []string{"--keys", keys, anyProduct, "--at", "yesterday", code}, exitUsage},
		{"save without a server", []string{"--keys", keys, anyProduct, "--save", filepath.Join(dir, "c.jwt"), code}, exitUsage},
		{"refresh and activate", []string{"--keys", keys, anyProduct, "--refresh", "http://127.0.0.1:1", "--activate", "http://127.0.0.1:1", code}, exitUsage},
		{"missing deployment file", []string{"--keys", keys, anyProduct, "--deployment", filepath.Join(dir, "vm-1"), code}, exitNoInput},
		{"deployment file not JSON", []string{"--keys", keys, anyProduct, "--deployment", writeFile(t, dir, "dep1.json", "vm-1"), code}, exitNoInput},
		{"deployment out of bounds", []string{"--keys", keys, anyProduct, "--deployment", writeFile(t, dir, "dep2.json", `{"id":"x","components":{"MAC":"1"}}`), code}, exitNoInput},
		{"deployment without id", []string{"--keys", keys, anyProduct, "--deployment", writeFile(t, dir, "dep3.json", `{"components":{"mac":"1"}}`), code}, exitNoInput},
		{"max list age without a list", []string{"--keys", keys, anyProduct, "--max-list-age", "24h", code}, exitUsage},
		{"negative max list age", []string{"--keys", keys, anyProduct, "--revocations", "x", "--max-list-age", "-1h", code}, exitUsage},
		{"bad max list age", []string{"--keys", keys, anyProduct, "--revocations", "x", "--max-list-age", "3 days", code}, exitUsage},
		{"missing keys file", []string{"--keys", filepath.Join(dir, "nope.pem"), anyProduct, code}, exitNoInput},
		{"garbage keys file", []string{"--keys", writeFile(t, dir, "bad.pem", "not a key"), anyProduct, code}, exitNoInput},
		{"private key file", []string{"--keys", writeFile(t, dir, "priv.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), anyProduct, code}, exitNoInput},
		{"missing revocations", []string{"--keys", keys, anyProduct, "--revocations", filepath.Join(dir, "nope"), code}, exitNoInput},
		{"code as revocations", []string{"--keys", keys, anyProduct, "--revocations", writeFile(t, dir, "code.jwt", code), code}, exitNoInput},
		{"corrupt state", []string{"--keys", keys, anyProduct, "--state", writeFile(t, dir, "state.json", "{"), code}, exitNoInput},
		{"state not writable", []string{"--keys", keys, anyProduct, "--at", vf.Now, "--state", filepath.Join(dir, "no-dir", "state.json"), code}, exitNoInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, "", tt.args...)
			if r.exit != tt.want {
				t.Errorf("exit = %d, want %d (stderr %q)", r.exit, tt.want, r.stderr)
			}
			if tt.want != exitValid && r.stderr+r.stdout == "" {
				t.Errorf("no output, want a message")
			}
			noCode(t, r, code)
		})
	}
	t.Run("unreadable stdin", func(t *testing.T) {
		var out, errOut bytes.Buffer
		if got := run(t.Context(), []string{"--keys", keys, "--any-product", "--json"}, envOf(nil), errReader{}, &out, &errOut); got != exitNoInput {
			t.Errorf("exit = %d, want %d", got, exitNoInput)
		}
		if !strings.Contains(out.String(), `"reason":"unreadable"`) {
			t.Errorf("stdout = %q, want a JSON object with reason unreadable", out.String())
		}
	})
}

func TestStateRollbackAcrossRuns(t *testing.T) {
	vf := loadVectors(t)
	dir := t.TempDir()
	keys := writeFile(t, dir, "keys.pem", vf.PublicKeyPEM)
	state := filepath.Join(dir, "state.json")
	code := vf.Vectors[0].Code
	if r := runCmd(t, "", "--keys", keys, "--product", "OFFI001", "--state", state, "--at", "2026-06-01T00:00:00Z", code); r.exit != exitValid {
		t.Fatalf("first run exit = %d, want 0 (%s)", r.exit, r.stderr)
	}
	if r := runCmd(t, "", "--keys", keys, "--product", "OFFI001", "--state", state, "--at", "2026-03-01T00:00:00Z", code); r.exit != exitRollback {
		t.Errorf("second run exit = %d, want %d", r.exit, exitRollback)
	}
}
