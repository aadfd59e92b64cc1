package peers

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"os"
	"strings"
	"testing"
	"time"

	josejose "github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"
	gojwt "github.com/golang-jwt/jwt/v5"
	"github.com/lestrrat-go/jwx/v3/jwa"
	jwxjwt "github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/licentia/licentia/verifier"
)

// Golden files of the verifier package: a fixed-seed key and a valid code at a fixed time.
const testdata = "../../verifier/testdata/"

// fixture is what every benchmark shares: the code, the key and the time it is checked at.
type fixture struct {
	code string
	now  time.Time
	pub  ed25519.PublicKey
	kr   *verifier.Keyring
	revs *verifier.RevocationList
	seed []byte // private seed of the golden key, to sign codes for the negative tests
	kid  string
}

type vectors struct {
	Seed    string `json:"seed"`
	KeyID   string `json:"key_id"`
	NowUnix int64  `json:"now_unix"`
	Options struct {
		Issuer  string `json:"issuer"`
		Product string `json:"product"`
		SKU     string `json:"sku"`
	} `json:"options"`
	Revocations string `json:"revocations"`
	Vectors     []struct {
		Name string `json:"name"`
		Code string `json:"code"`
	} `json:"vectors"`
}

const (
	wantIssuer  = "licentia"
	wantProduct = "OFFI001"
	wantSKU     = "sku-std"
)

func readFile(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(testdata + name)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func load(tb testing.TB) *fixture {
	tb.Helper()
	var vs vectors
	if err := json.Unmarshal(readFile(tb, "vectors.json"), &vs); err != nil {
		tb.Fatal(err)
	}
	if vs.Options.Issuer != wantIssuer || vs.Options.Product != wantProduct || vs.Options.SKU != wantSKU {
		tb.Fatalf("vectors.json options = %+v, want issuer %q, product %q, sku %q", vs.Options, wantIssuer, wantProduct, wantSKU)
	}
	code := strings.TrimSpace(string(readFile(tb, "license.jwt")))
	found := false
	for _, v := range vs.Vectors {
		if v.Name == "valid" {
			found = v.Code == code
		}
	}
	if !found {
		tb.Fatal("license.jwt is not the \"valid\" vector of vectors.json")
	}

	pemData := readFile(tb, "public.pem")
	blk, _ := pem.Decode(pemData)
	if blk == nil {
		tb.Fatal("public.pem: no PEM block")
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		tb.Fatal(err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		tb.Fatalf("public.pem holds %T, want ed25519.PublicKey", k)
	}
	seed, err := hex.DecodeString(vs.Seed)
	if err != nil || len(seed) != ed25519.SeedSize {
		tb.Fatalf("vectors.json seed: %v", err)
	}
	if !pub.Equal(ed25519.NewKeyFromSeed(seed).Public()) {
		tb.Fatal("public.pem is not the key of the vectors' seed")
	}
	kr, err := verifier.ParseKeyring(pemData)
	if err != nil {
		tb.Fatal(err)
	}
	revs, err := verifier.ParseRevocations(kr, []byte(vs.Revocations))
	if err != nil {
		tb.Fatal(err)
	}
	if len(revs.MinGen) == 0 {
		tb.Fatal("golden revocation list is empty")
	}
	return &fixture{code: code, now: time.Unix(vs.NowUnix, 0).UTC(), pub: pub, kr: kr, revs: revs, seed: seed, kid: vs.KeyID}
}

// licentiaClaims are the licentia-specific claims, decoded by the peers that decode into a struct.
type licentiaClaims struct {
	Generation  int64  `json:"gen"`
	Grace       int64  `json:"grace,omitempty"`
	Status      string `json:"st"`
	ProductID   string `json:"pid"`
	SKU         string `json:"sku,omitempty"`
	OrderID     string `json:"ord"`
	OrderLineID string `json:"oli,omitempty"`
	CustomerID  string `json:"cid,omitempty"`
	Quantity    int64  `json:"qty,omitempty"`
	Test        bool   `json:"test,omitempty"`
}

// golangJWTClaims is what a golang-jwt user would declare: the registered claims plus the rest.
type golangJWTClaims struct {
	gojwt.RegisteredClaims
	licentiaClaims
}

// goJOSEClaims is the go-jose equivalent.
type goJOSEClaims struct {
	josejwt.Claims
	licentiaClaims
}

// verifyFunc verifies one code and returns nil when the library accepts it.
type verifyFunc func(code string) error

// peer names a library and builds its verify function for a key and a fixed clock.
type peer struct {
	name string
	make func(f *fixture, now time.Time) verifyFunc
}

// peers lists the libraries in benchmark order. Each builds everything that can be built once (parser
// options, verifier) outside the returned function; the function does what one verification costs.
var peers = []peer{
	{"Licentia", newLicentia},
	{"GolangJWT", newGolangJWT},
	{"JWX", newJWX},
	{"GoJOSE", newGoJOSE},
	{"GoJOSEValidate", newGoJOSEValidate},
	{"Ed25519Verify", newEd25519},
}

func newLicentia(f *fixture, now time.Time) verifyFunc {
	v := verifier.New(f.kr,
		verifier.WithTime(func() time.Time { return now }),
		verifier.WithIssuer(wantIssuer),
		verifier.WithProduct(wantProduct),
		verifier.WithSKU(wantSKU),
		verifier.WithRevocations(f.revs),
		verifier.WithCacheSize(0)) // the first check of a code, as the peers do every time
	return func(code string) error {
		_, err := v.Verify(code)
		return err
	}
}

func newGolangJWT(f *fixture, now time.Time) verifyFunc {
	pub := f.pub
	keyFunc := func(*gojwt.Token) (any, error) { return pub, nil }
	opts := []gojwt.ParserOption{
		gojwt.WithValidMethods([]string{"EdDSA"}),
		gojwt.WithTimeFunc(func() time.Time { return now }),
	}
	return func(code string) error {
		var c golangJWTClaims
		_, err := gojwt.ParseWithClaims(code, &c, keyFunc, opts...)
		return err
	}
}

func newJWX(f *fixture, now time.Time) verifyFunc {
	opts := []jwxjwt.ParseOption{
		jwxjwt.WithKey(jwa.EdDSA(), f.pub),
		jwxjwt.WithValidate(true), // the default, spelled out
		jwxjwt.WithClock(jwxjwt.ClockFunc(func() time.Time { return now })),
	}
	return func(code string) error {
		// jwt.Parse takes bytes; the conversion is one small copy (jwt.ParseString does the same).
		_, err := jwxjwt.Parse([]byte(code), opts...)
		return err
	}
}

var goJOSEAlgs = []josejose.SignatureAlgorithm{josejose.EdDSA}

func newGoJOSE(f *fixture, _ time.Time) verifyFunc {
	pub := f.pub
	return func(code string) error {
		tok, err := josejwt.ParseSigned(code, goJOSEAlgs)
		if err != nil {
			return err
		}
		var c goJOSEClaims
		return tok.Claims(pub, &c)
	}
}

// newGoJOSEValidate adds the time checks go-jose leaves to a separate call, for reference.
func newGoJOSEValidate(f *fixture, now time.Time) verifyFunc {
	pub := f.pub
	return func(code string) error {
		tok, err := josejwt.ParseSigned(code, goJOSEAlgs)
		if err != nil {
			return err
		}
		var c goJOSEClaims
		if err := tok.Claims(pub, &c); err != nil {
			return err
		}
		return c.ValidateWithLeeway(josejwt.Expected{Time: now}, 0)
	}
}

// newEd25519 splits and decodes on every call, for the tests; BenchmarkEd25519Verify splits once.
func newEd25519(f *fixture, _ time.Time) verifyFunc {
	pub := f.pub
	return func(code string) error {
		msg, sig, err := splitSigned(code)
		if err != nil {
			return err
		}
		if !ed25519.Verify(pub, msg, sig) {
			return errBadSignature
		}
		return nil
	}
}

type peerError string

func (e peerError) Error() string { return string(e) }

const errBadSignature = peerError("ed25519: bad signature")

// splitSigned returns the signing input and the decoded signature of a compact JWS.
func splitSigned(code string) (msg, sig []byte, err error) {
	i := strings.LastIndexByte(code, '.')
	if i < 0 {
		return nil, nil, peerError("no signature part")
	}
	sig, err = base64.RawURLEncoding.DecodeString(code[i+1:])
	return []byte(code[:i]), sig, err
}

func TestPeersAcceptValid(t *testing.T) {
	f := load(t)
	for _, p := range peers {
		if err := p.make(f, f.now)(f.code); err != nil {
			t.Errorf("%s rejects the valid code: %v", p.name, err)
		}
	}
}

// tampered returns variants of the valid code that no verifier may accept: a changed claim under the
// original signature, a flipped signature bit, a changed header, and the code signed by another key.
func tampered(t *testing.T, f *fixture) map[string]string {
	t.Helper()
	parts := strings.Split(f.code, ".")
	if len(parts) != 3 {
		t.Fatalf("valid code has %d parts", len(parts))
	}
	enc := base64.RawURLEncoding
	payload, err := enc.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(payload, []byte(`"qty":5`)) {
		t.Fatalf("valid payload %s has no qty 5", payload)
	}
	morePayload := bytes.Replace(payload, []byte(`"qty":5`), []byte(`"qty":500`), 1)
	header, err := enc.DecodeString(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	otherHeader := bytes.Replace(header, []byte(`"typ":"licentia+jwt"`), []byte(`"typ":"JWT"`), 1)
	if bytes.Equal(header, otherHeader) {
		t.Fatalf("valid header %s has no licentia typ", header)
	}
	sig, err := enc.DecodeString(parts[2])
	if err != nil {
		t.Fatal(err)
	}
	sig[10] ^= 0x01

	// The same claims signed by a key nobody trusts, with the trusted key's kid.
	var c verifier.Claims
	if err := json.Unmarshal(payload, &c); err != nil {
		t.Fatal(err)
	}
	other := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{2}, ed25519.SeedSize))
	forged, err := verifier.Sign(&c, f.kid, other)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"claim changed":     parts[0] + "." + enc.EncodeToString(morePayload) + "." + parts[2],
		"signature flipped": parts[0] + "." + parts[1] + "." + enc.EncodeToString(sig),
		"header changed":    enc.EncodeToString(otherHeader) + "." + parts[1] + "." + parts[2],
		"other key":         forged,
	}
}

func TestPeersRejectTampered(t *testing.T) {
	f := load(t)
	for name, code := range tampered(t, f) {
		if code == f.code {
			t.Fatalf("%s: tampered code equals the valid one", name)
		}
		for _, p := range peers {
			if err := p.make(f, f.now)(code); err == nil {
				t.Errorf("%s accepts a tampered code (%s)", p.name, name)
			}
		}
	}
}

// TestPeersTimeChecks confirms the time columns of the table in doc.go: who rejects an expired code
// and a code not yet valid, at the clock each verifier was given.
func TestPeersTimeChecks(t *testing.T) {
	f := load(t)
	var c verifier.Claims
	msg, _, err := splitSigned(f.code)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := base64.RawURLEncoding.DecodeString(string(msg[bytes.IndexByte(msg, '.')+1:]))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		t.Fatal(err)
	}
	if c.ExpiresAt == 0 {
		t.Fatal("valid code has no exp")
	}
	checksTime := map[string]bool{
		"Licentia": true, "GolangJWT": true, "JWX": true,
		"GoJOSE": false, "GoJOSEValidate": true, "Ed25519Verify": false,
	}
	clocks := map[string]time.Time{
		"after exp and grace": time.Unix(c.ExpiresAt+c.Grace+3600, 0),
		"before nbf":          time.Unix(c.NotBefore-3600, 0),
	}
	for when, at := range clocks {
		for _, p := range peers {
			err := p.make(f, at)(f.code)
			if checksTime[p.name] && err == nil {
				t.Errorf("%s accepts the code %s", p.name, when)
			}
			if !checksTime[p.name] && err != nil {
				t.Errorf("%s rejects the code %s (%v): update the table in doc.go", p.name, when, err)
			}
		}
	}
}

// TestLicentiaChecksRevocationsAndScope shows licentia's extra checks are live in the benchmarked
// configuration: a generation below the revocation list's minimum, another product and a frozen
// license are all rejected, though their signatures are good.
func TestLicentiaChecksRevocationsAndScope(t *testing.T) {
	f := load(t)
	priv := ed25519.NewKeyFromSeed(f.seed)
	var base verifier.Claims
	msg, _, _ := splitSigned(f.code)
	payload, err := base64.RawURLEncoding.DecodeString(string(msg[bytes.IndexByte(msg, '.')+1:]))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(payload, &base); err != nil {
		t.Fatal(err)
	}
	// Re-signing the unchanged claims must give the golden code back: Sign is deterministic.
	if again, err := verifier.Sign(&base, f.kid, priv); err != nil || again != f.code {
		t.Fatalf("Sign(golden claims) = %q, %v; want the golden code", again, err)
	}
	var revokedID string
	var revokedMin int64
	for id, g := range f.revs.MinGen {
		if g > 1 && g < 1<<40 {
			revokedID, revokedMin = id, g
		}
	}
	if revokedID == "" {
		t.Fatal("golden revocation list has no entry with a small min_gen")
	}
	cases := map[string]func(c *verifier.Claims){
		"revoked generation": func(c *verifier.Claims) { c.LicenseID, c.Generation = revokedID, revokedMin-1 },
		"other product":      func(c *verifier.Claims) { c.ProductID = "OTHER01" },
		"frozen":             func(c *verifier.Claims) { c.Status = verifier.StatusFrozen },
	}
	v := newLicentia(f, f.now)
	jwtPeer := newGolangJWT(f, f.now)
	for name, change := range cases {
		c := base
		change(&c)
		code, err := verifier.Sign(&c, f.kid, priv)
		if err != nil {
			t.Fatal(err)
		}
		if err := v(code); err == nil {
			t.Errorf("licentia accepts a %s code", name)
		}
		if err := jwtPeer(code); err != nil {
			t.Errorf("golang-jwt rejects a %s code (%v): it was expected to leave this check to callers", name, err)
		}
	}
}
