package verifier_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/licentia/licentia/verifier"
)

// FuzzVerify checks that Verify never panics, returns claims exactly when it returns no error, and never
// accepts a code other than one of the golden codes it accepts unmutated (up to the white space Verify is
// documented to ignore): any other mutation of a signed code must fail. Peek never panics either, and
// reads the claims Verify accepted.
func FuzzVerify(f *testing.F) {
	vf := loadVectors(f)
	kr, err := verifier.ParseKeyring([]byte(vf.PublicKeyPEM))
	if err != nil {
		f.Fatal(err)
	}
	// Accept as much as possible (no product, issuer or revocation list, test codes allowed) so that
	// mostly the format and the signature stand between a mutation and success.
	v := verifier.New(kr, verifier.WithAnyProduct(), verifier.AllowTest(), fixedTime(testNow))
	valid := map[string]bool{} // the golden codes this verifier accepts, white space removed
	for _, vec := range vf.Vectors {
		f.Add(vec.Code)
		if _, err := v.Verify(vec.Code); err == nil {
			valid[stripped(vec.Code)] = true
		}
	}
	f.Add(vf.Revocations)
	f.Fuzz(func(t *testing.T, code string) {
		c, err := v.Verify(code)
		if (c == nil) == (err == nil) {
			t.Fatalf("Verify() = %v, %v: want exactly one of claims and error", c, err)
		}
		if err == nil && !valid[stripped(code)] {
			t.Fatalf("Verify(%q) accepted a code that is not a golden valid code", code)
		}
		if u, perr := verifier.Peek(code); perr == nil {
			pc, cerr := u.Claims()
			if err == nil && (cerr != nil || !reflect.DeepEqual(pc, c)) {
				t.Fatalf("Peek(%q).Claims() = %+v, %v; want the claims Verify accepted, %+v", code, pc, cerr, c)
			}
		} else if err == nil {
			t.Fatalf("Peek(%q) err = %v for a code Verify accepted", code, perr)
		}
		_, _ = verifier.ParseRevocations(kr, []byte(code))
		_, _ = verifier.ParseKeyring([]byte(code))
	})
}

// stripped removes what Verify ignores: surrounding white space and inner line breaks.
func stripped(s string) string {
	return strings.NewReplacer("\r", "", "\n", "").Replace(strings.Trim(s, " \t\r\n\v\f"))
}
