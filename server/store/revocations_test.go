package store

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/licentia/licentia/server/license"
)

// TestRevocations checks that the list is kept in the transaction of each change by license.Revise: a
// renewal adds nothing, a revoke and a freeze add an entry, each state change moves the state, and an
// entry leaves the list when its codes' validity ends.
func TestRevocations(t *testing.T) {
	forEachDialect(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		state := func() RevocationState {
			t.Helper()
			s, err := st.RevocationState(ctx)
			if err != nil {
				t.Fatalf("RevocationState() err = %v", err)
			}
			return s
		}
		s0 := state()
		for _, id := range []string{"a", "b", "c", "d"} {
			if _, _, err := st.Create(ctx, testLicense(id, "O-"+id), []Event{*createEvent()}, 0); err != nil {
				t.Fatal(err)
			}
		}
		if s := state(); s != s0 {
			t.Errorf("state after creates = %+v, want %+v", s, s0)
		}
		step := func(id string, tr func(license.License, time.Time) (license.License, license.Outcome, error)) {
			t.Helper()
			_, err := st.Apply(ctx, id, "", func(cur *License) (*License, *Event, error) {
				next, _, err := tr(*cur, testNow)
				if err != nil {
					return nil, nil, err
				}
				return &next, &Event{At: testNow.Unix(), Source: SourceCLI, Action: "x", AfterStatus: next.Status, Generation: next.Generation}, nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		step("b", func(l license.License, now time.Time) (license.License, license.Outcome, error) {
			return license.Renew(l, license.Validity{Kind: license.Renewal, ExpiresAt: l.ExpiresAt + 86400}, now)
		})
		if s := state(); s != s0 {
			t.Errorf("state after a renewal = %+v, want %+v (unchanged)", s, s0)
		}
		w0 := st.RevocationWrites()
		step("c", license.Revoke)
		s1 := state()
		step("d", license.Freeze)
		s2 := state()
		if s1 == s0 || s2 == s1 || s2.ChangedAt != testNow.Unix() {
			t.Errorf("states %+v, %+v, %+v: want every list change to move the state, changed at %d", s0, s1, s2, testNow.Unix())
		}
		if got := st.RevocationWrites() - w0; got != 2 {
			t.Errorf("RevocationWrites() moved by %d, want 2", got)
		}
		end := testLicense("x", "x").ExpiresAt + license.ListMargin
		list := func(at int64) []Revocation {
			t.Helper()
			rows, s, err := st.Revocations(ctx, at)
			if err != nil {
				t.Fatal(err)
			}
			if s != s2 {
				t.Errorf("Revocations() state = %+v, want %+v", s, s2)
			}
			slices.SortFunc(rows, func(a, b Revocation) int { return strings.Compare(a.LicenseID, b.LicenseID) })
			return rows
		}
		want := []Revocation{{LicenseID: "c", MinGen: 3, Until: end}, {LicenseID: "d", MinGen: 2, Until: end}}
		if got := list(testNow.Unix()); !slices.Equal(got, want) {
			t.Errorf("Revocations(now) = %+v, want %+v", got, want)
		}
		if got := list(end - 1); !slices.Equal(got, want) {
			t.Errorf("Revocations(end-1) = %+v, want %+v", got, want)
		}
		if got := list(end); len(got) != 0 {
			t.Errorf("Revocations(end) = %+v, want none: every voided code has expired", got)
		}
		if n, err := st.PurgeRevocations(ctx); err != nil || n != 0 {
			t.Errorf("PurgeRevocations() = %d, %v; want 0 entries purged before their end", n, err)
		}
	})
}
