package server

import (
	"cmp"
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/verifier"
)

// revocationsMaxAge is how long clients and caches may keep a revocation list (Cache-Control max-age):
// the longest a reissue or revoke takes to reach a verifier that fetches the list online.
const revocationsMaxAge = 60 * time.Second

// revocationsCheck is how often a server asks the database whether the revocation list changed: a change
// made through another server (a replica, the CLI) reaches this one's list within it. Changes made through
// this process's store show at once.
const revocationsCheck = time.Second

// revocationsResign is how often the list is signed anew though nothing changed, so its iat stays recent
// for verifiers that require a fresh list (verifier.WithMaxListAge).
const revocationsResign = revocationsMaxAge

// revocationsOverlap is how far before the asked since a delta reaches back (GET /v1/revocations?since=):
// a change committed a little after a list was signed (a slow transaction) or by a replica whose clock is
// behind carries a changed_at before that list's iat, and would be missed by a delta that started at
// since exactly. Changes within it are sent again, which costs a few bytes: applying a delta is
// idempotent.
const revocationsOverlap = 5 * time.Minute

// revocationsHorizon is the oldest since answered with a delta: an older since (and one later than the
// current list's iat) gets the whole list. The store keeps tombstones and ended entries at least this long
// (plus revocationsOverlap) so that a delta can say what left the list.
const revocationsHorizon = 7 * 24 * time.Hour

// revocationsPurgeEvery is how often a server deletes the tombstones and ended entries older than the
// horizon.
const revocationsPurgeEvery = time.Hour

// maxCachedDeltas bounds the signed deltas kept per list (one per since asked): pollers ask with the iat
// of the list they hold, so a few values serve nearly all; past the bound the cache starts afresh.
const maxCachedDeltas = 256

// revocationCache keeps the signed revocation list and the deltas asked of it. It asks the database at
// most once per revocationsCheck whether the list's content changed (one row, store.RevocationState), and
// at once when this process's store changed an entry, and reads the rows and signs a new list only when
// the content changed, an entry's end passed, or the list's iat is due to move. A delta is made from the
// rows in memory, once per since and list.
//
// The iat of a list is the later of the latest change of its content and the start of the current
// revocationsResign period (periods aligned to the unix epoch): a list with newer content never has an
// older iat than one with older content, whichever replica signed it, and a verifier that refuses an older
// list than one it saw never refuses the current one.
type revocationCache struct {
	st  *store.Store
	is  *license.Issuer
	now func() time.Time

	mu      sync.Mutex // held while the state is checked or a list built, so concurrent requests sign once
	built   bool
	state   store.RevocationState
	local   int64     // the store's RevocationWrites when the state was last read
	checked time.Time // when the state was last read
	nextEnd int64     // the earliest end (Until) of a listed entry; 0: none ends
	iat     int64
	builtAt int64  // the unix time the list was built at: entries ended by then are left out
	purged  int64  // the unix time of the last purge of old tombstones
	kid     string // the key that signed the list
	signer  crypto.Signer
	changes []store.Revocation // every row of the store, tombstones and ended entries included, by ChangedAt
	ends    []store.Revocation // the rows that are not tombstones and end (Until > 0), by Until
	list    signedBody
	deltas  map[int64]signedBody // by since, for the current list
}

// signedBody is an answer of GET /v1/revocations and its entity tag.
type signedBody struct {
	body []byte
	etag string
}

func newSignedBody(jws string) signedBody {
	sum := sha256.Sum256([]byte(jws))
	return signedBody{body: []byte(jws), etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
}

func newRevocationCache(st *store.Store, is *license.Issuer, now func() time.Time) *revocationCache {
	return &revocationCache{st: st, is: is, now: now}
}

// listIAT is the iat of a list with content state signed at unix time now.
func listIAT(state store.RevocationState, now int64) int64 {
	period := int64(revocationsResign / time.Second)
	return max(state.ChangedAt, now-now%period)
}

// stale reports whether the built list needs signing anew at now, with the key kid, although its content
// state is the same.
func (c *revocationCache) stale(state store.RevocationState, now int64, kid string) bool {
	return !c.built || state != c.state || c.nextEnd != 0 && now >= c.nextEnd || listIAT(state, now) != c.iat ||
		kid != c.kid
}

// current returns the signed whole list and its entity tag.
func (c *revocationCache) current(ctx context.Context) (body []byte, etag string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.refresh(ctx); err != nil {
		return nil, "", err
	}
	return c.list.body, c.list.etag, nil
}

// since returns the signed delta since the unix time since, or the whole list when since is older than
// the horizon or later than the list's iat, and whether it is a delta.
func (c *revocationCache) since(ctx context.Context, since int64) (body []byte, etag string, delta bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.refresh(ctx); err != nil {
		return nil, "", false, err
	}
	if since > c.iat || since < c.builtAt-int64(revocationsHorizon/time.Second) {
		return c.list.body, c.list.etag, false, nil
	}
	if d, ok := c.deltas[since]; ok {
		return d.body, d.etag, true, nil
	}
	jws, err := verifier.SignRevocationDelta(c.delta(since), c.kid, c.signer)
	if err != nil {
		return nil, "", false, err
	}
	if len(c.deltas) >= maxCachedDeltas {
		clear(c.deltas)
	}
	d := newSignedBody(jws)
	c.deltas[since] = d
	return d.body, d.etag, true, nil
}

// delta computes the changes of the current list since the unix time since from the rows: every entry
// listed now that changed at since − revocationsOverlap or later, with its value, and every license that
// left the list since then (a tombstone that recent, or an entry whose end passed after it). The rows
// are sorted by change and by end, so a delta costs the changes it holds, not the whole list.
func (c *revocationCache) delta(since int64) *verifier.RevocationDelta {
	from := since - int64(revocationsOverlap/time.Second)
	d := &verifier.RevocationDelta{IssuedAt: c.iat, Since: since, MinGen: map[string]int64{}, Removed: []string{}}
	i, _ := slices.BinarySearchFunc(c.changes, from, func(r store.Revocation, t int64) int { return cmp.Compare(r.ChangedAt, t) })
	for _, r := range c.changes[i:] {
		switch {
		case listed(r, c.builtAt):
			d.MinGen[r.LicenseID] = r.MinGen
		case r.Tombstone():
			d.Removed = append(d.Removed, r.LicenseID)
		}
	}
	// Entries whose end passed after from (whenever they changed: one that changed since from and has
	// ended is left out above and comes in here).
	i, _ = slices.BinarySearchFunc(c.ends, from+1, func(r store.Revocation, t int64) int { return cmp.Compare(r.Until, t) })
	for _, r := range c.ends[i:] {
		if r.Until > c.builtAt {
			break
		}
		d.Removed = append(d.Removed, r.LicenseID)
	}
	slices.Sort(d.Removed)
	d.Removed = slices.Compact(d.Removed)
	return d
}

// listed reports whether the row r is on the list at unix time now.
func listed(r store.Revocation, now int64) bool {
	return r.MinGen > 0 && (r.Until == 0 || now < r.Until)
}

// refresh brings the list up to date; c.mu is held.
func (c *revocationCache) refresh(ctx context.Context) error {
	now := c.now()
	// The list is signed by the key that signs codes now: after a rotation or a withdrawal, at once.
	kid, signer, err := c.is.Key()
	if err != nil {
		return err
	}
	local := c.st.RevocationWrites()
	if c.built && local == c.local && now.Sub(c.checked) < revocationsCheck && now.Sub(c.checked) >= 0 &&
		!c.stale(c.state, now.Unix(), kid) {
		return nil
	}
	state, err := c.st.RevocationState(ctx)
	if err != nil {
		return err
	}
	c.local, c.checked = local, now
	if !c.stale(state, now.Unix(), kid) {
		return nil
	}
	if now.Unix()-c.purged >= int64(revocationsPurgeEvery/time.Second) {
		// Tombstones and ended entries past the horizon are of no use to a delta. The list leaves them out
		// whether deleted or not, so a failure here only postpones the deletion.
		if _, err := c.st.PurgeRevocations(ctx, now.Unix()-int64((revocationsHorizon+revocationsOverlap)/time.Second)); err == nil {
			c.purged = now.Unix()
		}
	}
	rows, state, err := c.st.RevocationRows(ctx)
	if err != nil {
		return err
	}
	iat := listIAT(state, now.Unix())
	jws, err := verifier.SignRevocations(&verifier.RevocationList{IssuedAt: iat, MinGen: minGenerations(rows, now.Unix())},
		kid, signer)
	if err != nil {
		return err
	}
	var nextEnd int64
	for _, r := range rows {
		if listed(r, now.Unix()) && r.Until != 0 && (nextEnd == 0 || r.Until < nextEnd) {
			nextEnd = r.Until
		}
	}
	c.built, c.state, c.nextEnd, c.iat, c.builtAt, c.kid, c.signer = true, state, nextEnd, iat, now.Unix(), kid, signer
	c.list, c.deltas = newSignedBody(jws), make(map[int64]signedBody)
	c.changes = slices.SortedFunc(slices.Values(rows), func(a, b store.Revocation) int { return cmp.Compare(a.ChangedAt, b.ChangedAt) })
	c.ends = c.ends[:0]
	for _, r := range rows {
		if !r.Tombstone() && r.Until > 0 {
			c.ends = append(c.ends, r)
		}
	}
	slices.SortFunc(c.ends, func(a, b store.Revocation) int { return cmp.Compare(a.Until, b.Until) })
	return nil
}

// minGenerations maps each license listed at unix time now to its lowest valid generation.
func minGenerations(rows []store.Revocation, now int64) map[string]int64 {
	m := make(map[string]int64, len(rows))
	for _, r := range rows {
		if listed(r, now) {
			m[r.LicenseID] = r.MinGen
		}
	}
	return m
}

// handleRevocations serves GET /v1/revocations: the signed list (a compact JWS, typ
// licentia-revocations+jwt, claims iat and min_gen), or with ?since=<unix seconds> the signed delta since
// then (typ licentia-revocations-delta+jwt, claims iat, since, min_gen and removed) or, for a since older
// than revocationsHorizon or later than the list's iat, the whole list. Each is cacheable for
// revocationsMaxAge, with an ETag for conditional requests.
func (p *publicAPI) handleRevocations(w http.ResponseWriter, r *http.Request) {
	var (
		body []byte
		etag string
		err  error
	)
	if q, ok := r.URL.Query()["since"]; ok {
		var since int64
		if since, err = parseSince(q); err == nil {
			body, etag, _, err = p.revs.since(r.Context(), since)
		}
	} else {
		body, etag, err = p.revs.current(r.Context())
	}
	if err != nil {
		p.s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "public, max-age="+strconv.FormatInt(int64(revocationsMaxAge/time.Second), 10))
	h.Set("ETag", etag)
	if etagMatch(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/jwt")
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// parseSince reads the since parameter: one unix time in whole seconds, as decimal digits.
func parseSince(q []string) (int64, error) {
	if len(q) != 1 {
		return 0, badRequest("since: give it once, not %d times", len(q))
	}
	s := q[0]
	ok := s != "" && len(s) <= 19
	for i := 0; ok && i < len(s); i++ {
		ok = s[i] >= '0' && s[i] <= '9'
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if !ok || err != nil {
		if len(s) > 32 {
			s = s[:32] + "…"
		}
		return 0, badRequest("since: want a unix time in whole seconds, digits only (the iat of the list held, e.g. since=1767322800), got %q", s)
	}
	return v, nil
}

// etagMatch reports whether an If-None-Match header value names etag (or is "*").
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}
