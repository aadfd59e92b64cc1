package server

import (
	"context"
	"time"

	"github.com/licentia/licentia/schema"
	"github.com/licentia/licentia/server/ratelimit"
	"github.com/licentia/licentia/server/store"
)

// publicLimits are the rate limits of the public code endpoints (refresh, the buyer page, activation),
// checked in memory before any database work: each key (a client address, IPv6 grouped by /64; a license;
// a marketplace code) may make its limit of requests at once and regains them over refreshWindow.
//
// The limiters are per process. On PostgreSQL, where replicas share the database, the per-license and
// per-code limits are also counted in the database (rate_limits, an UNLOGGED table: no write-ahead-log
// record, no fsync), so a leaked code cannot multiply its allowance by the number of replicas; the
// per-address limits stay in memory (a load balancer spreads one address over replicas, which at worst
// multiplies its allowance by their number). On SQLite, served by one process, memory is all.
//
// Activation has limits of its own (ActivationLimits): attempts per address per hour, and a global budget
// of codes sent to the marketplace per minute, counted in the database too on PostgreSQL.
type publicLimits struct {
	refreshAddr, refreshLicense *ratelimit.Limiter
	activateAddr, activateCode  *ratelimit.Limiter
	activateAll                 *ratelimit.Limiter // one key: the process's global activation budget
	shared                      bool               // count per-license, per-code and global limits in the database too
}

func newPublicLimits(st *store.Store, now func() time.Time, act ActivationLimits) *publicLimits {
	mk := func(limit int, window time.Duration) *ratelimit.Limiter {
		l, err := ratelimit.New(ratelimit.Config{Limit: limit, Window: window, Now: now})
		if err != nil {
			panic(err) // the constants above and Config.Validate's bounds are valid
		}
		return l
	}
	return &publicLimits{
		refreshAddr: mk(refreshPerAddress, refreshWindow), refreshLicense: mk(refreshPerLicense, refreshWindow),
		activateAddr: mk(act.PerAddress, activationAddrWindow), activateCode: mk(refreshPerLicense, refreshWindow),
		activateAll: mk(act.Global, activationGlobalWindow),
		shared:      st.Dialect() == schema.Postgres,
	}
}

// addrKey is the limiter key of a client address as clientAddr gives it; every string that is not an
// address shares one key.
func addrKey(addr string) ratelimit.Key {
	k, _ := ratelimit.ParseAddrKey(addr)
	return k
}

// allowKey checks one request of k against l, returning a *RateLimitError when k has spent its allowance.
func allowKey(l *ratelimit.Limiter, k ratelimit.Key) error {
	if ok, retry := l.Allow(k); !ok {
		return &RateLimitError{RetryAfter: retry}
	}
	return nil
}

// allowShared checks one request about a license or marketplace code (key, e.g. "refresh-license:<id>")
// against the in-memory limiter l and, on a shared database, against the database's count.
func (p *publicAPI) allowShared(ctx context.Context, l *ratelimit.Limiter, k ratelimit.Key, key string) error {
	if err := allowKey(l, k); err != nil {
		return err
	}
	if !p.lim.shared {
		return nil
	}
	return p.hitLimits(ctx, store.Limit{Key: key, Max: refreshPerLicense})
}
