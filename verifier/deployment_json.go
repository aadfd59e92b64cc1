package verifier

import (
	"encoding/json"
	"strings"
)

// depFields is DeploymentClaim without its UnmarshalJSON: what encoding/json decodes the general way.
type depFields DeploymentClaim

// UnmarshalJSON decodes a "dep" claim exactly as encoding/json decodes the struct (member names matched
// case-insensitively, a repeated "dep" merged into what an earlier one set, and so on). The form the
// issuer writes, {"s":"…","id":"…","c":{"name":["…",…],…},"k":N} with no white space, no escapes and
// no repeated member, is read by a short path that gives the same result without reflection: the first
// check of a bound code then costs little more than one of an unbound code.
func (c *DeploymentClaim) UnmarshalJSON(b []byte) error {
	if c.Salt == "" && c.ID == "" && c.Components == nil && c.Match == 0 {
		if fast, ok := parseCanonicalDep(b); ok {
			*c = fast
			return nil
		}
	}
	return json.Unmarshal(b, (*depFields)(c))
}

// parseCanonicalDep reads the issuer's form of a "dep" claim, or says it is not that form.
func parseCanonicalDep(b []byte) (DeploymentClaim, bool) {
	s := string(b) // one copy; every string of the claim shares it
	var c DeploymentClaim
	p := &depParser{s: s}
	if !p.lit(`{"s":`) || !p.str(&c.Salt) || !p.lit(`,"id":`) || !p.str(&c.ID) {
		return c, false
	}
	if p.lit(`,"c":{`) {
		n := strings.Count(s[p.i:], `:[`)
		if n == 0 || n > MaxComponents {
			return c, false
		}
		c.Components = make(map[string][]string, n)
		all := make([]string, 0, strings.Count(s[p.i:], `"`)/2) // every hash, in one array
		for {
			var name string
			if !p.str(&name) || !p.lit(`:[`) {
				return c, false
			}
			if _, dup := c.Components[name]; dup {
				return c, false
			}
			first := len(all)
			for {
				var h string
				if !p.str(&h) {
					return c, false
				}
				all = append(all, h)
				if p.lit(`]`) {
					break
				}
				if !p.lit(`,`) {
					return c, false
				}
			}
			c.Components[name] = all[first:len(all):len(all)]
			if p.lit(`}`) {
				break
			}
			if !p.lit(`,`) {
				return c, false
			}
		}
	}
	if p.lit(`,"k":`) {
		start := p.i
		for p.i < len(s) && s[p.i] >= '0' && s[p.i] <= '9' && p.i-start < 3 {
			c.Match = c.Match*10 + int(s[p.i]-'0')
			p.i++
		}
		if p.i == start || (s[start] == '0' && p.i-start > 1) || c.Match == 0 {
			return c, false
		}
	}
	return c, p.lit(`}`) && p.i == len(s)
}

// depParser reads a string from its start, position i.
type depParser struct {
	s string
	i int
}

// lit consumes lit if it comes next.
func (p *depParser) lit(lit string) bool {
	if strings.HasPrefix(p.s[p.i:], lit) {
		p.i += len(lit)
		return true
	}
	return false
}

// str consumes a JSON string of the characters names and hashes use (a-z, A-Z, 0-9, '_' and '-') and
// sets *out to it, a substring of p.s.
func (p *depParser) str(out *string) bool {
	if !p.lit(`"`) {
		return false
	}
	start := p.i
	for p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case c == '"':
			*out = p.s[start:p.i]
			p.i++
			return true
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '-':
			p.i++
		default:
			return false
		}
	}
	return false
}
