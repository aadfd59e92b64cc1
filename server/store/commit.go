package store

import (
	"context"
	"fmt"
	"sync"

	"github.com/jmoiron/sqlx"
)

// txFunc is one write. It runs inside a transaction shared with other writes and must keep its effects
// (including results handed to its caller) until the committer reports the commit.
type txFunc func(ctx context.Context, tx *sqlx.Tx) error

type op struct {
	fn   txFunc
	done chan error
}

// committer runs every write of the store on one goroutine, grouping the writes queued meanwhile into one
// transaction (group commit): N concurrent callbacks cost one fsync instead of N. Each write runs inside
// its own savepoint, so a failing write is rolled back alone; a write is reported done only after the
// shared transaction committed.
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

// do queues fn and waits for its commit. When ctx ends first, do returns ctx's error; fn may still commit
// later, which is safe because every write is idempotent.
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
	select {
	case err := <-o.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
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

func (c *committer) commit(batch []op) {
	ctx := context.Background()
	errs := make([]error, len(batch))
	err := c.run(ctx, batch, errs)
	for i, o := range batch {
		if err != nil && errs[i] == nil {
			errs[i] = err
		}
		o.done <- errs[i]
	}
}

// run applies the batch in one transaction, recording each write's own error in errs, and returns the
// error of the transaction as a whole.
func (c *committer) run(ctx context.Context, batch []op, errs []error) (err error) {
	tx, err := c.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	if len(batch) == 1 {
		if errs[0] = safeCall(ctx, batch[0].fn, tx); errs[0] != nil {
			return errs[0]
		}
		return commitTx(tx)
	}
	for i, o := range batch {
		if _, err := tx.ExecContext(ctx, `SAVEPOINT w`); err != nil {
			return fmt.Errorf("savepoint: %w", err)
		}
		if errs[i] = safeCall(ctx, o.fn, tx); errs[i] != nil {
			if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT w`); err != nil {
				return fmt.Errorf("rollback to savepoint: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT w`); err != nil {
			return fmt.Errorf("release savepoint: %w", err)
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
