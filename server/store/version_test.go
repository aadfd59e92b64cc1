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
	if _, _, err := st.Create(ctx, testLicense("b-1", "O1"), createEvent()); err != nil {
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
	if _, _, err := other.Create(ctx, testLicense("b-2", "O2"), createEvent()); err != nil {
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
	if _, _, err := st.Create(ctx, testLicense("b-1", "O1"), createEvent()); err != nil {
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
		if _, _, err := st.Create(ctx, testLicense(fmt.Sprintf("b-%d", i), fmt.Sprintf("O-%d", i)), createEvent()); err != nil {
			t.Fatal(err)
		}
		if after, _ := st.DataVersion(ctx); after == before {
			t.Fatalf("commit %d: DataVersion() = %d before and after", i, after)
		}
	}
	close(stop)
	wg.Wait()
}
