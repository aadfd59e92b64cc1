package verifier

import (
	"hash/maphash"
	"slices"
	"strings"
	"sync"
)

// DefaultCacheSize is how many authentic codes a Verifier remembers unless WithCacheSize says otherwise.
const DefaultCacheSize = 256

// cacheEntry is what a signature check and a claims decoding established about one code: nothing that
// depends on the Verifier's options, the time, the state or the revocation list.
type cacheEntry struct {
	code   string // the whole cleaned code
	claims Claims
	kid    string
}

// codeCache remembers the codes whose signature verified and whose claims are well formed. Entries are
// found by a hash of the whole cleaned code (maphash, seeded at random per cache) and only count when
// the code they hold is byte-identical to the one asked about, so no other code, however chosen, can
// ever be taken for a remembered one. It is bounded: when full, one arbitrary entry makes room. It is
// safe for concurrent use. It lives in memory only and is never written anywhere.
type codeCache struct {
	seed    maphash.Seed
	mu      sync.RWMutex
	max     int
	entries map[uint64]*cacheEntry
}

func newCodeCache(size int) *codeCache {
	if size <= 0 {
		return nil
	}
	return &codeCache{seed: maphash.MakeSeed(), max: size, entries: make(map[uint64]*cacheEntry, min(size, 64))}
}

// get returns the entry of the cleaned code s, or nil.
func (cc *codeCache) get(s string) *cacheEntry {
	h := maphash.String(cc.seed, s)
	cc.mu.RLock()
	e := cc.entries[h]
	cc.mu.RUnlock()
	if e == nil || e.code != s {
		return nil
	}
	return e
}

// put remembers the authentic claims c and key id kid of the cleaned code s.
func (cc *codeCache) put(s string, c *Claims, kid string) {
	e := &cacheEntry{code: strings.Clone(s), claims: *c, kid: kid}
	e.claims.ProductIDs = slices.Clone(c.ProductIDs) // the caller owns c
	e.claims.Deployment = c.Deployment.clone()
	h := maphash.String(cc.seed, s)
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if _, ok := cc.entries[h]; !ok && len(cc.entries) >= cc.max {
		for old := range cc.entries {
			delete(cc.entries, old)
			break
		}
	}
	cc.entries[h] = e
}

// size returns the number of codes remembered.
func (cc *codeCache) size() int {
	cc.mu.RLock()
	defer cc.mu.RUnlock()
	return len(cc.entries)
}

// cleaned returns clean(code) as a string, without copying when code holds no line break inside (the
// usual case).
func cleaned(code string) string {
	s := trimSpace(code)
	if strings.IndexByte(s, '\n') >= 0 || strings.IndexByte(s, '\r') >= 0 {
		return string(clean(s))
	}
	return s
}
