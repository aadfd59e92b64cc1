//go:build cgo

package store

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/mattn/go-sqlite3"
)

// sqliteDriver is the database/sql driver name of SQLite: mattn/go-sqlite3, built with cgo, with
// sqliteConnect run on every new connection.
const sqliteDriver = "licentia-sqlite3"

func init() {
	sql.Register(sqliteDriver, &sqlite3.SQLiteDriver{ConnectHook: sqliteConnect})
}

// sqliteMmapSize is how much of the database file each connection reads through a memory map
// (PRAGMA mmap_size) instead of read calls into its own page cache: the pages live once, in the operating
// system's page cache, shared by every connection, and a read of a page already there costs no system
// call. Lookups of licenses spread over a large database (refreshes from many buyers) are what it speeds
// up; writes are unchanged (WAL).
const sqliteMmapSize = 1 << 30

// sqliteConnect sets up a new connection.
func sqliteConnect(c *sqlite3.SQLiteConn) error {
	_, err := c.Exec(fmt.Sprintf("PRAGMA mmap_size = %d", sqliteMmapSize), nil)
	return err
}

// isSQLiteUnique reports whether err is SQLite refusing a write for a unique or primary-key constraint.
func isSQLiteUnique(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) &&
		(se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey)
}

// isSQLiteTrigger reports whether err is a SQLite trigger refusing a write (RAISE(ABORT, …)).
func isSQLiteTrigger(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintTrigger
}

// isReadOnlyConn reports whether err is SQLite refusing to write through a read-only connection.
func isReadOnlyConn(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.Code == sqlite3.ErrReadonly
}

// prepareDataVersion prepares PRAGMA data_version on the driver connection dc.
func prepareDataVersion(dc any) (driver.Stmt, error) {
	sc, ok := dc.(*sqlite3.SQLiteConn)
	if !ok {
		return nil, fmt.Errorf("unexpected driver connection %T", dc)
	}
	return sc.Prepare("PRAGMA data_version")
}
