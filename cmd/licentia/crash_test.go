package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/licentia/licentia/server/store"
)

type acked struct{ instance, code string }

// TestCrashDuringCreates kills the server with SIGKILL in the middle of a burst of creates, restarts it
// and checks that every acknowledged create is still there with the byte-identical code.
func TestCrashDuringCreates(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	data := t.TempDir()
	c := startChild(t, data)
	client := &http.Client{Timeout: 5 * time.Second}

	var mu sync.Mutex
	acks := map[string]acked{}
	var sent atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 2000; i++ { // bounded: at most 32,000 requests
				select {
				case <-stop:
					return
				default:
				}
				order := fmt.Sprintf("O-%02d-%05d", w, i)
				sent.Add(1)
				code, inst, lic, err := getLicense(client, c.url, order, "b-"+order)
				if err != nil || code != "000000" {
					continue // not acknowledged: the marketplace would retry
				}
				mu.Lock()
				acks[order] = acked{inst, lic}
				mu.Unlock()
			}
		}()
	}
	// Let the burst run, then kill the server without warning while requests are in flight.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(acks)
		mu.Unlock()
		if n >= 300 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	c.cmd.Wait()
	time.Sleep(100 * time.Millisecond) // let in-flight client calls fail
	close(stop)
	wg.Wait()
	if len(acks) == 0 {
		t.Fatalf("no create was acknowledged before the kill; logs:\n%s", c.logs)
	}
	t.Logf("sent %d creates, %d acknowledged before SIGKILL", sent.Load(), len(acks))

	c2 := startChild(t, data)
	for order, a := range acks {
		code, inst, lic, err := getLicense(client, c2.url, order, "b-resend-"+order)
		if err != nil || code != "000000" {
			t.Fatalf("resend of acknowledged %s after restart: %s, %v", order, code, err)
		}
		if inst != a.instance || lic != a.code {
			t.Fatalf("resend of %s after restart: instance %s, code changed = %v; want %s, unchanged", order, inst, lic != a.code, a.instance)
		}
	}
	if err := c2.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := c2.cmd.Wait(); err != nil {
		t.Errorf("graceful shutdown exit = %v, want 0; logs:\n%s", err, c2.logs)
	}

	// The database agrees: one license per order, one create event per license.
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(data, "licentia.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, err := st.Count(ctx, store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if n < len(acks) || int64(n) > sent.Load() {
		t.Errorf("licenses = %d, want between %d acknowledged and %d sent", n, len(acks), sent.Load())
	}
	for order := range acks {
		l, err := st.LicenseByOrder(ctx, order, "")
		if err != nil {
			t.Fatal(err)
		}
		evs, err := st.Events(ctx, l.ID)
		if err != nil || len(evs) != 1 || evs[0].Action != "create" {
			t.Fatalf("events of %s = %+v, %v; want one create", l.ID, evs, err)
		}
	}
}
