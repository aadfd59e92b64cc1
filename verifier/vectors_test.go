package verifier_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/verifier"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata (TestVectors)")

// Golden files, all regenerated together by `go test ./verifier -run TestVectors -update`.
const (
	vectorsFile   = "testdata/vectors.json"
	publicKeyFile = "testdata/public.pem"  // the golden public key, embedded by the examples
	licenseFile   = "testdata/license.jwt" // the "valid" vector's code, embedded by the examples
)

// vectorFile is the layout of testdata/vectors.json. Other implementations may read it: every vector is
// checked at the file's "now" with its "options", the "revocations" list and, when given, the vector's
// own "state" file and "allow_test".
type vectorFile struct {
	Comment      string        `json:"comment"`
	Seed         string        `json:"seed"`
	KeyID        string        `json:"key_id"`
	PublicKeyPEM string        `json:"public_key_pem"`
	Now          string        `json:"now"`
	NowUnix      int64         `json:"now_unix"`
	Options      vectorOptions `json:"options"`
	Revocations  string        `json:"revocations"`
	Vectors      []vector      `json:"vectors"`
}

type vectorOptions struct {
	Issuer  string `json:"issuer"`
	Product string `json:"product"`
	SKU     string `json:"sku"`
}

type vector struct {
	Name        string       `json:"name"`
	Description string       `json:"description"`
	Code        string       `json:"code"`
	AllowTest   bool         `json:"allow_test,omitempty"`
	State       *vectorState `json:"state,omitempty"`
	Want        vectorWant   `json:"want"`
}

// vectorState is the content of a state file (see verifier.StateFormat) to verify with.
type vectorState struct {
	Format string           `json:"format"`
	Seen   int64            `json:"seen"`
	MinGen map[string]int64 `json:"min_gen"`
}

type vectorWant struct {
	Valid   bool   `json:"valid"`
	Error   string `json:"error,omitempty"` // name of the most specific sentinel
	Reason  string `json:"reason"`          // verifier.Reason and licentia-verify --json "reason"
	Exit    int    `json:"exit"`            // licentia-verify exit status
	InGrace bool   `json:"in_grace"`
}

// sentinels names the sentinel errors as the vectors do.
var sentinels = map[string]error{
	"ErrMalformed": verifier.ErrMalformed, "ErrWrongType": verifier.ErrWrongType,
	"ErrAlgorithm": verifier.ErrAlgorithm, "ErrUnknownKey": verifier.ErrUnknownKey,
	"ErrSignature": verifier.ErrSignature, "ErrExpired": verifier.ErrExpired,
	"ErrNotYetValid": verifier.ErrNotYetValid, "ErrWrongIssuer": verifier.ErrWrongIssuer,
	"ErrWrongProduct": verifier.ErrWrongProduct, "ErrWrongSKU": verifier.ErrWrongSKU,
	"ErrTestCode": verifier.ErrTestCode, "ErrRevoked": verifier.ErrRevoked,
	"ErrSuperseded": verifier.ErrSuperseded, "ErrInactive": verifier.ErrInactive,
	"ErrClockRollback": verifier.ErrClockRollback,
}

// wants maps a reason to the expected sentinel name and exit status (cmd/licentia-verify's exit table).
var wants = map[string]vectorWant{
	"valid":           {Valid: true, Reason: "valid", Exit: 0},
	"malformed":       {Error: "ErrMalformed", Reason: "malformed", Exit: 1},
	"wrong_type":      {Error: "ErrWrongType", Reason: "wrong_type", Exit: 1},
	"wrong_algorithm": {Error: "ErrAlgorithm", Reason: "wrong_algorithm", Exit: 1},
	"unknown_key":     {Error: "ErrUnknownKey", Reason: "unknown_key", Exit: 1},
	"bad_signature":   {Error: "ErrSignature", Reason: "bad_signature", Exit: 1},
	"expired":         {Error: "ErrExpired", Reason: "expired", Exit: 2},
	"not_yet_valid":   {Error: "ErrNotYetValid", Reason: "not_yet_valid", Exit: 3},
	"wrong_issuer":    {Error: "ErrWrongIssuer", Reason: "wrong_issuer", Exit: 4},
	"wrong_product":   {Error: "ErrWrongProduct", Reason: "wrong_product", Exit: 4},
	"wrong_sku":       {Error: "ErrWrongSKU", Reason: "wrong_sku", Exit: 4},
	"test_code":       {Error: "ErrTestCode", Reason: "test_code", Exit: 4},
	"revoked":         {Error: "ErrRevoked", Reason: "revoked", Exit: 5},
	"superseded":      {Error: "ErrSuperseded", Reason: "superseded", Exit: 5},
	"inactive":        {Error: "ErrInactive", Reason: "inactive", Exit: 5},
	"clock_rollback":  {Error: "ErrClockRollback", Reason: "clock_rollback", Exit: 6},
}

// signRaw signs arbitrary header and payload JSON with k, as an attacker or a foreign issuer could.
func signRaw(hdr, payload string, k ed25519.PrivateKey) string {
	enc := base64.RawURLEncoding
	in := enc.EncodeToString([]byte(hdr)) + "." + enc.EncodeToString([]byte(payload))
	return in + "." + enc.EncodeToString(ed25519.Sign(k, []byte(in)))
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// generateVectors builds the golden vector file from the fixed seed and time.
func generateVectors(tb testing.TB) *vectorFile {
	tb.Helper()
	key, other := seedKey(1), seedKey(2)
	kid := keys.KeyID(pubOf(key))
	pemBytes, err := keys.EncodePublicPEM(pubOf(key))
	if err != nil {
		tb.Fatal(err)
	}
	now, day := testNow.Unix(), int64(24*3600)
	with := func(f func(c *verifier.Claims)) string {
		c := baseClaims()
		f(c)
		return sign(tb, c, key)
	}
	valid := sign(tb, baseClaims(), key)
	parts := strings.Split(valid, ".")
	enc := base64.RawURLEncoding
	codeHdr := func(alg, kid string) string {
		return enc.EncodeToString([]byte(mustJSON(map[string]string{"alg": alg, "kid": kid, "typ": verifier.TypeCode})))
	}
	extended := baseClaims()
	extended.ExpiresAt = time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	hs := hmac.New(sha256.New, pemBytes)
	hsIn := codeHdr("HS256", kid) + "." + parts[1]
	hs.Write([]byte(hsIn))
	revs, err := verifier.SignRevocations(&verifier.RevocationList{
		IssuedAt: testIssue.Unix() + 30*day,
		MinGen:   map[string]int64{"inst-0002": 2, "inst-0003": 1 << 40},
	}, kid, key)
	if err != nil {
		tb.Fatal(err)
	}
	state := func(seen int64, minGen map[string]int64) *vectorState {
		if minGen == nil {
			minGen = map[string]int64{}
		}
		return &vectorState{Format: verifier.StateFormat, Seen: seen, MinGen: minGen}
	}
	vs := []vector{
		{Name: "valid", Description: "an active, signed code inside its term", Code: valid, Want: wants["valid"]},
		{Name: "valid_pasted", Description: "the valid code with surrounding white space and line breaks inside, as pasted from an e-mail",
			Code: "\n  " + valid[:60] + "\r\n" + valid[60:120] + "\n" + valid[120:] + " \t\r\n", Want: wants["valid"]},
		{Name: "valid_perpetual", Description: "no exp: a perpetual license", Code: with(func(c *verifier.Claims) { c.ExpiresAt, c.Grace = 0, 0 }), Want: wants["valid"]},
		{Name: "valid_header_reordered", Description: "a header with its members in another order and an extra member, signed: decoded the general way",
			Code: signRaw(`{"typ":"licentia+jwt","kid":"`+kid+`","x-note":"ok","alg":"EdDSA"}`, mustJSON(baseClaims()), key), Want: wants["valid"]},
		{Name: "in_grace", Description: "exp passed one day ago, grace is seven days", Code: with(func(c *verifier.Claims) { c.ExpiresAt = now - day }),
			Want: vectorWant{Valid: true, Reason: "valid", InGrace: true}},
		{Name: "expired", Description: "exp and the seven days of grace have passed", Code: with(func(c *verifier.Claims) { c.ExpiresAt = now - 8*day }), Want: wants["expired"]},
		{Name: "expired_at_exp", Description: "exp equals now and there is no grace: expired (valid while now < exp)",
			Code: with(func(c *verifier.Claims) { c.ExpiresAt, c.Grace = now, 0 }), Want: wants["expired"]},
		{Name: "not_yet_valid", Description: "nbf is one day ahead", Code: with(func(c *verifier.Claims) { c.NotBefore = now + day }), Want: wants["not_yet_valid"]},
		{Name: "tampered_claims", Description: "the payload of the valid code with exp moved to 2099, original signature",
			Code: parts[0] + "." + enc.EncodeToString([]byte(mustJSON(extended))) + "." + parts[2], Want: wants["bad_signature"]},
		{Name: "tampered_signature", Description: "the valid code with one signature bit flipped", Code: flipSigBit(valid), Want: wants["bad_signature"]},
		{Name: "non_canonical_base64", Description: "the valid code whose last signature character differs only in its unused bits",
			Code: nonCanonical(valid), Want: wants["malformed"]},
		{Name: "padded_base64", Description: "the valid code with '=' padding on the signature", Code: valid + "==", Want: wants["malformed"]},
		{Name: "space_inside", Description: "a space inside the code (only line breaks are removed inside)", Code: valid[:50] + " " + valid[50:], Want: wants["malformed"]},
		{Name: "unknown_kid", Description: "signed by another key, under that key's id", Code: sign(tb, baseClaims(), other), Want: wants["unknown_key"]},
		{Name: "missing_kid", Description: "a header without kid",
			Code: signRaw(`{"alg":"EdDSA","typ":"licentia+jwt"}`, mustJSON(baseClaims()), key), Want: wants["unknown_key"]},
		{Name: "wrong_key", Description: "the trusted key id in the header, but signed by another key",
			Code: signRaw(string(mustDecode(parts[0])), mustJSON(baseClaims()), other), Want: wants["bad_signature"]},
		{Name: "alg_none", Description: "alg none with an empty signature", Code: codeHdr("none", kid) + "." + parts[1] + ".", Want: wants["wrong_algorithm"]},
		{Name: "hs256_public_key", Description: "alg HS256, HMAC keyed with the public key PEM",
			Code: hsIn + "." + enc.EncodeToString(hs.Sum(nil)), Want: wants["wrong_algorithm"]},
		{Name: "crit_header", Description: "a signed header with a critical extension",
			Code: signRaw(`{"alg":"EdDSA","crit":["exp"],"exp":1,"kid":"`+kid+`","typ":"licentia+jwt"}`, mustJSON(baseClaims()), key), Want: wants["malformed"]},
		{Name: "missing_typ", Description: "a signed header without typ",
			Code: signRaw(`{"alg":"EdDSA","kid":"`+kid+`"}`, mustJSON(baseClaims()), key), Want: wants["wrong_type"]},
		{Name: "revocation_list_as_code", Description: "the signed revocation list passed as a code", Code: revs, Want: wants["wrong_type"]},
		{Name: "bad_claims_json", Description: "a signed payload that is not a JSON object",
			Code: signRaw(string(mustDecode(parts[0])), `["inst-0001"]`, key), Want: wants["malformed"]},
		{Name: "missing_sub", Description: "signed claims without sub", Code: with(func(c *verifier.Claims) { c.LicenseID = "" }), Want: wants["malformed"]},
		{Name: "truncated", Description: "the first half of the valid code", Code: valid[:len(valid)/2], Want: wants["malformed"]},
		{Name: "truncated_signature", Description: "the valid code without its last four characters", Code: valid[:len(valid)-4], Want: wants["malformed"]},
		{Name: "empty", Description: "nothing", Code: "", Want: wants["malformed"]},
		{Name: "blank", Description: "only white space", Code: " \r\n\t", Want: wants["malformed"]},
		{Name: "frozen", Description: "status frozen", Code: with(func(c *verifier.Claims) { c.Status, c.Generation = verifier.StatusFrozen, 3 }), Want: wants["inactive"]},
		{Name: "released", Description: "status released", Code: with(func(c *verifier.Claims) { c.Status, c.Generation = verifier.StatusReleased, 4 }), Want: wants["inactive"]},
		{Name: "status_revoked", Description: "status revoked", Code: with(func(c *verifier.Claims) { c.Status, c.Generation = verifier.StatusRevoked, 5 }), Want: wants["revoked"]},
		{Name: "revoked_by_list", Description: "generation 1 of inst-0002; the revocation list's min_gen is 2",
			Code: with(func(c *verifier.Claims) { c.LicenseID, c.Generation = "inst-0002", 1 }), Want: wants["revoked"]},
		{Name: "test_code", Description: "a code issued to a marketplace probe (test: true)", Code: with(func(c *verifier.Claims) { c.Test = true }), Want: wants["test_code"]},
		{Name: "test_code_allowed", Description: "the same test code with test codes allowed",
			Code: with(func(c *verifier.Claims) { c.Test = true }), AllowTest: true, Want: wants["valid"]},
		{Name: "wrong_product", Description: "pid of another product", Code: with(func(c *verifier.Claims) { c.ProductID = "OFFI999" }), Want: wants["wrong_product"]},
		{Name: "wrong_sku", Description: "sku of another edition", Code: with(func(c *verifier.Claims) { c.SKU = "sku-pro" }), Want: wants["wrong_sku"]},
		{Name: "wrong_issuer", Description: "iss of another issuer", Code: with(func(c *verifier.Claims) { c.Issuer = "someone-else" }), Want: wants["wrong_issuer"]},
		{Name: "clock_rollback", Description: "the state file has seen a time one hour ahead of now",
			Code: valid, State: state(now+3600, nil), Want: wants["clock_rollback"]},
		{Name: "clock_within_tolerance", Description: "the state file has seen a time five minutes ahead (tolerance is ten)",
			Code: valid, State: state(now+300, nil), Want: wants["valid"]},
		{Name: "superseded", Description: "the state file has already seen generation 3 of this license",
			Code: valid, State: state(now-day, map[string]int64{"inst-0001": 3}), Want: wants["superseded"]},
		{Name: "valid_alg_ed25519", Description: "the valid claims under alg Ed25519, RFC 9864's name for the same signature: accepted like EdDSA",
			Code: signRaw(`{"alg":"Ed25519","kid":"`+kid+`","typ":"licentia+jwt"}`, mustJSON(baseClaims()), key), Want: wants["valid"]},
		{Name: "alg_ed25519_tampered", Description: "alg Ed25519 with the payload of the 2099 code and the signature over the valid one",
			Code: codeHdr("Ed25519", kid) + "." + enc.EncodeToString([]byte(mustJSON(extended))) + "." +
				strings.Split(signRaw(string(mustDecode(codeHdr("Ed25519", kid))), mustJSON(baseClaims()), key), ".")[2], Want: wants["bad_signature"]},
		{Name: "alg_ed25519_lowercase", Description: "alg ed25519 (algorithm names are case-sensitive)",
			Code: signRaw(`{"alg":"ed25519","kid":"`+kid+`","typ":"licentia+jwt"}`, mustJSON(baseClaims()), key), Want: wants["wrong_algorithm"]},
		{Name: "alg_ed448", Description: "alg Ed448, RFC 9864's other EdDSA name: not the key's algorithm",
			Code: signRaw(`{"alg":"Ed448","kid":"`+kid+`","typ":"licentia+jwt"}`, mustJSON(baseClaims()), key), Want: wants["wrong_algorithm"]},
		{Name: "product_family", Description: "renewed from month to year: pid is the yearly product, pids the product the license was sold under (the bound one)",
			Code: with(func(c *verifier.Claims) { c.ProductID, c.ProductIDs = "OFFI002", []string{testProduct} }), Want: wants["valid"]},
		{Name: "product_family_current", Description: "pid is the bound product, pids the one the license carried before",
			Code: with(func(c *verifier.Claims) { c.ProductIDs = []string{"OFFI002"} }), Want: wants["valid"]},
		{Name: "product_family_unrelated", Description: "neither pid nor any entry of pids is the bound product",
			Code: with(func(c *verifier.Claims) { c.ProductID, c.ProductIDs = "OFFI002", []string{"OFFI003", "OFFI004"} }), Want: wants["wrong_product"]},
		{Name: "product_family_null", Description: "pids null, taken as absent: pid is another product, so not malformed but the wrong product",
			Code: signRaw(string(mustDecode(parts[0])), familyClaims(`null`), key), Want: wants["wrong_product"]},
		{Name: "product_family_too_long", Description: "pids with 9 entries, one more than the bound of 8, the bound product among them",
			Code: with(func(c *verifier.Claims) {
				c.ProductID = "OFFI002"
				c.ProductIDs = []string{testProduct, "OFFI101", "OFFI102", "OFFI103", "OFFI104", "OFFI105", "OFFI106", "OFFI107", "OFFI108"}
			}), Want: wants["malformed"]},
		{Name: "product_family_empty_entry", Description: "an empty string in pids",
			Code: with(func(c *verifier.Claims) { c.ProductID, c.ProductIDs = "OFFI002", []string{"", testProduct} }), Want: wants["malformed"]},
		{Name: "product_family_not_array", Description: "pids a string, not an array",
			Code: signRaw(string(mustDecode(parts[0])), familyClaims(`"`+testProduct+`"`), key), Want: wants["malformed"]},
		{Name: "product_family_not_strings", Description: "pids with a number among its entries",
			Code: signRaw(string(mustDecode(parts[0])), familyClaims(`["`+testProduct+`",7]`), key), Want: wants["malformed"]},
	}
	return &vectorFile{
		Comment: "licentia golden vectors. Regenerate only with: go test ./verifier -run TestVectors -update. " +
			"Verify each code at now with options, the revocations list, the vector's state file (when given) and allow_test.",
		Seed:         hex.EncodeToString(bytes.Repeat([]byte{1}, ed25519.SeedSize)),
		KeyID:        kid,
		PublicKeyPEM: string(pemBytes),
		Now:          testNow.Format(time.RFC3339),
		NowUnix:      now,
		Options:      vectorOptions{Issuer: testIssuer, Product: testProduct, SKU: testSKU},
		Revocations:  revs,
		Vectors:      vs,
	}
}

// familyClaims is the base claims with pid "OFFI002" and the raw JSON pids after it, for pids values
// the issuer never writes.
func familyClaims(pids string) string {
	c := baseClaims()
	c.ProductID = "OFFI002"
	b := mustJSON(c)
	i := strings.Index(b, `,"sku":`)
	return b[:i] + `,"pids":` + pids + b[i:]
}

func mustDecode(s string) []byte {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// flipSigBit flips the lowest bit of the first signature byte.
func flipSigBit(code string) string {
	i := strings.LastIndexByte(code, '.')
	sig := mustDecode(code[i+1:])
	sig[0] ^= 1
	return code[:i+1] + base64.RawURLEncoding.EncodeToString(sig)
}

// nonCanonical flips an unused low bit of the last signature character: a lax decoder yields the same
// 64 bytes, a strict one refuses.
func nonCanonical(code string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, code[len(code)-1])
	return code[:len(code)-1] + string(alphabet[last^1])
}

// loadVectors reads the golden vector file.
func loadVectors(tb testing.TB) *vectorFile {
	tb.Helper()
	data, err := os.ReadFile(vectorsFile)
	if err != nil {
		tb.Fatalf("read vectors: %v (regenerate with -update)", err)
	}
	var vf vectorFile
	if err := json.Unmarshal(data, &vf); err != nil {
		tb.Fatalf("parse vectors: %v", err)
	}
	return &vf
}

// vectorVerifier builds the verifier a vector is checked with, plus extra options; dir receives the
// state file.
func vectorVerifier(tb testing.TB, vf *vectorFile, vec vector, dir string, extra ...verifier.Option) *verifier.Verifier {
	tb.Helper()
	kr, err := verifier.ParseKeyring([]byte(vf.PublicKeyPEM))
	if err != nil {
		tb.Fatalf("ParseKeyring() err = %v", err)
	}
	revs, err := verifier.ParseRevocations(kr, []byte(vf.Revocations))
	if err != nil {
		tb.Fatalf("ParseRevocations() err = %v", err)
	}
	opts := []verifier.Option{
		verifier.WithIssuer(vf.Options.Issuer), verifier.WithProduct(vf.Options.Product),
		verifier.WithSKU(vf.Options.SKU), verifier.WithRevocations(revs), fixedTime(time.Unix(vf.NowUnix, 0)),
	}
	if vec.AllowTest {
		opts = append(opts, verifier.AllowTest())
	}
	if vec.State != nil {
		path := filepath.Join(dir, "state.json")
		if err := os.WriteFile(path, []byte(mustJSON(vec.State)), 0o600); err != nil {
			tb.Fatal(err)
		}
		st, err := verifier.OpenState(path)
		if err != nil {
			tb.Fatalf("OpenState() err = %v", err)
		}
		opts = append(opts, verifier.WithState(st))
	}
	return verifier.New(kr, append(opts, extra...)...)
}

// TestVectors checks every golden vector, and that regenerating them from the fixed seed and time gives
// the files in testdata byte for byte (so any change to the wire format shows up here).
func TestVectors(t *testing.T) {
	gen := generateVectors(t)
	data, err := json.MarshalIndent(gen, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, '\n')
	golden := map[string][]byte{
		vectorsFile:   data,
		publicKeyFile: []byte(gen.PublicKeyPEM),
		licenseFile:   []byte(gen.Vectors[0].Code + "\n"),
	}
	for path, want := range golden {
		if *update {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("read %s: %v (regenerate with -update)", path, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the regenerated vectors: the wire format changed (regenerate with -update only if intended)", path)
		}
	}
	vf := loadVectors(t)
	for _, vec := range vf.Vectors {
		t.Run(vec.Name, func(t *testing.T) {
			v := vectorVerifier(t, vf, vec, t.TempDir())
			r, err := v.Check(vec.Code)
			if got := verifier.Reason(err); got != vec.Want.Reason {
				t.Fatalf("Check() reason = %q (err %v), want %q", got, err, vec.Want.Reason)
			}
			if vec.Want.Valid {
				if err != nil || r == nil {
					t.Fatalf("Check() = %v, %v, want a result", r, err)
				}
				if r.InGrace != vec.Want.InGrace {
					t.Errorf("InGrace = %v, want %v", r.InGrace, vec.Want.InGrace)
				}
				return
			}
			if !errors.Is(err, sentinels[vec.Want.Error]) {
				t.Errorf("Check() err = %v, want %v", err, sentinels[vec.Want.Error])
			}
			if c, err := v.Verify(vec.Code); c != nil || err == nil {
				t.Errorf("Verify() = %v, %v, want nil claims and an error", c, err)
			}
		})
	}
}
