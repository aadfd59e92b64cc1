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

// revocationCache keeps the signed revocation list and signs a new one only when the database says its
// content changed. The check is an aggregate over the licenses past generation 1 (store.RevocationState),
// which every change on any replica sharing the database moves, so replicas never serve a list older
// than the database they read.
type revocationCache struct {
	st  *store.Store
	is  *license.Issuer
	now func() time.Time

	mu    sync.Mutex // held while a list is built, so concurrent requests sign once
	built bool
	state store.RevocationState
	body  []byte
	etag  string
}

func newRevocationCache(st *store.Store, is *license.Issuer, now func() time.Time) *revocationCache {
	return &revocationCache{st: st, is: is, now: now}
}

// current returns the signed list for the database's current state and its entity tag.
func (c *revocationCache) current(ctx context.Context) (body []byte, etag string, err error) {
	state, err := c.st.RevocationState(ctx)
	if err != nil {
		return nil, "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.built && c.state == state {
		return c.body, c.etag, nil
	}
	rows, state, err := c.st.Revocations(ctx)
	if err != nil {
		return nil, "", err
	}
	jws, err := verifier.SignRevocations(&verifier.RevocationList{IssuedAt: c.now().Unix(), MinGen: minGenerations(rows)},
		c.is.KeyID(), c.is.Signer())
	if err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256([]byte(jws))
	c.built, c.state, c.body, c.etag = true, state, []byte(jws), `"`+hex.EncodeToString(sum[:12])+`"`
	return c.body, c.etag, nil
}

// minGenerations maps each license past generation 1 to its lowest valid generation: the current one,
// or one above it for a revoked or released license, whose every code is void.
func minGenerations(rows []store.Revocation) map[string]int64 {
	m := make(map[string]int64, len(rows))
	for _, r := range rows {
		l := license.License{Status: r.Status, Generation: r.Generation}
		m[r.LicenseID] = l.MinValid()
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
