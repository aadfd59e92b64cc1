package verifier

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// Bounds of a deployment, as a request names it and as the "dep" claim binds it. A deployment or a claim
// beyond them is refused (ErrDeployment, ErrMalformed), never cut.
const (
	MaxDeploymentIDLen  = 1024 // characters of a deployment id: a G1b deviceFingerprint may have 1024
	MaxComponents       = 16   // component names of one deployment
	MaxComponentValues  = 16   // values of one component (a machine's MACs, its disks)
	MaxComponentNameLen = 32   // bytes of a component name: a lower-case letter, then [a-z0-9_]
	MaxComponentLen     = 256  // characters of one component value
)

// DeploymentSaltLen is the length in bytes of the salt of a "dep" claim.
const DeploymentSaltLen = 16

// Well-known component names. Software may send others within the bounds; these are the ones
// LocalDeployment reads and the documentation describes.
const (
	ComponentMachineID   = "machine_id"   // /etc/machine-id, the registry's MachineGuid, IOPlatformUUID
	ComponentProductUUID = "product_uuid" // the DMI/SMBIOS system UUID
	ComponentMAC         = "mac"          // the MAC addresses of the physical network interfaces
	ComponentDisk        = "disk"         // the serial numbers of the disks
	ComponentHostname    = "hostname"
)

// ErrDeployment means a deployment given to BindDeployment or WithDeployment, or read from JSON, is out of
// bounds: an id that is empty, too long or not printable, too many components or values, a bad component
// name, an empty or too long value.
var ErrDeployment = errors.New("verifier: unusable deployment")

// Deployment names one installation of the buyer's software: a stable id the software keeps (1 to 1024
// printable characters: a G1b device is named by its deviceFingerprint, which may be that long; licentia's
// own API takes ids of at most 128), and optional components that describe the machine it runs on. A code bound to a
// deployment (the "dep" claim) holds only salted hashes of them.
//
// In JSON a deployment is {"id": "...", "components": {"mac": ["...", "..."], "hostname": "..."}}, each
// component a string or a list of strings; a plain string is the id alone.
type Deployment struct {
	ID         string              `json:"id"`
	Components map[string][]string `json:"components,omitempty"`
}

// UnmarshalJSON reads a deployment object or a plain string (the id alone); a component's value may be a
// string or a list of strings. It does not check the bounds: see Validate.
func (d *Deployment) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		*d = Deployment{}
		return json.Unmarshal(b, &d.ID)
	}
	var raw struct {
		ID         string                     `json:"id"`
		Components map[string]json.RawMessage `json:"components"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := Deployment{ID: raw.ID}
	if len(raw.Components) > MaxComponents {
		return fmt.Errorf("%w: %d components, at most %d", ErrDeployment, len(raw.Components), MaxComponents)
	}
	for name, v := range raw.Components {
		var vals []string
		v = bytes.TrimSpace(v)
		if len(v) > 0 && v[0] == '"' {
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return err
			}
			vals = []string{s}
		} else if err := json.Unmarshal(v, &vals); err != nil {
			return fmt.Errorf("%w: component %q is neither a string nor a list of strings", ErrDeployment, name)
		}
		if out.Components == nil {
			out.Components = map[string][]string{}
		}
		out.Components[name] = vals
	}
	*d = out
	return nil
}

// Validate checks d against the bounds. White space around the id and the values (a line break left by
// reading a file, say) is allowed, since hashing trims it; control characters elsewhere are not. Errors
// wrap ErrDeployment.
func (d Deployment) Validate() error {
	n := utf8.RuneCountInString(d.ID)
	switch {
	case strings.TrimSpace(d.ID) == "":
		return fmt.Errorf("%w: no id", ErrDeployment)
	case n > MaxDeploymentIDLen:
		return fmt.Errorf("%w: id of %d characters, at most %d", ErrDeployment, n, MaxDeploymentIDLen)
	case !printable(strings.TrimSpace(d.ID)): // white space around is trimmed before hashing (normalize)
		return fmt.Errorf("%w: id holds a control character or is not UTF-8", ErrDeployment)
	case len(d.Components) > MaxComponents:
		return fmt.Errorf("%w: %d components, at most %d", ErrDeployment, len(d.Components), MaxComponents)
	}
	for name, vals := range d.Components {
		if !validComponentName(name) {
			return fmt.Errorf("%w: component name %q: want a lower-case letter, then up to %d of a-z, 0-9 and _",
				ErrDeployment, truncated(name), MaxComponentNameLen-1)
		}
		switch {
		case len(vals) == 0:
			return fmt.Errorf("%w: component %s has no value", ErrDeployment, name)
		case len(vals) > MaxComponentValues:
			return fmt.Errorf("%w: component %s has %d values, at most %d", ErrDeployment, name, len(vals), MaxComponentValues)
		}
		for _, v := range vals {
			n := utf8.RuneCountInString(v)
			switch {
			case normalize(name, v) == "":
				return fmt.Errorf("%w: component %s has an empty value", ErrDeployment, name)
			case n > MaxComponentLen:
				return fmt.Errorf("%w: a value of component %s has %d characters, at most %d", ErrDeployment, name, n, MaxComponentLen)
			case !printable(strings.TrimSpace(v)):
				return fmt.Errorf("%w: a value of component %s holds a control character or is not UTF-8", ErrDeployment, name)
			}
		}
	}
	return nil
}

// DeploymentClaim is the "dep" claim of a code bound to one deployment. It holds salted hashes only (see
// DeploymentHash): the salt, the id's hash, each component's value hashes, and how many components must
// match.
type DeploymentClaim struct {
	// Salt ("s") is the salt of every hash of the claim: DeploymentSaltLen bytes, base64url without padding.
	Salt string `json:"s"`
	// ID ("id") is the hash of the deployment id.
	ID string `json:"id"`
	// Components ("c") are the hashes of each component's values, sorted; absent when the deployment
	// named no components.
	Components map[string][]string `json:"c,omitempty"`
	// Match ("k") is how many components must match (1 to len(Components)); absent without components.
	Match int `json:"k,omitempty"`
}

// DefaultMatch is the number of components that must match when the seller's policy does not say: a strict
// majority of the n components bound, so one changed part (a replaced NIC, a new hostname) still matches
// while a copy of the disk on another machine, which keeps only what the disk holds, does not.
func DefaultMatch(n int) int {
	if n == 0 {
		return 0
	}
	return n/2 + 1
}

// BindDeployment returns the "dep" claim binding a code to d: the hashes of d's id and component values
// with salt, and match, the components that must match (0: DefaultMatch; more than the components bound:
// all of them). d must be valid (Validate) and salt DeploymentSaltLen bytes.
func BindDeployment(d Deployment, salt []byte, match int) (*DeploymentClaim, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	if len(salt) != DeploymentSaltLen {
		return nil, fmt.Errorf("%w: salt of %d bytes, want %d", ErrDeployment, len(salt), DeploymentSaltLen)
	}
	c := &DeploymentClaim{Salt: base64.RawURLEncoding.EncodeToString(salt), ID: DeploymentHash(salt, "id", d.ID)}
	if len(d.Components) == 0 {
		return c, nil
	}
	c.Components = make(map[string][]string, len(d.Components))
	for name, vals := range d.Components {
		hs := make([]string, 0, len(vals))
		for _, v := range vals {
			hs = append(hs, DeploymentHash(salt, name, v))
		}
		slices.Sort(hs)
		c.Components[name] = slices.Compact(hs)
	}
	n := len(c.Components)
	switch {
	case match <= 0:
		c.Match = DefaultMatch(n)
	case match > n:
		c.Match = n
	default:
		c.Match = match
	}
	return c, nil
}

// DeploymentHash is the hash a "dep" claim holds for the value of the component name ("id" for the
// deployment id): the first 16 bytes of SHA-256(salt ‖ name ‖ 0x00 ‖ normalized value), base64url without
// padding (22 characters). The value is normalized by trimming Unicode white space at both ends and
// lower-casing the ASCII letters A-Z (no other character changes); a "mac" also loses every ':', '-' and '.'.
func DeploymentHash(salt []byte, name, value string) string {
	var buf [160]byte // salt, name, 0 and a usual value fit: no allocation but the result
	in := append(buf[:0], salt...)
	in = append(in, name...)
	in = append(in, 0)
	sum := sha256.Sum256(appendNormalized(in, name, value))
	var out [hashLen]byte
	base64.RawURLEncoding.Encode(out[:], sum[:16])
	return string(out[:])
}

// hashLen is the length of a DeploymentHash.
const hashLen = 22

// Matches reports whether d is the deployment c binds: with components, whether at least c.Match of them
// match (a component matches when any of d's values for it hashes to any of the claim's); without, whether
// d's id does. It returns the components that matched and the number needed (0 and 0 for an id-only claim).
func (c *DeploymentClaim) Matches(d Deployment) (matched, needed int, ok bool) {
	salt, good := decodeSalt(c.Salt)
	if !good {
		return 0, c.Match, false
	}
	return c.matchHashes(hashDeployment(d, salt))
}

// wellFormed checks the claim's shape and bounds. Errors wrap ErrMalformed.
func (c *DeploymentClaim) wellFormed() error {
	_, good := decodeSalt(c.Salt)
	switch {
	case !good:
		return fmt.Errorf("%w: \"dep\" salt is not %d bytes of base64url", ErrMalformed, DeploymentSaltLen)
	case !isHash(c.ID):
		return fmt.Errorf("%w: \"dep\" id is not a deployment hash", ErrMalformed)
	case len(c.Components) > MaxComponents:
		return fmt.Errorf("%w: \"dep\" has %d components, at most %d", ErrMalformed, len(c.Components), MaxComponents)
	case len(c.Components) == 0 && c.Match != 0:
		return fmt.Errorf("%w: \"dep\" needs %d components and binds none", ErrMalformed, c.Match)
	case len(c.Components) > 0 && (c.Match < 1 || c.Match > len(c.Components)):
		return fmt.Errorf("%w: \"dep\" needs %d of %d components", ErrMalformed, c.Match, len(c.Components))
	}
	for _, hs := range c.Components {
		if len(hs) == 0 || len(hs) > MaxComponentValues {
			return c.componentError()
		}
		for _, h := range hs {
			if !isHash(h) {
				return c.componentError()
			}
		}
	}
	for name := range c.Components {
		if !validComponentName(name) {
			return c.componentError()
		}
	}
	return nil
}

// componentError describes the first component, by name, that wellFormed refuses.
func (c *DeploymentClaim) componentError() error {
	for _, name := range slices.Sorted(maps.Keys(c.Components)) {
		hs := c.Components[name]
		if !validComponentName(name) || len(hs) == 0 || len(hs) > MaxComponentValues {
			return fmt.Errorf("%w: \"dep\" component %q", ErrMalformed, truncated(name))
		}
		for _, h := range hs {
			if !isHash(h) {
				return fmt.Errorf("%w: \"dep\" component %s holds a value that is not a deployment hash", ErrMalformed, name)
			}
		}
	}
	return fmt.Errorf("%w: \"dep\" component", ErrMalformed)
}

// clone returns a deep copy of c (nil for nil).
func (c *DeploymentClaim) clone() *DeploymentClaim {
	if c == nil {
		return nil
	}
	out := *c
	if c.Components != nil {
		out.Components = make(map[string][]string, len(c.Components))
		n := 0
		for _, hs := range c.Components {
			n += len(hs)
		}
		all := make([]string, 0, n) // one array for every list: a cached repeat allocates little
		for name, hs := range c.Components {
			first := len(all)
			all = append(all, hs...)
			out.Components[name] = all[first:len(all):len(all)]
		}
	}
	return &out
}

// saltLen is the length of a salt in base64url.
var saltLen = base64.RawURLEncoding.EncodedLen(DeploymentSaltLen)

// decodeSalt decodes a claim's salt: exactly DeploymentSaltLen bytes in their one base64url encoding
// (the length is checked first, since the decoder skips line breaks).
func decodeSalt(s string) ([]byte, bool) {
	if len(s) != saltLen {
		return nil, false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return b, err == nil && len(b) == DeploymentSaltLen
}

// isHash reports whether s is a DeploymentHash: 16 bytes in their one base64url encoding.
func isHash(s string) bool {
	if len(s) != hashLen {
		return false
	}
	var in [hashLen]byte
	var out [18]byte
	copy(in[:], s)
	n, err := base64.RawURLEncoding.Strict().Decode(out[:], in[:])
	return err == nil && n == 16
}

func validComponentName(name string) bool {
	if name == "" || len(name) > MaxComponentNameLen || name[0] < 'a' || name[0] > 'z' {
		return false
	}
	for i := 1; i < len(name); i++ {
		if c := name[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// normalize is the form of a component value that is hashed: see DeploymentHash.
func normalize(name, v string) string { return string(appendNormalized(nil, name, v)) }

// appendNormalized appends normalize(name, v) to b.
func appendNormalized(b []byte, name, v string) []byte {
	v = strings.TrimSpace(v)
	mac := name == ComponentMAC
	for i := 0; i < len(v); i++ { // bytes: only ASCII letters change, as in every other language's verifier
		c := v[i]
		switch {
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		case mac && (c == ':' || c == '-' || c == '.'):
			continue
		}
		b = append(b, c)
	}
	return b
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return false
		}
	}
	return true
}

// truncated is s cut to a length fit for an error message.
func truncated(s string) string {
	if len(s) > MaxComponentNameLen+8 {
		return s[:MaxComponentNameLen] + "…"
	}
	return s
}
