package verifier

import (
	"context"
	"time"
)

// DefaultWatchInterval is the interval Watch uses when given none.
const DefaultWatchInterval = time.Hour

// Watch re-checks code every interval (DefaultWatchInterval if interval <= 0) until ctx is done, for
// long-running programs: a license that expires, enters its grace period or, with a state file, meets a
// clock set back is noticed without a restart. fn is called at once with the first outcome and then
// whenever the outcome changes: valid or not, the Reason of the error, or InGrace. fn runs on Watch's
// goroutine; Watch returns when ctx is done, without calling fn again.
//
// To follow a code refreshed online, cancel the watch and start a new one with the new code.
func (v *Verifier) Watch(ctx context.Context, code string, interval time.Duration, fn func(*Result, error)) {
	if interval <= 0 {
		interval = DefaultWatchInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	last := ""
	for {
		if ctx.Err() != nil {
			return
		}
		r, err := v.Check(code)
		key := Reason(err)
		if r != nil && r.InGrace {
			key += "+grace"
		}
		if key != last {
			last = key
			fn(r, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
