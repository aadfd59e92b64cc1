package license

import "github.com/licentia/licentia/verifier"

// ListMargin is how long past the end of its codes' validity (expiry plus grace) a license stays on the
// revocation list: room for verifiers whose clock lags or that run with a leeway (verifier.WithLeeway),
// up to a day.
const ListMargin = 24 * 60 * 60

// Revocation is a license's entry on the revocation list: codes of a generation below MinGen are void.
// Until is the unix time from which no such code verifies any more (its expiry plus grace plus
// ListMargin), so the entry can go; 0 means never (a void code is perpetual). The zero Revocation is no
// entry.
type Revocation struct {
	MinGen int64
	Until  int64
}

// Listed reports whether the entry is on the list at unix time now.
func (r Revocation) Listed(now int64) bool {
	return r.MinGen > 0 && (r.Until == 0 || now < r.Until)
}

// Narrows reports whether going from cur to next takes away something cur's code grants, so that cur's
// code (and every older code still valid) must be voided: cur is active (a code of any other status
// grants nothing) and next is not, or next ends earlier or starts later, or grants a smaller quantity, or
// raises the generation accepted as proof (a reissue or a revoke: older codes may have leaked). A plain
// renewal (a later expiry, the same status), a thaw, a new product (a trial converted, a renewal
// change) or a new bound code narrow nothing. When it narrows, until is the time cur's code stops
// verifying anyway: its expiry plus grace (the grace its code carries) plus ListMargin, or 0 for a
// perpetual code.
func Narrows(cur, next License, grace int64) (until int64, ok bool) {
	ok = cur.Status == Active && (next.Status != Active ||
		next.ExpiresAt != 0 && (cur.ExpiresAt == 0 || next.ExpiresAt < cur.ExpiresAt) ||
		next.StartsAt > cur.StartsAt || next.Quantity < cur.Quantity || next.ProofGen > cur.ProofGen)
	if !ok {
		return 0, false
	}
	if cur.ExpiresAt == 0 {
		return 0, true
	}
	return cur.ExpiresAt + max(grace, 0) + ListMargin, true
}

// Revise returns the entry of a license on the revocation list after it went from cur to next at unix
// time now, given its entry before (prev, the zero Revocation for none), and grace, the grace of cur's
// code.
//
// A change that narrows (Narrows) voids every generation below next's lowest valid one (MinValid) until
// the later of prev's end and cur's code's. Any other change keeps prev: the generations from prev's
// MinGen up to next each grant no more than the one after them, so none grants more than next, and the
// ones below MinGen end when prev says. An entry whose end has passed is dropped.
func Revise(prev Revocation, cur, next License, grace, now int64) Revocation {
	if !prev.Listed(now) {
		prev = Revocation{}
	}
	until, ok := Narrows(cur, next, grace)
	if !ok {
		return prev
	}
	switch {
	case prev.MinGen == 0:
	case prev.Until == 0 || until == 0:
		until = 0
	default:
		until = max(until, prev.Until)
	}
	return Revocation{MinGen: max(next.MinValid(), prev.MinGen), Until: until}
}

// CodeGrace returns the grace ("grace" claim, seconds) of a code this server signed, read without
// checking the signature (the code comes from the database), or 0 when it has none or cannot be read.
func CodeGrace(code string) int64 {
	u, err := verifier.Peek(code)
	if err != nil {
		return 0
	}
	c, err := u.Claims()
	if err != nil {
		return 0
	}
	return max(c.Grace, 0)
}
