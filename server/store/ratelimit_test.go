package store

import (
	"context"
	"testing"
	"time"
)

func TestHit(t *testing.T) {
	forEachDialect(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		now := testNow
		st.now = func() time.Time { return now }
		limits := []Limit{{Key: "addr:1", Max: 3}, {Key: "lic:a", Max: 2}}
		for i, want := range []bool{true, true, false, false} {
			ok, retry, err := st.Hit(ctx, time.Minute, limits...)
			if err != nil {
				t.Fatalf("Hit() err = %v", err)
			}
			if ok != want {
				t.Errorf("hit %d ok = %v, want %v", i+1, ok, want)
			}
			if !ok && retry != time.Duration(60-now.Unix()%60)*time.Second {
				t.Errorf("hit %d retryAfter = %s, want the rest of the window", i+1, retry)
			}
		}
		// Another license from the same address: the address limit (3) is already spent.
		if ok, _, _ := st.Hit(ctx, time.Minute, Limit{Key: "addr:1", Max: 3}, Limit{Key: "lic:b", Max: 2}); ok {
			t.Errorf("hit past the address limit ok = true, want false")
		}
		if ok, _, _ := st.Hit(ctx, time.Minute, Limit{Key: "addr:2", Max: 3}, Limit{Key: "lic:b", Max: 2}); !ok {
			t.Errorf("hit from another address ok = false, want true")
		}

		now = now.Add(time.Minute)
		if ok, _, _ := st.Hit(ctx, time.Minute, limits...); !ok {
			t.Errorf("hit in the next window ok = false, want true")
		}
		n, err := st.PurgeRateLimits(ctx)
		if err != nil || n != 4 {
			t.Errorf("PurgeRateLimits() = %d, %v; want the 4 counters of the old window", n, err)
		}
		if n, _ := st.PurgeRateLimits(ctx); n != 0 {
			t.Errorf("second PurgeRateLimits() = %d, want 0", n)
		}
	})
}
