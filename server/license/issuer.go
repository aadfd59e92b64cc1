package license

import (
	"crypto"
	"fmt"
	"time"

	"github.com/licentia/licentia/verifier"
)

// Issuer turns a license's state into its signed authorization code. It is the only place where
// verifier.Claims are filled in, so the claim format has one source of truth.
type Issuer struct {
	name   string
	grace  int64
	kid    string
	signer crypto.Signer
}

// NewIssuer returns an Issuer that signs with signer (an Ed25519 key whose id is kid), names itself name in
// "iss" and gives every code with an expiry grace seconds after it.
func NewIssuer(kid string, signer crypto.Signer, name string, grace time.Duration) *Issuer {
	return &Issuer{name: name, grace: int64(grace / time.Second), kid: kid, signer: signer}
}

// KeyID returns the id of the signing key.
func (is *Issuer) KeyID() string { return is.kid }

// Signer returns the signing key, for documents signed beside codes (the revocation list).
func (is *Issuer) Signer() crypto.Signer { return is.signer }

// Inherit returns an Issuer with is's key and the issuer name and grace of claims: a support change made
// without the server's settings keeps the ones the license's code already carries.
func (is *Issuer) Inherit(c *verifier.Claims) *Issuer {
	if c == nil || c.Issuer == "" {
		return is
	}
	return &Issuer{name: c.Issuer, grace: c.Grace, kid: is.kid, signer: is.signer}
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

// Sign signs l's current state and stores the code and key id in l.
func (is *Issuer) Sign(l *License) error {
	code, err := verifier.Sign(is.Claims(l), is.kid, is.signer)
	if err != nil {
		return fmt.Errorf("issue code for %s: %w", l.ID, err)
	}
	l.Code, l.KeyID = code, is.kid
	return nil
}
