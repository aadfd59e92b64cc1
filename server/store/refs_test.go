package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// boundLicense is a License 2.0 license bound to code.
func boundLicense(id, code string) *License {
	l := testLicense(id, "CS-"+code)
	l.Flow, l.OrderLineID, l.MarketCode = FlowInstance, "line-"+code, code
	return l
}

// TestRefsOneNamespace: no license id may equal a bound or kept marketplace code, nor the reverse, whichever
// write comes first; the refused write changes nothing.
func TestRefsOneNamespace(t *testing.T) {
	forEachDialect(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		mustCreate := func(l *License) {
			t.Helper()
			if _, _, err := st.Create(ctx, l, []Event{*createEvent()}, 0); err != nil {
				t.Fatalf("Create(%s) err = %v", l.ID, err)
			}
		}
		mustCreate(testLicense("LEGACY-1", "O-LEGACY-1"))
		mustCreate(boundLicense("lic-bound", "MC-BOUND"))
		if err := st.SavePending(ctx, &MarketEvent{Code: "MC-KEPT", Activity: "updateLicenseCodeStatus", Status: "FREEZE"}); err != nil {
			t.Fatalf("SavePending(MC-KEPT) err = %v", err)
		}
		tests := []struct {
			name  string
			write func() error
		}{
			{"an id equal to a bound code", func() error {
				_, _, err := st.Create(ctx, testLicense("MC-BOUND", "O-2"), []Event{*createEvent()}, 0)
				return err
			}},
			{"an id equal to a kept code", func() error {
				_, _, err := st.Create(ctx, testLicense("MC-KEPT", "O-3"), []Event{*createEvent()}, 0)
				return err
			}},
			{"binding a code equal to an id", func() error {
				_, _, err := st.Create(ctx, boundLicense("lic-2", "LEGACY-1"), []Event{*createEvent()}, 0)
				return err
			}},
			{"binding a code equal to its own id", func() error {
				_, _, err := st.Create(ctx, boundLicense("MC-SELF", "MC-SELF"), []Event{*createEvent()}, 0)
				return err
			}},
			{"keeping a callback for a code equal to an id", func() error {
				return st.SavePending(ctx, &MarketEvent{Code: "LEGACY-1", Activity: "releaseLicenseCode"})
			}},
			{"binding a code equal to an id by update", func() error {
				_, err := st.Apply(ctx, "LEGACY-1", "", func(cur *License) (*License, *Event, error) {
					next := *cur
					next.MarketCode, next.Generation = "lic-bound", cur.Generation+1
					return &next, createEvent(), nil
				})
				return err
			}},
		}
		for _, tt := range tests {
			if err := tt.write(); !errors.Is(err, ErrRefTaken) {
				t.Errorf("%s: err = %v, want %v", tt.name, err, ErrRefTaken)
			}
		}
		var n int
		if err := st.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM licenses`); err != nil || n != 2 {
			t.Errorf("licenses = %d, %v, want 2", n, err)
		}
		if evs, err := st.Pending(ctx, "LEGACY-1"); err != nil || len(evs) != 0 {
			t.Errorf("Pending(LEGACY-1) = %d events, %v, want none", len(evs), err)
		}
		for ref, want := range map[string]bool{"MC-BOUND": true, "MC-KEPT": true, "LEGACY-1": false, "lic-bound": false} {
			if got, err := st.IsMarketCode(ctx, ref); err != nil || got != want {
				t.Errorf("IsMarketCode(%s) = %v, %v, want %v", ref, got, err, want)
			}
		}
		// A license with the code as its id resolves by neither lookup to the other license.
		if l, err := st.LicenseByCode(ctx, "MC-BOUND"); err != nil || l.ID != "lic-bound" {
			t.Errorf("LicenseByCode(MC-BOUND) = %v, %v, want lic-bound", l, err)
		}
		if _, err := st.LicenseByID(ctx, "MC-BOUND"); !errors.Is(err, ErrNotFound) {
			t.Errorf("LicenseByID(MC-BOUND) err = %v, want %v", err, ErrNotFound)
		}
	})
}

// TestRefsRace: a license id and a kept code of the same text written at once: exactly one wins, on every
// dialect (PostgreSQL's concurrent transactions cannot both pass).
func TestRefsRace(t *testing.T) {
	forEachDialect(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		for i := range 20 {
			ref := fmt.Sprint("RACE-", i)
			var wg sync.WaitGroup
			var errCreate, errKeep error
			wg.Go(func() { _, _, errCreate = st.Create(ctx, testLicense(ref, "O-"+ref), []Event{*createEvent()}, 0) })
			wg.Go(func() { errKeep = st.SavePending(ctx, &MarketEvent{Code: ref, Activity: "releaseLicenseCode"}) })
			wg.Wait()
			if (errCreate == nil) == (errKeep == nil) {
				t.Fatalf("%s: Create err = %v, SavePending err = %v, want exactly one to fail", ref, errCreate, errKeep)
			}
			for _, err := range []error{errCreate, errKeep} {
				if err != nil && !errors.Is(err, ErrRefTaken) {
					t.Errorf("%s: err = %v, want %v", ref, err, ErrRefTaken)
				}
			}
		}
	})
}

// TestLicenseAmbiguousRef: data from before the rule may hold a reference that is one license's id and
// another's code; a support lookup by it names both instead of picking one.
func TestLicenseAmbiguousRef(t *testing.T) {
	forEachDialect(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		if _, _, err := st.Create(ctx, boundLicense("lic-x", "MC-X"), []Event{*createEvent()}, 0); err != nil {
			t.Fatal(err)
		}
		// As an older version could write it: forget the code's claim, then create a license with it as id.
		if _, err := st.db.ExecContext(ctx, `DELETE FROM license_refs WHERE ref = 'MC-X'`); err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.Create(ctx, testLicense("MC-X", "O-X"), []Event{*createEvent()}, 0); err != nil {
			t.Fatal(err)
		}
		_, err := st.License(ctx, "MC-X")
		var ae *AmbiguousRefError
		if !errors.As(err, &ae) || !errors.Is(err, ErrConflict) || ae.ByID.ID != "MC-X" || ae.ByCode.ID != "lic-x" {
			t.Fatalf("License(MC-X) err = %v, want an *AmbiguousRefError naming MC-X by id and lic-x by code", err)
		}
		if l, err := st.License(ctx, "lic-x"); err != nil || l.ID != "lic-x" {
			t.Errorf("License(lic-x) = %v, %v, want lic-x", l, err)
		}
	})
}
