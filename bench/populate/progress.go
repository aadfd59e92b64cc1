package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// progress reports how far a run is: on a terminal one line rewritten in place every 200 ms, otherwise
// a line every 5 s (and at 100%), so that logs stay readable.
type progress struct {
	w        io.Writer
	total    int64
	tty      bool
	start    time.Time
	count    atomic.Int64
	mu       sync.Mutex
	last     time.Time
	interval time.Duration
}

func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, total: int64(total), start: time.Now(), interval: 5 * time.Second}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.tty, p.interval = true, 200*time.Millisecond
		}
	}
	p.last = p.start
	return p
}

// add counts one finished license and prints when the interval has passed.
func (p *progress) add() {
	n := p.count.Add(1)
	if n%256 != 0 && n != p.total {
		return
	}
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if now.Sub(p.last) < p.interval && n != p.total {
		return
	}
	p.last = now
	p.print(n, now)
}

// done ends the progress line.
func (p *progress) done() {
	if p.tty {
		p.mu.Lock()
		fmt.Fprintln(p.w)
		p.mu.Unlock()
	}
}

func (p *progress) print(n int64, now time.Time) {
	el := now.Sub(p.start)
	rate := float64(n) / max(el.Seconds(), 1e-3)
	eta := "?"
	if rate > 0 {
		eta = (time.Duration(float64(p.total-n)/rate) * time.Second).Round(time.Second).String()
	}
	line := fmt.Sprintf("populate: %d/%d licenses (%.1f%%), %.0f/s, %s elapsed, %s left", n, p.total,
		100*float64(n)/float64(p.total), rate, el.Round(time.Second), eta)
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
	} else {
		fmt.Fprintln(p.w, line)
	}
}
