package ratelimit

import (
	"fmt"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkAllowExisting is the hot path: a key already in the table (one license, one address).
func BenchmarkAllowExisting(b *testing.B) {
	l := newLimiter(b, 1<<30, 1000*time.Hour, 0, newClock())
	keys := []Key{LicenseKey("3f8b2a1c-0d4e-4b6f-9a7c-5e2d1f0a9b8c"), AddrKey(netip.MustParseAddr("192.0.2.1"))}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		l.Allow(keys[i&1])
		i++
	}
}

// BenchmarkAllowParallel: every goroutine over its own 1,000 known license and address keys, as
// concurrent refreshes from many buyers are.
func BenchmarkAllowParallel(b *testing.B) {
	l := newLimiter(b, 1<<30, 1000*time.Hour, 0, newClock())
	var id atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		g := id.Add(1)
		keys := make([]Key, 1000)
		for i := range keys {
			if i%2 == 0 {
				keys[i] = LicenseKey(fmt.Sprintf("lic-%d-%d", g, i))
			} else {
				keys[i] = AddrKey(netip.AddrFrom4([4]byte{10, byte(g), byte(i >> 8), byte(i)}))
			}
		}
		for i := 0; pb.Next(); i++ {
			l.Allow(keys[i%len(keys)])
		}
	})
}

// BenchmarkAllowFlood: every request from an address never seen, with the table full, so each one evicts
// (the cost of a flood). It reports the heap bytes per table slot.
func BenchmarkAllowFlood(b *testing.B) {
	before := heapInUse()
	l := newLimiter(b, 10, time.Minute, 0, newClock())
	for i := range DefaultMaxKeys {
		l.Allow(LicenseKey(fmt.Sprintf("%08x-0d4e-4b6f-9a7c-5e2d1f0a9b8c", i)))
	}
	perKey := float64(heapInUse()-before) / DefaultMaxKeys
	b.ReportAllocs()
	i := uint32(0)
	for b.Loop() {
		i++
		l.Allow(AddrKey(netip.AddrFrom4([4]byte{byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)})))
	}
	b.ReportMetric(perKey, "heap-B/key")
	runtime.KeepAlive(l)
}

// BenchmarkParseAddrKey: the key of an address as X-Forwarded-For gives it.
func BenchmarkParseAddrKey(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		ParseAddrKey("2001:db8:85a3::8a2e:370:7334")
	}
}

// BenchmarkFloorMutexMap is the floor Allow is compared with: a counter in a map behind one mutex.
func BenchmarkFloorMutexMap(b *testing.B) {
	var mu sync.Mutex
	m := map[string]int64{}
	keys := []string{"3f8b2a1c-0d4e-4b6f-9a7c-5e2d1f0a9b8c", "192.0.2.1"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		mu.Lock()
		m[keys[i&1]]++
		mu.Unlock()
		i++
	}
}
