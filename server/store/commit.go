package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/jmoiron/sqlx"
)

// txFunc is one write. It runs inside a transaction shared with other writes and must keep its effects
// (including results handed to its caller) until the committer reports the commit. It may run more than
// once (see committer), so it sets its results afresh on every run.
type txFunc func(ctx context.Context, tx *sqlx.Tx) error

type op struct {
	fn   txFunc
	done chan error
}

// committer runs every write of the store on one goroutine, grouping the writes queued meanwhile into one
// transaction (group commit): N concurrent callbacks cost one fsync instead of N. The writes of a batch run
// without savepoints: when one fails, the whole transaction is rolled back and every write of the batch
// runs again alone, in its own transaction, so the failing one fails by itself and its neighbours commit.
// A batch that hit a connection SQLite opened read-only is also run again. A write is therefore reported
// done only after the transaction that holds it committed, and may have run more than once by then.
type committer struct {
	db       *sqlx.DB
	maxBatch int
	ops      chan op

	mu     sync.RWMutex // guards closed against sends on ops
	closed bool
	exited chan struct{}
}

func newCommitter(db *sqlx.DB, maxBatch int) *committer {
	c := &committer{db: db, maxBatch: maxBatch, ops: make(chan op, maxBatch), exited: make(chan struct{})}
	go c.loop()
	return c
}

// do queues fn and waits for its commit. When ctx ends before fn is queued, do returns ctx's error. Once
// queued, fn will run, so do waits for its outcome whatever ctx says: returning earlier would let fn write
// the caller's variables (named results, closures) after the caller returned, a data race, and would
// report a failure for a write that may commit. The wait is bounded by one batch (at worst the busy
// timeout).
func (c *committer) do(ctx context.Context, fn txFunc) error {
	o := op{fn: fn, done: make(chan error, 1)}
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return ErrClosed
	}
	select {
	case c.ops <- o:
		c.mu.RUnlock()
	case <-ctx.Done():
		c.mu.RUnlock()
		return ctx.Err()
	}
	return <-o.done
}

func (c *committer) close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.ops)
	}
	c.mu.Unlock()
	<-c.exited
}

func (c *committer) loop() {
	defer close(c.exited)
	batch := make([]op, 0, c.maxBatch)
	for first := range c.ops {
		batch = append(batch[:0], first)
	fill:
		for len(batch) < c.maxBatch {
			select {
			case o, ok := <-c.ops:
				if !ok {
					break fill
				}
				batch = append(batch, o)
			default:
				break fill
			}
		}
		c.commit(batch)
	}
}

// maxStaleConns bounds how often a batch is run again on a fresh connection after hitting a connection
// that SQLite opened read-only: at most one retry per pooled connection, plus one.
const maxStaleConns = 9

func (c *committer) commit(batch []op) {
	ctx := context.Background()
	errs := make([]error, len(batch))
	err := c.run(ctx, batch, errs)
	for retry := 0; (isReadOnlyConn(err) || slices.ContainsFunc(errs, isReadOnlyConn)) && retry < maxStaleConns; retry++ {
		clear(errs)
		err = c.run(ctx, batch, errs)
	}
	if errors.Is(err, errWriteFailed) && len(batch) > 1 {
		// One write failed and the shared transaction was rolled back: run each write alone, so the
		// failing one fails by itself and its neighbours still commit.
		for i, o := range batch {
			errs[i] = c.run(ctx, []op{o}, errs[i:i+1])
		}
		err = nil
	}
	for i, o := range batch {
		if err != nil && errs[i] == nil {
			errs[i] = err
		}
		o.done <- errs[i]
	}
}

// errWriteFailed reports that a write of the batch failed and the transaction was rolled back.
var errWriteFailed = errors.New("a write of the batch failed")

// run applies the batch in one transaction, optimistically without savepoints: writes that fail are rare
// (an id clash, a constraint violation), and when one does the whole transaction is rolled back and
// errWriteFailed returned, with the write's own error in errs. For a batch of one, run returns the write's
// own error.
func (c *committer) run(ctx context.Context, batch []op, errs []error) (err error) {
	conn, err := c.db.Connx(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer func() {
		if isReadOnlyConn(err) || slices.ContainsFunc(errs, isReadOnlyConn) {
			// SQLite keeps a connection opened while the file was read-only read-only for good: drop it,
			// so the retry gets a fresh one once the file is writable again.
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	}()
	tx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	for i, o := range batch {
		if errs[i] = safeCall(ctx, o.fn, tx); errs[i] != nil {
			if len(batch) == 1 {
				return errs[0]
			}
			return errWriteFailed
		}
	}
	return commitTx(tx)
}

func commitTx(tx *sqlx.Tx) error {
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// safeCall runs fn, turning a panic into an error so one bad write cannot take the committer down.
func safeCall(ctx context.Context, fn txFunc, tx *sqlx.Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("write panicked: %v", r)
		}
	}()
	return fn(ctx, tx)
}
