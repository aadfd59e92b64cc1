package verifier_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/verifier"
)

// stateAt returns a verifier at time at that uses the state file at path, opened afresh.
func stateAt(tb testing.TB, path string, at time.Time, opts ...verifier.Option) *verifier.Verifier {
	tb.Helper()
	st, err := verifier.OpenState(path)
	if err != nil {
		tb.Fatalf("OpenState() err = %v", err)
	}
	return verifier.New(testRing(tb), append(opts, verifier.WithAnyProduct(), verifier.WithState(st), fixedTime(at))...)
}

func readState(tb testing.TB, path string) (seen int64, minGen map[string]int64) {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var f struct {
		Format string           `json:"format"`
		Seen   int64            `json:"seen"`
		MinGen map[string]int64 `json:"min_gen"`
	}
	if err := json.Unmarshal(data, &f); err != nil || f.Format != verifier.StateFormat {
		tb.Fatalf("state file %q: err %v, format %q", data, err, f.Format)
	}
	return f.Seen, f.MinGen
}

func TestStateRecordsAndPersists(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	if _, err := stateAt(t, path, testNow).Verify(sign(t, baseClaims(), seedKey(1))); err != nil {
		t.Fatalf("Verify() err = %v, want nil", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("state file not written: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("state file mode = %v, want 0600", fi.Mode().Perm())
	}
	seen, minGen := readState(t, path)
	if seen != testNow.Unix() || minGen["inst-0001"] != 2 {
		t.Errorf("state = %d, %v, want %d, inst-0001: 2", seen, minGen, testNow.Unix())
	}
	st, err := verifier.OpenState(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Seen() != testNow.Unix() || st.MinGeneration("inst-0001") != 2 {
		t.Errorf("reopened state Seen, MinGeneration = %d, %d, want %d, 2", st.Seen(), st.MinGeneration("inst-0001"), testNow.Unix())
	}
}

func TestStateSupersede(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	newer := baseClaims()
	newer.Generation = 3
	if _, err := stateAt(t, path, testNow).Verify(sign(t, newer, seedKey(1))); err != nil {
		t.Fatalf("Verify(gen 3) err = %v, want nil", err)
	}
	_, err := stateAt(t, path, testNow.Add(time.Hour)).Verify(sign(t, baseClaims(), seedKey(1)))
	if !errors.Is(err, verifier.ErrSuperseded) || !errors.Is(err, verifier.ErrRevoked) {
		t.Errorf("Verify(gen 2) err = %v, want %v (an %v)", err, verifier.ErrSuperseded, verifier.ErrRevoked)
	}
}

func TestStateRollback(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	code := sign(t, baseClaims(), seedKey(1))
	if _, err := stateAt(t, path, testNow).Verify(code); err != nil {
		t.Fatalf("Verify() err = %v, want nil", err)
	}
	tests := []struct {
		name string
		at   time.Time
		opts []verifier.Option
		want error
	}{
		{name: "nine minutes back", at: testNow.Add(-9 * time.Minute)},
		{name: "eleven minutes back", at: testNow.Add(-11 * time.Minute), want: verifier.ErrClockRollback},
		{name: "eleven minutes back, tolerance 15", at: testNow.Add(-11 * time.Minute),
			opts: []verifier.Option{verifier.WithRollbackTolerance(15 * time.Minute)}},
		{name: "a year back", at: testNow.AddDate(-1, 0, 0), want: verifier.ErrClockRollback},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := stateAt(t, path, tt.at, tt.opts...).Verify(code)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("Verify() err = %v, want %v", err, tt.want)
			}
		})
	}
	if seen, _ := readState(t, path); seen != testNow.Unix() {
		t.Errorf("seen = %d after rollbacks, want %d (never lowered)", seen, testNow.Unix())
	}
}

func TestStateTrustsSignedTimes(t *testing.T) {
	// A first check with a clock far behind the code's own iat is a rollback too.
	c := baseClaims()
	c.IssuedAt = testNow.Add(time.Hour).Unix()
	path := filepath.Join(t.TempDir(), "state.json")
	if _, err := stateAt(t, path, testNow).Verify(sign(t, c, seedKey(1))); !errors.Is(err, verifier.ErrClockRollback) {
		t.Errorf("Verify() err = %v, want %v", err, verifier.ErrClockRollback)
	}
}

func TestStateRemembersRevocations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	lst, err := verifier.SignRevocations(&verifier.RevocationList{IssuedAt: testIssue.Unix(), MinGen: map[string]int64{"inst-0001": 3}},
		keys.KeyID(pubOf(seedKey(1))), seedKey(1))
	if err != nil {
		t.Fatal(err)
	}
	l, err := verifier.ParseRevocations(testRing(t), []byte(lst))
	if err != nil {
		t.Fatal(err)
	}
	code := sign(t, baseClaims(), seedKey(1))
	if _, err := stateAt(t, path, testNow, verifier.WithRevocations(l)).Verify(code); !errors.Is(err, verifier.ErrRevoked) {
		t.Fatalf("Verify() with list err = %v, want %v", err, verifier.ErrRevoked)
	}
	if _, err := stateAt(t, path, testNow).Verify(code); !errors.Is(err, verifier.ErrSuperseded) {
		t.Errorf("Verify() without list err = %v, want %v (the state remembers)", err, verifier.ErrSuperseded)
	}
}

func TestStateWritesSparingly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	st, err := verifier.OpenState(path)
	if err != nil {
		t.Fatal(err)
	}
	code := sign(t, baseClaims(), seedKey(1))
	for _, tt := range []struct {
		after time.Duration
		want  time.Duration
	}{{0, 0}, {30 * time.Second, 0}, {2 * time.Minute, 2 * time.Minute}} {
		v := verifier.New(testRing(t), verifier.WithAnyProduct(), verifier.WithState(st), fixedTime(testNow.Add(tt.after)))
		if _, err := v.Verify(code); err != nil {
			t.Fatal(err)
		}
		if seen, _ := readState(t, path); seen != testNow.Add(tt.want).Unix() {
			t.Errorf("after %v: seen on disk = %d, want %d", tt.after, seen, testNow.Add(tt.want).Unix())
		}
	}
}

func TestOpenStateRejectsBadFiles(t *testing.T) {
	tests := map[string]string{
		"empty":             "",
		"blank":             " \n",
		"truncated":         `{"format":"licentia-verifier-state/1","seen":`,
		"foreign json":      `{"keys":[]}`,
		"no format":         `{"seen":1,"min_gen":{}}`,
		"other format":      `{"format":"licentia-verifier-state/9","seen":1,"min_gen":{}}`,
		"negative seen":     `{"format":"licentia-verifier-state/1","seen":-1,"min_gen":{}}`,
		"negative list_iat": `{"format":"licentia-verifier-state/1","seen":1,"list_iat":-5,"min_gen":{}}`,
		"zero generation":   `{"format":"licentia-verifier-state/1","seen":1,"min_gen":{"a":0}}`,
		"empty license id":  `{"format":"licentia-verifier-state/1","seen":1,"min_gen":{"":1}}`,
		"trailing data":     `{"format":"licentia-verifier-state/1","seen":1,"min_gen":{}} {}`,
		"a pem file":        "-----BEGIN PUBLIC KEY-----\n",
		"binary":            "\x00\x01\x02",
	}
	for name, content := range tests {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.json")
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if st, err := verifier.OpenState(path); !errors.Is(err, verifier.ErrState) || st != nil {
				t.Errorf("OpenState() = %v, %v, want nil, %v", st, err, verifier.ErrState)
			}
			if got, _ := os.ReadFile(path); string(got) != content {
				t.Errorf("OpenState() changed the bad file")
			}
		})
	}
	t.Run("a directory", func(t *testing.T) {
		if _, err := verifier.OpenState(t.TempDir()); !errors.Is(err, verifier.ErrState) {
			t.Errorf("OpenState(dir) err = %v, want %v", err, verifier.ErrState)
		}
	})
}

func TestStateWriteFailureFailsClosed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing-dir", "state.json")
	_, err := stateAt(t, path, testNow).Verify(sign(t, baseClaims(), seedKey(1)))
	if !errors.Is(err, verifier.ErrState) {
		t.Errorf("Verify() err = %v, want %v", err, verifier.ErrState)
	}
}
