package verifier

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"slices"
	"strings"

	"github.com/licentia/licentia/keys"
)

// maxKeyringLen bounds the key material ParseKeyring accepts.
const maxKeyringLen = 1 << 20

// Keyring is the set of Ed25519 public keys a Verifier trusts, each known by its key id (see keys.KeyID).
// A Keyring is immutable and safe for concurrent use.
type Keyring struct {
	keys []ringKey
}

type ringKey struct {
	id  string
	pub ed25519.PublicKey
	// check, when set (Keyring.WithSignatureChecks), checks this key's signatures instead of
	// crypto/ed25519.Verify.
	check SignatureCheck
	// codeHeader is the encoded header Sign writes for a code signed by this key. A code whose header
	// part equals it byte for byte needs no header decoding (see open).
	codeHeader string
}

// NewKeyring returns a key ring holding pubs. Duplicates are kept once. It returns an error wrapping
// ErrKeyring when pubs is empty or a key is not 32 bytes long.
func NewKeyring(pubs ...ed25519.PublicKey) (*Keyring, error) {
	kr := &Keyring{}
	for _, pub := range pubs {
		if len(pub) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("%w: public key of %d bytes, want %d", ErrKeyring, len(pub), ed25519.PublicKeySize)
		}
		id := keys.KeyID(pub)
		if kr.key(id) != nil {
			continue
		}
		kr.keys = append(kr.keys, ringKey{
			id:         id,
			pub:        bytes.Clone(pub),
			codeHeader: base64.RawURLEncoding.EncodeToString(joseHeader(TypeCode, id)),
		})
	}
	if len(kr.keys) == 0 {
		return nil, fmt.Errorf("%w: no public key", ErrKeyring)
	}
	return kr, nil
}

// ParseKeyring parses the public keys a Verifier trusts from pemOrJWKS: either one or more PEM
// "PUBLIC KEY" (PKIX) blocks, or a JWKS document ({"keys":[…]}, as served at /.well-known/jwks.json).
//
// In a JWKS, keys whose "kty" is not OKP, whose "crv" is not Ed25519, whose "alg" (when present) is
// neither EdDSA nor Ed25519 (RFC 9864) or whose "use" (when present) is not "sig" are skipped, as RFC
// 7517 asks; a key's "kid", when present, must equal its computed key id. Input holding private key material (a PEM "PRIVATE KEY" block
// or a JWK "d" member) is refused so that a private key is never shipped by mistake. Every error wraps
// ErrKeyring.
func ParseKeyring(pemOrJWKS []byte) (*Keyring, error) {
	if len(pemOrJWKS) > maxKeyringLen {
		return nil, fmt.Errorf("%w: key file larger than %d bytes", ErrKeyring, maxKeyringLen)
	}
	data := bytes.TrimSpace(pemOrJWKS)
	if len(data) > 0 && data[0] == '{' {
		return parseJWKS(data)
	}
	return parsePEM(data)
}

func parsePEM(data []byte) (*Keyring, error) {
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if strings.Contains(b.Type, "PRIVATE") {
			return nil, fmt.Errorf("%w: key file holds a %q block; ship only public keys", ErrKeyring, b.Type)
		}
	}
	pubs, err := keys.ParsePublicPEM(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyring, err)
	}
	return NewKeyring(pubs...)
}

// jwk is the subset of an RFC 8037 OKP JSON Web Key that matters here.
type jwk struct {
	Kty string  `json:"kty"`
	Crv string  `json:"crv"`
	X   string  `json:"x"`
	D   *string `json:"d"`
	Kid string  `json:"kid"`
	Alg string  `json:"alg"`
	Use string  `json:"use"`
}

func parseJWKS(data []byte) (*Keyring, error) {
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("%w: jwks: %w", ErrKeyring, err)
	}
	var pubs []ed25519.PublicKey
	for i, k := range set.Keys {
		if k.D != nil {
			return nil, fmt.Errorf("%w: jwks key %d holds private key material; ship only public keys", ErrKeyring, i)
		}
		if k.Kty != "OKP" || k.Crv != "Ed25519" || (k.Alg != "" && k.Alg != Algorithm && k.Alg != AlgorithmEd25519) || (k.Use != "" && k.Use != "sig") {
			continue
		}
		pub, err := base64.RawURLEncoding.Strict().DecodeString(k.X)
		if err != nil || len(pub) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("%w: jwks key %d: \"x\" is not a base64url Ed25519 public key", ErrKeyring, i)
		}
		if id := keys.KeyID(pub); k.Kid != "" && k.Kid != id {
			return nil, fmt.Errorf("%w: jwks key %d: kid %q, but the key's id is %s", ErrKeyring, i, k.Kid, id)
		}
		pubs = append(pubs, pub)
	}
	return NewKeyring(pubs...)
}

// KeyIDs returns the ids of the keys in the ring, in the order they were given.
func (kr *Keyring) KeyIDs() []string {
	if kr == nil {
		return nil
	}
	out := make([]string, len(kr.keys))
	for i, k := range kr.keys {
		out[i] = k.id
	}
	return out
}

// key returns the key with id kid, or nil. A nil ring holds no key.
func (kr *Keyring) key(kid string) *ringKey {
	if kr == nil {
		return nil
	}
	for i := range kr.keys {
		if kr.keys[i].id == kid {
			return &kr.keys[i]
		}
	}
	return nil
}

// verify reports whether sig is k's Ed25519 signature of message.
func (k *ringKey) verify(message, sig []byte) bool {
	if k.check != nil {
		return k.check(message, sig)
	}
	return ed25519.Verify(k.pub, message, sig)
}

// SignatureCheck reports whether sig is a valid Ed25519 signature of message by the one public key it was
// made for. It must accept exactly the signatures crypto/ed25519.Verify accepts for that key.
type SignatureCheck func(message, sig []byte) bool

// WithSignatureChecks returns a copy of the ring whose signatures are checked by the check newCheck makes
// for each of its keys, once, instead of by crypto/ed25519.Verify: for a server that checks many codes
// by the same few keys with an implementation that does work for a key ahead (a decoded point, tables).
// A key for which newCheck returns an error keeps crypto/ed25519.Verify. The ring itself is unchanged; a
// nil ring stays nil.
func (kr *Keyring) WithSignatureChecks(newCheck func(ed25519.PublicKey) (SignatureCheck, error)) *Keyring {
	if kr == nil {
		return nil
	}
	out := &Keyring{keys: slices.Clone(kr.keys)}
	for i := range out.keys {
		if check, err := newCheck(bytes.Clone(out.keys[i].pub)); err == nil && check != nil {
			out.keys[i].check = check
		}
	}
	return out
}
