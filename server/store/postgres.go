package store

import (
	"fmt"

	"github.com/jmoiron/sqlx"
)

// dialPostgres is where PostgreSQL support plugs in.
func dialPostgres(dsn string) (*sqlx.DB, string, error) {
	return nil, "", fmt.Errorf("open database: PostgreSQL is not supported by this build yet")
}

func isPostgresUnique(err error) bool { return false }
