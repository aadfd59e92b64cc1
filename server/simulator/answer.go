package simulator

import (
	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/verifier"
)

// same checks that b, a resent create's answer, carries a's instanceId and license.
func same(a, b *koogallery.Reply) error {
	switch {
	case b.InstanceID != a.InstanceID:
		return errorf("instanceId %q, want %q as first answered", b.InstanceID, a.InstanceID)
	case b.License != a.License:
		return errorf("license differs from the one answered before (%s vs %s)", fingerprint(b.License), fingerprint(a.License))
	}
	return nil
}

// fingerprint names a license in messages without printing it: it is a bearer credential.
func fingerprint(license string) any {
	if license == "" {
		return text("empty")
	}
	return "fp " + verifier.Fingerprint(license)
}

// Claims decodes a licentia authorization code (a JWS whose header says typ licentia+jwt) and returns
// its claims without checking the signature, or nil for any other license string: other sellers'
// licenses are opaque to the simulator.
func Claims(license string) *verifier.Claims {
	u, err := verifier.Peek(license)
	if err != nil || u.Header.Typ != verifier.TypeCode {
		return nil
	}
	c, err := u.Claims()
	if err != nil || c.LicenseID == "" {
		return nil
	}
	return c
}
