// Package store keeps licentia's licenses, their audit log and the marketplace nonce cache in SQLite (the
// embedded default) or PostgreSQL, through sqlx. Open applies the embedded migrations. No write is
// acknowledged before its commit. On SQLite every write goes through one committer that groups concurrent
// writes into a shared transaction, so concurrent callbacks share one fsync. On PostgreSQL, which several
// replicas share, each write is its own transaction and the database serialises conflicting ones with
// unique constraints and row locks.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/licentia/licentia/schema"
)

// Errors returned by the store.
var (
	// ErrNotFound means no license matched.
	ErrNotFound = errors.New("not found")
	// ErrConflict means a write collided with existing data (for example a license id already in use by
	// another order).
	ErrConflict = errors.New("conflict")
	// ErrReplay means a nonce was seen before and has not expired.
	ErrReplay = errors.New("nonce already used")
	// ErrClosed means the store was closed.
	ErrClosed = errors.New("store closed")
	// ErrNoSQLite means this binary was built without cgo, which SQLite needs: use PostgreSQL, the admin API
	// (--server), or a build with CGO_ENABLED=1.
	ErrNoSQLite = errors.New("SQLite needs a licentia built with cgo (CGO_ENABLED=1); this one was not: " +
		"use a postgres:// database or --server")
)

// Options tune Open.
type Options struct {
	// Synchronous is SQLite's synchronous setting: "FULL" (default; an acknowledged callback survives
	// power loss) or "NORMAL" (survives a process crash, not a power loss).
	Synchronous string
	// MaxBatch caps how many writes share one SQLite transaction (default 128).
	MaxBatch int
	// MaxConns caps the PostgreSQL connection pool (default 10).
	MaxConns int
	// ConnectWait is how long Open waits for an unreachable PostgreSQL server to answer before it fails
	// (0: one attempt). Once open, the store reconnects by itself whatever this is.
	ConnectWait time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// writer runs the store's writes: the SQLite committer or the PostgreSQL txRunner.
type writer interface {
	// do runs fn in a transaction and returns once it committed, or with the error that undid it.
	do(ctx context.Context, fn txFunc) error
	// close waits for the queued writes and refuses new ones with ErrClosed.
	close()
}

// Store is the database handle. It is safe for concurrent use.
type Store struct {
	db      *sqlx.DB
	dialect string
	now     func() time.Time
	w       writer
	// rowLocks is true where writes run concurrently (PostgreSQL): Apply then locks the row it changes.
	rowLocks bool
	ver      versionProbe
	// revWrites counts the revocation-list changes committed through this store (RevocationWrites).
	revWrites atomic.Int64
	lv        licenseVersion
	// reads are the prepared license lookups (readLicense), by query.
	reads map[string]*sql.Stmt
	// policies are the product policies read recently (Policy).
	policies policyCache
}

// Open opens the database named by dsn, applies any pending migration and starts the writer. dsn is a
// file path for SQLite (created when missing) or a postgres:// URL; for PostgreSQL Open waits up to
// opt.ConnectWait for the server, and concurrent Opens on one database migrate it once.
func Open(ctx context.Context, dsn string, opt Options) (*Store, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.MaxBatch <= 0 {
		opt.MaxBatch = 128
	}
	db, dialect, err := connect(ctx, dsn, opt)
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, db.DB, dialect); err != nil {
		db.Close()
		return nil, err
	}
	st := &Store{db: db, dialect: dialect, now: opt.Now}
	st.prepare(ctx)
	if dialect == schema.Postgres {
		st.w, st.rowLocks = newTxRunner(db), true
	} else {
		st.w = newCommitter(db, opt.MaxBatch)
	}
	return st, nil
}

// Migrate applies the pending migrations of the database named by dsn and returns the schema version.
// It does not wait for an unreachable PostgreSQL server.
func Migrate(ctx context.Context, dsn string) (int64, error) {
	db, dialect, err := connect(ctx, dsn, Options{})
	if err != nil {
		return 0, err
	}
	defer db.Close()
	if err := migrate(ctx, db.DB, dialect); err != nil {
		return 0, err
	}
	p, err := provider(db.DB, dialect)
	if err != nil {
		return 0, err
	}
	return p.GetDBVersion(ctx)
}

// connect opens the database and, for PostgreSQL, waits until it answers.
func connect(ctx context.Context, dsn string, opt Options) (*sqlx.DB, string, error) {
	db, dialect, err := dial(dsn, opt)
	if err != nil {
		return nil, "", err
	}
	if dialect == schema.Postgres {
		if err := waitPostgres(ctx, db, opt.ConnectWait); err != nil {
			db.Close()
			return nil, "", err
		}
	}
	return db, dialect, nil
}

// SQLiteDSN returns the go-sqlite3 DSN for the database file at path: foreign keys on, WAL, a busy
// timeout, immediate write transactions, a prepared-statement cache and the given synchronous level (FULL
// when empty).
func SQLiteDSN(path, synchronous string) (string, error) {
	switch s := strings.ToUpper(synchronous); s {
	case "":
		synchronous = "FULL"
	case "FULL", "NORMAL", "EXTRA":
		synchronous = s
	default:
		return "", fmt.Errorf("sqlite synchronous %q: want FULL, NORMAL or EXTRA", synchronous)
	}
	q := url.Values{}
	q.Set("_foreign_keys", "on")
	q.Set("_journal_mode", "WAL")
	q.Set("_busy_timeout", "2000")
	q.Set("_txlock", "immediate")
	q.Set("_synchronous", synchronous)
	q.Set("_stmt_cache_size", "32") // hot statements are prepared once per connection, not per call
	return "file:" + uriPath.Replace(path) + "?" + q.Encode(), nil
}

// uriPath escapes what SQLite's URI filenames and the driver's DSN would read otherwise in a file path: '%'
// (SQLite decodes %XX), '?' (the driver's parameters start at the first one) and '#' (SQLite ends the path
// there). A data directory named "licentia #2" or "a?b" then opens the file it names.
var uriPath = strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23")

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

func dial(dsn string, opt Options) (*sqlx.DB, string, error) {
	if IsPostgres(dsn) {
		db, err := dialPostgres(dsn, opt)
		return db, schema.Postgres, err
	}
	if sqliteDriver == "" {
		return nil, "", ErrNoSQLite
	}
	full, err := SQLiteDSN(dsn, opt.Synchronous)
	if err != nil {
		return nil, "", err
	}
	// The database holds bearer credentials (license codes): create it private. SQLite gives its -wal and
	// -shm files the main file's permissions.
	if f, err := os.OpenFile(dsn, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	} else if !errors.Is(err, fs.ErrExist) {
		return nil, "", fmt.Errorf("create sqlite database: %w", err)
	}
	tuneMallocOnce()
	db, err := sqlx.Open(sqliteDriver, full)
	if err != nil {
		return nil, "", fmt.Errorf("open sqlite: %w", err)
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	db.SetConnMaxIdleTime(0)
	return db, schema.SQLite, nil
}

func provider(db *sql.DB, dialect string, opts ...goose.ProviderOption) (*goose.Provider, error) {
	fsys, err := schema.Migrations(dialect)
	if err != nil {
		return nil, err
	}
	gd := goose.DialectSQLite3
	if dialect == schema.Postgres {
		gd = goose.DialectPostgres
	}
	p, err := goose.NewProvider(gd, db, fsys, opts...)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return p, nil
}

// migrate applies the pending migrations. On PostgreSQL, where replicas may start together, it takes a
// session advisory lock first, so one replica migrates and the others wait for it; with nothing pending
// (the database was migrated by `licentia migrate`) no lock is taken.
func migrate(ctx context.Context, db *sql.DB, dialect string) error {
	p, err := provider(db, dialect)
	if err != nil {
		return err
	}
	if dialect == schema.Postgres {
		pending, err := p.HasPending(ctx)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if !pending {
			return nil
		}
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if p, err = provider(db, dialect, goose.WithSessionLocker(locker)); err != nil {
			return err
		}
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Dialect returns "sqlite" or "postgres".
func (st *Store) Dialect() string { return st.dialect }

// Ping checks that the database answers a query.
func (st *Store) Ping(ctx context.Context) error {
	var one int
	if err := st.db.GetContext(ctx, &one, `SELECT 1`); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	return nil
}

// Close waits for queued writes to commit, then closes the database.
func (st *Store) Close() error {
	st.w.close()
	st.ver.close()
	for _, stmt := range st.reads {
		stmt.Close()
	}
	return st.db.Close()
}

// isUnique reports whether err is a unique-constraint violation.
func isUnique(err error) bool {
	return isSQLiteUnique(err) || isPostgresUnique(err)
}

// nullable turns 0 into SQL NULL.
func nullable(v int64) sql.NullInt64 { return sql.NullInt64{Int64: v, Valid: v != 0} }
