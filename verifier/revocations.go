package verifier

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// MaxRevocationListSize is the length in bytes, as sent (white space included), of the longest answer of
// GET /v1/revocations (a whole list or a delta) a verifier reads: each is one compact JWS of at most half
// that once its surrounding white space is trimmed. A client that fetches an answer need not read more.
const MaxRevocationListSize = 2 * maxListLen

// MaxRevocationDocumentSize is the length in bytes, white space included, of the longest revocation
// document ParseRevocations reads (a whole list and its deltas); a longer one is ErrMalformed. A document
// kept as AppendRevocations and RevocationsCompactDue say never comes near it.
const MaxRevocationDocumentSize = 2 * MaxRevocationListSize

// MaxRevocationDeltas is the most deltas a revocation document may hold after its whole list; one with
// more is ErrMalformed.
const MaxRevocationDeltas = 2048

// ParseRevocations verifies the revocation document data with the keys of kr and returns the list it
// amounts to. A document is a whole list (the body of GET /v1/revocations: a compact JWS with typ
// "licentia-revocations+jwt") followed by zero or more deltas (bodies of GET /v1/revocations?since=,
// typ "licentia-revocations-delta+jwt"), one compact JWS per line: lines are separated by LF, white
// space around each is ignored and empty lines are skipped. Each delta must continue the list before it:
// its since no later than that list's iat (otherwise changes between them could be missing) and its iat
// no earlier. The result holds the whole list's entries with each delta applied in turn (its min_gen
// entries set, its removed ids deleted) and the last delta's iat.
//
// A document that does not start with a whole list, or a whole list after the first line, fails with
// ErrWrongType, as does a code passed as a list. Errors wrap ErrMalformed (also for a delta that leaves a
// gap or is older than the list before it, more than MaxRevocationDeltas deltas, or more than
// MaxRevocationDocumentSize bytes), ErrWrongType, ErrAlgorithm, ErrUnknownKey or ErrSignature; an error in
// a delta names it by its number (1 for the first delta).
func ParseRevocations(kr *Keyring, data []byte) (*RevocationList, error) {
	l, _, err := parseDocument(kr, data)
	return l, err
}

// docShape is what parseDocument saw of a document: its number of deltas and the lengths of its whole
// list and of its deltas together, white space trimmed.
type docShape struct {
	deltas, listLen, deltaLen int
}

// RevocationsCompactDue reports whether the revocation document doc is due to be replaced by a whole list
// fetched anew rather than grow: its deltas together are longer than its whole list, or it holds
// MaxRevocationDeltas deltas (so no further delta can be appended). It reads doc's lines without
// verifying them; an empty document is due.
func RevocationsCompactDue(doc []byte) bool {
	s := shape(doc)
	return s.listLen == 0 || s.deltaLen > s.listLen || s.deltas >= MaxRevocationDeltas
}

// shape measures doc's lines without verifying them.
func shape(doc []byte) docShape {
	var s docShape
	first := true
	eachLine(doc, func(jws []byte) bool {
		if first {
			s.listLen, first = len(jws), false
		} else {
			s.deltas++
			s.deltaLen += len(jws)
		}
		return true
	})
	return s
}

// eachLine calls fn with each non-empty line of doc, white space trimmed, until fn returns false.
func eachLine(doc []byte, fn func(jws []byte) bool) {
	for rest := doc; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		if jws := bytes.TrimFunc(line, isSpaceRune); len(jws) > 0 && !fn(jws) {
			return
		}
	}
}

func isSpaceRune(r rune) bool { return r < 0x80 && isSpace(byte(r)) }

// parseDocument is ParseRevocations, reporting the document's shape too.
func parseDocument(kr *Keyring, data []byte) (*RevocationList, docShape, error) {
	var s docShape
	if len(data) > MaxRevocationDocumentSize {
		return nil, s, fmt.Errorf("revocation list: %w: longer than %d bytes", ErrMalformed, MaxRevocationDocumentSize)
	}
	var l *RevocationList
	var err error
	eachLine(data, func(jws []byte) bool {
		if l == nil {
			if l, err = parseList(kr, jws); err != nil {
				err = fmt.Errorf("revocation list: %w", err)
				return false
			}
			s.listLen = len(jws)
			return true
		}
		if s.deltas == MaxRevocationDeltas {
			err = fmt.Errorf("revocation list: %w: more than %d deltas; fetch the whole list anew", ErrMalformed, MaxRevocationDeltas)
			return false
		}
		s.deltas++
		s.deltaLen += len(jws)
		var d *RevocationDelta
		if d, err = parseDelta(kr, jws); err == nil {
			err = apply(l, d)
		}
		if err != nil {
			err = fmt.Errorf("revocation list: delta %d: %w", s.deltas, err)
			return false
		}
		return true
	})
	if err != nil {
		return nil, s, err
	}
	if l == nil {
		return nil, s, fmt.Errorf("revocation list: %w: empty", ErrMalformed)
	}
	return l, s, nil
}

// parseList verifies one whole list (a compact JWS, trimmed) and returns its payload.
func parseList(kr *Keyring, jws []byte) (*RevocationList, error) {
	payload, _, err := kr.open(jws, TypeRevocations, maxListLen)
	if err != nil {
		return nil, err
	}
	var l RevocationList
	if err := json.Unmarshal(payload, &l); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if l.IssuedAt < 0 || l.MinGen == nil {
		return nil, fmt.Errorf("%w: want \"iat\" >= 0 and a \"min_gen\" object", ErrMalformed)
	}
	for id, g := range l.MinGen {
		if id == "" || g < 1 {
			return nil, fmt.Errorf("%w: entry %q: %d", ErrMalformed, id, g)
		}
	}
	return &l, nil
}

// parseDelta verifies one delta (a compact JWS, trimmed) and returns its payload.
func parseDelta(kr *Keyring, jws []byte) (*RevocationDelta, error) {
	payload, _, err := kr.open(jws, TypeRevocationsDelta, maxListLen)
	if err != nil {
		return nil, err
	}
	var d RevocationDelta
	if err := json.Unmarshal(payload, &d); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if d.Since < 0 || d.IssuedAt < d.Since || d.MinGen == nil || d.Removed == nil {
		return nil, fmt.Errorf("%w: want 0 <= \"since\" <= \"iat\", a \"min_gen\" object and a \"removed\" array", ErrMalformed)
	}
	for id, g := range d.MinGen {
		if id == "" || g < 1 {
			return nil, fmt.Errorf("%w: entry %q: %d", ErrMalformed, id, g)
		}
	}
	for _, id := range d.Removed {
		if id == "" {
			return nil, fmt.Errorf("%w: an empty id in \"removed\"", ErrMalformed)
		}
		if _, ok := d.MinGen[id]; ok {
			return nil, fmt.Errorf("%w: %q both in \"min_gen\" and in \"removed\"", ErrMalformed, id)
		}
	}
	return &d, nil
}

// apply applies d to l, after checking that d continues l: no gap (d.Since <= l.IssuedAt) and not older
// (d.IssuedAt >= l.IssuedAt). Errors wrap ErrMalformed and leave l unchanged.
func apply(l *RevocationList, d *RevocationDelta) error {
	if d.Since > l.IssuedAt {
		return fmt.Errorf("%w: a gap: the delta holds changes since %d, the list before it is of %d; fetch the whole list anew",
			ErrMalformed, d.Since, l.IssuedAt)
	}
	if d.IssuedAt < l.IssuedAt {
		return fmt.Errorf("%w: the delta (iat %d) is older than the list before it (iat %d)", ErrMalformed, d.IssuedAt, l.IssuedAt)
	}
	for id, g := range d.MinGen {
		l.MinGen[id] = g
	}
	for _, id := range d.Removed {
		delete(l.MinGen, id)
	}
	l.IssuedAt = d.IssuedAt
	return nil
}

// AppendRevocations adds body, an answer of GET /v1/revocations as fetched (a whole list or a delta), to
// the revocation document doc (nil or empty for none), and returns the new document and the list it
// amounts to. A whole list replaces doc; a delta is appended to it on a line of its own, after it is
// verified and found to continue doc's list. Neither doc nor body is changed.
//
// A body older than doc's list (a whole list or a delta with an earlier iat, say from a server replica
// that lags) is ErrStaleList: keep doc. A delta that leaves a gap, a delta for an empty or invalid doc,
// or one beyond MaxRevocationDeltas is ErrMalformed: fetch the whole list. Other errors are those of
// ParseRevocations, for body (which must be one JWS of at most MaxRevocationListSize bytes) or doc.
func AppendRevocations(kr *Keyring, doc, body []byte) ([]byte, *RevocationList, error) {
	if len(body) > MaxRevocationListSize {
		return nil, nil, fmt.Errorf("revocation list: %w: longer than %d bytes", ErrMalformed, MaxRevocationListSize)
	}
	raw := bytes.TrimFunc(body, isSpaceRune)
	if bytes.IndexByte(raw, '\n') >= 0 {
		return nil, nil, fmt.Errorf("revocation list: %w: an answer is one JWS on one line", ErrMalformed)
	}
	h, _, _, err := split(raw, maxListLen)
	if err != nil {
		return nil, nil, fmt.Errorf("revocation list: %w", err)
	}
	hdr, err := parseHeader(h)
	if err != nil {
		return nil, nil, fmt.Errorf("revocation list: %w", err)
	}
	if hdr.Typ != TypeRevocationsDelta {
		l, err := parseList(kr, raw)
		if err != nil {
			return nil, nil, fmt.Errorf("revocation list: %w", err)
		}
		if len(bytes.TrimFunc(doc, isSpaceRune)) > 0 {
			if held, _, err := parseDocument(kr, doc); err == nil && held.IssuedAt > l.IssuedAt {
				return nil, nil, fmt.Errorf("revocation list: %w: the list fetched (iat %d) is older than the one held (iat %d)",
					ErrStaleList, l.IssuedAt, held.IssuedAt)
			}
		}
		return append(append(make([]byte, 0, len(raw)+1), raw...), '\n'), l, nil
	}
	d, err := parseDelta(kr, raw)
	if err != nil {
		return nil, nil, fmt.Errorf("revocation delta: %w", err)
	}
	held, s, err := parseDocument(kr, doc)
	if err != nil {
		return nil, nil, fmt.Errorf("a revocation delta needs the list it changes: %w", err)
	}
	if d.IssuedAt < held.IssuedAt {
		return nil, nil, fmt.Errorf("revocation delta: %w: the delta fetched (iat %d) is older than the list held (iat %d)",
			ErrStaleList, d.IssuedAt, held.IssuedAt)
	}
	if s.deltas >= MaxRevocationDeltas {
		return nil, nil, fmt.Errorf("revocation delta: %w: the document holds %d deltas already; fetch the whole list anew",
			ErrMalformed, s.deltas)
	}
	trimmed := bytes.TrimFunc(doc, isSpaceRune)
	if len(trimmed)+1+len(raw)+1 > MaxRevocationDocumentSize {
		return nil, nil, fmt.Errorf("revocation delta: %w: the document would be longer than %d bytes; fetch the whole list anew",
			ErrMalformed, MaxRevocationDocumentSize)
	}
	if err := apply(held, d); err != nil {
		return nil, nil, fmt.Errorf("revocation delta: %w", err)
	}
	out := make([]byte, 0, len(trimmed)+len(raw)+2)
	out = append(append(append(append(out, trimmed...), '\n'), raw...), '\n')
	return out, held, nil
}
