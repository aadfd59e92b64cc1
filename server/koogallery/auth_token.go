package koogallery

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// Names of the License 1.0 query parameters that take part in signing.
const (
	paramAuthToken = "authToken"
	paramTimeStamp = "timeStamp"
)

// AuthToken returns the License 1.0 authToken for params (spec §1.3.1):
//
//	Base64(HMAC-SHA256(key + timeStamp, "name=value&name=value…"))
//
// The message covers every parameter in params except authToken, including timeStamp and any parameter the
// server does not know (an unknown parameter must never be dropped before verifying). The values must be the
// already URL-decoded ones, which is what url.ParseQuery and (*http.Request).URL.Query return; they are joined
// without re-encoding. Names are sorted in plain byte order, which equals the Java TreeMap order of KooGallery's
// samples for the ASCII names the marketplace sends.
//
// If a name is repeated, only its first value is signed; KooGallery never repeats a name, and the Java samples'
// single-valued map cannot represent repeats either, so the choice only has to be deterministic. A name present
// with no values at all is signed as "name=". If timeStamp is absent the HMAC key is the access key alone.
//
// AuthToken never fails; the result is standard Base64 with padding (44 characters).
func AuthToken(key string, params url.Values) string {
	return authToken(key, params.Get(paramTimeStamp), params)
}

// authBuf holds HMAC blocks: the inner block (64 bytes) followed by the signed message. Pooled, so that
// checking a token allocates nothing.
var authBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// authMessage appends the signed string to dst: every parameter but authToken, sorted by name, as
// name=value joined with '&'.
func authMessage(dst []byte, params url.Values) []byte { return message(dst, params, firstValue) }

func firstValue(v []string) string {
	if len(v) > 0 {
		return v[0]
	}
	return ""
}

// message is authMessage for a map of any value type, first giving the value signed.
func message[V any](dst []byte, params map[string]V, first func(V) string) []byte {
	var arr [24]string
	names := arr[:0]
	for name := range params {
		if name != paramAuthToken {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for i, name := range names {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, name...)
		dst = append(dst, '=')
		dst = append(dst, first(params[name])...)
	}
	return dst
}

// authMAC computes HMAC-SHA256 (RFC 2104) with the key key+timeStamp over buf[64:], the message, into out.
// It overwrites buf[:64] with the inner padded key and allocates nothing for keys up to 64 bytes.
func authMAC(key, timeStamp string, buf []byte, out *[sha256.Size]byte) {
	const block = 64
	var k [block]byte
	if len(key)+len(timeStamp) > block {
		h := sha256.New()
		h.Write([]byte(key))
		h.Write([]byte(timeStamp))
		h.Sum(k[:0])
	} else {
		copy(k[copy(k[:], key):], timeStamp)
	}
	for i := range block {
		buf[i] = k[i] ^ 0x36
	}
	inner := sha256.Sum256(buf)
	var outer [block + sha256.Size]byte
	for i := range block {
		outer[i] = k[i] ^ 0x5c
	}
	copy(outer[block:], inner[:])
	*out = sha256.Sum256(outer[:])
}

func authToken(key, timeStamp string, params url.Values) string {
	bp := authBufs.Get().(*[]byte)
	buf := authMessage(append((*bp)[:0], make([]byte, 64)...), params)
	var mac [sha256.Size]byte
	authMAC(key, timeStamp, buf, &mac)
	*bp = buf
	authBufs.Put(bp)
	return base64.StdEncoding.EncodeToString(mac[:])
}

// equalToken compares a received token with the expected one in time independent of where they differ.
func equalToken(got string, want []byte) bool {
	if len(got) != len(want) {
		return false
	}
	var v byte
	for i := range want {
		v |= got[i] ^ want[i]
	}
	return v == 0
}

// VerifyAuthToken checks the authToken parameter of a License 1.0 request against each key in turn and returns
// the index in keys of the first key that matches, so that several keys can be accepted during a key rotation.
// params must hold the URL-decoded query parameters, authToken included.
//
// It returns ErrMissing if authToken or timeStamp is absent or empty, and ErrAuth if no key matches (including
// when keys is empty; empty keys never match). On error the index is -1.
//
// Before any key is tried, the parameters must pass CheckAuthParams (ErrAmbiguous otherwise): the signed message
// of an accepted set can be read back as that set only, so a signature never vouches for another set.
//
// As hardening, a received token containing spaces is also tried with every space replaced by '+', because a
// framework or proxy that decodes the query twice turns the Base64 '+' into a space. Tokens are compared in
// constant time. The timeStamp value is not checked against the clock: KooGallery documents no window for
// License 1.0 and retries over hours; see ParseTime and CheckTimestamp if a policy is wanted.
func VerifyAuthToken(keys []string, params url.Values) (int, error) {
	if err := CheckAuthParams(params); err != nil {
		return -1, err
	}
	return verifyAuthToken(keys, params, firstValue)
}

func verifyAuthToken[V any](keys []string, params map[string]V, first func(V) string) (int, error) {
	return checkToken(keys, first(params[paramAuthToken]), first(params[paramTimeStamp]), func(dst []byte) []byte {
		return message(dst, params, first)
	})
}

// Param is one parameter of a query: its name and its value.
type Param struct{ Name, Value string }

// VerifyAuthTokenSorted is VerifyAuthToken for parameters sorted by name (byte-wise, as the signed message
// orders them), no name repeated: the message is written in their order, without sorting or a map. It
// allocates nothing for the usual query.
func VerifyAuthTokenSorted(keys []string, params []Param) (int, error) {
	var got, ts string
	for _, p := range params {
		if err := checkAuthParam(p.Name, p.Value); err != nil {
			return -1, err
		}
		switch p.Name {
		case paramAuthToken:
			got = p.Value
		case paramTimeStamp:
			ts = p.Value
		}
	}
	return checkToken(keys, got, ts, func(dst []byte) []byte {
		first := true
		for _, p := range params {
			if p.Name == paramAuthToken {
				continue
			}
			if !first {
				dst = append(dst, '&')
			}
			first = false
			dst = append(append(append(dst, p.Name...), '='), p.Value...)
		}
		return dst
	})
}

// checkToken checks the authToken got (a '+' that arrived as a space put back) against the HMAC of the
// message write appends, under each key with timeStamp ts, and returns the index of the key that made it.
func checkToken(keys []string, got, ts string, write func(dst []byte) []byte) (int, error) {
	if got == "" {
		return -1, fmt.Errorf("authToken: %w", ErrMissing)
	}
	if ts == "" {
		return -1, fmt.Errorf("timeStamp: %w", ErrMissing)
	}
	alt := ""
	if strings.Contains(got, " ") {
		alt = strings.ReplaceAll(got, " ", "+")
	}
	bp := authBufs.Get().(*[]byte)
	buf := write(append((*bp)[:0], make([]byte, 64)...))
	defer func() { *bp = buf; authBufs.Put(bp) }()
	for i, key := range keys {
		if key == "" {
			continue
		}
		var mac [sha256.Size]byte
		authMAC(key, ts, buf, &mac)
		var want [44]byte // base64 of 32 bytes, padded
		base64.StdEncoding.Encode(want[:], mac[:])
		if equalToken(got, want[:]) || alt != "" && equalToken(alt, want[:]) {
			return i, nil
		}
	}
	return -1, fmt.Errorf("authToken: %w", ErrAuth)
}

// maxParamName bounds a parameter name; KooGallery's are camelCase words of a few characters.
const maxParamName = 64

// CheckAuthParams reports whether the License 1.0 signed message of params (see AuthToken) can be split back into
// params as far as License 1.0 parameters go. The message joins "name=value" pairs with '&' and escapes nothing,
// so without a rule a captured URL can be re-partitioned: moving "&expireTime=…" into the end of another value and
// dropping expireTime leaves the message, and so the authToken, unchanged. CheckAuthParams therefore requires
//   - every name other than authToken to be 1 to 64 characters of [A-Za-z0-9_], and
//   - no value to contain '&' directly followed by a License 1.0 parameter name (see IsLicense1Param) and '='.
//
// Under these rules every '&' of the message that is followed by a License 1.0 name and '=' starts a pair, and no
// other does: two accepted sets that share a message hold the same License 1.0 parameters, and a value of one can
// differ from the other's only by a trailing "&name=value" of a parameter that is neither documented nor read by
// licentia (a name such as "D" in the value "R&D=Team"). Buyer names such as "R&D=Team" and "张三 & Co+1 = ok"
// therefore stay valid. It returns an error wrapping ErrAmbiguous for a set that breaks a rule.
func CheckAuthParams(params url.Values) error {
	for name, vs := range params {
		for _, v := range vs {
			if err := checkAuthParam(name, v); err != nil {
				return err
			}
		}
		if len(vs) == 0 {
			if err := checkAuthParam(name, ""); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkAuthParam applies CheckAuthParams's rules to one name and value.
func checkAuthParam(name, v string) error {
	if name == paramAuthToken {
		return nil
	}
	if !isParamName(name) {
		return fmt.Errorf("parameter name %.64q: %w", name, ErrAmbiguous)
	}
	if i := pairInside(v); i >= 0 {
		return fmt.Errorf("parameter %s holds \"&name=\" at byte %d: %w", name, i, ErrAmbiguous)
	}
	return nil
}

// isParamName reports whether s is 1 to maxParamName bytes of [A-Za-z0-9_].
func isParamName(s string) bool {
	if s == "" || len(s) > maxParamName {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isNameByte(s[i]) {
			return false
		}
	}
	return true
}

func isNameByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// pairInside returns the offset of the first '&' in v that is followed by a License 1.0 parameter name and '=',
// or -1.
func pairInside(v string) int {
	for i := 0; i < len(v); i++ {
		if v[i] != '&' {
			continue
		}
		j := i + 1
		for j < len(v) && isNameByte(v[j]) {
			j++
		}
		if j < len(v) && v[j] == '=' && IsLicense1Param(v[i+1:j]) {
			return i
		}
	}
	return -1
}

// IsLicense1Param reports whether name is a License 1.0 parameter: one the marketplace documents for
// getLicense, refreshLicense, expireLicense or releaseLicense (including the rows inferred from the sibling
// SaaS tables, such as testFlag and periodNumber), or one licentia's callback handling reads from any call
// (orderLineId, effectiveTime, scene, status, license, eventId, deviceFingerprint). CheckAuthParams refuses a
// value that holds '&', such a name and '='; authToken is never signed, so it is not one.
func IsLicense1Param(name string) bool {
	switch name {
	case "activity", "timeStamp", "customerId", "customerName", "businessId", "orderId", "skuCode", "productId",
		"expireTime", "periodType", "periodNumber", "amount", "diskSize", "bandWidth", "testFlag", "instanceId",
		"orderLineId", "trialFlag", "effectiveTime", "scene", "status", "license", "eventId", "deviceFingerprint":
		return true
	}
	return false
}

// bodySignType is the only sign_type KooGallery documents for the Body-Sign header.
const bodySignType = "HMAC-SHA256"

// BodySign returns the complete value of the License 1.0 Body-Sign response header for body (spec §1.3.2):
//
//	sign_type="HMAC-SHA256", signature= "<Base64(HMAC-SHA256(key, body))>"
//
// key is the access key without any timeStamp. body must be the exact bytes written to the response, including
// any trailing newline. The space after "signature=" follows the documented form.
func BodySign(key string, body []byte) string {
	return `sign_type="` + bodySignType + `", signature= "` + bodyMAC(key, body) + `"`
}

func bodyMAC(key string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// ParseBodySign extracts the Base64 signature from a Body-Sign header value. It accepts the documented form and
// variants with or without spaces around '=' and ',', with parameter names in any case and values quoted or not.
//
// It returns ErrMissing if the header is unparseable, has no signature, an empty one, or more than one. If a
// sign_type is present it must be HMAC-SHA256 (any case); any other algorithm yields ErrAuth, since the signature
// cannot have been made the way this package checks it.
func ParseBodySign(header string) (string, error) {
	var sig string
	var found bool
	for part := range strings.SplitSeq(header, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, value, ok := strings.Cut(part, "=")
		if !ok {
			return "", fmt.Errorf("body-sign %q: %w", part, ErrMissing)
		}
		name = strings.TrimSpace(name)
		value, ok = unquote(strings.TrimSpace(value))
		if !ok {
			return "", fmt.Errorf("body-sign %s: unbalanced quotes: %w", name, ErrMissing)
		}
		switch {
		case strings.EqualFold(name, "signature"):
			if found {
				return "", fmt.Errorf("body-sign: repeated signature: %w", ErrMissing)
			}
			sig, found = value, true
		case strings.EqualFold(name, "sign_type"):
			if !strings.EqualFold(value, bodySignType) {
				return "", fmt.Errorf("body-sign sign_type %q: %w", value, ErrAuth)
			}
		}
	}
	if sig == "" {
		return "", fmt.Errorf("body-sign signature: %w", ErrMissing)
	}
	return sig, nil
}

// unquote removes one pair of surrounding double quotes from s. It reports false if s has a quote at only one
// end, or quotes inside.
func unquote(s string) (string, bool) {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	return s, !strings.Contains(s, `"`)
}

// VerifyBodySign checks that header, a Body-Sign header value, carries the signature of body under key.
//
// It returns ErrMissing if the header has no usable signature (see ParseBodySign), and ErrAuth if the signature
// does not match, the sign_type is not HMAC-SHA256, or key is empty. The comparison is constant time.
func VerifyBodySign(key string, body []byte, header string) error {
	got, err := ParseBodySign(header)
	if err != nil {
		return err
	}
	if key == "" || !hmac.Equal([]byte(got), []byte(bodyMAC(key, body))) {
		return fmt.Errorf("body-sign: %w", ErrAuth)
	}
	return nil
}
