package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/licentia/licentia/schema"
)

// ErrNoDataVersion means the database cannot tell cheaply whether it changed (PostgreSQL).
var ErrNoDataVersion = errors.New("data version not available")

// versionProbe reads SQLite's PRAGMA data_version on one dedicated, read-only-by-use connection with the
// statement prepared once. data_version changes whenever any other connection — this process's writers or
// another process such as the CLI — commits to the database.
type versionProbe struct {
	mu    sync.Mutex // held while reading; guards the fields below
	conn  *sql.Conn
	stmt  driver.StmtQueryContext
	dest  []driver.Value
	epoch int64 // bumped on every (re)connection: a new connection's data_version starts afresh

	joinMu sync.Mutex
	next   *versionRead // the read that callers join; it has not started yet
}

// versionRead is one read of data_version shared by every caller that joined before it started.
type versionRead struct {
	done chan struct{}
	v    int64
	err  error
}

// DataVersion returns a value that differs from the previous one whenever a write was committed to the
// database in between, by this process or any other. Equal values mean nothing changed, so a cache keyed
// on it never serves stale data. It returns ErrNoDataVersion on PostgreSQL.
//
// Concurrent callers share reads: a caller joins the next read that has not started yet, so the value
// it gets was read after it asked, and under load one read serves many requests.
func (st *Store) DataVersion(ctx context.Context) (int64, error) {
	if st.dialect != schema.SQLite {
		return 0, ErrNoDataVersion
	}
	p := &st.ver
	p.joinMu.Lock()
	r := p.next
	if r == nil {
		r = &versionRead{done: make(chan struct{})}
		p.next = r
	}
	p.joinMu.Unlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-r.done: // another caller read for everyone in r, after we joined
		return r.v, r.err
	default:
	}
	p.joinMu.Lock()
	if p.next == r {
		p.next = nil // callers from now on join a later read
	}
	p.joinMu.Unlock()
	r.v, r.err = p.read(ctx, st.db.DB)
	close(r.done)
	return r.v, r.err
}

// read reads data_version once. The caller holds p.mu.
func (p *versionProbe) read(ctx context.Context, db *sql.DB) (int64, error) {
	if p.conn == nil {
		if err := p.open(ctx, db); err != nil {
			return 0, fmt.Errorf("data version: %w", err)
		}
	}
	var v int64
	err := p.conn.Raw(func(any) error {
		rows, err := p.stmt.QueryContext(context.Background(), nil) // instant: no cancellation watch
		if err != nil {
			return err
		}
		defer rows.Close()
		if err := rows.Next(p.dest); err != nil && err != io.EOF {
			return err
		}
		n, ok := p.dest[0].(int64)
		if !ok {
			return fmt.Errorf("data_version is %T", p.dest[0])
		}
		v = p.epoch<<40 | n&(1<<40-1)
		return nil
	})
	if err != nil {
		p.closeLocked()
		return 0, fmt.Errorf("data version: %w", err)
	}
	return v, nil
}

func (p *versionProbe) open(ctx context.Context, db *sql.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	err = conn.Raw(func(dc any) error {
		stmt, err := prepareDataVersion(dc)
		if err != nil {
			return err
		}
		qc, ok := stmt.(driver.StmtQueryContext)
		if !ok {
			stmt.Close()
			return fmt.Errorf("unexpected driver statement %T", stmt)
		}
		p.stmt = qc
		return nil
	})
	if err != nil {
		conn.Close()
		return err
	}
	p.conn, p.dest = conn, make([]driver.Value, 1)
	p.epoch++
	return nil
}

func (p *versionProbe) closeLocked() {
	if p.conn == nil {
		return
	}
	p.conn.Raw(func(any) error { return p.stmt.(driver.Stmt).Close() })
	p.conn.Close()
	p.conn, p.stmt = nil, nil
}

func (p *versionProbe) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closeLocked()
}

// VersionBound is how long a license change committed by another process on the same SQLite file (the CLI,
// a second server) may take to move LicenseVersion: the database is asked at most once per VersionBound.
// A change made through this store moves it at once.
const VersionBound = time.Second

// LicenseVersion returns a value that differs from the previous one whenever a license write committed in
// between: at once for writes through this store, within VersionBound (by the store's clock) for writes
// by another process. A cache keyed on it therefore never serves a license older than VersionBound, and
// one this process changed not at all. Most calls are two atomic loads: the database's data_version (a cgo
// call) is read by one caller per VersionBound. It returns ErrNoDataVersion on PostgreSQL.
func (st *Store) LicenseVersion(ctx context.Context) (int64, error) {
	if st.dialect != schema.SQLite {
		return 0, ErrNoDataVersion
	}
	now := st.now().UnixNano()
	if last := st.lv.probedAt.Load(); (now-last >= int64(VersionBound) || now < last) && st.lv.probing.CompareAndSwap(false, true) {
		v, err := st.DataVersion(ctx)
		if err != nil {
			st.lv.probing.Store(false)
			return 0, err
		}
		if !st.lv.probed || v != st.lv.data {
			st.lv.data, st.lv.probed = v, true
			st.lv.ext.Add(1)
		}
		st.lv.probedAt.Store(now)
		st.lv.probing.Store(false)
	}
	return st.lv.ext.Load()<<32 | st.lv.local.Load()&(1<<32-1), nil
}

// licenseVersion is the state of LicenseVersion.
type licenseVersion struct {
	local    atomic.Int64 // license writes committed through this store
	ext      atomic.Int64 // changes of data_version seen
	probedAt atomic.Int64 // unix nanoseconds of the last data_version read
	probing  atomic.Bool  // a caller is reading data_version; guards data and probed
	data     int64
	probed   bool
}

// licensesChanged records a committed license write of this store.
func (st *Store) licensesChanged() { st.lv.local.Add(1) }
