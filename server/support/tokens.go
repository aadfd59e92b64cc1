package support

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/licentia/licentia/server/licensing"

	"github.com/licentia/licentia/server/store"
)

// ErrUnauthorized means an admin token is missing, malformed, unknown or revoked.
var ErrUnauthorized = errors.New("missing, unknown or revoked admin token")

// An admin token is "lct_" + 16 hex characters of id + "_" + 43 base64url characters of secret (32
// random bytes). The id is public and finds the stored token; only the SHA-256 of the secret is stored,
// and it is compared in constant time.
const (
	tokenPrefix    = "lct_"
	tokenIDBytes   = 8
	tokenSecretLen = 32
	maxTokenName   = 64
)

// NewToken draws a new admin token named name with role (store.RoleRead or store.RoleSupport) from rand.
// It returns the token to show once to its owner and the record to store, which holds only the hash of
// the token's secret. Its errors are *licensing.RequestError for a bad name or role.
func NewToken(rand io.Reader, name, role string) (plain string, t *store.Token, err error) {
	if err := checkTokenName(name); err != nil {
		return "", nil, err
	}
	if role != store.RoleRead && role != store.RoleSupport {
		return "", nil, licensing.BadRequest("role %q: want %s or %s", role, store.RoleRead, store.RoleSupport)
	}
	buf := make([]byte, tokenIDBytes+tokenSecretLen)
	if _, err := io.ReadFull(rand, buf); err != nil {
		return "", nil, fmt.Errorf("new token: %w", err)
	}
	id := hex.EncodeToString(buf[:tokenIDBytes])
	secret := buf[tokenIDBytes:]
	sum := sha256.Sum256(secret)
	plain = tokenPrefix + id + "_" + base64.RawURLEncoding.EncodeToString(secret)
	return plain, &store.Token{ID: id, Name: name, Role: role, SecretHash: sum[:]}, nil
}

func checkTokenName(name string) error {
	if name == "" || len(name) > maxTokenName {
		return licensing.BadRequest("token name must be 1 to %d characters", maxTokenName)
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._@-", c)) {
			return licensing.BadRequest("token name %q: use letters, digits and . _ @ -", name)
		}
	}
	return nil
}

// parseToken splits a presented token into its id and secret.
func parseToken(tok string) (id string, secret []byte, ok bool) {
	rest, ok := strings.CutPrefix(tok, tokenPrefix)
	if !ok || len(rest) != 2*tokenIDBytes+1+base64.RawURLEncoding.EncodedLen(tokenSecretLen) || rest[2*tokenIDBytes] != '_' {
		return "", nil, false
	}
	id = rest[:2*tokenIDBytes]
	if _, err := hex.DecodeString(id); err != nil {
		return "", nil, false
	}
	secret, err := base64.RawURLEncoding.Strict().DecodeString(rest[2*tokenIDBytes+1:])
	if err != nil || len(secret) != tokenSecretLen {
		return "", nil, false
	}
	return id, secret, true
}

// Authenticate returns the live stored token that tok is, comparing the secret's hash in constant time.
// It returns an error wrapping ErrUnauthorized for a malformed, unknown or revoked token.
func Authenticate(ctx context.Context, st *store.Store, tok string) (*store.Token, error) {
	id, secret, ok := parseToken(tok)
	if !ok {
		return nil, fmt.Errorf("%w: not a licentia admin token", ErrUnauthorized)
	}
	t, err := st.Token(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrUnauthorized
	}
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(secret)
	if subtle.ConstantTimeCompare(sum[:], t.SecretHash) != 1 || t.RevokedAt != 0 {
		return nil, ErrUnauthorized
	}
	return t, nil
}
