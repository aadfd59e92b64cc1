package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/licentia/licentia/server/store/pgtest"
)

var testNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// Dialects every store test runs against.
const (
	sqliteDialect   = "sqlite"
	postgresDialect = "postgres"
)

// newTestStore opens a fresh SQLite store (see openTestStore).
func newTestStore(t testing.TB) *Store {
	t.Helper()
	return openTestStore(t, sqliteDialect)
}

// openTestStore opens a fresh database of the dialect through the real Open, so every test also runs the
// migrations: a SQLite file in t.TempDir(), or a new database on the PostgreSQL server named by
// LICENTIA_TEST_POSTGRES (the test is skipped without it).
func openTestStore(t testing.TB, dialect string) *Store {
	t.Helper()
	dsn := filepath.Join(t.TempDir(), "db.sqlite")
	if dialect == postgresDialect {
		dsn = pgtest.DSN(t)
	}
	st, err := Open(context.Background(), dsn, Options{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatalf("Open() err = %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// forEachDialect runs test as a subtest per dialect, each on a fresh store.
func forEachDialect(t *testing.T, test func(t *testing.T, st *Store)) {
	t.Helper()
	for _, d := range []string{sqliteDialect, postgresDialect} {
		t.Run(d, func(t *testing.T) { test(t, openTestStore(t, d)) })
	}
}

func testLicense(id, order string) *License {
	return &License{
		ID: id, OrderID: order, Flow: FlowLicense1, ProductID: "P1", Status: "active",
		StartsAt: testNow.Unix(), ExpiresAt: testNow.AddDate(1, 0, 0).Unix(), Generation: 1,
		ChangedAt: testNow.Unix(), Code: "code-" + id, KeyID: "k1", CreatedAt: testNow.Unix(),
	}
}

func createEvent() *Event {
	return &Event{At: testNow.Unix(), Source: SourceKooGallery, Action: "create", AfterStatus: "active", Generation: 1}
}

func TestCreateIdempotent(t *testing.T) {
	forEachDialect(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		l, created, err := st.Create(ctx, testLicense("b-1", "O1"), []Event{*createEvent()}, 0)
		if err != nil || !created {
			t.Fatalf("Create() = %v, %v, want created", created, err)
		}
		again, created, err := st.Create(ctx, testLicense("b-2", "O1"), []Event{*createEvent()}, 0)
		if err != nil || created {
			t.Fatalf("second Create() = %v, %v, want existing", created, err)
		}
		if again.ID != l.ID || again.Code != l.Code {
			t.Errorf("second Create() = %s/%s, want %s/%s", again.ID, again.Code, l.ID, l.Code)
		}
		// Same id, other order: the caller must choose another id.
		if _, _, err := st.Create(ctx, testLicense("b-1", "O2"), []Event{*createEvent()}, 0); !errors.Is(err, ErrConflict) {
			t.Errorf("Create(id clash) err = %v, want %v", err, ErrConflict)
		}
		got, err := st.LicenseByOrder(ctx, "O1", "")
		if err != nil || got.ID != "b-1" {
			t.Errorf("LicenseByOrder() = %v, %v, want b-1", got, err)
		}
		evs, err := st.Events(ctx, "b-1")
		if err != nil || len(evs) != 1 {
			t.Errorf("Events() = %d events, %v, want 1", len(evs), err)
		}
	})
}

func TestCreateConcurrentOneLicense(t *testing.T) {
	forEachDialect(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		const n = 100
		ids := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				l, _, err := st.Create(ctx, testLicense(fmt.Sprintf("b-%d", i), "O1"), []Event{*createEvent()}, 0)
				if err != nil {
					t.Errorf("Create() err = %v", err)
					return
				}
				ids[i] = l.ID
			}()
		}
		wg.Wait()
		for _, id := range ids {
			if id != ids[0] {
				t.Fatalf("concurrent creates returned ids %s and %s, want one", ids[0], id)
			}
		}
		var count int
		if err := st.db.GetContext(ctx, &count, `SELECT COUNT(*) FROM licenses`); err != nil || count != 1 {
			t.Errorf("licenses = %d, %v, want 1", count, err)
		}
	})
}

func TestApplyDedupe(t *testing.T) {
	forEachDialect(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		if _, _, err := st.Create(ctx, testLicense("b-1", "O1"), []Event{*createEvent()}, 0); err != nil {
			t.Fatal(err)
		}
		calls := 0
		renew := func(cur *License) (*License, *Event, error) {
			calls++
			next := *cur
			next.Generation++
			next.ExpiresAt += 3600
			next.Code = "code-2"
			return &next, &Event{At: testNow.Unix(), Source: SourceKooGallery, Action: "renew", AfterStatus: "active", Generation: next.Generation}, nil
		}
		l, err := st.Apply(ctx, "b-1", "renew|R1", renew)
		if err != nil || l.Generation != 2 || l.Code != "code-2" {
			t.Fatalf("Apply() = %+v, %v, want generation 2", l, err)
		}
		l, err = st.Apply(ctx, "b-1", "renew|R1", renew)
		if !errors.Is(err, ErrDuplicate) || l.Generation != 2 || calls != 1 {
			t.Errorf("resent Apply() = gen %d, %v, calls %d, want gen 2, ErrDuplicate, 1 call", l.Generation, err, calls)
		}
		if _, err := st.Apply(ctx, "nope", "", renew); !errors.Is(err, ErrNotFound) {
			t.Errorf("Apply(unknown) err = %v, want %v", err, ErrNotFound)
		}
		boom := errors.New("boom")
		if _, err := st.Apply(ctx, "b-1", "x", func(*License) (*License, *Event, error) { return nil, nil, boom }); !errors.Is(err, boom) {
			t.Errorf("Apply(failing fn) err = %v, want %v", err, boom)
		}
		cur, _ := st.License(ctx, "b-1")
		if cur.Generation != 2 {
			t.Errorf("generation after failed Apply = %d, want 2", cur.Generation)
		}
	})
}

func TestUseNonce(t *testing.T) {
	forEachDialect(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		exp := testNow.Add(5 * time.Minute)
		if err := st.UseNonce(ctx, "n1", exp); err != nil {
			t.Fatalf("UseNonce() err = %v", err)
		}
		if err := st.UseNonce(ctx, "n1", exp); !errors.Is(err, ErrReplay) {
			t.Errorf("UseNonce(again) err = %v, want %v", err, ErrReplay)
		}
		// An expired record does not block the nonce.
		if err := st.UseNonce(ctx, "n2", testNow.Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		if err := st.UseNonce(ctx, "n2", exp); err != nil {
			t.Errorf("UseNonce(expired) err = %v, want nil", err)
		}
		if n, err := st.PurgeNonces(ctx); err != nil || n != 0 {
			t.Errorf("PurgeNonces() = %d, %v, want 0", n, err)
		}
	})
}

// TestBatchIsolation checks that a failing write in a shared transaction does not undo its neighbours.
func TestBatchIsolation(t *testing.T) {
	forEachDialect(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		var wg sync.WaitGroup
		for i := range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				l := testLicense(fmt.Sprintf("b-%d", i), fmt.Sprintf("O%d", i))
				if i%2 == 1 {
					l.Status = "bogus" // violates the CHECK constraint
				}
				_, _, err := st.Create(ctx, l, []Event{*createEvent()}, 0)
				if (err != nil) != (i%2 == 1) {
					t.Errorf("Create(%d) err = %v", i, err)
				}
			}()
		}
		wg.Wait()
		var count int
		if err := st.db.GetContext(ctx, &count, `SELECT COUNT(*) FROM licenses`); err != nil || count != 25 {
			t.Errorf("licenses = %d, %v, want 25", count, err)
		}
	})
}

func TestDatabaseFileIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db.sqlite")
	st, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, p := range []string{path, path + "-wal"} {
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s mode = %v, want 0600", filepath.Base(p), info.Mode().Perm())
		}
	}
}

// BenchmarkCreateDialects measures concurrent creates of distinct licenses, each a committed write
// (go test -run '^$' -bench CreateDialects ./server/store/).
func BenchmarkCreateDialects(b *testing.B) {
	for _, d := range []string{sqliteDialect, postgresDialect} {
		b.Run(d, func(b *testing.B) {
			st := openTestStore(b, d)
			ctx := context.Background()
			var n atomic.Int64
			b.SetParallelism(8)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					if _, _, err := st.Create(ctx, testLicense(fmt.Sprintf("b-%d", i), fmt.Sprintf("O%d", i)), []Event{*createEvent()}, 0); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
