package license

import (
	"slices"

	"github.com/licentia/licentia/verifier"
)

// MaxProductFamily is the most productIds a license keeps besides its current one: the bound of the
// "pids" claim (verifier.MaxProductIDs).
const MaxProductFamily = verifier.MaxProductIDs

// CarryProduct returns the product family of cur after its product becomes product: KooGallery gives one
// SKU another productId per period type, so a renewal that switches month and year (or converts a trial)
// names a new productId, and software bound to the one the license was sold under must keep accepting
// its codes. The family is the productIds the license carried before, oldest first, without repeats and
// never the current one; product "" or the current product leaves it as it is.
//
// The family is bounded, whatever sequence of callbacks arrives: when the change would make it longer
// than MaxProductFamily, the first entry (the product the license was first sold under) stays and the
// oldest of the others is dropped, so the products sold first and last are the ones kept. The result
// never shares memory with cur's.
func CarryProduct(cur License, product string) []string {
	if product == "" || product == cur.ProductID {
		return cur.ProductFamily
	}
	family := make([]string, 0, len(cur.ProductFamily)+1)
	for _, id := range cur.ProductFamily {
		if id != product && id != "" && !slices.Contains(family, id) {
			family = append(family, id)
		}
	}
	if cur.ProductID != "" && !slices.Contains(family, cur.ProductID) {
		family = append(family, cur.ProductID)
	}
	for len(family) > MaxProductFamily {
		family = slices.Delete(family, 1, 2)
	}
	if len(family) == 0 {
		return nil
	}
	return family
}
