package licensing

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"

	"github.com/licentia/licentia/verifier"
)

// peekClaims reads a stored code's claims without checking its signature.
func peekClaims(code string) (*verifier.Claims, error) {
	parts := strings.Split(code, ".")
	if len(parts) != 3 {
		return nil, errors.New("want three dot-separated parts")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, err
	}
	var c verifier.Claims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, err
	}
	return &c, nil
}
