// Package edkey signs and checks Ed25519 signatures with keys prepared once, as the server does for every
// code it issues (creates, renewals, reissues) and every code a buyer presents (refresh, activation,
// check-in, the buyer page). crypto/ed25519 decodes the public key again for each check and builds its
// work from the seed for each signature; here a check takes about 60% of the time and a signature about
// 60% (BenchmarkCheck, BenchmarkSign; BENCHMARKS.md).
//
// The results are crypto/ed25519's: a check accepts exactly the signatures crypto/ed25519.Verify accepts
// (curve25519-voi's precomputed verification with its standard-library rules: cofactorless, S < L, the
// A and R encodings crypto/ed25519 accepts), and a signature is byte for byte the one
// crypto/ed25519.Sign makes (Ed25519 is deterministic), so a resent code stays identical. The tests hold
// both to crypto/ed25519 on edge cases and by fuzzing. The offline verifier (package verifier,
// licentia-verify) keeps crypto/ed25519 alone; the server opts in through
// verifier.Keyring.WithSignatureChecks and its issuer's signer.
//
// In FIPS 140-3 mode (GODEBUG=fips140=on) both refuse, so that every signature and check stays inside
// the Go Cryptographic Module.
package edkey

import (
	"crypto"
	"crypto/ed25519"
	"crypto/fips140"
	"errors"
	"fmt"
	"io"

	voi "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"

	"github.com/licentia/licentia/verifier"
)

// ErrFIPS is the error of Check and NewSigner in FIPS 140-3 mode: the caller keeps crypto/ed25519.
var ErrFIPS = errors.New("edkey: FIPS 140-3 mode: use crypto/ed25519")

// stdlib are the verification rules of crypto/ed25519.
var stdlib = &voi.Options{Verify: voi.VerifyOptionsStdLib}

// Check returns the check of signatures by pub. It fails for a key that is not 32 bytes or not a point
// of the curve (crypto/ed25519 accepts no signature by such a key either), and in FIPS 140-3 mode.
func Check(pub ed25519.PublicKey) (verifier.SignatureCheck, error) {
	if fips140.Enabled() {
		return nil, ErrFIPS
	}
	if len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("edkey: public key of %d bytes, want %d", len(pub), ed25519.PublicKeySize)
	}
	x, err := voi.NewExpandedPublicKey(voi.PublicKey(pub))
	if err != nil {
		return nil, fmt.Errorf("edkey: %w", err)
	}
	return func(message, sig []byte) bool {
		return voi.VerifyExpandedWithOptions(x, message, sig, stdlib)
	}, nil
}

// Signer is an Ed25519 private key as a crypto.Signer whose signatures are crypto/ed25519's. Its Public
// is an ed25519.PublicKey, as signers of codes must have.
type Signer struct {
	pub  ed25519.PublicKey
	priv voi.PrivateKey
}

// NewSigner returns the signer of priv. It fails for a key that is not 64 bytes and in FIPS 140-3 mode.
func NewSigner(priv ed25519.PrivateKey) (*Signer, error) {
	if fips140.Enabled() {
		return nil, ErrFIPS
	}
	if len(priv) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("edkey: private key of %d bytes, want %d", len(priv), ed25519.PrivateKeySize)
	}
	// From the seed, as crypto/ed25519 signs: the public half is derived, not trusted.
	p := voi.NewKeyFromSeed(priv.Seed())
	return &Signer{pub: ed25519.PublicKey(p.Public().(voi.PublicKey)), priv: p}, nil
}

// Public returns the public key, an ed25519.PublicKey.
func (s *Signer) Public() crypto.PublicKey { return s.pub }

// Sign signs message itself (Ed25519 hashes it twice as part of the algorithm): opts must be crypto.Hash(0),
// as for crypto/ed25519 without a context. rand is not used: Ed25519 signatures are deterministic.
func (s *Signer) Sign(_ io.Reader, message []byte, opts crypto.SignerOpts) ([]byte, error) {
	if opts.HashFunc() != crypto.Hash(0) {
		return nil, errors.New("edkey: Ed25519 signs a message, not a digest: opts must be crypto.Hash(0)")
	}
	if o, ok := opts.(*ed25519.Options); ok && o.Context != "" {
		return nil, errors.New("edkey: Ed25519ctx is not supported")
	}
	return voi.Sign(s.priv, message), nil
}
