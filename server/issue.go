package server

import (
	"time"

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/server/license"
)

// Issuer turns a license's state into its signed authorization code (license.Issuer).
type Issuer = license.Issuer

// NewIssuer returns an Issuer that signs with the ring's active key, names itself name in "iss" and
// gives every code grace seconds after expiry.
func NewIssuer(ring *keys.Ring, name string, grace time.Duration) *Issuer {
	kid, signer := ring.Active()
	return license.NewIssuer(kid, signer, name, grace)
}
