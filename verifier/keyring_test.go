package verifier_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/verifier"
)

func TestParseKeyring(t *testing.T) {
	pem1, _ := keys.EncodePublicPEM(pubOf(seedKey(1)))
	pem2, _ := keys.EncodePublicPEM(pubOf(seedKey(2)))
	priv1, _ := keys.EncodePrivatePEM(seedKey(1))
	id1, id2 := keys.KeyID(pubOf(seedKey(1))), keys.KeyID(pubOf(seedKey(2)))
	x1 := base64.RawURLEncoding.EncodeToString(pubOf(seedKey(1)))
	x2 := base64.RawURLEncoding.EncodeToString(pubOf(seedKey(2)))
	tests := []struct {
		name string
		in   string
		want []string // key ids; nil means an error wrapping ErrKeyring
	}{
		{name: "one pem", in: string(pem1), want: []string{id1}},
		{name: "two pem with text around", in: "# licentia keys\n" + string(pem1) + "\n\n" + string(pem2), want: []string{id1, id2}},
		{name: "jwks", in: `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"` + x1 + `","kid":"` + id1 + `","alg":"EdDSA","use":"sig"},{"kty":"OKP","crv":"Ed25519","x":"` + x2 + `"}]}`, want: []string{id1, id2}},
		{name: "jwks skips other key types", in: ` {"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"},{"kty":"OKP","crv":"X25519","x":"` + x2 + `"},{"kty":"OKP","crv":"Ed25519","x":"` + x1 + `"}]}`, want: []string{id1}},
		{name: "jwks skips alg other than EdDSA", in: `{"keys":[{"kty":"OKP","crv":"Ed25519","alg":"HS256","x":"` + x2 + `"},{"kty":"OKP","crv":"Ed25519","x":"` + x1 + `"}]}`, want: []string{id1}},
		{name: "jwks alg Ed25519 (RFC 9864)", in: `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"` + x1 + `","kid":"` + id1 + `","alg":"Ed25519","use":"sig"}]}`, want: []string{id1}},
		{name: "jwks kid mismatch", in: `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"` + x1 + `","kid":"` + id2 + `"}]}`},
		{name: "jwks private key", in: `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"` + x1 + `","d":"AAAA"}]}`},
		{name: "jwks short x", in: `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"AAAA"}]}`},
		{name: "jwks padded x", in: `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"` + x1 + `="}]}`},
		{name: "jwks empty", in: `{"keys":[]}`},
		{name: "jwks broken", in: `{"keys":[`},
		{name: "private pem", in: string(priv1)},
		{name: "private pem next to public", in: string(pem1) + string(priv1)},
		{name: "empty", in: ""},
		{name: "garbage", in: "not a key"},
		{name: "huge", in: strings.Repeat(" ", 2<<20)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kr, err := verifier.ParseKeyring([]byte(tt.in))
			if tt.want == nil {
				if !errors.Is(err, verifier.ErrKeyring) || kr != nil {
					t.Fatalf("ParseKeyring() = %v, %v, want nil, %v", kr, err, verifier.ErrKeyring)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseKeyring() err = %v, want nil", err)
			}
			if got := kr.KeyIDs(); !slices.Equal(got, tt.want) {
				t.Errorf("KeyIDs() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNewKeyringRejectsBadKeys(t *testing.T) {
	for name, pubs := range map[string][]ed25519.PublicKey{"none": nil, "short": {make([]byte, 31)}} {
		if _, err := verifier.NewKeyring(pubs...); !errors.Is(err, verifier.ErrKeyring) {
			t.Errorf("%s: NewKeyring() err = %v, want %v", name, err, verifier.ErrKeyring)
		}
	}
}

// TestWithSignatureChecks: a ring's signature checks are the ones WithSignatureChecks made, for codes and
// revocation lists alike; a key its maker fails for keeps crypto/ed25519; the original ring is unchanged.
func TestWithSignatureChecks(t *testing.T) {
	k1, k2 := seedKey(1), seedKey(2)
	kr, err := verifier.NewKeyring(pubOf(k1), pubOf(k2))
	if err != nil {
		t.Fatal(err)
	}
	code1, code2 := sign(t, baseClaims(), k1), sign(t, baseClaims(), k2)
	calls := 0
	refuseAll := kr.WithSignatureChecks(func(pub ed25519.PublicKey) (verifier.SignatureCheck, error) {
		if pub.Equal(pubOf(k2)) {
			return nil, errors.New("no check for this key")
		}
		return func(message, sig []byte) bool { calls++; return false }, nil
	})
	verify := func(kr *verifier.Keyring, code string) error {
		_, err := verifier.New(kr, verifier.WithProduct(testProduct), verifier.WithTime(func() time.Time { return testNow })).Verify(code)
		return err
	}
	if err := verify(refuseAll, code1); !errors.Is(err, verifier.ErrSignature) || calls != 1 {
		t.Errorf("key 1 through a check that refuses: err = %v after %d calls, want ErrSignature after 1", err, calls)
	}
	if err := verify(refuseAll, code2); err != nil {
		t.Errorf("key 2, whose check could not be made, must keep crypto/ed25519: %v", err)
	}
	if err := verify(kr, code1); err != nil || calls != 1 {
		t.Errorf("the original ring must be unchanged: err = %v, check calls %d", err, calls)
	}
	var nilRing *verifier.Keyring
	if nilRing.WithSignatureChecks(nil) != nil {
		t.Error("a nil ring must stay nil")
	}
}
