package verifier

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// Size limits, checked before anything is decoded.
const (
	maxCodeLen      = 8 << 10  // a whole code, after cleaning
	maxPastedLen    = 64 << 10 // a code as given, white space included; refused before it is copied
	maxListLen      = 32 << 20 // a whole revocation list, after cleaning
	maxHeaderLen    = 512      // the encoded header part
	signatureLen    = 86       // the encoded signature part: 64 bytes, base64url without padding
	fingerprintSize = 8        // bytes of SHA-256 in a fingerprint
)

// b64 is the only base64 decoder used: URL alphabet, no padding, and Strict, so unused trailing bits must
// be zero and every byte string has exactly one accepted encoding.
var b64 = base64.RawURLEncoding.Strict()

// jwsHeader is the JOSE header of a code or revocation list as the checks read it: Header, and "crit".
// Members other than these are ignored, except "crit": licentia defines no header extension, so any
// "crit" member makes the document malformed.
type jwsHeader struct {
	Header
	Crit present `json:"crit"`
}

// present records that a JSON member exists, whatever its value (null included).
type present bool

// UnmarshalJSON implements json.Unmarshaler.
func (p *present) UnmarshalJSON([]byte) error {
	*p = true
	return nil
}

// isSpace reports the ASCII white space trimmed from both ends of a pasted code.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// trimSpace returns s without leading and trailing white space (isSpace).
func trimSpace(s string) string {
	i, j := 0, len(s)
	for i < j && isSpace(s[i]) {
		i++
	}
	for j > i && isSpace(s[j-1]) {
		j--
	}
	return s[i:j]
}

// clean returns a copy of s without leading and trailing white space and without line breaks (CR, LF)
// inside it. Nothing else is removed: any other character stays and fails decoding later.
func clean(s string) []byte {
	s = trimSpace(s)
	if strings.IndexByte(s, '\n') < 0 && strings.IndexByte(s, '\r') < 0 {
		return []byte(s)
	}
	out := make([]byte, 0, len(s))
	for k := 0; k < len(s); k++ {
		if c := s[k]; c != '\r' && c != '\n' {
			out = append(out, c)
		}
	}
	return out
}

// Fingerprint returns a short, stable identifier of a code for logs and support: the first 8 bytes of
// SHA-256 over the code (white space removed as Verify removes it), as 16 lowercase hex characters. It
// reveals nothing usable; log it instead of the code.
func Fingerprint(code string) string {
	sum := sha256.Sum256(clean(code))
	return hex.EncodeToString(sum[:fingerprintSize])
}

// split cuts the compact JWS raw (already cleaned) into its header, payload and signature parts, after
// checking its length (at most maxLen) and that of the header and payload parts. Nothing is decoded.
// Errors wrap ErrMalformed.
func split(raw []byte, maxLen int) (h, p, s []byte, err error) {
	if len(raw) == 0 {
		return nil, nil, nil, fmt.Errorf("%w: empty", ErrMalformed)
	}
	if len(raw) > maxLen {
		return nil, nil, nil, fmt.Errorf("%w: longer than %d bytes", ErrMalformed, maxLen)
	}
	i := bytes.IndexByte(raw, '.')
	j := bytes.LastIndexByte(raw, '.')
	if i < 0 || i == j || bytes.IndexByte(raw[i+1:j], '.') >= 0 {
		return nil, nil, nil, fmt.Errorf("%w: want three dot-separated parts", ErrMalformed)
	}
	h, p, s = raw[:i], raw[i+1:j], raw[j+1:]
	if len(h) == 0 || len(h) > maxHeaderLen || len(p) == 0 {
		return nil, nil, nil, fmt.Errorf("%w: header or payload part empty or too long", ErrMalformed)
	}
	return h, p, s, nil
}

// open checks the compact JWS raw (already cleaned) up to and including its signature and returns the
// decoded payload and the key id. It decodes only the header before the signature is checked; the payload
// is decoded after. Errors wrap ErrMalformed, ErrWrongType, ErrAlgorithm, ErrUnknownKey or ErrSignature.
func (kr *Keyring) open(raw []byte, wantTyp string, maxLen int) (payload []byte, kid string, err error) {
	h, p, s, err := split(raw, maxLen)
	if err != nil {
		return nil, "", err
	}
	kid, key, err := kr.headerKey(h, wantTyp)
	if err != nil {
		return nil, kid, err
	}
	var sig [ed25519.SignatureSize]byte
	if len(s) != signatureLen {
		return nil, kid, fmt.Errorf("%w: signature part of %d characters, want %d", ErrMalformed, len(s), signatureLen)
	}
	if n, err := b64.Decode(sig[:], s); err != nil || n != len(sig) {
		return nil, kid, fmt.Errorf("%w: signature is not canonical base64url", ErrMalformed)
	}
	if !key.verify(raw[:len(h)+1+len(p)], sig[:]) {
		return nil, kid, ErrSignature
	}
	payload = make([]byte, b64.DecodedLen(len(p)))
	n, err := b64.Decode(payload, p)
	if err != nil {
		return nil, kid, fmt.Errorf("%w: payload is not canonical base64url", ErrMalformed)
	}
	return payload[:n], kid, nil
}

// headerKey returns the key id and the key named by the header part h, after checking the header.
// A header byte-identical to the one Sign writes for a key of the ring (the usual case) is recognised
// without decoding; any other header is decoded and checked by decodeHeader. Both paths accept exactly
// the same headers.
func (kr *Keyring) headerKey(h []byte, wantTyp string) (string, *ringKey, error) {
	if kr != nil && wantTyp == TypeCode {
		for i := range kr.keys {
			if string(h) == kr.keys[i].codeHeader {
				return kr.keys[i].id, &kr.keys[i], nil
			}
		}
	}
	hdr, err := decodeHeader(h)
	if err != nil {
		return hdr.Kid, nil, err
	}
	if hdr.Typ != wantTyp {
		return hdr.Kid, nil, fmt.Errorf("%w: typ %q, want %q", ErrWrongType, hdr.Typ, wantTyp)
	}
	key := kr.key(hdr.Kid)
	if key == nil {
		return hdr.Kid, nil, fmt.Errorf("%w: kid %q", ErrUnknownKey, hdr.Kid)
	}
	return hdr.Kid, key, nil
}

// parseHeader decodes the header part h (at most maxHeaderLen bytes, as split checks) without checking
// any member. Errors wrap ErrMalformed.
func parseHeader(h []byte) (jwsHeader, error) {
	var buf [maxHeaderLen]byte // DecodedLen(maxHeaderLen) < maxHeaderLen
	var hdr jwsHeader
	n, err := b64.Decode(buf[:], h)
	if err != nil {
		return hdr, fmt.Errorf("%w: header is not canonical base64url", ErrMalformed)
	}
	if err := json.Unmarshal(buf[:n], &hdr); err != nil || !isObject(buf[:n]) {
		return jwsHeader{}, fmt.Errorf("%w: header is not a JSON object", ErrMalformed)
	}
	return hdr, nil
}

// decodeHeader decodes and checks the header part h: JSON object, no "crit", alg EdDSA or Ed25519.
func decodeHeader(h []byte) (jwsHeader, error) {
	hdr, err := parseHeader(h)
	if err != nil {
		return hdr, err
	}
	if hdr.Crit {
		return hdr, fmt.Errorf("%w: unsupported critical header", ErrMalformed)
	}
	if hdr.Alg != Algorithm && hdr.Alg != AlgorithmEd25519 {
		return hdr, fmt.Errorf("%w: alg %q, want %q or %q", ErrAlgorithm, hdr.Alg, Algorithm, AlgorithmEd25519)
	}
	return hdr, nil
}

// isObject reports whether the JSON text b (already known to be valid) is an object.
func isObject(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		}
		return c == '{'
	}
	return false
}
