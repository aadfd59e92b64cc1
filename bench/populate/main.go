// Command populate fills a licentia data directory with N licenses, signed and audited as the server
// creates them, for the memory figure in BENCHMARKS.md (server RSS with 100,000 licenses).
//
//	go run ./bench/populate --data DIR --n 100000
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/server/desk"
	"github.com/licentia/licentia/server/store"
)

func main() {
	data := flag.String("data", "", "licentia data directory (created when missing)")
	n := flag.Int("n", 100000, "licenses to create")
	flag.Parse()
	if err := run(*data, *n); err != nil {
		fmt.Fprintln(os.Stderr, "populate:", err)
		os.Exit(1)
	}
}

func run(data string, n int) error {
	if data == "" || n < 1 || n > 10_000_000 {
		return fmt.Errorf("want --data DIR and 1 <= --n <= 10000000")
	}
	ctx := context.Background()
	if err := os.MkdirAll(data, 0o700); err != nil {
		return err
	}
	ring, _, err := keys.InitRing(filepath.Join(data, "keys"), rand.Reader)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, filepath.Join(data, "licentia.db"), store.Options{Synchronous: "NORMAL"})
	if err != nil {
		return err
	}
	defer st.Close()
	is := desk.NewIssuer(ring, "licentia", 0)
	now := time.Now().Unix()
	const workers = 64
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				order := fmt.Sprintf("POP-%08d", i)
				l := &store.License{ID: "pop-" + order, OrderID: order, Flow: store.FlowLicense1, ProductID: "P1",
					CustomerID: fmt.Sprintf("c-%d", i%5000), Status: "active", StartsAt: now,
					ExpiresAt: now + 365*86400, Generation: 1, ChangedAt: now, CreatedAt: now}
				if err := is.Sign(l); err != nil {
					errs <- err
					return
				}
				ev := &store.Event{At: now, Source: store.SourceKooGallery, Actor: "populate", Action: "create",
					OrderID: order, AfterStatus: "active", AfterExpires: l.ExpiresAt, Generation: 1}
				if _, _, err := st.Create(ctx, l, ev); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	total, err := st.Count(ctx, store.Filter{})
	fmt.Printf("%d licenses in %s\n", total, data)
	return err
}
