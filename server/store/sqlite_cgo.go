//go:build cgo

package store

import (
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/mattn/go-sqlite3"
)

// sqliteDriver is the database/sql driver name of SQLite: mattn/go-sqlite3, built with cgo.
const sqliteDriver = "sqlite3"

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
