package license

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"
)

// TestProductFamily: sequences of renewals that name productIds, from a license sold under "M" (monthly),
// and the product and family (the "pids" claim) after each. "Y" is the same SKU's yearly productId.
func TestProductFamily(t *testing.T) {
	many := func(n int) []string {
		var ids []string
		for i := range n {
			ids = append(ids, fmt.Sprintf("P%d", i+1))
		}
		return ids
	}
	tests := []struct {
		name     string
		start    []string // the family before
		products []string // the productId of each renewal, in order ("" names none)
		pid      string
		family   []string
	}{
		{"no product named", nil, []string{"", ""}, "M", nil},
		{"the same product", nil, []string{"M"}, "M", nil},
		{"month to year", nil, []string{"Y"}, "Y", []string{"M"}},
		{"month to year, a renewal naming none", nil, []string{"Y", ""}, "Y", []string{"M"}},
		{"month to year and back", nil, []string{"Y", "M"}, "M", []string{"Y"}},
		{"back and forth", nil, []string{"Y", "M", "Y", "M", "Y"}, "Y", []string{"M"}},
		{"a resent renewal", nil, []string{"Y", "Y"}, "Y", []string{"M"}},
		{"trial to formal to yearly", nil, []string{"F", "Y"}, "Y", []string{"M", "F"}},
		{"up to the bound", nil, many(MaxProductFamily), "P8", []string{"M", "P1", "P2", "P3", "P4", "P5", "P6", "P7"}},
		// One more than the bound: the first product stays, the oldest of the others goes.
		{"past the bound", nil, many(MaxProductFamily + 1), "P9", []string{"M", "P2", "P3", "P4", "P5", "P6", "P7", "P8"}},
		{"a hostile sequence", nil, many(1000), "P1000", append([]string{"M"}, many(1000)[992:999]...)},
		{"back to a dropped product", nil, append(many(MaxProductFamily+1), "P1"), "P1",
			[]string{"M", "P3", "P4", "P5", "P6", "P7", "P8", "P9"}},
		{"back to the first product", nil, append(many(MaxProductFamily+1), "M"), "M",
			[]string{"P2", "P3", "P4", "P5", "P6", "P7", "P8", "P9"}},
		{"a stored family over the bound is cut", many(MaxProductFamily + 3), []string{"Y"}, "Y",
			[]string{"P1", "P6", "P7", "P8", "P9", "P10", "P11", "M"}},
		{"a stored family with repeats and blanks", []string{"A", "", "A", "M"}, []string{"Y"}, "Y", []string{"A", "M"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := License{ID: "L1", ProductID: "M", ProductFamily: tt.start, Status: Active, ExpiresAt: exp0,
				Generation: 1, ProofGen: 1}
			exp := exp0
			for i, p := range tt.products {
				exp += day
				before := slices.Clone(l.ProductFamily)
				next, out, err := Renew(l, Validity{Kind: Renewal, ExpiresAt: exp, ProductID: p}, now.Add(time.Duration(i)*time.Second))
				if err != nil || !out.Applied {
					t.Fatalf("renewal %d (%q) = %+v, %v; want applied", i+1, p, out, err)
				}
				if !reflect.DeepEqual(l.ProductFamily, before) {
					t.Fatalf("renewal %d changed the family of the state it was given: %q, was %q", i+1, l.ProductFamily, before)
				}
				if len(next.ProductFamily) > MaxProductFamily || slices.Contains(next.ProductFamily, next.ProductID) {
					t.Fatalf("renewal %d: family %q for pid %q: over the bound or holding pid", i+1, next.ProductFamily, next.ProductID)
				}
				l = next
			}
			if l.ProductID != tt.pid || !reflect.DeepEqual(l.ProductFamily, tt.family) {
				t.Errorf("pid %q family %q, want %q %q", l.ProductID, l.ProductFamily, tt.pid, tt.family)
			}
		})
	}
}

// TestProductFamilyKept: every other transition keeps the family, and the issuer writes it as "pids".
func TestProductFamilyKept(t *testing.T) {
	cur := License{ID: "L1", OrderID: "O1", ProductID: "Y", ProductFamily: []string{"M"}, Status: Active,
		StartsAt: now.Unix() - day, ExpiresAt: exp0, Generation: 1, ProofGen: 1}
	for name, fn := range map[string]func(License, time.Time) (License, Outcome, error){
		"freeze": Freeze, "release": Release, "reissue": Reissue, "revoke": Revoke,
		"unrenew": func(l License, t time.Time) (License, Outcome, error) {
			return Renew(l, Validity{Kind: Unrenewal, ExpiresAt: early}, t)
		},
		"reconcile": func(l License, t time.Time) (License, Outcome, error) {
			return Reconcile(l, MarketState{Status: MarketAlive, ExpiresAt: later}, 0, t)
		},
	} {
		next, out, err := fn(cur, now)
		if err != nil || !out.Applied || !reflect.DeepEqual(next.ProductFamily, []string{"M"}) {
			t.Errorf("%s: family %q (%+v, %v), want [M]", name, next.ProductFamily, out, err)
		}
	}
	c := NewIssuer("kid", nil, "licentia", 0).Claims(&cur)
	if c.ProductID != "Y" || !reflect.DeepEqual(c.ProductIDs, []string{"M"}) {
		t.Errorf("claims pid %q pids %q, want Y [M]", c.ProductID, c.ProductIDs)
	}
	c.ProductIDs[0] = "X"
	if cur.ProductFamily[0] != "M" {
		t.Error("the claims share the license's family")
	}
	if c := NewIssuer("kid", nil, "licentia", 0).Claims(&License{ID: "L2", ProductID: "M"}); c.ProductIDs != nil {
		t.Errorf("claims of a license that never changed product: pids %q, want absent", c.ProductIDs)
	}
}
