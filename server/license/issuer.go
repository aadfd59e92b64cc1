package license

import (
	"crypto"
	"fmt"
	"slices"
	"time"

	"github.com/licentia/licentia/verifier"
)

// Issuer turns a license's state into its signed authorization code. It is the only place where
// verifier.Claims are filled in, so the claim format has one source of truth.
type Issuer struct {
	name  string
	grace int64
	key   KeyFunc
}

// KeyFunc returns the key to sign with now: its id and an Ed25519 signer, or an error when there is
// none that may sign (e.g. it was withdrawn).
type KeyFunc func() (kid string, signer crypto.Signer, err error)

// NewIssuer returns an Issuer that signs with signer (an Ed25519 key whose id is kid), names itself name in
// "iss" and gives every code with an expiry grace seconds after it.
func NewIssuer(kid string, signer crypto.Signer, name string, grace time.Duration) *Issuer {
	return NewKeyedIssuer(func() (string, crypto.Signer, error) { return kid, signer, nil }, name, grace)
}

// NewKeyedIssuer is NewIssuer with the signing key asked of key for every signature, so that the key can
// change (rotation) or be refused (withdrawal) while the issuer is in use.
func NewKeyedIssuer(key KeyFunc, name string, grace time.Duration) *Issuer {
	return &Issuer{name: name, grace: int64(grace / time.Second), key: key}
}

// Key returns the key that signs now, for documents signed beside codes (the revocation list), or the
// error of its KeyFunc.
func (is *Issuer) Key() (kid string, signer crypto.Signer, err error) { return is.key() }

// Inherit returns an Issuer with is's key and the issuer name and grace of claims: a support change made
// without the server's settings keeps the ones the license's code already carries.
func (is *Issuer) Inherit(c *verifier.Claims) *Issuer {
	if c == nil || c.Issuer == "" {
		return is
	}
	return &Issuer{name: c.Issuer, grace: c.Grace, key: is.key}
}

// Claims returns the claims of l's current state.
func (is *Issuer) Claims(l *License) *verifier.Claims {
	c := &verifier.Claims{
		Issuer:      is.name,
		LicenseID:   l.ID,
		Generation:  l.Generation,
		IssuedAt:    l.ChangedAt,
		NotBefore:   l.StartsAt,
		ExpiresAt:   l.ExpiresAt,
		Status:      l.Status,
		ProductID:   l.ProductID,
		ProductIDs:  slices.Clone(l.ProductFamily),
		SKU:         l.SKU,
		OrderID:     l.OrderID,
		OrderLineID: l.OrderLineID,
		CustomerID:  l.CustomerID,
		Quantity:    l.Quantity,
		Test:        l.Test,
	}
	if l.ExpiresAt != 0 {
		c.Grace = is.grace
	}
	return c
}

// Sign signs l's current state with the key its KeyFunc names now and stores the code and key id in l.
func (is *Issuer) Sign(l *License) error {
	kid, signer, err := is.key()
	if err != nil {
		return fmt.Errorf("issue code for %s: %w", l.ID, err)
	}
	code, err := verifier.Sign(is.Claims(l), kid, signer)
	if err != nil {
		return fmt.Errorf("issue code for %s: %w", l.ID, err)
	}
	l.Code, l.KeyID = code, kid
	return nil
}

// SignBound signs l's current state bound to one deployment: the claims of l with "dep" set to dep. It
// returns the code; l is not changed (its own code stays the unbound one).
func (is *Issuer) SignBound(l *License, dep *verifier.DeploymentClaim) (string, error) {
	kid, signer, err := is.key()
	if err != nil {
		return "", fmt.Errorf("issue deployment code for %s: %w", l.ID, err)
	}
	c := is.Claims(l)
	c.Deployment = dep
	code, err := verifier.Sign(c, kid, signer)
	if err != nil {
		return "", fmt.Errorf("issue deployment code for %s: %w", l.ID, err)
	}
	return code, nil
}
