package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/jmoiron/sqlx"
)

// PostgreSQL defaults. A replica's pool is small: every write is one short transaction.
const (
	defaultPostgresConns   = 10
	defaultConnectTimeout  = 5 * time.Second
	postgresWriteTimeout   = 10 * time.Second
	postgresWriteAttempts  = 4
	postgresConnLifetime   = 30 * time.Minute
	postgresConnIdleExpiry = 5 * time.Minute
)

// PostgreSQL error codes the store acts on (https://www.postgresql.org/docs/current/errcodes-appendix.html).
const (
	pgUniqueViolation      = "23505"
	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"
)

// dialPostgres opens a pool on the PostgreSQL database named by dsn through pgx's database/sql driver. It
// does not connect; waitPostgres does. A dsn without connect_timeout gets one of five seconds, so a
// connection attempt to an unreachable server fails instead of hanging a request.
func dialPostgres(dsn string, opt Options) (*sqlx.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres dsn: %w", err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = defaultConnectTimeout
	}
	n := opt.MaxConns
	if n <= 0 {
		n = defaultPostgresConns
	}
	db := sqlx.NewDb(stdlib.OpenDB(*cfg), "pgx")
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxLifetime(postgresConnLifetime) // spreads replicas over a failed-over or scaled server
	db.SetConnMaxIdleTime(postgresConnIdleExpiry)
	return db, nil
}

// waitPostgres pings db until it answers, for at most wait (one attempt when wait is 0), so replicas
// started together with their database do not exit at once.
func waitPostgres(ctx context.Context, db *sqlx.DB, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	delay := 100 * time.Millisecond
	for {
		err := db.PingContext(ctx)
		if err == nil {
			return nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			if wait > 0 {
				return fmt.Errorf("postgres unreachable for %v: %w", wait, err)
			}
			return fmt.Errorf("postgres unreachable: %w", err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("postgres unreachable: %w", err)
		case <-time.After(min(delay, left)):
		}
		delay = min(2*delay, 2*time.Second)
	}
}

func isPostgresUnique(err error) bool { return pgCode(err) == pgUniqueViolation }

// pgCode returns the SQLSTATE of a PostgreSQL error, or "".
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// txRunner runs each write of a PostgreSQL store in its own transaction, concurrently with the others. The
// server serialises conflicting writes with row locks (Apply locks the license row) and unique constraints
// (Create, UseNonce), across every replica on the database; its WAL writer already flushes concurrent
// commits together, so a client-side group commit would only add latency and cross-replica lock waits.
//
// A write the server aborted (serialization failure, deadlock) or that never reached it is retried; a
// write whose outcome is unknown (the connection broke during it) is not, it returns the error and the
// marketplace resends it.
type txRunner struct {
	db *sqlx.DB

	mu       sync.RWMutex // guards closed against Add on inflight
	closed   bool
	inflight sync.WaitGroup
}

func newTxRunner(db *sqlx.DB) *txRunner { return &txRunner{db: db} }

func (r *txRunner) do(ctx context.Context, fn txFunc) error {
	r.mu.RLock()
	if r.closed {
		r.mu.RUnlock()
		return ErrClosed
	}
	r.inflight.Add(1)
	r.mu.RUnlock()
	defer r.inflight.Done()

	ctx, cancel := context.WithTimeout(ctx, postgresWriteTimeout)
	defer cancel()
	delay := 5 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := r.once(ctx, fn)
		if err == nil || attempt == postgresWriteAttempts || !retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay/2 + rand.N(delay)):
		}
		delay *= 4
	}
}

func (r *txRunner) once(ctx context.Context, fn txFunc) (err error) {
	tx, err := r.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := safeCall(ctx, fn, tx); err != nil {
		return err
	}
	return commitTx(tx)
}

// retryable reports whether a failed write certainly left no trace and may simply run again.
func retryable(err error) bool {
	switch pgCode(err) {
	case pgSerializationFailure, pgDeadlockDetected:
		return true
	}
	return pgconn.SafeToRetry(err)
}

// close waits for the writes in flight and refuses new ones.
func (r *txRunner) close() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.inflight.Wait()
}
