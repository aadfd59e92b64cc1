package store

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/store/pgtest"
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
		at := testNow.Unix()
		want := []Revocation{{LicenseID: "c", MinGen: 3, Until: end, ChangedAt: at}, {LicenseID: "d", MinGen: 2, Until: end, ChangedAt: at}}
		if got := list(testNow.Unix()); !slices.Equal(got, want) {
			t.Errorf("Revocations(now) = %+v, want %+v", got, want)
		}
		if got := list(end - 1); !slices.Equal(got, want) {
			t.Errorf("Revocations(end-1) = %+v, want %+v", got, want)
		}
		if got := list(end); len(got) != 0 {
			t.Errorf("Revocations(end) = %+v, want none: every voided code has expired", got)
		}
		if n, err := st.PurgeRevocations(ctx, testNow.Unix()); err != nil || n != 0 {
			t.Errorf("PurgeRevocations() = %d, %v; want 0 entries purged before their end", n, err)
		}
	})
}

// TestRevocationTombstones checks that an entry leaving the list stays as a tombstone with the time it
// left, that the list leaves tombstones and ended entries out while RevocationRows keeps them, that an
// entry coming back replaces its tombstone, and that PurgeRevocations deletes only what is older than
// the time it is given.
func TestRevocationTombstones(t *testing.T) {
	for _, d := range []string{sqliteDialect, postgresDialect} {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			var clock atomic.Int64
			clock.Store(testNow.Unix())
			dsn := filepath.Join(t.TempDir(), "db.sqlite")
			if d == postgresDialect {
				dsn = pgtest.DSN(t)
			}
			st, err := Open(ctx, dsn, Options{Now: func() time.Time { return time.Unix(clock.Load(), 0) }})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			if _, _, err := st.Create(ctx, testLicense("b", "O-b"), []Event{*createEvent()}, 0); err != nil {
				t.Fatal(err)
			}
			step := func(tr func(license.License, time.Time) (license.License, license.Outcome, error)) {
				t.Helper()
				_, err := st.Apply(ctx, "b", "", func(cur *License) (*License, *Event, error) {
					next, _, err := tr(*cur, time.Unix(clock.Load(), 0))
					if err != nil {
						return nil, nil, err
					}
					return &next, &Event{At: clock.Load(), Source: SourceCLI, Action: "x", AfterStatus: next.Status, Generation: next.Generation}, nil
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			rows := func() []Revocation {
				t.Helper()
				rows, _, err := st.RevocationRows(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return rows
			}
			step(license.Freeze)
			end := testLicense("x", "x").ExpiresAt + license.ListMargin
			if got, want := rows(), []Revocation{{LicenseID: "b", MinGen: 2, Until: end, ChangedAt: testNow.Unix()}}; !slices.Equal(got, want) {
				t.Fatalf("RevocationRows() after a freeze = %+v, want %+v", got, want)
			}
			// Past the entry's end, a thaw drops it: a tombstone, left out of the list.
			clock.Store(end + 10)
			step(license.Unfreeze)
			if got, want := rows(), []Revocation{{LicenseID: "b", ChangedAt: end + 10}}; !slices.Equal(got, want) {
				t.Fatalf("RevocationRows() after the entry was dropped = %+v, want %+v (a tombstone)", got, want)
			}
			if list, _, err := st.Revocations(ctx, end+10); err != nil || len(list) != 0 {
				t.Errorf("Revocations() = %+v, %v; want no entry: tombstones are left out", list, err)
			}
			if n, err := st.PurgeRevocations(ctx, end+10); err != nil || n != 0 {
				t.Errorf("PurgeRevocations(the tombstone's time) = %d, %v; want 0: only older ones go", n, err)
			}
			// The entry comes back: the tombstone is replaced.
			clock.Add(1)
			step(license.Revoke)
			got := rows()
			if len(got) != 1 || got[0].MinGen < 2 || got[0].ChangedAt != end+11 {
				t.Fatalf("RevocationRows() after a revoke = %+v, want an entry for b changed at %d", got, end+11)
			}
			// Its codes expired long ago (the clock is past end), so it is an ended entry: purged once its
			// end is before the time given.
			if n, err := st.PurgeRevocations(ctx, got[0].Until); err != nil || n != 0 {
				t.Errorf("PurgeRevocations(the entry's end) = %d, %v; want 0", n, err)
			}
			if n, err := st.PurgeRevocations(ctx, got[0].Until+1); err != nil || n != 1 {
				t.Errorf("PurgeRevocations(after the entry's end) = %d, %v; want 1", n, err)
			}
		})
	}
}
