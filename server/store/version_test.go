package store

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestDataVersionChangesOnEveryCommit(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db.sqlite")
	st, err := Open(ctx, path, Options{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	v1, err := st.DataVersion(ctx)
	if err != nil {
		t.Fatalf("DataVersion() err = %v", err)
	}
	if v, _ := st.DataVersion(ctx); v != v1 {
		t.Fatalf("DataVersion() = %d then %d with no write, want equal", v1, v)
	}
	if _, _, err := st.Create(ctx, testLicense("b-1", "O1"), []Event{*createEvent()}, 0); err != nil {
		t.Fatal(err)
	}
	v2, _ := st.DataVersion(ctx)
	if v2 == v1 {
		t.Fatalf("DataVersion() unchanged after this process's commit")
	}
	// A write by another process (here: another store on the same file) is seen too.
	other, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := other.Create(ctx, testLicense("b-2", "O2"), []Event{*createEvent()}, 0); err != nil {
		t.Fatal(err)
	}
	other.Close()
	if v3, _ := st.DataVersion(ctx); v3 == v2 {
		t.Fatalf("DataVersion() unchanged after another connection's commit")
	}
}

func BenchmarkDataVersion(b *testing.B) {
	st := newTestStore(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := st.DataVersion(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLicenseByOrder(b *testing.B) {
	st := newTestStore(b)
	ctx := context.Background()
	if _, _, err := st.Create(ctx, testLicense("b-1", "O1"), []Event{*createEvent()}, 0); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := st.LicenseByOrder(ctx, "O1", ""); err != nil {
			b.Fatal(err)
		}
	}
}

// TestDataVersionSharedReads checks that with many callers sharing reads, a caller that asks after a
// commit never gets the version from before it.
func TestDataVersionSharedReads(t *testing.T) {
	ctx := context.Background()
	st := newTestStore(t)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := st.DataVersion(ctx); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for i := range 50 {
		before, err := st.DataVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.Create(ctx, testLicense(fmt.Sprintf("b-%d", i), fmt.Sprintf("O-%d", i)), []Event{*createEvent()}, 0); err != nil {
			t.Fatal(err)
		}
		if after, _ := st.DataVersion(ctx); after == before {
			t.Fatalf("commit %d: DataVersion() = %d before and after", i, after)
		}
	}
	close(stop)
	wg.Wait()
}

// TestLicenseVersion checks its bound: a license write through the store moves it at once, a nonce write
// does not, and a write by another process moves it once VersionBound has passed on the store's clock.
func TestLicenseVersion(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db.sqlite")
	var mu sync.Mutex
	clock := testNow
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
	st, err := Open(ctx, path, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	version := func() int64 {
		t.Helper()
		v, err := st.LicenseVersion(ctx)
		if err != nil {
			t.Fatalf("LicenseVersion() err = %v", err)
		}
		return v
	}
	v1 := version()
	if err := st.UseNonce(ctx, "n-1", testNow.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if v := version(); v != v1 {
		t.Errorf("LicenseVersion() moved on a nonce write: %d → %d", v1, v)
	}
	if _, _, err := st.Create(ctx, testLicense("b-1", "O1"), []Event{*createEvent()}, 0); err != nil {
		t.Fatal(err)
	}
	v2 := version()
	if v2 == v1 {
		t.Fatalf("LicenseVersion() unchanged after this store's create")
	}
	advance(VersionBound) // the nonce and the create moved data_version: let the store see them
	v3 := version()
	other, err := Open(ctx, path, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := other.Create(ctx, testLicense("b-2", "O2"), []Event{*createEvent()}, 0); err != nil {
		t.Fatal(err)
	}
	other.Close()
	advance(VersionBound - time.Millisecond)
	if v := version(); v != v3 {
		t.Errorf("LicenseVersion() moved before the bound: %d → %d (allowed, but the probe should wait)", v3, v)
	}
	advance(time.Millisecond)
	if v := version(); v == v3 {
		t.Errorf("LicenseVersion() unchanged %s after another process's write", VersionBound)
	}
}
