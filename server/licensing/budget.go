package licensing

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/licentia/licentia/schema"
	"github.com/licentia/licentia/server/ratelimit"
	"github.com/licentia/licentia/server/store"
)

// ActivationLimits bound what POST /v1/activations may cost the marketplace and tell someone guessing
// codes. Zero fields take the defaults (Validate fills them in).
type ActivationLimits struct {
	// PerAddress is how many activation attempts one client address (IPv6 by /64) may make per hour, at
	// once or spread out (default 20). Every attempt costs the same, whatever it is answered: a hit, an
	// unknown code, a code not received yet, an answer from memory or the database.
	PerAddress int
	// Global is how many codes may be sent to the marketplace for activation per minute: by this process,
	// and on PostgreSQL also by all replicas on the database together (default 60). Past it, activations of
	// codes not bound yet answer 429 rate_limited until the minute ends.
	Global int
	// UnknownTTL is how long a code the marketplace said it does not know is answered not_found without
	// asking the marketplace again (default 15m); at most MaxUnknownCodes such codes are remembered.
	UnknownTTL time.Duration
}

// Defaults and bounds of ActivationLimits.
const (
	DefaultActivationPerAddress = 20
	DefaultActivationGlobal     = 60
	DefaultUnknownTTL           = 15 * time.Minute
	// MaxActivationLimit bounds PerAddress and Global.
	MaxActivationLimit = 1_000_000
	// MaxUnknownTTL bounds UnknownTTL.
	MaxUnknownTTL = 24 * time.Hour
	// MaxUnknownCodes is how many unknown codes a process remembers (about 3 MiB when full); the oldest is
	// forgotten first.
	MaxUnknownCodes = 1 << 16
)

// Validate checks the limits and fills in defaults.
func (a *ActivationLimits) Validate() error {
	if a.PerAddress == 0 {
		a.PerAddress = DefaultActivationPerAddress
	}
	if a.Global == 0 {
		a.Global = DefaultActivationGlobal
	}
	if a.UnknownTTL == 0 {
		a.UnknownTTL = DefaultUnknownTTL
	}
	switch {
	case a.PerAddress < 1 || a.PerAddress > MaxActivationLimit:
		return fmt.Errorf("activation attempts per address %d: want 1 to %d an hour", a.PerAddress, MaxActivationLimit)
	case a.Global < 1 || a.Global > MaxActivationLimit:
		return fmt.Errorf("marketplace activations %d: want 1 to %d a minute", a.Global, MaxActivationLimit)
	case a.UnknownTTL < time.Second || a.UnknownTTL > MaxUnknownTTL:
		return fmt.Errorf("unknown-code memory %s: want 1s to %s", a.UnknownTTL, MaxUnknownTTL)
	}
	return nil
}

// Windows and limits of activation.
const (
	activationGlobalWindow = time.Minute
	// perCodeWindow and perCodeLimit bound the activations of one code: each may cost the marketplace a few
	// calls a minute, however many buyers' processes ask.
	perCodeWindow = time.Minute
	perCodeLimit  = 10
)

// AddressWindow is the window of ActivationLimits.PerAddress, which the HTTP side counts (it knows the
// client's address).
const AddressWindow = time.Hour

// SharedLimit is a rate limit on keys (a license, a marketplace code, the global budget): each key may make
// its limit of requests at once and regains them over the window. It is counted in memory, before any
// database work, and on PostgreSQL, where replicas share the database, also in the database (rate_limits,
// an UNLOGGED table: no write-ahead-log record, no fsync), so replicas do not multiply the allowance. On
// SQLite, served by one process, memory is all.
type SharedLimit struct {
	mem    *ratelimit.Limiter
	st     *store.Store
	max    int64
	window time.Duration
	now    func() time.Time
	shared bool
	// purged is the window in which expired database counters were last deleted by this process.
	purged atomic.Int64
}

// NewSharedLimit returns a limit of limit requests per window per key over st. limit and window must be
// positive.
func NewSharedLimit(st *store.Store, limit int, window time.Duration, now func() time.Time) *SharedLimit {
	l, err := ratelimit.New(ratelimit.Config{Limit: limit, Window: window, Now: now})
	if err != nil {
		panic(err) // callers pass constants and validated bounds
	}
	return &SharedLimit{mem: l, st: st, max: int64(limit), window: window, now: now,
		shared: st.Dialect() == schema.Postgres}
}

// Allow counts one request of key, returning a *RateLimitError when key has spent its allowance. A
// database error is returned as it is.
func (l *SharedLimit) Allow(ctx context.Context, key string) error {
	if ok, retry := l.mem.Allow(ratelimit.LicenseKey(key)); !ok {
		return &RateLimitError{RetryAfter: retry}
	}
	if !l.shared {
		return nil
	}
	ok, retry, err := l.st.Hit(ctx, l.window, store.Limit{Key: key, Max: l.max})
	if err != nil {
		return err
	}
	l.purge(ctx)
	if !ok {
		return &RateLimitError{RetryAfter: retry}
	}
	return nil
}

// purge deletes expired database counters once per window per process; a failure waits for the next.
func (l *SharedLimit) purge(ctx context.Context) {
	win := l.now().Unix() / int64(l.window/time.Second)
	old := l.purged.Load()
	if old == win || !l.purged.CompareAndSwap(old, win) {
		return
	}
	_, _ = l.st.PurgeRateLimits(ctx) // best effort: the next window tries again
}

// unknownCodes remembers, for a while, the codes the marketplace said it does not know, so that asking
// again costs it nothing. Only a hash of each code is kept; memory is bounded by max entries.
type unknownCodes struct {
	mu    sync.Mutex
	ttl   time.Duration
	max   int
	until map[[16]byte]time.Time
	order [][16]byte // insertion order, oldest first, as a ring of len max once full
	next  int        // where the next insertion goes once the ring is full
}

func newUnknownCodes(ttl time.Duration, max int) *unknownCodes {
	return &unknownCodes{ttl: ttl, max: max, until: make(map[[16]byte]time.Time)}
}

func unknownKey(code string) [16]byte {
	sum := sha256.Sum256([]byte(code))
	return [16]byte(sum[:16])
}

// known reports whether code was answered unknown less than the memory's time ago.
func (u *unknownCodes) known(code string, now time.Time) bool {
	k := unknownKey(code)
	u.mu.Lock()
	defer u.mu.Unlock()
	t, ok := u.until[k]
	return ok && now.Before(t)
}

// add remembers code as unknown from now, forgetting the oldest entry when the memory is full.
func (u *unknownCodes) add(code string, now time.Time) {
	k := unknownKey(code)
	u.mu.Lock()
	defer u.mu.Unlock()
	if _, ok := u.until[k]; ok {
		u.until[k] = now.Add(u.ttl)
		return
	}
	if len(u.order) < u.max {
		u.order = append(u.order, k)
	} else {
		delete(u.until, u.order[u.next])
		u.order[u.next] = k
		u.next = (u.next + 1) % u.max
	}
	u.until[k] = now.Add(u.ttl)
}

// len returns the number of codes remembered.
func (u *unknownCodes) len() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.until)
}
