package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/licentia/licentia/server/store"
)

// dataFlags are the flags every command that touches the database or key ring shares.
type dataFlags struct {
	data string
	db   string
	sync string
}

func (d *dataFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&d.data, "data", envOr(getenv, "LICENTIA_DATA", "./licentia-data"),
		"data directory: SQLite database and key ring (env LICENTIA_DATA)")
	fs.StringVar(&d.db, "db", getenv("LICENTIA_DB"),
		"database: empty for SQLite in the data directory, or a postgres:// URL (env LICENTIA_DB)")
	fs.StringVar(&d.sync, "sqlite-sync", envOr(getenv, "LICENTIA_SQLITE_SYNC", "FULL"),
		"SQLite synchronous level: FULL (survives power loss) or NORMAL (env LICENTIA_SQLITE_SYNC)")
}

// keyDir is the key ring's directory inside the data directory.
func (d *dataFlags) keyDir() string { return filepath.Join(d.data, "keys") }

// dsn returns the database to open: --db, or the SQLite file in the data directory.
func (d *dataFlags) dsn() string {
	if d.db != "" {
		return d.db
	}
	return filepath.Join(d.data, "licentia.db")
}

// ensureData creates the data directory (0700) when it is missing.
func (d *dataFlags) ensureData() error {
	if d.data == "" {
		return &usageError{"--data must not be empty"}
	}
	if err := os.MkdirAll(d.data, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	return nil
}

func (d *dataFlags) openStore(ctx context.Context) (*store.Store, error) {
	if err := d.ensureData(); err != nil {
		return nil, err
	}
	return store.Open(ctx, d.dsn(), store.Options{Synchronous: d.sync})
}

// runMigrate applies the migrations and prints the schema version.
func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate", stderr)
	var d dataFlags
	d.register(fs, getenv)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if !store.IsPostgres(d.dsn()) {
		if err := d.ensureData(); err != nil {
			return err
		}
	}
	v, err := store.Migrate(ctx, d.dsn())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database at schema version %d\n", v)
	return nil
}
