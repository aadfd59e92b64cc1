package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
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

// revocationCache keeps the signed revocation list. It asks the database at most once per
// revocationsCheck whether the list's content changed (one row, store.RevocationState), and at once when
// this process's store changed an entry, and signs a new list only when the content changed, an entry's
// end passed, or the list's iat is due to move.
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
	kid     string // the key that signed the list
	body    []byte
	etag    string
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

// current returns the signed list and its entity tag.
func (c *revocationCache) current(ctx context.Context) (body []byte, etag string, err error) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	// The list is signed by the key that signs codes now: after a rotation or a withdrawal, at once.
	kid, signer, err := c.is.Key()
	if err != nil {
		return nil, "", err
	}
	local := c.st.RevocationWrites()
	if c.built && local == c.local && now.Sub(c.checked) < revocationsCheck && now.Sub(c.checked) >= 0 &&
		!c.stale(c.state, now.Unix(), kid) {
		return c.body, c.etag, nil
	}
	state, err := c.st.RevocationState(ctx)
	if err != nil {
		return nil, "", err
	}
	c.local, c.checked = local, now
	if !c.stale(state, now.Unix(), kid) {
		return c.body, c.etag, nil
	}
	if c.built && c.nextEnd != 0 && now.Unix() >= c.nextEnd {
		// An entry's end passed: delete the entries that left the list. They are left out of the list
		// whether deleted or not, so a failure here only postpones the deletion to the next end.
		c.st.PurgeRevocations(ctx)
	}
	rows, state, err := c.st.Revocations(ctx, now.Unix())
	if err != nil {
		return nil, "", err
	}
	iat := listIAT(state, now.Unix())
	jws, err := verifier.SignRevocations(&verifier.RevocationList{IssuedAt: iat, MinGen: minGenerations(rows)},
		kid, signer)
	if err != nil {
		return nil, "", err
	}
	var nextEnd int64
	for _, r := range rows {
		if r.Until != 0 && (nextEnd == 0 || r.Until < nextEnd) {
			nextEnd = r.Until
		}
	}
	sum := sha256.Sum256([]byte(jws))
	c.built, c.state, c.nextEnd, c.iat, c.kid = true, state, nextEnd, iat, kid
	c.body, c.etag = []byte(jws), `"`+hex.EncodeToString(sum[:12])+`"`
	return c.body, c.etag, nil
}

// minGenerations maps each listed license to its lowest valid generation.
func minGenerations(rows []store.Revocation) map[string]int64 {
	m := make(map[string]int64, len(rows))
	for _, r := range rows {
		m[r.LicenseID] = r.MinGen
	}
	return m
}

// handleRevocations serves GET /v1/revocations: the signed list (a compact JWS, typ
// licentia-revocations+jwt, claims iat and min_gen), cacheable for revocationsMaxAge, with an ETag for
// conditional requests.
func (p *publicAPI) handleRevocations(w http.ResponseWriter, r *http.Request) {
	body, etag, err := p.revs.current(r.Context())
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
