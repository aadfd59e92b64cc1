package desk

import (
	"time"

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/server/license"
)

// NewIssuer returns a license.Issuer that signs with the ring's active key, names itself name in "iss" and
// gives every code grace seconds after expiry.
func NewIssuer(ring *keys.Ring, name string, grace time.Duration) *license.Issuer {
	kid, signer := ring.Active()
	return license.NewIssuer(kid, signer, name, grace)
}
