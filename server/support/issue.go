package support

import (
	"time"

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/server/license"
)

// NewIssuer returns a license.Issuer that signs with the ring's active key, names itself name in "iss" and
// gives every code grace seconds after expiry. It asks the ring for the key on every signature
// (keys.Ring.SigningKey), so it follows a ring that follows its directory, and never signs with a key the
// directory has withdrawn.
func NewIssuer(ring *keys.Ring, name string, grace time.Duration) *license.Issuer {
	return license.NewKeyedIssuer(ring.SigningKey, name, grace)
}
