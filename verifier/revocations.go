package verifier

import (
	"encoding/json"
	"fmt"
)

// MaxRevocationListSize is the length in bytes, as sent (white space and line breaks included), of the
// longest revocation list ParseRevocations reads; a longer one is ErrMalformed. Without the white space a
// list may be half as long. A client that fetches a list need not read more.
const MaxRevocationListSize = 2 * maxListLen

// ParseRevocations verifies the signed revocation list data (the body of GET /v1/revocations: a compact
// JWS with typ "licentia-revocations+jwt") with the keys of kr and returns its payload. Surrounding
// white space and line breaks are ignored, as for codes. A code passed as a list fails with ErrWrongType
// (and a list passed as a code fails Verify the same way). Errors wrap ErrMalformed, ErrWrongType,
// ErrAlgorithm, ErrUnknownKey or ErrSignature.
func ParseRevocations(kr *Keyring, data []byte) (*RevocationList, error) {
	if len(data) > MaxRevocationListSize {
		return nil, fmt.Errorf("revocation list: %w: longer than %d bytes", ErrMalformed, MaxRevocationListSize)
	}
	payload, _, err := kr.open(clean(string(data)), TypeRevocations, maxListLen)
	if err != nil {
		return nil, fmt.Errorf("revocation list: %w", err)
	}
	var l RevocationList
	if err := json.Unmarshal(payload, &l); err != nil {
		return nil, fmt.Errorf("revocation list: %w: %w", ErrMalformed, err)
	}
	if l.IssuedAt < 0 || l.MinGen == nil {
		return nil, fmt.Errorf("revocation list: %w: want \"iat\" >= 0 and a \"min_gen\" object", ErrMalformed)
	}
	for id, g := range l.MinGen {
		if id == "" || g < 1 {
			return nil, fmt.Errorf("revocation list: %w: entry %q: %d", ErrMalformed, id, g)
		}
	}
	return &l, nil
}
