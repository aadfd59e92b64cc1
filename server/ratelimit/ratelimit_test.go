package ratelimit

import (
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// clock is a settable time source for a Limiter.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(t0.UnixNano())
	return c
}
func (c *clock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) advance(d time.Duration) { c.ns.Add(int64(d)) }

func newLimiter(t testing.TB, limit int, window time.Duration, maxKeys int, c *clock) *Limiter {
	t.Helper()
	l, err := New(Config{Limit: limit, Window: window, MaxKeys: maxKeys, Now: c.now})
	if err != nil {
		t.Fatalf("New() err = %v", err)
	}
	return l
}

func addr(t testing.TB, s string) Key {
	t.Helper()
	k, err := ParseAddrKey(s)
	if err != nil {
		t.Fatalf("ParseAddrKey(%q) err = %v", s, err)
	}
	return k
}

// allowN makes n requests of k and returns how many were allowed.
func allowN(l *Limiter, k Key, n int) int {
	allowed := 0
	for range n {
		if ok, _ := l.Allow(k); ok {
			allowed++
		}
	}
	return allowed
}

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"zero limit", Config{Limit: 0, Window: time.Minute}},
		{"negative limit", Config{Limit: -1, Window: time.Minute}},
		{"zero window", Config{Limit: 1}},
		{"negative window", Config{Limit: 1, Window: -time.Second}},
		{"negative max keys", Config{Limit: 1, Window: time.Minute, MaxKeys: -1}},
		{"too many max keys", Config{Limit: 1, Window: time.Minute, MaxKeys: MaxKeysLimit + 1}},
		{"more than one per nanosecond", Config{Limit: 10, Window: 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := New(tt.cfg)
			if !errors.Is(err, ErrConfig) || l != nil {
				t.Errorf("New(%+v) = %v, %v; want nil, ErrConfig", tt.cfg, l, err)
			}
		})
	}
	if _, err := New(Config{Limit: 1, Window: time.Nanosecond}); err != nil {
		t.Errorf("New(1 per ns) err = %v, want nil", err)
	}
}

func TestExactlyLimitAllowed(t *testing.T) {
	for _, limit := range []int{1, 2, 10, 60, 1000} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			c := newClock()
			l := newLimiter(t, limit, time.Minute, 0, c)
			k := LicenseKey("lic-1")
			for i := range limit {
				if ok, retry := l.Allow(k); !ok || retry != 0 {
					t.Fatalf("request %d = %v, %s; want allowed, 0", i+1, ok, retry)
				}
			}
			interval := time.Minute / time.Duration(limit)
			for i := range 3 { // refused requests are not counted: the wait stays the same
				ok, retry := l.Allow(k)
				if ok || retry != interval {
					t.Fatalf("request %d = %v, %s; want refused, %s", limit+1+i, ok, retry, interval)
				}
			}
		})
	}
}

func TestRefill(t *testing.T) {
	c := newClock()
	l := newLimiter(t, 6, time.Minute, 0, c) // one request regained every 10 s
	k := addr(t, "192.0.2.1")
	if got := allowN(l, k, 6); got != 6 {
		t.Fatalf("first burst allowed %d, want 6", got)
	}
	c.advance(4 * time.Second)
	if ok, retry := l.Allow(k); ok || retry != 6*time.Second {
		t.Errorf("4 s later = %v, %s; want refused, 6s", ok, retry)
	}
	c.advance(6 * time.Second)
	if got := allowN(l, k, 3); got != 1 {
		t.Errorf("10 s after the burst allowed %d of 3, want 1", got)
	}
	c.advance(25 * time.Second)
	if got := allowN(l, k, 5); got != 2 {
		t.Errorf("25 s later allowed %d of 5, want 2", got)
	}
	c.advance(time.Hour) // a long pause refills the bucket, but never beyond the limit
	if got := allowN(l, k, 10); got != 6 {
		t.Errorf("after an hour allowed %d of 10, want 6", got)
	}
	// Steady use at the refill rate is always allowed.
	for i := range 20 {
		c.advance(10 * time.Second)
		if ok, _ := l.Allow(k); !ok {
			t.Fatalf("steady request %d refused, want allowed", i+1)
		}
	}
}

func TestKeysAreIndependent(t *testing.T) {
	c := newClock()
	l := newLimiter(t, 2, time.Minute, 0, c)
	a, b := LicenseKey("lic-a"), LicenseKey("lic-b")
	if got := allowN(l, a, 5); got != 2 {
		t.Fatalf("lic-a allowed %d, want 2", got)
	}
	if got := allowN(l, b, 5); got != 2 {
		t.Errorf("lic-b after lic-a was spent allowed %d, want 2", got)
	}
	// An address key never shares a bucket with a license key, whatever the id says.
	if got := allowN(l, addr(t, "192.0.2.1"), 2); got != 2 {
		t.Errorf("address allowed %d, want 2", got)
	}
	if got := allowN(l, LicenseKey("192.0.2.1"), 2); got != 2 {
		t.Errorf("license named like the address allowed %d, want 2", got)
	}
}

func TestLicenseKeys(t *testing.T) {
	id := "lic-1"
	if LicenseKey(id) != LicenseKey(strings.Clone(id)) {
		t.Errorf("LicenseKey(lic-1) differs from itself")
	}
	seen := map[Key]string{}
	for i := range 100000 {
		id := fmt.Sprintf("lic-%d", i)
		k := LicenseKey(id)
		if other, ok := seen[k]; ok {
			t.Fatalf("LicenseKey(%q) == LicenseKey(%q), want distinct", id, other)
		}
		seen[k] = id
	}
	if LicenseKey("") == (Key{}) || LicenseKey("") == AddrKey(netip.Addr{}) {
		t.Errorf("LicenseKey(\"\") equals an address key")
	}
}

func TestAddressGrouping(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		same bool
	}{
		{"IPv4 per address", "192.0.2.1", "192.0.2.2", false},
		{"IPv4 same address", "192.0.2.1", "192.0.2.1", true},
		{"IPv4-mapped IPv6 is the IPv4 address", "::ffff:192.0.2.1", "192.0.2.1", true},
		{"IPv4-mapped of another address", "::ffff:192.0.2.9", "192.0.2.1", false},
		{"IPv6 same /64", "2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff", true},
		{"IPv6 neighbouring /64", "2001:db8:1:2::1", "2001:db8:1:3::1", false},
		{"IPv6 differs in bit 64", "2001:db8:1:2::1", "2001:db8:1:2:8000::1", true},
		{"IPv6 differs in bit 63", "2001:db8:1:2::1", "2001:db8:1:3:8000::1", false},
		{"zone dropped", "fe80::1%eth0", "fe80::2", true},
		{"brackets accepted", "[2001:db8::1]", "2001:db8::2", true},
		{"IPv4 not grouped with IPv6", "0.0.0.1", "::1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ka, kb := addr(t, tt.a), addr(t, tt.b)
			if got := ka == kb; got != tt.same {
				t.Errorf("key(%s) == key(%s) = %v (%s, %s), want %v", tt.a, tt.b, got, ka, kb, tt.same)
			}
			// And the limiter agrees: spending a's bucket spends b's exactly when they are one key.
			l := newLimiter(t, 1, time.Minute, 0, newClock())
			l.Allow(ka)
			if ok, _ := l.Allow(kb); ok == tt.same {
				t.Errorf("after spending %s, Allow(%s) = %v, want %v", tt.a, tt.b, ok, !tt.same)
			}
		})
	}
}

func TestParseAddrKeyErrors(t *testing.T) {
	for _, s := range []string{"", "localhost", "192.0.2.1:8080", "[::1]:80", "300.1.1.1", "1.2.3", "::g", "192.0.2.1 ",
		string(make([]byte, 200))} {
		k, err := ParseAddrKey(s)
		if !errors.Is(err, ErrBadAddress) || k != (Key{}) {
			t.Errorf("ParseAddrKey(%q) = %v, %v; want zero key, ErrBadAddress", s, k, err)
		}
	}
}

func TestKeyString(t *testing.T) {
	tests := []struct {
		k    Key
		want string
	}{
		{addr(t, "192.0.2.1"), "addr:192.0.2.1"},
		{addr(t, "::ffff:192.0.2.1"), "addr:192.0.2.1"},
		{addr(t, "2001:db8:1:2:3:4:5:6"), "addr:2001:db8:1:2::/64"},
		{AddrKey(netip.Addr{}), "addr:invalid"},
	}
	for _, tt := range tests {
		if got := tt.k.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
	if got := LicenseKey("lic-1").String(); !strings.HasPrefix(got, "license:#") || len(got) != 25 || strings.Contains(got, "lic-1") {
		t.Errorf("LicenseKey String() = %q, want license:# and 16 hex digits, without the id", got)
	}
}

// TestEvictionKeepsRecentKeys pins the order in which keys are forgotten when the table is full: the
// least recently seen first, so a busy refused key survives a flood smaller than the table.
func TestEvictionKeepsRecentKeys(t *testing.T) {
	c := newClock()
	l := newLimiter(t, 3, time.Minute, 100, c) // one shard: exact order
	spent := LicenseKey("spent")
	allowN(l, spent, 3)
	for round := range 5 {
		for i := range 90 { // 90 other keys, fewer than the 99 slots left
			l.Allow(addr(t, fmt.Sprintf("10.%d.0.%d", round, i)))
		}
		if ok, _ := l.Allow(spent); ok {
			t.Fatalf("round %d: spent key allowed after a flood of 90, want refused", round)
		}
	}
	if got := l.Len(); got != 100 {
		t.Errorf("Len() = %d, want 100 (the table is full)", got)
	}
	// A flood larger than the table pushes the spent key out: it comes back with a full bucket.
	for i := range 100 {
		l.Allow(addr(t, fmt.Sprintf("10.200.0.%d", i)))
	}
	if got := allowN(l, spent, 5); got != 3 {
		t.Errorf("after a flood of 100 the spent key was allowed %d of 5, want 3 (forgotten)", got)
	}
}

// TestIdleKeysMakeRoom: a bucket that is full again is dropped before the table grows, so a steady set
// of keys keeps the table at the size of what is in use.
func TestIdleKeysMakeRoom(t *testing.T) {
	c := newClock()
	l := newLimiter(t, 2, time.Minute, 500, c) // one shard
	for round := range 10 {
		for i := range 50 {
			l.Allow(LicenseKey(fmt.Sprintf("r%d-%d", round, i)))
		}
		c.advance(31 * time.Second) // one request regained every 30 s: full again
	}
	if got := l.Len(); got > 50 {
		t.Errorf("Len() = %d after 10 rounds of 50 keys that went idle, want at most 50", got)
	}
	// A key that is not idle keeps its count while newer keys reuse idle slots.
	busy := LicenseKey("busy")
	allowN(l, busy, 2)
	for i := range 50 {
		l.Allow(LicenseKey(fmt.Sprintf("late-%d", i)))
	}
	if ok, _ := l.Allow(busy); ok {
		t.Errorf("busy key allowed while idle slots were reused, want refused")
	}
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestFloodIsBounded: a flood of distinct addresses, far more than the table holds, keeps the table at
// MaxKeys and the heap where the first floods put it.
func TestFloodIsBounded(t *testing.T) {
	const maxKeys = 1024
	c := newClock()
	l := newLimiter(t, 10, time.Minute, maxKeys, c)
	next := 0
	flood := func(n int) {
		for range n {
			i := next
			next++
			if ok, _ := l.Allow(AddrKey(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}))); !ok {
				t.Fatalf("first request of address %d refused, want allowed", i)
			}
			if i%7 == 0 { // IPv6 /64s and licenses too
				l.Allow(AddrKey(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i), 15: 1})))
				l.Allow(LicenseKey(fmt.Sprintf("flood-license-%036d", i)))
			}
		}
	}
	// The maps reach their steady size first: deleted entries leave slots that are reused or rehashed.
	flood(100 * maxKeys)
	low, high := heapInUse(), uint64(0)
	for round := range 5 {
		flood(100 * maxKeys)
		if got := l.Len(); got != maxKeys {
			t.Fatalf("round %d: Len() = %d, want %d", round, got, maxKeys)
		}
		h := heapInUse()
		low, high = min(low, h), max(high, h)
	}
	// What may move is the maps' internal rehashing (tens of KiB seen); a leak of 1 byte a key over
	// these 600,000 keys (586 KiB) fails.
	if high > low+256<<10 {
		t.Errorf("heap in use moved between %d and %d bytes over floods of %d keys, want within 256 KiB",
			low, high, 500*maxKeys)
	}
	runtime.KeepAlive(l)
}

// TestConcurrentExactCount: many goroutines spending one key and many keys at one frozen instant get
// exactly the limit each, no more and no less (run with -race).
func TestConcurrentExactCount(t *testing.T) {
	const (
		limit      = 500
		goroutines = 8
		keys       = 20
	)
	c := newClock()
	l := newLimiter(t, limit, time.Hour, 0, c)
	var allowed [keys]atomic.Int64
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range limit * keys / 2 {
				k := (i + g) % keys
				if ok, _ := l.Allow(LicenseKey(fmt.Sprintf("lic-%d", k))); ok {
					allowed[k].Add(1)
				}
			}
		}()
	}
	wg.Wait()
	for k := range keys {
		if got := allowed[k].Load(); got != limit {
			t.Errorf("key %d: %d allowed of %d tries, want exactly %d", k, got, goroutines*limit/2, limit)
		}
	}
}

// TestConcurrentWithClock: concurrent requests while the clock moves and the table evicts; the race
// detector checks the locking, and no key is ever allowed more than its limit plus what refilled.
func TestConcurrentWithClock(t *testing.T) {
	c := newClock()
	l := newLimiter(t, 5, time.Second, 300, c)
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20000 {
				if g == 0 && i%100 == 0 {
					c.advance(10 * time.Millisecond)
				}
				hot := LicenseKey("hot")
				k := hot
				if i%3 != 0 {
					k = AddrKey(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}))
				}
				if ok, _ := l.Allow(k); ok && k == hot {
					allowed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if l.Len() > 300 {
		t.Errorf("Len() = %d, want at most 300", l.Len())
	}
	// 2 s of clock moved: at most 5 at once plus 5 a second, unless "hot" was evicted (300 slots and
	// a flood of thousands of addresses may evict it, which only ever allows more).
	if got := allowed.Load(); got < 5 {
		t.Errorf("hot key allowed %d times, want at least its first 5", got)
	}
}

func TestAllowExistingKeyDoesNotAllocate(t *testing.T) {
	l := newLimiter(t, 1000000, time.Second, 0, newClock())
	lic, v4, v6 := LicenseKey("lic-0123456789"), addr(t, "192.0.2.1"), addr(t, "2001:db8::1")
	for _, k := range []Key{lic, v4, v6} {
		l.Allow(k)
	}
	if got := testing.AllocsPerRun(1000, func() { l.Allow(lic); l.Allow(v4); l.Allow(v6) }); got != 0 {
		t.Errorf("Allow of existing keys: %.1f allocations, want 0", got)
	}
	if got := testing.AllocsPerRun(1000, func() {
		if _, err := ParseAddrKey("2001:db8::1"); err != nil {
			t.Fatal(err)
		}
	}); got != 0 {
		t.Errorf("ParseAddrKey: %.1f allocations, want 0", got)
	}
}

func TestDefaultClockAndSize(t *testing.T) {
	l, err := New(Config{Limit: 2, Window: time.Hour})
	if err != nil {
		t.Fatalf("New() err = %v", err)
	}
	if got := len(l.shards) * l.shards[0].max; got < DefaultMaxKeys || got > DefaultMaxKeys+maxShards {
		t.Errorf("table size = %d, want DefaultMaxKeys (%d)", got, DefaultMaxKeys)
	}
	k := LicenseKey("x")
	if got := allowN(l, k, 3); got != 2 {
		t.Errorf("with the real clock allowed %d of 3, want 2", got)
	}
	if _, retry := l.Allow(k); retry <= 0 || retry > 30*time.Minute {
		t.Errorf("retryAfter = %s, want within (0, 30m]", retry)
	}
}
