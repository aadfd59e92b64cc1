package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/verifier"
)

func TestFateOfMix(t *testing.T) {
	want := map[fate]int{renewed: 180, unrenewed: 6, frozen: 2, revoked: 2, reissued: 1, plain: 9}
	for _, offset := range []int{0, mixPeriod, 5000 * mixPeriod} {
		got := map[fate]int{}
		for i := offset; i < offset+mixPeriod; i++ {
			got[fateOf(i)]++
		}
		for f, n := range want {
			if got[f] != n {
				t.Errorf("licenses %d…: %s = %d of %d, want %d", offset, f, got[f], mixPeriod, n)
			}
		}
	}
	// The rare fates are not bunched: no 20 consecutive licenses hold two of them of the same kind.
	for i := range mixPeriod {
		if f := fateOf(i); f != renewed && f != plain {
			for j := i + 1; j < i+20; j++ {
				if fateOf(j) == f {
					t.Errorf("licenses %d and %d are both %s", i, j, f)
				}
			}
		}
	}
}

func TestChanges(t *testing.T) {
	cur := store.License{ID: "x", Status: verifier.StatusActive, ExpiresAt: 1000 * year, Generation: 1}
	tests := []struct {
		f          fate
		wantStatus string
		wantExp    int64
		wantSteps  int
	}{
		{plain, verifier.StatusActive, 1000 * year, 0},
		{renewed, verifier.StatusActive, 1001 * year, 1},
		{unrenewed, verifier.StatusActive, 1000 * year, 2},
		{frozen, verifier.StatusFrozen, 1000 * year, 1},
		{revoked, verifier.StatusRevoked, 1000 * year, 1},
		{reissued, verifier.StatusActive, 1000 * year, 1},
	}
	for _, tt := range tests {
		t.Run(tt.f.String(), func(t *testing.T) {
			l := cur
			for _, ch := range tt.f.changes() {
				var err error
				if l, _, err = ch.next(l, time.Unix(999*year, 0)); err != nil {
					t.Fatalf("%s: %v", ch.action, err)
				}
				if sourceOf[ch.action] == "" {
					t.Errorf("action %s has no event source", ch.action)
				}
			}
			if l.Status != tt.wantStatus || l.ExpiresAt != tt.wantExp || len(tt.f.changes()) != tt.wantSteps {
				t.Errorf("after %s: status %s, expiry %d, %d steps; want %s, %d, %d", tt.f, l.Status, l.ExpiresAt,
					len(tt.f.changes()), tt.wantStatus, tt.wantExp, tt.wantSteps)
			}
		})
	}
	if cur.Status != verifier.StatusActive || cur.ExpiresAt != 1000*year {
		t.Errorf("changes modified their input: %+v", cur)
	}
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	data, codes := filepath.Join(dir, "data"), filepath.Join(dir, "codes.txt")
	var stdout, stderr bytes.Buffer
	const n = 2 * mixPeriod
	err := run(context.Background(), []string{"--data", data, "--n", "400", "--codes", codes, "--codes-max", "150",
		"--workers", "8"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("run() err = %v (stderr %s)", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "400 licenses") || !strings.Contains(stdout.String(), "bytes per license") {
		t.Errorf("stdout = %q, want the count and the bytes per license", stdout.String())
	}
	if !strings.Contains(stderr.String(), "400/400 licenses (100.0%)") {
		t.Errorf("stderr = %q, want a final progress line", stderr.String())
	}
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(data, "licentia.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, tt := range []struct {
		status string
		want   int
	}{{"", n}, {verifier.StatusActive, n - 8}, {verifier.StatusFrozen, 4}, {verifier.StatusRevoked, 4}} {
		if got, err := st.Count(ctx, store.Filter{Status: tt.status}); err != nil || got != tt.want {
			t.Errorf("Count(status %q) = %d, %v; want %d", tt.status, got, err, tt.want)
		}
	}
	for i, tt := range []struct {
		id      string
		gen     int64
		actions []string
	}{{"pop-POP-00000000", 2, []string{"create", "renew"}}, {"pop-POP-00000005", 3, []string{"create", "renew", "unrenew"}},
		{"pop-POP-00000011", 1, []string{"create"}}, {"pop-POP-00000083", 2, []string{"create", "reissue"}}} {
		l, err := st.License(ctx, tt.id)
		if err != nil {
			t.Fatalf("License(%s) err = %v", tt.id, err)
		}
		evs, err := st.Events(ctx, tt.id)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, ev := range evs {
			got = append(got, ev.Action)
		}
		if l.Generation != tt.gen || strings.Join(got, ",") != strings.Join(tt.actions, ",") {
			t.Errorf("case %d: %s generation %d, events %v; want %d, %v", i, tt.id, l.Generation, got, tt.gen, tt.actions)
		}
	}
	checkCodes(t, data, codes, 150)
}

// checkCodes checks that the code file holds want genuine codes, one per license, each the oldest a refresh
// accepts as proof: the first, or the reissued or revoked one.
func checkCodes(t *testing.T, data, path string, want int) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("code file mode = %o, want 600", fi.Mode().Perm())
	}
	raw, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	if len(lines) != want {
		t.Fatalf("code file has %d lines, want %d", len(lines), want)
	}
	ring, _, err := keys.InitRing(filepath.Join(data, "keys"), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pem, _ := ring.PublicPEM()
	kr, err := verifier.ParseKeyring(pem)
	if err != nil {
		t.Fatal(err)
	}
	v := verifier.New(kr, verifier.WithAnyProduct())
	seen := map[string]bool{}
	for i, code := range lines {
		c, err := v.Verify(code)
		if fateOf(i) == revoked {
			// the code of the revoke: the one a refresh still accepts as proof, and itself void
			if !errors.Is(err, verifier.ErrRevoked) {
				t.Errorf("code %d (revoked): Verify() err = %v, want %v", i, err, verifier.ErrRevoked)
			}
			continue
		}
		if err != nil && !errors.Is(err, verifier.ErrExpired) {
			t.Fatalf("code %d: Verify() err = %v", i, err)
		}
		wantGen := int64(1)
		if fateOf(i) == reissued {
			wantGen = 2 // the reissued code: the first one no longer serves as proof
		}
		if c != nil && (c.Generation != wantGen || seen[c.LicenseID]) {
			t.Errorf("code %d: license %s generation %d, want generation %d of a new license", i, c.LicenseID, c.Generation, wantGen)
		}
		if c != nil {
			seen[c.LicenseID] = true
		}
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{{}, {"--data", "d", "--n", "0"}, {"--data", "d", "--workers", "0"},
		{"--data", "d", "--codes-max", "-1"}, {"--data", "d", "--n", "x"}} {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), args, &stdout, &stderr); err == nil {
			t.Errorf("run(%q) err = nil, want an error", args)
		}
	}
}
