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

// signedList signs a revocation list made at iat with the golden key and parses it back.
func signedList(tb testing.TB, iat time.Time, minGen map[string]int64) *verifier.RevocationList {
	tb.Helper()
	raw, err := verifier.SignRevocations(&verifier.RevocationList{IssuedAt: iat.Unix(), MinGen: minGen}, keys.KeyID(pubOf(seedKey(1))), seedKey(1))
	if err != nil {
		tb.Fatal(err)
	}
	l, err := verifier.ParseRevocations(testRing(tb), []byte(raw))
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

// TestOlderListAfterNewer: once the state file has seen a list, an older one is refused, so putting an
// old list back never makes a revoked code valid again, in this process or the next.
func TestOlderListAfterNewer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	code := sign(t, baseClaims(), seedKey(1)) // inst-0001, generation 2
	older := signedList(t, testNow.Add(-48*time.Hour), map[string]int64{})
	newer := signedList(t, testNow.Add(-time.Hour), map[string]int64{"inst-0001": 3})
	other := baseClaims()
	other.LicenseID = "inst-0009"
	otherCode := sign(t, other, seedKey(1))

	steps := []struct {
		name string
		list *verifier.RevocationList
		code string
		want error
	}{
		{"older list first: valid", older, code, nil},
		{"newer list revokes", newer, code, verifier.ErrRevoked},
		{"older list again", older, code, verifier.ErrStaleList},
		{"older list, another license", older, otherCode, verifier.ErrStaleList},
		{"no list: the remembered generation still refuses", nil, code, verifier.ErrSuperseded},
		{"the newer list again", newer, otherCode, nil},
	}
	for _, s := range steps {
		var opts []verifier.Option
		if s.list != nil {
			opts = append(opts, verifier.WithRevocations(s.list))
		}
		_, err := stateAt(t, path, testNow, opts...).Verify(s.code) // state opened afresh: as the next run
		if !errors.Is(err, s.want) || (s.want == nil) != (err == nil) {
			t.Fatalf("%s: Verify() err = %v, want %v", s.name, err, s.want)
		}
		if s.want == verifier.ErrStaleList && verifier.Reason(err) != "stale_list" {
			t.Errorf("%s: Reason() = %q, want stale_list", s.name, verifier.Reason(err))
		}
	}
	var f struct {
		ListIat int64 `json:"list_iat"`
	}
	data, _ := os.ReadFile(path)
	if err := json.Unmarshal(data, &f); err != nil || f.ListIat != newer.IssuedAt {
		t.Errorf("state file list_iat = %d (%v), want %d", f.ListIat, err, newer.IssuedAt)
	}
	st, err := verifier.OpenState(path)
	if err != nil || st.ListIssuedAt() != newer.IssuedAt {
		t.Errorf("ListIssuedAt() = %d, %v, want %d", st.ListIssuedAt(), err, newer.IssuedAt)
	}
}

// TestStateWithoutListReadsAsBefore: a state that never saw a list writes no list_iat member.
func TestStateWithoutListReadsAsBefore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	if _, err := stateAt(t, path, testNow).Verify(sign(t, baseClaims(), seedKey(1))); err != nil {
		t.Fatal(err)
	}
	var f map[string]any
	data, _ := os.ReadFile(path)
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if _, ok := f["list_iat"]; ok {
		t.Errorf("state file %s has list_iat, want none before any list", data)
	}
}

func TestMaxListAge(t *testing.T) {
	code := sign(t, baseClaims(), seedKey(1))
	frozen := baseClaims()
	frozen.Status, frozen.Generation = verifier.StatusFrozen, 3
	frozenCode := sign(t, frozen, seedKey(1))
	day := 24 * time.Hour
	tests := []struct {
		name   string
		listAt time.Time // zero: no list
		maxAge time.Duration
		code   string
		want   error
	}{
		{"no limit, old list", testNow.Add(-365 * day), 0, code, nil},
		{"no limit, no list", time.Time{}, 0, code, nil},
		{"fresh list", testNow.Add(-day), 3 * day, code, nil},
		{"exactly at the limit", testNow.Add(-3 * day), 3 * day, code, nil},
		{"a second past the limit", testNow.Add(-3*day - time.Second), 3 * day, code, verifier.ErrStaleList},
		{"list from the future", testNow.Add(time.Minute), 3 * day, code, nil},
		{"no list", time.Time{}, 3 * day, code, verifier.ErrStaleList},
		{"frozen code, stale list: the status comes first", testNow.Add(-30 * day), 3 * day, frozenCode, verifier.ErrInactive},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := []verifier.Option{verifier.WithProduct(testProduct), fixedTime(testNow), verifier.WithMaxListAge(tt.maxAge)}
			if !tt.listAt.IsZero() {
				opts = append(opts, verifier.WithRevocations(signedList(t, tt.listAt, map[string]int64{})))
			}
			v := verifier.New(testRing(t), opts...)
			for i := range 2 { // the second check comes from the cache
				_, err := v.Verify(tt.code)
				if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
					t.Fatalf("Verify() #%d err = %v, want %v", i, err, tt.want)
				}
			}
		})
	}
}
