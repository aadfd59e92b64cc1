// Package pgtest gives tests a fresh PostgreSQL database on the server named by the LICENTIA_TEST_POSTGRES
// environment variable, which holds the URL of a database on that server as a role allowed to create
// databases, for example postgres://licentia@127.0.0.1:55432/postgres?sslmode=disable. .ci/run starts such a
// server itself. Without the variable, the PostgreSQL tests are skipped.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Env names the environment variable holding the server's URL.
const Env = "LICENTIA_TEST_POSTGRES"

// SkipMessage is the reason PostgreSQL tests give when Env is unset.
const SkipMessage = Env + " is not set: PostgreSQL tests skipped (set it to a postgres:// URL of a server " +
	"where the tests may create databases; .ci/run starts one)"

// ServerURL returns the URL in Env, and false when it is unset.
func ServerURL() (string, bool) {
	u := os.Getenv(Env)
	return u, u != ""
}

// DSN creates an empty database on the server in Env and returns its URL; the database is dropped when
// the test ends. It skips t when Env is unset, and fails it when the server cannot create the database.
func DSN(t testing.TB) string {
	t.Helper()
	server, ok := ServerURL()
	if !ok {
		t.Skip(SkipMessage)
	}
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("%s: %v", Env, err)
	}
	var b [6]byte
	rand.Read(b[:])
	name := "licentia_test_" + hex.EncodeToString(b[:])
	if err := Exec(server, `CREATE DATABASE `+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		if err := Exec(server, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// Exec runs one statement on the database named by dsn, in a connection of its own.
func Exec(dsn, stmt string, args ...any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, stmt, args...); err != nil {
		return fmt.Errorf("%s: %w", stmt, err)
	}
	return nil
}

// Database returns the database name in dsn.
func Database(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || len(u.Path) < 2 {
		return ""
	}
	return u.Path[1:]
}

// ServerDSN returns the URL in Env (the administrative database), for statements such as ALTER DATABASE
// that must not run inside the database they change. It skips t when Env is unset.
func ServerDSN(t testing.TB) string {
	t.Helper()
	server, ok := ServerURL()
	if !ok {
		t.Skip(SkipMessage)
	}
	return server
}
