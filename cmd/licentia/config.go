package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/server/store"
)

// dataFlags are the flags every command that touches the database or key ring shares.
type dataFlags struct {
	data string
	db   string // the database, once resolveDB has run
	sync string

	fs       *flag.FlagSet
	l        lang
	dbSecret *secretFlag
	resolved bool

	// PostgreSQL pool settings of long-running commands (registerPool); zero elsewhere.
	maxConns  int
	wait      time.Duration
	poolFlags [2]string // --db-max-conns, --db-wait as given, parsed by parsePool
}

func (d *dataFlags) register(fs *flag.FlagSet, l lang, getenv func(string) string) {
	fs.StringVar(&d.data, "data", envOr(getenv, "LICENTIA_DATA", "./licentia-data"), l.T("flag.data"))
	d.fs = fs
	d.l = l
	d.dbSecret = newSecretFlag(fs, l, getenv, "db", "LICENTIA_DB", l.T("flag.db"))
	fs.StringVar(&d.sync, "sqlite-sync", envOr(getenv, "LICENTIA_SQLITE_SYNC", "FULL"), l.T("flag.sqlite_sync"))
}

// registerPool adds the PostgreSQL connection flags of a long-running command (serve).
func (d *dataFlags) registerPool(fs *flag.FlagSet, l lang, getenv func(string) string) {
	fs.StringVar(&d.poolFlags[0], "db-max-conns", envOr(getenv, "LICENTIA_DB_MAX_CONNS", "10"), l.T("flag.db_max_conns"))
	fs.StringVar(&d.poolFlags[1], "db-wait", envOr(getenv, "LICENTIA_DB_WAIT", "30s"), l.T("flag.db_wait"))
}

// resolveDB settles the database from --db, --db-file and their variables (see secretFlag.resolve) once
// the flags are parsed. It returns a warning when --db carries a password on the command line.
func (d *dataFlags) resolveDB() (warning string, err error) { return d.resolveDBWarning(d.l) }

// resolveDBWarning is resolveDB with the warning in wl (serve's goes into its log, in English); errors
// are in the reader's language.
func (d *dataFlags) resolveDBWarning(wl lang) (warning string, err error) {
	if d.resolved || d.dbSecret == nil {
		return "", nil
	}
	db, onCommandLine, err := d.dbSecret.resolve(d.fs, d.l)
	if err != nil {
		return "", err
	}
	d.db, d.resolved = db, true
	if onCommandLine && hasPassword(db) {
		return d.dbSecret.warning(wl), nil
	}
	return "", nil
}

// resolveDBTo is resolveDB for the CLI commands: the warning goes to stderr.
func (d *dataFlags) resolveDBTo(l lang, stderr io.Writer) error {
	w, err := d.resolveDB()
	if w != "" {
		fmt.Fprintln(stderr, l.T("warning"), w)
	}
	return err
}

// parsePool checks the values of the registerPool flags.
func (d *dataFlags) parsePool() error {
	n, err := strconv.Atoi(d.poolFlags[0])
	if err != nil || n < 1 {
		return &usageError{d.l.T("bad_db_max_conns", d.poolFlags[0])}
	}
	w, err := time.ParseDuration(d.poolFlags[1])
	if err != nil || w < 0 {
		return &usageError{d.l.T("bad_db_wait", d.poolFlags[1])}
	}
	d.maxConns, d.wait = n, w
	return nil
}

// serverRing returns the key ring serve signs with. On SQLite the first start creates it. On PostgreSQL,
// which several replicas share, every replica must sign with the same ring, so serve never makes one of
// its own: the operator runs `licentia keys init` once and copies the keys directory to each replica.
func (d *dataFlags) serverRing(rand io.Reader) (*keys.Ring, bool, error) {
	if !store.IsPostgres(d.dsn()) {
		ring, created, err := keys.InitRing(d.keyDir(), rand)
		if err != nil {
			return nil, false, &explained{id: "serve.ring", args: []any{d.keyDir()}, err: err}
		}
		return ring, created, nil
	}
	ring, err := keys.OpenRing(d.keyDir())
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, false, fmt.Errorf("%s: %w", d.l.T("no_ring_postgres", d.keyDir()), err)
	case err != nil:
		return nil, false, &explained{id: "serve.ring", args: []any{d.keyDir()}, err: err}
	}
	return ring, false, nil
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
		return &usageError{d.l.T("data_empty")}
	}
	if err := os.MkdirAll(d.data, 0o700); err != nil {
		return fmt.Errorf("%s: %w", d.l.T("create_data"), err)
	}
	return nil
}

func (d *dataFlags) openStore(ctx context.Context) (*store.Store, error) {
	if _, err := d.resolveDB(); err != nil {
		return nil, err
	}
	if err := d.ensureData(); err != nil {
		return nil, err
	}
	return store.Open(ctx, d.dsn(), store.Options{Synchronous: d.sync, MaxConns: d.maxConns, ConnectWait: d.wait})
}

// runMigrate applies the migrations and prints the schema version.
func runMigrate(ctx context.Context, l lang, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate", l, stderr)
	var d dataFlags
	d.register(fs, l, getenv)
	if err := parseFlags(fs, l, args); err != nil {
		return err
	}
	if err := d.resolveDBTo(l, stderr); err != nil {
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
	fmt.Fprintln(stdout, l.T("migrated", v))
	return nil
}
