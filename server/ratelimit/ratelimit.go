// Package ratelimit is an in-memory, per-process rate limiter for the public code endpoints (refresh and
// activation): one token bucket per key, a client address or a license, in a table of bounded size.
//
// Each key may make Limit requests at once and regains one every Window/Limit, so over any Window it
// gets at most Limit plus what refilled meanwhile, and Limit per Window in the long run. The bucket is
// kept as one number, the time at which it will be full again (the generic cell rate algorithm), so a
// check is a map lookup and two additions, and a refused request costs nothing.
//
// Memory is bounded by MaxKeys: a new key takes the place of the least recently seen one when the table
// is full, or before the table grows when that key's bucket is full again (it then carries no
// information). Only when more than MaxKeys keys are busy within one Window does a busy key lose its
// count (and get a full bucket when it comes back). A flood of distinct addresses therefore costs a fixed amount of memory
// and can, at worst, make the limiter forget; it never makes it refuse a key that has not spent its own
// allowance.
//
// The limiter is per process: behind a load balancer with n replicas a key gets up to n times its
// allowance. It is safe for concurrent use; Allow on a key already in the table allocates nothing.
package ratelimit

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// DefaultMaxKeys is the table size when Config.MaxKeys is 0: about 6 MiB when full (BenchmarkAllowFlood
// reports the heap bytes per key: 94).
const DefaultMaxKeys = 1 << 16

// MaxKeysLimit is the largest Config.MaxKeys: 16 Mi keys, about 1.5 GiB when full.
const MaxKeysLimit = 1 << 24

// ErrConfig is wrapped by New for an invalid Config.
var ErrConfig = errors.New("invalid rate limit")

// Config describes a Limiter.
type Config struct {
	// Limit is how many requests one key may make at once, and per Window in the long run (at least 1).
	Limit int
	// Window is the time in which an empty bucket refills completely (more than 0).
	Window time.Duration
	// MaxKeys bounds the number of keys tracked (0: DefaultMaxKeys; at most MaxKeysLimit).
	MaxKeys int
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// Limiter is a set of token buckets, one per Key. Create it with New.
type Limiter struct {
	interval int64 // nanoseconds to regain one request: Window / Limit
	span     int64 // interval * Limit: how far ahead of now a bucket may run
	now      func() time.Time
	mask     uint64
	shards   []shard
}

// New returns a Limiter for cfg, or an error wrapping ErrConfig.
func New(cfg Config) (*Limiter, error) {
	switch {
	case cfg.Limit < 1:
		return nil, fmt.Errorf("limit %d: want at least 1: %w", cfg.Limit, ErrConfig)
	case cfg.Window <= 0:
		return nil, fmt.Errorf("window %s: want more than 0: %w", cfg.Window, ErrConfig)
	case cfg.MaxKeys < 0 || cfg.MaxKeys > MaxKeysLimit:
		return nil, fmt.Errorf("max keys %d: want 0 (the default) to %d: %w", cfg.MaxKeys, MaxKeysLimit, ErrConfig)
	case int64(cfg.Window)/int64(cfg.Limit) < 1:
		return nil, fmt.Errorf("limit %d per %s: more than one per nanosecond: %w", cfg.Limit, cfg.Window, ErrConfig)
	}
	maxKeys := cfg.MaxKeys
	if maxKeys == 0 {
		maxKeys = DefaultMaxKeys
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	// Shards spread the lock; each keeps at least minShardKeys so that eviction stays close to a global
	// least-recently-seen order. Small tables (tests) have one shard and an exact order.
	n := 1
	for n < maxShards && maxKeys/(n*2) >= minShardKeys {
		n *= 2
	}
	interval := int64(cfg.Window) / int64(cfg.Limit)
	l := &Limiter{interval: interval, span: interval * int64(cfg.Limit), now: now,
		mask: uint64(n - 1), shards: make([]shard, n)}
	per := (maxKeys + n - 1) / n
	for i := range l.shards {
		l.shards[i] = shard{max: per, index: make(map[Key]int32), head: none, tail: none}
	}
	return l, nil
}

const (
	maxShards    = 16
	minShardKeys = 256
	none         = -1
)

// Allow counts one request of k. It reports whether the request is within k's allowance and, when it
// is not, how long until it would be (round up to whole seconds for a Retry-After header). A refused
// request is not counted.
func (l *Limiter) Allow(k Key) (ok bool, retryAfter time.Duration) {
	now := l.now().UnixNano()
	s := &l.shards[k.hash()&l.mask]
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.find(k, now)
	tat := max(e.tat, now) + l.interval
	if over := tat - now - l.span; over > 0 {
		return false, time.Duration(over)
	}
	e.tat = tat
	return true, 0
}

// Len returns the number of keys tracked.
func (l *Limiter) Len() int {
	n := 0
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		n += len(s.index)
		s.mu.Unlock()
	}
	return n
}

// shard is part of the table: a map from key to slot and the slots in least-recently-seen order (a
// doubly linked list through slot indices, head the most recent).
type shard struct {
	mu    sync.Mutex
	max   int
	index map[Key]int32
	slots []slot
	head  int32
	tail  int32
}

type slot struct {
	key        Key
	tat        int64 // unix nanoseconds at which the bucket is full again; ≤ now: full
	prev, next int32
}

// find returns k's slot, moved to the front, creating it (empty bucket history) if needed.
func (s *shard) find(k Key, now int64) *slot {
	if i, ok := s.index[k]; ok {
		s.touch(i)
		return &s.slots[i]
	}
	var i int32
	switch {
	case s.tail != none && (len(s.slots) >= s.max || s.slots[s.tail].tat <= now):
		// Reuse the least recently seen slot: the table is full, or that bucket is full again anyway.
		i = s.tail
		s.unlink(i)
		delete(s.index, s.slots[i].key)
	default:
		s.slots = append(s.slots, slot{})
		i = int32(len(s.slots) - 1)
	}
	s.slots[i] = slot{key: k, prev: none, next: none}
	s.index[k] = i
	s.pushFront(i)
	return &s.slots[i]
}

func (s *shard) touch(i int32) {
	if s.head == i {
		return
	}
	s.unlink(i)
	s.pushFront(i)
}

func (s *shard) unlink(i int32) {
	e := &s.slots[i]
	if e.prev != none {
		s.slots[e.prev].next = e.next
	} else {
		s.head = e.next
	}
	if e.next != none {
		s.slots[e.next].prev = e.prev
	} else {
		s.tail = e.prev
	}
	e.prev, e.next = none, none
}

func (s *shard) pushFront(i int32) {
	e := &s.slots[i]
	e.prev, e.next = none, s.head
	if s.head != none {
		s.slots[s.head].prev = i
	}
	s.head = i
	if s.tail == none {
		s.tail = i
	}
}
