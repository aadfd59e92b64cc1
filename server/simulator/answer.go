package simulator

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/verifier"
)

// same checks that b, a resent create's answer, carries a's instanceId and license.
func same(a, b *koogallery.Reply) error {
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
