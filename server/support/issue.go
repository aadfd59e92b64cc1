package support

import (
	"crypto"
	"crypto/ed25519"
	"sync"
	"time"

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/server/edkey"
	"github.com/licentia/licentia/server/license"
)

// NewIssuer returns a license.Issuer that signs with the ring's active key, names itself name in "iss" and
// gives every code grace seconds after expiry. It asks the ring for the key on every signature
// (keys.Ring.SigningKey), so it follows a ring that follows its directory, and never signs with a key the
// directory has withdrawn. A key held in memory signs through an edkey.Signer made once for it (the same
// signatures as crypto/ed25519, in about 60% of the time); any other signer (a KMS) signs itself.
func NewIssuer(ring *keys.Ring, name string, grace time.Duration) *license.Issuer {
	var signers preparedSigners
	return license.NewKeyedIssuer(func() (string, crypto.Signer, error) {
		kid, s, err := ring.SigningKey()
		if err != nil {
			return kid, s, err
		}
		return kid, signers.of(kid, s), nil
	}, name, grace)
}

// preparedSigners holds the signer prepared for each key id the ring has signed with (a ring holds a few).
type preparedSigners struct {
	m sync.Map // key id -> crypto.Signer
}

// of returns the signer prepared for the key kid whose signer the ring gave as s.
func (p *preparedSigners) of(kid string, s crypto.Signer) crypto.Signer {
	if v, ok := p.m.Load(kid); ok {
		return v.(crypto.Signer)
	}
	prepared := s
	if priv, ok := s.(ed25519.PrivateKey); ok {
		if fast, err := edkey.NewSigner(priv); err == nil {
			prepared = fast
		}
	}
	v, _ := p.m.LoadOrStore(kid, prepared)
	return v.(crypto.Signer)
}
