package verifier_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/licentia/licentia/verifier"
)

func TestWatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now() // the bubble's fake clock
		c := baseClaims()
		c.NotBefore = start.Unix() - 3600
		c.ExpiresAt = start.Add(90 * time.Minute).Unix()
		c.Grace = 3600
		code := sign(t, c, seedKey(1))
		v := verifier.New(testRing(t), verifier.WithAnyProduct()) // time.Now, which synctest controls

		ctx, cancel := context.WithCancel(t.Context())
		var got []string
		done := make(chan struct{})
		go func() {
			defer close(done)
			v.Watch(ctx, code, time.Hour, func(r *verifier.Result, err error) {
				s := verifier.Reason(err)
				if r != nil && r.InGrace {
					s += "+grace"
				}
				got = append(got, s)
			})
		}()
		time.Sleep(5*time.Hour + time.Minute)
		cancel()
		<-done
		want := []string{"valid", "valid+grace", "expired"}
		if len(got) != len(want) {
			t.Fatalf("Watch reported %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("Watch reported %v, want %v", got, want)
			}
		}
	})
}

func TestWatchStopsWithContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		calls := 0
		verifier.New(testRing(t), verifier.WithAnyProduct()).Watch(ctx, "x", 0, func(*verifier.Result, error) { calls++ })
		if calls != 0 {
			t.Errorf("Watch called fn %d times after cancel, want 0", calls)
		}
	})
}
