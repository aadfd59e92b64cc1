//go:build !cgo

package store

import "database/sql/driver"

// sqliteDriver is empty: SQLite (mattn/go-sqlite3) needs cgo, and this binary was built without it. Open then
// fails with ErrNoSQLite for a SQLite database; PostgreSQL works.
const sqliteDriver = ""

func isSQLiteUnique(error) bool { return false }

func isSQLiteTrigger(error) bool { return false }

func isReadOnlyConn(error) bool { return false }

func prepareDataVersion(any) (driver.Stmt, error) { return nil, ErrNoSQLite }
