package main

import (
	"time"

	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/store"
)

// What happens to a populated license after its creation. These are the only decisions about license
// states in this program: each change is a pure function from the current state to the next, and the
// rest of the program signs and stores what they return.

// fate is the life of one populated license after its creation.
type fate uint8

const (
	plain     fate = iota // created, never changed
	renewed               // renewed once: expiry a year later
	unrenewed             // renewed, then the renewal taken back (退续费): expiry back where it was
	frozen                // frozen by the marketplace
	revoked               // revoked by support
	reissued              // reissued by support: same entitlement, a new generation
)

func (f fate) String() string {
	return [...]string{"plain", "renewed", "unrenewed", "frozen", "revoked", "reissued"}[f]
}

// mixPeriod is the number of licenses over which the mix repeats exactly.
const mixPeriod = 200

// fateOf spreads the mix of a mature deployment over license numbers: of every 200, 180 renewed once
// (90%), 6 unrenewed (3%), 2 frozen (1%), 2 revoked (1%), 1 reissued (0.5%) and 9 never changed (4.5%).
// The rare fates are spread through the period, not bunched at its end.
func fateOf(i int) fate {
	switch r := i % mixPeriod; {
	case r%33 == 5: // 6 of 200: r = 5, 38, 71, 104, 137, 170
		return unrenewed
	case r == 17 || r == 117:
		return frozen
	case r == 50 || r == 150:
		return revoked
	case r == 83:
		return reissued
	case r%22 == 11: // 9 of 200, none of the above: r = 11, 33, 55, 77, 99, 121, 143, 165, 187
		return plain
	default:
		return renewed
	}
}

const year = 365 * 86400

// change is one step in a license's life: an audit action and the transition of package license that
// makes its next state, as the server applies it.
type change struct {
	action string
	next   func(cur store.License, now time.Time) (store.License, license.Outcome, error)
}

var (
	renew = change{"renew", func(l store.License, now time.Time) (store.License, license.Outcome, error) {
		return license.Renew(l, license.Validity{Kind: license.Renewal, ExpiresAt: l.ExpiresAt + year}, now)
	}}
	unrenew = change{"unrenew", func(l store.License, now time.Time) (store.License, license.Outcome, error) {
		return license.Renew(l, license.Validity{Kind: license.Unrenewal, ExpiresAt: l.ExpiresAt - year}, now)
	}}
	freeze   = change{"freeze", license.Freeze}
	revoke   = change{"revoke", license.Revoke}
	reissue  = change{"reissue", license.Reissue}
	lifeOf   = [...][]change{plain: nil, renewed: {renew}, unrenewed: {renew, unrenew}, frozen: {freeze}, revoked: {revoke}, reissued: {reissue}}
	sourceOf = map[string]string{"renew": store.SourceKooGallery, "unrenew": store.SourceKooGallery,
		"freeze": store.SourceKooGallery, "revoke": store.SourceCLI, "reissue": store.SourceCLI}
)

// changes returns the steps of f after the license's creation, in order.
func (f fate) changes() []change { return lifeOf[f] }
