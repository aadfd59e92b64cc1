package store

import (
	"context"
	"reflect"
	"testing"
)

// TestProductFamilyStored: a license's product family survives create, update and every read, in both
// dialects; a license that never changed product stores the column's default; a stored value the store
// did not write (not a bounded JSON array of product ids) makes the license unreadable, never silently
// emptied.
func TestProductFamilyStored(t *testing.T) {
	forEachDialect(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		l := testLicense("fam-1", "O1")
		l.ProductFamily = []string{"P0"}
		if _, created, err := st.Create(ctx, l, []Event{*createEvent()}, 0); err != nil || !created {
			t.Fatalf("Create() = %v, %v", created, err)
		}
		if got := st.mustLicense(t, "fam-1"); !reflect.DeepEqual(got.ProductFamily, []string{"P0"}) {
			t.Fatalf("family after create = %q, want [P0]", got.ProductFamily)
		}
		_, err := st.Apply(ctx, "fam-1", "", func(cur *License) (*License, *Event, error) {
			next := *cur
			next.ProductID, next.ProductFamily, next.Generation = "P2", []string{"P0", "P1"}, cur.Generation+1
			return &next, nil, nil
		})
		if err != nil {
			t.Fatalf("Apply() err = %v", err)
		}
		got := st.mustLicense(t, "fam-1")
		if got.ProductID != "P2" || !reflect.DeepEqual(got.ProductFamily, []string{"P0", "P1"}) {
			t.Errorf("after update: pid %q family %q, want P2 [P0 P1]", got.ProductID, got.ProductFamily)
		}
		if _, _, err := st.Create(ctx, testLicense("fam-2", "O2"), []Event{*createEvent()}, 0); err != nil {
			t.Fatal(err)
		}
		var raw string
		if err := st.db.GetContext(ctx, &raw, st.db.Rebind(`SELECT product_family FROM licenses WHERE id = ?`), "fam-2"); err != nil || raw != "" {
			t.Errorf("product_family of a license without a family = %q, %v; want ''", raw, err)
		}
		if got := st.mustLicense(t, "fam-2"); got.ProductFamily != nil {
			t.Errorf("family = %q, want none", got.ProductFamily)
		}
		for _, bad := range []string{`{"a":1}`, `["P1",""]`, `["1","2","3","4","5","6","7","8","9"]`, `not json`} {
			if _, err := st.db.ExecContext(ctx, st.db.Rebind(`UPDATE licenses SET product_family = ? WHERE id = ?`), bad, "fam-2"); err != nil {
				t.Fatal(err)
			}
			if _, err := lookupID(ctx, st.db, "fam-2", false); err == nil {
				t.Errorf("license with product_family %s read without an error", bad)
			}
		}
	})
}

func (st *Store) mustLicense(t *testing.T, id string) *License {
	t.Helper()
	l, err := lookupID(context.Background(), st.db, id, false)
	if err != nil {
		t.Fatalf("lookup %s: %v", id, err)
	}
	return l
}
