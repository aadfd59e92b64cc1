package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"

	"github.com/licentia/licentia/schema"
	"github.com/licentia/licentia/server/store/pgtest"
)

func TestIsUnique(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"postgres unique", &pgconn.PgError{Code: pgUniqueViolation}, true},
		{"postgres unique wrapped", fmt.Errorf("insert: %w", &pgconn.PgError{Code: pgUniqueViolation}), true},
		{"postgres check", &pgconn.PgError{Code: "23514"}, false},
		{"postgres deadlock", &pgconn.PgError{Code: pgDeadlockDetected}, false},
		{"sqlite unique", sqlite3.Error{Code: sqlite3.ErrConstraint, ExtendedCode: sqlite3.ErrConstraintUnique}, true},
		{"sqlite check", sqlite3.Error{Code: sqlite3.ErrConstraint, ExtendedCode: sqlite3.ErrConstraintCheck}, false},
		{"plain", errors.New("duplicate key value violates unique constraint"), false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := isUnique(tt.err); got != tt.want {
				t.Errorf("isUnique(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestRetryable(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"serialization failure", fmt.Errorf("x: %w", &pgconn.PgError{Code: pgSerializationFailure}), true},
		{"deadlock", &pgconn.PgError{Code: pgDeadlockDetected}, true},
		{"unique", &pgconn.PgError{Code: pgUniqueViolation}, false},
		{"conflict", ErrConflict, false},
		{"unknown outcome", errors.New("unexpected EOF"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := retryable(tt.err); got != tt.want {
				t.Errorf("retryable(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

// TestOpenPostgresUnreachable checks that Open waits for ConnectWait, then fails with a clear error.
func TestOpenPostgresUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	start := time.Now()
	_, err = Open(context.Background(), "postgres://licentia@"+addr+"/licentia?sslmode=disable&connect_timeout=1",
		Options{ConnectWait: 500 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "postgres unreachable") {
		t.Fatalf("Open(closed port) err = %v, want postgres unreachable", err)
	}
	if d := time.Since(start); d < 400*time.Millisecond || d > 5*time.Second {
		t.Errorf("Open(closed port) took %v, want about the 500ms ConnectWait", d)
	}
	if _, err := Migrate(context.Background(), "postgres://licentia@"+addr+"/licentia?sslmode=disable"); err == nil {
		t.Errorf("Migrate(closed port) err = nil, want an error")
	}
	if _, err := Open(context.Background(), "postgres://%zz", Options{}); err == nil {
		t.Errorf("Open(bad URL) err = nil, want an error")
	}
}

// openReplicas opens n stores, each with its own connection pool, on one fresh PostgreSQL database, as n
// server replicas would. They open concurrently, so the migration lock is exercised too.
func openReplicas(t *testing.T, n int) (string, []*Store) {
	t.Helper()
	dsn := pgtest.DSN(t)
	stores := make([]*Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = Open(context.Background(), dsn, Options{MaxConns: 4, Now: func() time.Time { return testNow }})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open(replica %d) err = %v", i, err)
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	return dsn, stores
}

// renew is a Mutation that extends the license by an hour, as a marketplace renewal does.
func renew(cur *License) (*License, *Event, error) {
	next := *cur
	next.Generation++
	next.ExpiresAt += 3600
	next.Code = fmt.Sprintf("code-%s-%d", cur.ID, next.Generation)
	return &next, &Event{At: testNow.Unix(), Source: SourceKooGallery, Action: "renew", AfterStatus: "active", Generation: next.Generation}, nil
}

// TestPostgresReplicas runs concurrent writes through several stores on one database and checks that the
// database, not the process, keeps them consistent.
func TestPostgresReplicas(t *testing.T) {
	ctx := context.Background()
	dsn, reps := openReplicas(t, 3)
	if v, err := Migrate(ctx, dsn); err != nil || v != latestVersion(t) {
		t.Errorf("Migrate() after concurrent Opens = %d, %v, want version %d", v, err, latestVersion(t))
	}

	// Identical creates split across the replicas make one license.
	const creates = 60
	ids := make([]string, creates)
	var createdN atomic.Int64
	parallel(creates, func(i int) {
		l, created, err := reps[i%len(reps)].Create(ctx, testLicense(fmt.Sprintf("b-%d", i), "O1"), []Event{*createEvent()}, 0)
		if err != nil {
			t.Errorf("Create(%d) err = %v", i, err)
			return
		}
		if created {
			createdN.Add(1)
		}
		ids[i] = l.ID
	})
	if n := createdN.Load(); n != 1 {
		t.Errorf("creates that reported created = %d, want 1", n)
	}
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("concurrent creates returned ids %s and %s, want one", ids[0], id)
		}
	}
	id := ids[0]

	// Distinct renewals on all replicas at once: none is lost.
	const renewals = 30
	parallel(renewals, func(i int) {
		if _, err := reps[i%len(reps)].Apply(ctx, id, fmt.Sprintf("renew|R%d", i), renew); err != nil {
			t.Errorf("Apply(renewal %d) err = %v", i, err)
		}
	})
	// One renewal resent to every replica at once: applied once.
	var applied atomic.Int64
	parallel(renewals, func(i int) {
		_, err := reps[i%len(reps)].Apply(ctx, id, "renew|resent", renew)
		switch {
		case err == nil:
			applied.Add(1)
		case !errors.Is(err, ErrDuplicate):
			t.Errorf("Apply(resend %d) err = %v, want nil or %v", i, err, ErrDuplicate)
		}
	})
	if n := applied.Load(); n != 1 {
		t.Errorf("resent renewal applied %d times, want 1", n)
	}
	for i, st := range reps {
		l, err := st.License(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if want := int64(1 + renewals + 1); l.Generation != want {
			t.Errorf("replica %d: generation = %d, want %d", i, l.Generation, want)
		}
		if want := testLicense(id, "O1").ExpiresAt + (renewals+1)*3600; l.ExpiresAt != want {
			t.Errorf("replica %d: expires = %d, want %d", i, l.ExpiresAt, want)
		}
	}
	evs, err := reps[0].Events(ctx, id)
	if err != nil || len(evs) != 1+renewals+1 {
		t.Errorf("Events() = %d events, %v, want %d", len(evs), err, 1+renewals+1)
	}

	// A nonce used on one replica is a replay on the others; a nonce sent to all at once is used once.
	exp := testNow.Add(5 * time.Minute)
	if err := reps[0].UseNonce(ctx, "n1", exp); err != nil {
		t.Fatalf("UseNonce() err = %v", err)
	}
	for i, st := range reps[1:] {
		if err := st.UseNonce(ctx, "n1", exp); !errors.Is(err, ErrReplay) {
			t.Errorf("replica %d: UseNonce(replay) err = %v, want %v", i+1, err, ErrReplay)
		}
	}
	var fresh atomic.Int64
	parallel(30, func(i int) {
		err := reps[i%len(reps)].UseNonce(ctx, "n2", exp)
		switch {
		case err == nil:
			fresh.Add(1)
		case !errors.Is(err, ErrReplay):
			t.Errorf("UseNonce(n2) err = %v", err)
		}
	})
	if n := fresh.Load(); n != 1 {
		t.Errorf("nonce sent to all replicas accepted %d times, want 1", n)
	}
}

// TestPostgresOutage cuts the store off its database (no new connections, existing ones killed), checks
// that it fails fast and cleanly, and that it recovers by itself once the database is back.
func TestPostgresOutage(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t, postgresDialect)
	db := currentDatabase(t, st)
	admin := pgtest.ServerDSN(t)
	if _, _, err := st.Create(ctx, testLicense("b-1", "O1"), []Event{*createEvent()}, 0); err != nil {
		t.Fatal(err)
	}
	cut := func(allow bool) {
		t.Helper()
		if err := pgtest.Exec(admin, fmt.Sprintf(`ALTER DATABASE %s WITH ALLOW_CONNECTIONS %v`, db, allow)); err != nil {
			t.Fatal(err)
		}
		if !allow {
			if err := pgtest.Exec(admin, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, db); err != nil {
				t.Fatal(err)
			}
		}
	}
	cut(false)
	t.Cleanup(func() { cut(true) })

	start := time.Now()
	if err := st.Ping(ctx); err == nil {
		t.Errorf("Ping() during outage err = nil, want an error")
	}
	if _, _, err := st.Create(ctx, testLicense("b-2", "O2"), []Event{*createEvent()}, 0); err == nil {
		t.Errorf("Create() during outage err = nil, want an error")
	}
	if err := st.UseNonce(ctx, "n1", testNow.Add(time.Minute)); err == nil || errors.Is(err, ErrReplay) {
		t.Errorf("UseNonce() during outage err = %v, want a database error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("failing calls took %v, want them to fail fast", d)
	}

	cut(true)
	deadline := time.Now().Add(10 * time.Second)
	for st.Ping(ctx) != nil {
		if time.Now().After(deadline) {
			t.Fatal("store did not reconnect within 10s of the database coming back")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, created, err := st.Create(ctx, testLicense("b-2", "O2"), []Event{*createEvent()}, 0); err != nil || !created {
		t.Errorf("Create() after outage = %v, %v, want created", created, err)
	}
	if n, err := st.Count(ctx, Filter{}); err != nil || n != 2 {
		t.Errorf("Count() after outage = %d, %v, want 2", n, err)
	}
}

// latestVersion is the version of the newest PostgreSQL migration.
func latestVersion(t testing.TB) int64 {
	t.Helper()
	fsys, err := schema.Migrations(schema.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil || len(names) == 0 {
		t.Fatalf("migrations = %v, %v", names, err)
	}
	v, err := strconv.ParseInt(strings.SplitN(names[len(names)-1], "_", 2)[0], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func currentDatabase(t testing.TB, st *Store) string {
	t.Helper()
	var name string
	if err := st.db.GetContext(context.Background(), &name, `SELECT current_database()`); err != nil {
		t.Fatal(err)
	}
	return name
}

// parallel runs fn(0..n-1) concurrently and waits for all.
func parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(i)
		}()
	}
	wg.Wait()
}
