// Package schema holds licentia's database migrations, one numbered SQL file per change and one folder per
// dialect, embedded in the binary and applied with pressly/goose. A shipped migration is never edited:
// testdata/migrations.golden pins the name and SHA-256 of each file.
package schema

import (
	"embed"
	"fmt"
	"io/fs"
)

//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

// Dialects with migrations.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Migrations returns the migration files of dialect (SQLite or Postgres) as a file system whose root holds
// the numbered .sql files.
func Migrations(dialect string) (fs.FS, error) {
	switch dialect {
	case SQLite, Postgres:
		return fs.Sub(files, dialect)
	default:
		return nil, fmt.Errorf("schema: unknown dialect %q", dialect)
	}
}
