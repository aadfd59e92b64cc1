package server

import (
	"encoding/json"
	"sync"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/licensing"
)

// maxCachedReplies bounds the resend cache (about 1 KiB an entry).
const maxCachedReplies = 8192

// answerCache keeps the finished answer to a resent create — body bytes and the Body-Sign of every
// configured key — so a resend costs a signature check and a map lookup instead of a query, a JSON
// encoding and an HMAC. Entries belong to one license version (store.LicenseVersion): a license write
// through this process's store moves it at once, and one by another process on the same SQLite file within
// store.VersionBound (one second), so a cached answer is never older than that bound, and never older at
// all than this process's own writes. Where the database has no cheap version (PostgreSQL) nothing is
// cached.
type answerCache struct {
	mu      sync.RWMutex
	version int64
	entries map[licensing.OrderKey]*cachedAnswer
}

type cachedAnswer struct {
	body []byte
	sigs []string // Body-Sign header value per configured access key
}

// get returns the cached answer for k if it belongs to version, which the caller has just read. A
// different version empties the cache.
func (c *answerCache) get(k licensing.OrderKey, version int64) *cachedAnswer {
	c.mu.RLock()
	if c.version == version {
		r := c.entries[k]
		c.mu.RUnlock()
		return r
	}
	c.mu.RUnlock()
	c.mu.Lock()
	if c.version != version {
		c.version, c.entries = version, make(map[licensing.OrderKey]*cachedAnswer)
	}
	c.mu.Unlock()
	return nil
}

// put caches r for k if the cache still belongs to version, read before the answer was.
func (c *answerCache) put(k licensing.OrderKey, version int64, r *cachedAnswer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != version || c.entries == nil {
		return
	}
	if len(c.entries) >= maxCachedReplies {
		for old := range c.entries { // evict an arbitrary entry
			delete(c.entries, old)
			break
		}
	}
	c.entries[k] = r
}

// cachedSuccess builds the finished success answer for a, signed with every key.
func cachedSuccess(keys []string, a answer) *cachedAnswer {
	body, _ := json.Marshal(answerJSON{ResultCode: resultOK, ResultMsg: msgSuccess, InstanceID: a.instanceID, License: a.license})
	r := &cachedAnswer{body: body, sigs: make([]string, len(keys))}
	for i, k := range keys {
		r.sigs[i] = koogallery.BodySign(k, body)
	}
	return r
}
