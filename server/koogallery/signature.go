package koogallery

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// Signature returns the lowercase hex signature KooGallery puts in the signature URL parameter of License 2.0,
// G1b and SaaS V2 callbacks (spec §2.3):
//
//	inner     = hex(HMAC-SHA256(key, payload))
//	signature = hex(HMAC-SHA256(key, key + nonce + timestamp + inner))
//
// timestamp is the URL parameter exactly as received (not re-formatted). payload is the request body, or its
// Canonical form.
func Signature(key, nonce, timestamp string, payload []byte) string {
	return hex.EncodeToString(signatureMAC(key, nonce, timestamp, payload))
}

// signatureMAC returns the raw bytes of the Signature.
func signatureMAC(key, nonce, timestamp string, payload []byte) []byte {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write(payload)
	inner := hex.EncodeToString(mac.Sum(nil))

	mac = hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(key + nonce + timestamp + inner))
	return mac.Sum(nil)
}

// VerifySignature checks a License 2.0 / G1b / SaaS V2 callback signature against each key in turn and returns
// the index in keys of the first key that matches, so that several keys can be accepted during a key rotation.
// KooGallery signs the canonical JSON, and its bodies are normally already canonical: so every key is first tried
// over the raw body, which costs two HMACs and nothing else, and only when none matches is the body parsed into
// Canonical form (bounded by MaxJSONItems and MaxJSONDepth) and the keys tried again. signature is hex in either
// case; it is decoded and compared in constant time.
//
// It returns ErrMissing if signature, nonce or timestamp is empty, and ErrAuth if the signature is not hex or no
// key matches (including when keys is empty; empty keys never match), also when the raw body does not match and
// has no canonical form within the bounds. On error the index is -1. VerifySignature does not check the timestamp
// against the clock or the nonce against a replay cache; use ParseTimestamp and CheckTimestamp for the former.
func VerifySignature(keys []string, nonce, timestamp, signature string, body []byte) (int, error) {
	switch {
	case signature == "":
		return -1, fmt.Errorf("signature: %w", ErrMissing)
	case nonce == "":
		return -1, fmt.Errorf("nonce: %w", ErrMissing)
	case timestamp == "":
		return -1, fmt.Errorf("timestamp: %w", ErrMissing)
	}
	got, err := hex.DecodeString(signature)
	if err != nil || len(got) != sha256.Size {
		return -1, fmt.Errorf("signature not hex-encoded sha256: %w", ErrAuth)
	}
	if i := matchKey(keys, nonce, timestamp, got, body); i >= 0 {
		return i, nil
	}
	canon, err := Canonical(body)
	if err != nil {
		return -1, fmt.Errorf("signature over a body without canonical form (%w): %w", err, ErrAuth)
	}
	if !bytes.Equal(canon, body) {
		if i := matchKey(keys, nonce, timestamp, got, canon); i >= 0 {
			return i, nil
		}
	}
	return -1, fmt.Errorf("signature: %w", ErrAuth)
}

// matchKey returns the index of the first non-empty key whose signature over payload is got, or -1.
func matchKey(keys []string, nonce, timestamp string, got, payload []byte) int {
	for i, key := range keys {
		if key != "" && hmac.Equal(got, signatureMAC(key, nonce, timestamp, payload)) {
			return i
		}
	}
	return -1
}

// Bounds of a JSON body that Canonical and CheckShape accept. A marketplace body is a flat object of a few dozen
// strings, or for newInstance a few small nested objects and arrays (buyerInfo, orderInfo and its lines); these
// leave room for many times that.
const (
	// MaxJSONItems is the most object members and array elements a body may hold, counted at every depth.
	MaxJSONItems = 1024
	// MaxJSONDepth is the deepest nesting of objects and arrays a body may have (a flat object is 1).
	MaxJSONDepth = 16
)

// CheckShape returns an error wrapping ErrShape when body, read as JSON, holds more than MaxJSONItems members and
// elements or nests deeper than MaxJSONDepth. It reads each byte once, allocates nothing and does not validate
// the JSON: a body it passes may still be malformed.
func CheckShape(body []byte) error {
	depth, items, inString := 0, 0, false
	for i := 0; i < len(body); i++ {
		c := body[i]
		if inString {
			switch c {
			case '\\':
				i++ // the escaped byte cannot end the string
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			if depth++; depth > MaxJSONDepth {
				return fmt.Errorf("nesting deeper than %d: %w", MaxJSONDepth, ErrShape)
			}
			if j := skipSpace(body, i+1); j < len(body) && body[j] != '}' && body[j] != ']' {
				items++ // the first member or element; each further one follows a comma
			}
		case '}', ']':
			depth--
		case ',':
			items++
		}
		if items > MaxJSONItems {
			return fmt.Errorf("more than %d members and elements: %w", MaxJSONItems, ErrShape)
		}
	}
	return nil
}

// skipSpace returns the index of the first byte at or after i in b that is not JSON white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// Canonical returns the canonical JSON form of a callback body that KooGallery signs (spec §2.3 step 3),
// reproducing the Java sample's Jackson output: object keys sorted, members whose value is null dropped, compact
// (no whitespace), no HTML escaping, non-ASCII and U+2028/U+2029 written raw as UTF-8, '/' not escaped. Only '"',
// '\' and control characters below U+0020 are escaped, as \" \\ \b \t \n \f \r or \u00XX with upper-case hex.
//
// Interpretations where the spec is silent (its bodies are flat objects of strings): nested objects are
// canonicalized the same way (sorted, null members dropped, as Jackson's NON_NULL inclusion does for every map),
// null array elements are kept, and numbers keep their literal text. Keys are sorted by UTF-16 code units, the
// order of Java's String.compareTo, which differs from byte order only for keys mixing supplementary-plane
// characters with U+E000–U+FFFF. Invalid UTF-8 and lone surrogate escapes become U+FFFD. A repeated key keeps its
// last value, as in Jackson.
//
// Canonical returns an error wrapping ErrShape for a body beyond MaxJSONItems or MaxJSONDepth (checked before
// anything is parsed), and a non-sentinel error if body is not exactly one JSON object.
func Canonical(body []byte) ([]byte, error) {
	if err := CheckShape(body); err != nil {
		return nil, fmt.Errorf("canonical json: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("canonical json: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("canonical json: trailing data after object")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("canonical json: body is not a JSON object")
	}
	var buf bytes.Buffer
	writeCanonical(&buf, obj)
	return buf.Bytes(), nil
}

// writeCanonical appends the canonical encoding of v, a value produced by a json.Decoder with UseNumber.
func writeCanonical(buf *bytes.Buffer, v any) {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k, val := range v {
			if val != nil {
				keys = append(keys, k)
			}
		}
		slices.SortFunc(keys, compareUTF16)
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, k)
			buf.WriteByte(':')
			writeCanonical(buf, v[k])
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeCanonical(buf, e)
		}
		buf.WriteByte(']')
	case string:
		writeString(buf, v)
	case json.Number:
		buf.WriteString(v.String())
	case bool:
		buf.WriteString(strconv.FormatBool(v))
	default: // nil
		buf.WriteString("null")
	}
}

// writeString appends s as a JSON string with Jackson's default escaping.
func writeString(buf *bytes.Buffer, s string) {
	const hexDigits = "0123456789ABCDEF"
	buf.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			buf.WriteByte('\\')
			buf.WriteByte(c)
		case c == '\b':
			buf.WriteString(`\b`)
		case c == '\t':
			buf.WriteString(`\t`)
		case c == '\n':
			buf.WriteString(`\n`)
		case c == '\f':
			buf.WriteString(`\f`)
		case c == '\r':
			buf.WriteString(`\r`)
		case c < 0x20:
			buf.WriteString(`\u00`)
			buf.WriteByte(hexDigits[c>>4])
			buf.WriteByte(hexDigits[c&0xF])
		default:
			buf.WriteByte(c)
		}
	}
	buf.WriteByte('"')
}

// compareUTF16 orders a and b as Java's String.compareTo does: by UTF-16 code units. Supplementary-plane runes
// become surrogates (0xD800–0xDBFF), which sort before U+E000–U+FFFF although their UTF-8 bytes sort after.
func compareUTF16(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			return utf16Key(ra) - utf16Key(rb)
		}
		a, b = a[na:], b[nb:]
	}
	return len(a) - len(b)
}

// utf16Key returns the first UTF-16 code unit of r.
func utf16Key(r rune) int {
	if r >= 0x10000 {
		return 0xD800 + int((r-0x10000)>>10)
	}
	return int(r)
}

// ParseTimestamp parses the timestamp URL parameter of License 2.0 / G1b / SaaS V2 callbacks: Unix time in
// milliseconds, 13 decimal digits. As a tolerance for the page variant that says "seconds", exactly 10 digits are
// read as Unix seconds. The two widths cannot be confused for any date between 2001-09-09 and 2286-11-20.
//
// It returns ErrTimestamp for anything else: other widths, signs, spaces or non-digits. The result is in UTC.
func ParseTimestamp(s string) (time.Time, error) {
	if (len(s) != 13 && len(s) != 10) || !allDigits(s) {
		return time.Time{}, fmt.Errorf("timestamp %q: %w", s, ErrTimestamp)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("timestamp %q: %w", s, ErrTimestamp)
	}
	if len(s) == 10 {
		return time.Unix(n, 0).UTC(), nil
	}
	return time.UnixMilli(n).UTC(), nil
}

// CheckTimestamp returns ErrTimestamp if ts is more than window before or after now. KooGallery asks sellers to
// reject callbacks whose timestamp is more than 60 seconds from their clock; the official sample checks only the
// past side, this check is two-sided. A negative window rejects everything.
func CheckTimestamp(ts, now time.Time, window time.Duration) error {
	// now.Sub saturates instead of overflowing; comparing both bounds avoids negating math.MinInt64.
	if d := now.Sub(ts); window < 0 || d > window || d < -window {
		return fmt.Errorf("timestamp %s is %s from now, window %s: %w",
			ts.UTC().Format(time.RFC3339Nano), now.Sub(ts), window, ErrTimestamp)
	}
	return nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
