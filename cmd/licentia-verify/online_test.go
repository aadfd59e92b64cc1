package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/verifier"
)

// goldenKey is the key the golden vectors are signed with (seed 0x01…).
func goldenKey() ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, ed25519.SeedSize))
}

func goldenSign(tb testing.TB, c *verifier.Claims) string {
	tb.Helper()
	k := goldenKey()
	code, err := verifier.Sign(c, keys.KeyID(k.Public().(ed25519.PublicKey)), k)
	if err != nil {
		tb.Fatal(err)
	}
	return code
}

func goldenList(tb testing.TB, iat time.Time, minGen map[string]int64) string {
	tb.Helper()
	k := goldenKey()
	l, err := verifier.SignRevocations(&verifier.RevocationList{IssuedAt: iat.Unix(), MinGen: minGen}, keys.KeyID(k.Public().(ed25519.PublicKey)), k)
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

var (
	vecNow = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) // the golden vectors' "now"
	day    = 24 * time.Hour
)

func TestMaxListAge(t *testing.T) {
	vf := loadVectors(t)
	dir := t.TempDir()
	keys := writeFile(t, dir, "keys.pem", vf.PublicKeyPEM)
	revs := writeFile(t, dir, "revocations.jwt", vf.Revocations) // made 2026-01-31, 29 days before now
	code := vf.Vectors[0].Code
	tests := []struct {
		age        string
		wantExit   int
		wantReason string
	}{
		{"720h", exitValid, "valid"},
		{"696h", exitValid, "valid"}, // exactly 29 days
		{"695h", exitStaleList, "stale_list"},
		{"24h", exitStaleList, "stale_list"},
	}
	for _, tt := range tests {
		t.Run(tt.age, func(t *testing.T) {
			r := runCmd(t, "", "--keys", keys, "--product", "OFFI001", "--revocations", revs, "--max-list-age", tt.age,
				"--at", vf.Now, "--json", code)
			var rep report
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.exit != tt.wantExit || rep.Reason != tt.wantReason {
				t.Errorf("exit %d, reason %q (%v), want %d, %q (stderr %q)", r.exit, rep.Reason, err, tt.wantExit, tt.wantReason, r.stderr)
			}
		})
	}
}

// TestOlderListRefused: with a state file, a list older than one already used is refused (exit 7), so
// putting an old list file back never makes a revoked code valid.
func TestOlderListRefused(t *testing.T) {
	vf := loadVectors(t)
	dir := t.TempDir()
	keys := writeFile(t, dir, "keys.pem", vf.PublicKeyPEM)
	state := filepath.Join(dir, "state.json")
	code := vf.Vectors[0].Code // inst-0001, generation 2
	older := writeFile(t, dir, "older.jwt", goldenList(t, vecNow.Add(-2*day), map[string]int64{}))
	newer := writeFile(t, dir, "newer.jwt", goldenList(t, vecNow.Add(-day), map[string]int64{"inst-0001": 1 << 40}))
	args := func(list string) []string {
		return []string{"--keys", keys, "--product", "OFFI001", "--state", state, "--revocations", list, "--at", vf.Now, code}
	}
	for _, s := range []struct {
		name string
		list string
		want int
	}{
		{"older list first", older, exitValid},
		{"newer list revokes", newer, exitRevoked},
		{"older list put back", older, exitStaleList},
	} {
		if r := runCmd(t, "", args(s.list)...); r.exit != s.want {
			t.Fatalf("%s: exit %d, want %d (%s %s)", s.name, r.exit, s.want, r.stdout, r.stderr)
		}
	}
	// Without the state file nothing remembers the newer list: that is what --state is for.
	if r := runCmd(t, "", "--keys", keys, "--product", "OFFI001", "--revocations", older, "--at", vf.Now, code); r.exit != exitValid {
		t.Errorf("older list without state: exit %d, want 0", r.exit)
	}
}

// listServer serves /v1/revocations with list and refuses refreshes.
func listServer(tb testing.TB, list func(w http.ResponseWriter)) *httptest.Server {
	tb.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/revocations", func(w http.ResponseWriter, r *http.Request) { list(w) })
	mux.HandleFunc("POST /v1/codes/refresh", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	ts := httptest.NewServer(mux)
	tb.Cleanup(ts.Close)
	return ts
}

// TestRefreshKeepsTheNewerList: a server answering a list older than the saved one does not replace
// it; an answer too large to read is an error, not "not fetched".
func TestRefreshKeepsTheNewerList(t *testing.T) {
	vf := loadVectors(t)
	dir := t.TempDir()
	keys := writeFile(t, dir, "keys.pem", vf.PublicKeyPEM)
	code := vf.Vectors[0].Code
	newer := goldenList(t, vecNow.Add(-day), map[string]int64{"inst-0001": 1 << 40})
	saved := writeFile(t, dir, "revocations.jwt", newer)
	old := goldenList(t, vecNow.Add(-10*day), map[string]int64{})
	ts := listServer(t, func(w http.ResponseWriter) { io.WriteString(w, old) })
	r := runCmd(t, "", "--keys", keys, "--product", "OFFI001", "--refresh", ts.URL, "--revocations", saved, "--at", vf.Now, code)
	if r.exit != exitRevoked || !strings.Contains(r.stderr, "older than the one in") {
		t.Errorf("exit %d, stderr %q; want 5 with the saved list kept", r.exit, r.stderr)
	}
	if got, _ := os.ReadFile(saved); string(got) != newer {
		t.Errorf("the saved list was replaced by an older one")
	}

	state := filepath.Join(dir, "state.json")
	if r := runCmd(t, "", "--keys", keys, "--product", "OFFI001", "--state", state, "--revocations", saved, "--at", vf.Now, code); r.exit != exitRevoked {
		t.Fatalf("with state: exit %d, want 5", r.exit)
	}
	os.Remove(saved)
	r = runCmd(t, "", "--keys", keys, "--product", "OFFI001", "--refresh", ts.URL, "--state", state, "--at", vf.Now, code)
	if r.exit != exitRevoked || !strings.Contains(r.stderr, "older than one already seen") {
		t.Errorf("list older than the state saw: exit %d, stderr %q; want it not used, and 5 (the state remembers the revocation)",
			r.exit, r.stderr)
	}

	big := listServer(t, func(w http.ResponseWriter) { w.Header().Set("Content-Length", fmt.Sprint(64<<20+1)) })
	r = runCmd(t, "", "--keys", keys, "--product", "OFFI001", "--refresh", big.URL, "--json", "--at", vf.Now, code)
	if r.exit != exitNoInput || !strings.Contains(r.stderr, "too large") || !strings.Contains(r.stdout, `"reason":"unreadable"`) {
		t.Errorf("too large a list: exit %d, stdout %q, stderr %q; want 66", r.exit, r.stdout, r.stderr)
	}
}

// TestMaxListAgeOffline: software that cannot reach the server and holds no list fresh enough stops
// accepting its code (exit 7) instead of checking without revocations.
func TestMaxListAgeOffline(t *testing.T) {
	vf := loadVectors(t)
	dir := t.TempDir()
	keys := writeFile(t, dir, "keys.pem", vf.PublicKeyPEM)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	code := vf.Vectors[0].Code
	r := runCmd(t, "", "--keys", keys, "--product", "OFFI001", "--refresh", down.URL, "--max-list-age", "72h", "--at", vf.Now, code)
	if r.exit != exitStaleList || !strings.Contains(r.stdout, "reason=stale_list") {
		t.Errorf("server down, no list: exit %d, stdout %q; want 7 and reason stale_list", r.exit, r.stdout)
	}
	revs := writeFile(t, dir, "revocations.jwt", goldenList(t, vecNow.Add(-time.Hour), map[string]int64{}))
	r = runCmd(t, "", "--keys", keys, "--product", "OFFI001", "--refresh", down.URL, "--revocations", revs, "--max-list-age", "72h",
		"--at", vf.Now, code)
	if r.exit != exitValid {
		t.Errorf("server down, a fresh saved list: exit %d (%s), want 0", r.exit, r.stdout)
	}
}

func TestVersionFlag(t *testing.T) {
	r := runCmd(t, "", "--version")
	if r.exit != exitValid || !strings.HasPrefix(r.stdout, "licentia-verify ") || strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("--version = %d, %q, want 0 and one line", r.exit, r.stdout)
	}
	if testing.Short() {
		return
	}
	// The shipped build: CGO_ENABLED=0, the version stamped at link time.
	bin := filepath.Join(t.TempDir(), "licentia-verify")
	cmd := exec.Command("go", "build", "-o", bin, "-ldflags", "-X github.com/licentia/licentia/cmd/internal/buildinfo.Version=v1.2.3", ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").Output()
	if got := string(out); err != nil || !strings.HasPrefix(got, "licentia-verify v1.2.3") {
		t.Errorf("built --version = %q, %v; want \"licentia-verify v1.2.3\" (and the revision when recorded)", got, err)
	}
}

func goldenDelta(tb testing.TB, since, iat time.Time, minGen map[string]int64, removed []string) string {
	tb.Helper()
	k := goldenKey()
	d, err := verifier.SignRevocationDelta(&verifier.RevocationDelta{IssuedAt: iat.Unix(), Since: since.Unix(), MinGen: minGen, Removed: removed},
		keys.KeyID(k.Public().(ed25519.PublicKey)), k)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// TestRefreshByDelta: with a revocation document in the --revocations file, --refresh asks only for the
// changes since it, appends them to the file and checks the code against the result; a delta that does
// not continue the document makes it fetch the whole list instead.
func TestRefreshByDelta(t *testing.T) {
	vf := loadVectors(t)
	dir := t.TempDir()
	keys := writeFile(t, dir, "keys.pem", vf.PublicKeyPEM)
	code := vf.Vectors[0].Code // inst-0001, generation 2
	listed := map[string]int64{"inst-0009": 2}
	for i := range 20 { // a list longer than the delta, so that the delta is kept (no compaction)
		listed[fmt.Sprintf("inst-1%03d", i)] = 2
	}
	base := goldenList(t, vecNow.Add(-2*time.Hour), listed)
	saved := writeFile(t, dir, "revocations.jwt", base+"\n")
	revoke := goldenDelta(t, vecNow.Add(-2*time.Hour), vecNow.Add(-time.Hour), map[string]int64{"inst-0001": 3}, []string{"inst-0009"})
	whole := goldenList(t, vecNow.Add(-time.Hour), map[string]int64{})
	var mu sync.Mutex
	var asked []string
	answer := revoke
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/revocations", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, r.URL.RawQuery)
		if r.URL.Query().Has("since") {
			io.WriteString(w, answer)
			return
		}
		io.WriteString(w, whole)
	})
	mux.HandleFunc("POST /v1/codes/refresh", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })
	ts := httptest.NewServer(mux)
	defer ts.Close()

	r := runCmd(t, "", "--keys", keys, "--product", "OFFI001", "--refresh", ts.URL, "--revocations", saved, "--max-list-age", "90m", "--at", vf.Now, code)
	if r.exit != exitRevoked {
		t.Errorf("revoked by a delta: exit %d (%s %s), want 5", r.exit, r.stdout, r.stderr)
	}
	if got, _ := os.ReadFile(saved); string(got) != base+"\n"+revoke+"\n" {
		t.Errorf("--revocations file = %q, want the list and the delta on lines of their own", got)
	}
	mu.Lock()
	if want := []string{"since=" + fmt.Sprint(vecNow.Add(-2*time.Hour).Unix())}; !slices.Equal(asked, want) {
		t.Errorf("asked %q, want %q", asked, want)
	}
	asked, answer = nil, goldenDelta(t, vecNow.Add(-30*time.Minute), vecNow, nil, nil) // a gap
	mu.Unlock()
	// Offline, the file alone gives the same verdict.
	if r := runCmd(t, "", "--keys", keys, "--product", "OFFI001", "--revocations", saved, "--at", vf.Now, code); r.exit != exitRevoked {
		t.Errorf("offline with the document: exit %d, want 5", r.exit)
	}
	r = runCmd(t, "", "--keys", keys, "--product", "OFFI001", "--refresh", ts.URL, "--revocations", saved, "--at", vf.Now, code)
	if r.exit != exitValid {
		t.Errorf("after a gap, the whole list (inst-0001 no longer listed): exit %d (%s %s), want 0", r.exit, r.stdout, r.stderr)
	}
	if got, _ := os.ReadFile(saved); string(got) != whole+"\n" {
		t.Errorf("--revocations file after a gap = %q, want the whole list", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"since=" + fmt.Sprint(vecNow.Add(-time.Hour).Unix()), ""}; !slices.Equal(asked, want) {
		t.Errorf("asked %q, want %q", asked, want)
	}
}
