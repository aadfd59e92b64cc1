package verifier

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// depFields is DeploymentClaim without its UnmarshalJSON: what encoding/json decodes the general way.
type depFields DeploymentClaim

// UnmarshalJSON decodes a "dep" claim exactly as encoding/json decodes the struct (member names matched
// case-insensitively, a repeated "dep" merged into what an earlier one set, and so on). The form the
// issuer writes, {"s":"…","id":"…","c":{"name":["…",…],…},"k":N} with no white space, no escapes and
// no repeated member, is read by a short path that gives the same result without reflection.
func (c *DeploymentClaim) UnmarshalJSON(b []byte) error {
	if c.Salt == "" && c.ID == "" && c.Components == nil && c.Match == 0 {
		r := &jsonReader{s: string(b)}
		if fast, ok := r.dep(); ok && r.i == len(r.s) {
			*c = fast
			return nil
		}
	}
	return json.Unmarshal(b, (*depFields)(c))
}

// decodeClaims decodes the claims payload b into c: the form Sign writes by a short path without
// reflection (the claims in their fixed order, no white space, no escapes, no null, nothing unknown),
// anything else with encoding/json. Both give the same claims and the same success; the short path is
// what keeps the first check of a deployment-bound code, whose claims are twice as long, close to the
// cost of the signature check alone.
func decodeClaims(b []byte, c *Claims) error {
	r := &jsonReader{s: string(b)}
	if fast, ok := r.claims(); ok && r.i == len(r.s) {
		*c = fast
		return nil
	}
	return json.Unmarshal(b, c)
}

// jsonReader reads the issuer's form of the claims from s, at position i. Every method consumes what it
// recognizes and reports false, leaving the reader unusable, when the input is not that form: the caller
// then decodes the general way.
type jsonReader struct {
	s string
	i int
}

// claims reads the claims object in the order of the Claims struct, optional members absent or present.
func (r *jsonReader) claims() (Claims, bool) {
	var c Claims
	ok := r.lit(`{"iss":`) && r.str(&c.Issuer) && r.lit(`,"sub":`) && r.str(&c.LicenseID) &&
		r.lit(`,"gen":`) && r.int(&c.Generation) && r.lit(`,"iat":`) && r.int(&c.IssuedAt) &&
		r.lit(`,"nbf":`) && r.int(&c.NotBefore) &&
		(!r.lit(`,"exp":`) || r.int(&c.ExpiresAt)) && (!r.lit(`,"grace":`) || r.int(&c.Grace)) &&
		r.lit(`,"st":`) && r.str(&c.Status) && r.lit(`,"pid":`) && r.str(&c.ProductID) &&
		(!r.lit(`,"pids":`) || r.strs(&c.ProductIDs)) && (!r.lit(`,"sku":`) || r.str(&c.SKU)) &&
		r.lit(`,"ord":`) && r.str(&c.OrderID) && (!r.lit(`,"oli":`) || r.str(&c.OrderLineID)) &&
		(!r.lit(`,"cid":`) || r.str(&c.CustomerID)) && (!r.lit(`,"qty":`) || r.int(&c.Quantity)) &&
		(!r.lit(`,"test":`) || r.lit(`true`) && setTrue(&c.Test))
	if !ok {
		return c, false
	}
	if r.lit(`,"dep":`) {
		d, ok := r.dep()
		if !ok {
			return c, false
		}
		c.Deployment = &d
	}
	return c, r.lit(`}`)
}

func setTrue(b *bool) bool { *b = true; return true }

// dep reads a "dep" claim object: {"s":…,"id":…[,"c":{…}][,"k":N]}.
func (r *jsonReader) dep() (DeploymentClaim, bool) {
	var c DeploymentClaim
	if !r.lit(`{"s":`) || !r.str(&c.Salt) || !r.lit(`,"id":`) || !r.str(&c.ID) {
		return c, false
	}
	if r.lit(`,"c":{`) {
		c.Components = make(map[string][]string, 8)
		all := make([]string, 0, strings.Count(r.s[r.i:], `"`)/2) // every hash, in one array
		for {
			var name string
			if !r.str(&name) || !r.lit(`:[`) {
				return c, false
			}
			if _, dup := c.Components[name]; dup {
				return c, false
			}
			first := len(all)
			for {
				var h string
				if !r.str(&h) {
					return c, false
				}
				all = append(all, h)
				if r.lit(`]`) {
					break
				}
				if !r.lit(`,`) {
					return c, false
				}
			}
			c.Components[name] = all[first:len(all):len(all)]
			if r.lit(`}`) {
				break
			}
			if !r.lit(`,`) {
				return c, false
			}
		}
	}
	var k int64
	if r.lit(`,"k":`) && (!r.int(&k) || k == 0 || k > MaxComponents) {
		return c, false
	}
	c.Match = int(k)
	return c, r.lit(`}`)
}

// lit consumes lit if it comes next.
func (r *jsonReader) lit(lit string) bool {
	if strings.HasPrefix(r.s[r.i:], lit) {
		r.i += len(lit)
		return true
	}
	return false
}

// str consumes a JSON string without escapes or control characters, in valid UTF-8, and sets *out to
// it, a substring of r.s.
func (r *jsonReader) str(out *string) bool {
	if !r.lit(`"`) {
		return false
	}
	start, ascii := r.i, true
	for r.i < len(r.s) {
		switch c := r.s[r.i]; {
		case c == '"':
			v := r.s[start:r.i]
			r.i++
			if !ascii && !utf8.ValidString(v) {
				return false
			}
			*out = v
			return true
		case c == '\\' || c < 0x20:
			return false
		case c >= 0x80:
			ascii = false
		}
		r.i++
	}
	return false
}

// strs consumes a non-empty array of such strings.
func (r *jsonReader) strs(out *[]string) bool {
	if !r.lit(`[`) {
		return false
	}
	for {
		var v string
		if !r.str(&v) {
			return false
		}
		*out = append(*out, v)
		if r.lit(`]`) {
			return true
		}
		if !r.lit(`,`) {
			return false
		}
	}
}

// int consumes a non-negative JSON integer of at most 18 digits (well within int64).
func (r *jsonReader) int(out *int64) bool {
	start := r.i
	var n int64
	for r.i < len(r.s) && r.s[r.i] >= '0' && r.s[r.i] <= '9' && r.i-start < 18 {
		n = n*10 + int64(r.s[r.i]-'0')
		r.i++
	}
	switch {
	case r.i == start, r.s[start] == '0' && r.i-start > 1: // none, or a leading zero
		return false
	case r.i < len(r.s) && (r.s[r.i] >= '0' && r.s[r.i] <= '9' || r.s[r.i] == '.' || r.s[r.i] == 'e' || r.s[r.i] == 'E'):
		return false // more digits than allowed, a fraction or an exponent
	}
	*out = n
	return true
}
