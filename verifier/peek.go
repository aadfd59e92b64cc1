package verifier

import (
	"encoding/json"
	"fmt"
)

// Header is the JOSE header of a code or a revocation list: the members licentia writes.
type Header struct {
	// Alg is the signature algorithm: "EdDSA" or "Ed25519" in a genuine code.
	Alg string `json:"alg"`
	// Kid is the id of the signing key (keys.KeyID).
	Kid string `json:"kid"`
	// Typ is the document type: TypeCode for a code, TypeRevocations for a revocation list.
	Typ string `json:"typ"`
}

// Unverified is a code as Peek read it: its header and, on demand, its claims. Nothing in it has been
// verified: not the signature, the key, the algorithm or any claim. It must never decide access.
type Unverified struct {
	// Header is the code's header, as written.
	Header Header
	claims []byte // the claims part, still encoded
}

// Peek reads the header of code without verifying anything, and keeps its claims for Claims to read. It
// is for a code a program already trusts (read back from its own database), for telling a pasted code
// from other input, and for showing what a code says next to the verdict of Verify; whatever it returns
// is what anyone could have written, so never grant access on it. code is cleaned and bounded as Verify
// cleans and bounds it: white space around it and line breaks inside it are ignored, and it may be at
// most 64 KiB as given and 8 KiB cleaned. The signature part is not looked at, nor is the claims part
// decoded. Errors wrap ErrMalformed: too long, not three dot-separated parts, a header part that is
// empty, longer than 512 characters or not the canonical base64url of a JSON object, or an empty claims
// part.
func Peek(code string) (*Unverified, error) {
	if len(code) > maxPastedLen {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrMalformed, maxPastedLen)
	}
	h, p, _, err := split(clean(code), maxCodeLen)
	if err != nil {
		return nil, err
	}
	hdr, err := parseHeader(h)
	if err != nil {
		return nil, err
	}
	return &Unverified{Header: hdr.Header, claims: p}, nil
}

// Claims decodes the code's claims, unverified: they say what the code claims, not what is true. Each
// call returns a new copy. Errors wrap ErrMalformed: the claims part is not canonical base64url, or not a
// JSON object whose members have the types of Claims.
func (u *Unverified) Claims() (*Claims, error) {
	payload := make([]byte, b64.DecodedLen(len(u.claims)))
	n, err := b64.Decode(payload, u.claims)
	if err != nil {
		return nil, fmt.Errorf("%w: claims are not canonical base64url", ErrMalformed)
	}
	c := new(Claims)
	if err := json.Unmarshal(payload[:n], c); err != nil || !isObject(payload[:n]) {
		return nil, fmt.Errorf("%w: claims are not a JSON object of claims", ErrMalformed)
	}
	return c, nil
}
