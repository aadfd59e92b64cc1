package simulator

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/verifier"
)

// Result codes of the marketplace.
const (
	codeOK = "000000"
)

// Answer is a seller's answer to one marketplace call.
type Answer struct {
	// Legacy is true for the answer to a License 1.0 GET call.
	Legacy bool
	// HTTPStatus is the HTTP status code; the marketplace expects 200.
	HTTPStatus int
	// Header holds the response headers.
	Header http.Header
	// Body is the response body as received.
	Body []byte
	// ResultCode, ResultMsg, InstanceID and License are the answer's fields, "" when absent.
	ResultCode, ResultMsg, InstanceID, License string
	// Problems lists what is wrong with the answer's form, whatever its result code: HTTP status, JSON
	// shape, field types and lengths, a missing or wrong Body-Sign header.
	Problems []string
}

func (a *Answer) problem(format string, args ...any) {
	a.Problems = append(a.Problems, fmt.Sprintf(format, args...))
}

// inspect parses the answer and records every problem with its form. key is the access key that must
// have signed the Body-Sign header.
func (a *Answer) inspect(key string) {
	if a.HTTPStatus != http.StatusOK {
		a.problem("HTTP status %d, want 200", a.HTTPStatus)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(a.Body, &m); err != nil || m == nil {
		a.problem("answer is not a JSON object: %q", abbrev(a.Body))
	} else {
		a.ResultCode = a.field(m, "resultCode", true, 6)
		a.ResultMsg = a.field(m, "resultMsg", false, 255)
		a.InstanceID = a.field(m, "instanceId", false, 64)
		a.License = a.field(m, "license", false, 0)
		if a.ResultCode != "" && !sixDigits(a.ResultCode) {
			a.problem("resultCode %q is not six digits", a.ResultCode)
		}
	}
	signs := a.Header.Values("Body-Sign")
	switch {
	case len(signs) == 0 && a.Legacy:
		a.problem("no Body-Sign header (every License 1.0 answer must be signed)")
	case len(signs) > 1:
		a.problem("Body-Sign header repeated")
	case len(signs) == 1:
		if err := koogallery.VerifyBodySign(key, a.Body, signs[0]); err != nil {
			a.problem("Body-Sign does not verify with the access key over the exact body: %v", err)
		}
	}
}

// field returns the string member name of m, recording a problem when it is missing (and mandatory),
// not a string, or longer than max characters (max 0: no limit).
func (a *Answer) field(m map[string]json.RawMessage, name string, mandatory bool, max int) string {
	raw, ok := m[name]
	if !ok || string(raw) == "null" {
		if mandatory {
			a.problem("answer has no %s", name)
		}
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		a.problem("%s is %s, want a JSON string", name, abbrev(raw))
		return ""
	}
	if max > 0 && utf8.RuneCountInString(s) > max {
		a.problem("%s is %d characters long, the marketplace allows %d", name, utf8.RuneCountInString(s), max)
	}
	return s
}

func sixDigits(s string) bool {
	if len(s) != 6 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func abbrev(b []byte) string {
	const max = 120
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}

// errForm is returned by the checks when the answer's form is wrong.
var errForm = errors.New("malformed answer")

// formError returns an error listing the answer's problems, or nil.
func (a *Answer) formError() error {
	if len(a.Problems) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", errForm, strings.Join(a.Problems, "; "))
}

// Accepted checks that the seller accepted the call: a well-formed answer with resultCode 000000.
func (a *Answer) Accepted() error {
	if err := a.formError(); err != nil {
		return err
	}
	if a.ResultCode != codeOK {
		return fmt.Errorf("resultCode %s (%s), want 000000", a.ResultCode, a.ResultMsg)
	}
	return nil
}

// Created checks that the seller accepted a create and answered an instanceId and a license.
func (a *Answer) Created() error {
	if err := a.Accepted(); err != nil {
		return err
	}
	if a.InstanceID == "" {
		return errors.New("answer has no instanceId")
	}
	if a.License == "" {
		return errors.New("answer has no license")
	}
	return nil
}

// Rejected checks that the seller refused the call: a well-formed answer with any result code other
// than 000000.
func (a *Answer) Rejected() error {
	if err := a.formError(); err != nil {
		return err
	}
	if a.ResultCode == codeOK {
		return errors.New("resultCode 000000: the seller accepted a request it must refuse")
	}
	return nil
}

// Same checks that b, a resent create's answer, carries a's instanceId and license.
func (a *Answer) Same(b *Answer) error {
	switch {
	case b.InstanceID != a.InstanceID:
		return fmt.Errorf("instanceId %q, want %q as first answered", b.InstanceID, a.InstanceID)
	case b.License != a.License:
		return fmt.Errorf("license differs from the one answered before (%s vs %s)", fingerprint(b.License), fingerprint(a.License))
	}
	return nil
}

// fingerprint names a license in messages without printing it: it is a bearer credential.
func fingerprint(license string) string {
	if license == "" {
		return "empty"
	}
	return "fp " + verifier.Fingerprint(license)
}

// Claims decodes a licentia authorization code (a JWS whose header says typ licentia+jwt) and returns
// its claims without checking the signature, or nil for any other license string: other sellers'
// licenses are opaque to the simulator.
func Claims(license string) *verifier.Claims {
	parts := strings.Split(license, ".")
	if len(parts) != 3 {
		return nil
	}
	h, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return nil
	}
	var hdr struct {
		Typ string `json:"typ"`
	}
	if json.Unmarshal(h, &hdr) != nil || hdr.Typ != verifier.TypeCode {
		return nil
	}
	p, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil
	}
	var c verifier.Claims
	if json.Unmarshal(p, &c) != nil || c.LicenseID == "" {
		return nil
	}
	return &c
}
