// Package keys holds licentia's Ed25519 signing keys: generation, PEM encoding, key ids and the key ring
// kept on disk. It depends on the standard library only, so the offline verifier can use it too.
package keys

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
)

// Errors returned by this package.
var (
	// ErrNoKey means a PEM input held no key block of the expected type.
	ErrNoKey = errors.New("keys: no key found")
	// ErrNotEd25519 means a key was well formed but is not an Ed25519 key.
	ErrNotEd25519 = errors.New("keys: not an Ed25519 key")
	// ErrExists means a key file already exists and was left untouched.
	ErrExists = errors.New("keys: key file already exists")
	// ErrUnknownKey means no key with the requested id is in the ring.
	ErrUnknownKey = errors.New("keys: unknown key id")
	// ErrActiveKey means an operation that takes a key out of use was asked of the key that signs.
	ErrActiveKey = errors.New("keys: the key signs new codes")
	// ErrWithdrawn means a key was withdrawn (Ring.Retire) and may neither sign nor verify again.
	ErrWithdrawn = errors.New("keys: key withdrawn")
)

// PEM block types.
const (
	privateBlock = "PRIVATE KEY"
	publicBlock  = "PUBLIC KEY"
)

// Generate returns a new Ed25519 private key drawn from rand (crypto/rand.Reader in production; tests
// pass a fixed reader for reproducible keys).
func Generate(rand io.Reader) (ed25519.PrivateKey, error) {
	_, priv, err := ed25519.GenerateKey(rand)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	return priv, nil
}

// KeyID returns the key id of pub: the first 8 bytes of SHA-256 over its PKIX DER encoding, as 16
// lowercase hex characters. It appears as the `kid` header of every code the key signs.
func KeyID(pub ed25519.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		// MarshalPKIXPublicKey fails only for key types it does not know; ed25519 is always known.
		return ""
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:8])
}

// EncodePrivatePEM returns priv as a PKCS#8 PEM "PRIVATE KEY" block.
func EncodePrivatePEM(priv ed25519.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("encode private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: privateBlock, Bytes: der}), nil
}

// EncodePublicPEM returns pub as a PKIX PEM "PUBLIC KEY" block.
func EncodePublicPEM(pub ed25519.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("encode public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: publicBlock, Bytes: der}), nil
}

// ParsePrivatePEM parses the first PKCS#8 "PRIVATE KEY" block in data. It returns ErrNoKey when there is
// none and ErrNotEd25519 when the key is of another type.
func ParsePrivatePEM(data []byte) (ed25519.PrivateKey, error) {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return nil, ErrNoKey
		}
		if b.Type != privateBlock {
			continue
		}
		k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse private key: %w", err)
		}
		priv, ok := k.(ed25519.PrivateKey)
		if !ok {
			return nil, ErrNotEd25519
		}
		return priv, nil
	}
}

// ParsePublicPEM parses every PKIX "PUBLIC KEY" block in data, in order. Blocks of other types are
// skipped. It returns ErrNoKey when there is no public key block and ErrNotEd25519 when one holds a key of
// another type.
func ParsePublicPEM(data []byte) ([]ed25519.PublicKey, error) {
	var out []ed25519.PublicKey
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != publicBlock {
			continue
		}
		k, err := x509.ParsePKIXPublicKey(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse public key: %w", err)
		}
		pub, ok := k.(ed25519.PublicKey)
		if !ok {
			return nil, ErrNotEd25519
		}
		out = append(out, pub)
	}
	if len(out) == 0 {
		return nil, ErrNoKey
	}
	return out, nil
}
