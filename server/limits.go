package server

import (
	"time"

	"github.com/licentia/licentia/server/licensing"
	"github.com/licentia/licentia/server/ratelimit"
	"github.com/licentia/licentia/server/store"
)

// publicLimits are the rate limits of the public code endpoints (refresh, the buyer page, activation),
// checked before any database work: each key (a client address, IPv6 grouped by /64; a license) may make its
// limit of requests at once and regains them over its window.
//
// The per-address limits are per process, in memory: a load balancer spreads one address over replicas,
// which at worst multiplies its allowance by their number. The per-license limit is a
// licensing.SharedLimit: on PostgreSQL it is also counted in the database, so that a leaked code cannot
// multiply its allowance by the number of replicas. Activation's limits per code and its global budget are
// the Service's (licensing.ActivationLimits).
type publicLimits struct {
	refreshAddr, activateAddr *ratelimit.Limiter
	refreshLicense            *licensing.SharedLimit
}

func newPublicLimits(st *store.Store, now func() time.Time, act licensing.ActivationLimits) *publicLimits {
	mk := func(limit int, window time.Duration) *ratelimit.Limiter {
		l, err := ratelimit.New(ratelimit.Config{Limit: limit, Window: window, Now: now})
		if err != nil {
			panic(err) // the constants and Config.Validate's bounds are valid
		}
		return l
	}
	return &publicLimits{
		refreshAddr: mk(refreshPerAddress, refreshWindow), activateAddr: mk(act.PerAddress, licensing.AddressWindow),
		refreshLicense: licensing.NewSharedLimit(st, refreshPerLicense, refreshWindow, now),
	}
}

// addrKey is the limiter key of a client address as clientAddr gives it; every string that is not an
// address shares one key.
func addrKey(addr string) ratelimit.Key {
	k, _ := ratelimit.ParseAddrKey(addr)
	return k
}

// allowKey checks one request of k against l, returning a *licensing.RateLimitError when k has spent its
// allowance.
func allowKey(l *ratelimit.Limiter, k ratelimit.Key) error {
	if ok, retry := l.Allow(k); !ok {
		return &licensing.RateLimitError{RetryAfter: retry}
	}
	return nil
}
