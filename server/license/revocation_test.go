package license

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestRevise pins the revocation-list rule: which changes put a license on the list, with which lowest
// valid generation, and until when.
func TestRevise(t *testing.T) {
	const grace = 7 * 24 * 3600
	t1 := now.Add(time.Hour)
	active := License{ID: "lic", Status: Active, StartsAt: now.Unix() - day, ExpiresAt: exp0, Generation: 1, ProofGen: 1, Quantity: 5}
	perpetual := active
	perpetual.ExpiresAt = 0
	frozen := active
	frozen.Status, frozen.Generation = Frozen, 2
	codeEnd := exp0 + grace + ListMargin
	apply := func(l License, fn func(License, time.Time) (License, Outcome, error)) License {
		t.Helper()
		next, _, err := fn(l, t1)
		if err != nil {
			t.Fatal(err)
		}
		return next
	}
	fewer := func(l License, tm time.Time) (License, Outcome, error) {
		n, out := advance(l, l, "spec", tm)
		n.Quantity--
		return n, out, nil
	}
	later := func(l License, tm time.Time) (License, Outcome, error) {
		n, out := advance(l, l, "spec", tm)
		n.StartsAt += day
		return n, out, nil
	}
	tests := []struct {
		name string
		prev Revocation
		cur  License
		fn   func(License, time.Time) (License, Outcome, error)
		want Revocation
	}{
		{"plain renewal", Revocation{}, active, renew(Renewal, exp0+365*day, ""), Revocation{}},
		{"trial to formal", Revocation{}, active, renew(Renewal, exp0+365*day, "P-FORMAL"), Revocation{}},
		{"unrenewal", Revocation{}, active, renew(Unrenewal, early, ""), Revocation{MinGen: 2, Until: codeEnd}},
		{"unknown scene, earlier", Revocation{}, active, renew(SetExpiry, early, ""), Revocation{MinGen: 2, Until: codeEnd}},
		{"unknown scene, later", Revocation{}, active, renew(SetExpiry, exp0+day, ""), Revocation{}},
		{"perpetual given an expiry", Revocation{}, perpetual, renew(SetExpiry, early, ""), Revocation{MinGen: 2, Until: 0}},
		{"freeze", Revocation{}, active, Freeze, Revocation{MinGen: 2, Until: codeEnd}},
		{"freeze of a perpetual license", Revocation{}, perpetual, Freeze, Revocation{MinGen: 2, Until: 0}},
		{"release", Revocation{}, active, Release, Revocation{MinGen: 3, Until: codeEnd}},
		{"revoke", Revocation{}, active, Revoke, Revocation{MinGen: 3, Until: codeEnd}},
		{"reissue", Revocation{}, active, Reissue, Revocation{MinGen: 2, Until: codeEnd}},
		{"fewer seats", Revocation{}, active, fewer, Revocation{MinGen: 2, Until: codeEnd}},
		{"later start", Revocation{}, active, later, Revocation{MinGen: 2, Until: codeEnd}},
		{"unfreeze keeps the entry", Revocation{MinGen: 2, Until: codeEnd}, frozen, Unfreeze, Revocation{MinGen: 2, Until: codeEnd}},
		{"unfreeze without an entry", Revocation{}, frozen, Unfreeze, Revocation{}},
		{"release of a frozen license keeps the entry", Revocation{MinGen: 2, Until: codeEnd}, frozen, Release, Revocation{MinGen: 2, Until: codeEnd}},
		{"renewal keeps the entry", Revocation{MinGen: 2, Until: codeEnd + day}, active, renew(Renewal, exp0+365*day, ""), Revocation{MinGen: 2, Until: codeEnd + day}},
		{"second narrowing keeps the later end", Revocation{MinGen: 1, Until: codeEnd + day}, active, Freeze, Revocation{MinGen: 2, Until: codeEnd + day}},
		{"second narrowing takes the later end", Revocation{MinGen: 1, Until: codeEnd - day}, active, Freeze, Revocation{MinGen: 2, Until: codeEnd}},
		{"second narrowing after a perpetual one", Revocation{MinGen: 1, Until: 0}, active, Freeze, Revocation{MinGen: 2, Until: 0}},
		{"an ended entry is dropped", Revocation{MinGen: 1, Until: t1.Unix() - 1}, active, renew(Renewal, exp0+365*day, ""), Revocation{}},
		{"an ended entry is replaced", Revocation{MinGen: 1, Until: t1.Unix() - 1}, active, Revoke, Revocation{MinGen: 3, Until: codeEnd}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := apply(tt.cur, tt.fn)
			if got := Revise(tt.prev, tt.cur, next, grace, t1.Unix()); got != tt.want {
				t.Errorf("Revise(%+v, %s → %s) = %+v, want %+v", tt.prev, describe(tt.cur), describe(next), got, tt.want)
			}
		})
	}
}

func describe(l License) string {
	return fmt.Sprintf("%s/gen %d/exp %d/proof %d", l.Status, l.Generation, l.ExpiresAt, l.ProofGen)
}

// TestRevocationListed pins when an entry leaves the list: at its Until, never for Until 0.
func TestRevocationListed(t *testing.T) {
	tests := []struct {
		r    Revocation
		now  int64
		want bool
	}{
		{Revocation{}, 100, false},
		{Revocation{MinGen: 2, Until: 200}, 199, true},
		{Revocation{MinGen: 2, Until: 200}, 200, false},
		{Revocation{MinGen: 2, Until: 0}, 1 << 40, true},
	}
	for _, tt := range tests {
		if got := tt.r.Listed(tt.now); got != tt.want {
			t.Errorf("%+v.Listed(%d) = %v, want %v", tt.r, tt.now, got, tt.want)
		}
	}
}

func TestCodeGrace(t *testing.T) {
	tests := []struct {
		code string
		want int64
	}{
		{"eyJhbGciOiJFZERTQSJ9.eyJncmFjZSI6NjA0ODAwfQ.c2ln", 604800}, // {"grace":604800}
		{"eyJhbGciOiJFZERTQSJ9.eyJleHAiOjF9.c2ln", 0},                // {"exp":1}
		{"eyJhbGciOiJFZERTQSJ9.eyJncmFjZSI6LTF9.c2ln", 0},            // {"grace":-1}
		{"not a code", 0},
		{"a.!!!.c", 0},
		{"a.bm90IGpzb24.c", 0},
		// longer than any code (8 KiB): not read, however it is padded
		{"eyJhbGciOiJFZERTQSJ9." + base64.RawURLEncoding.EncodeToString([]byte(`{"grace":5,"x":"`+strings.Repeat("a", 8<<10)+`"}`)) + ".c2ln", 0},
	}
	for _, tt := range tests {
		if got := CodeGrace(tt.code); got != tt.want {
			t.Errorf("CodeGrace(%q) = %d, want %d", tt.code, got, tt.want)
		}
	}
}
