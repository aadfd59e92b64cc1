package schema

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/migrations.golden (only when adding a migration)")

// TestMigrationsGolden pins every shipped migration: editing one fails here; adding one needs -update.
func TestMigrationsGolden(t *testing.T) {
	var b strings.Builder
	for _, d := range []string{SQLite, Postgres} {
		fsys, err := Migrations(d)
		if err != nil {
			t.Fatalf("Migrations(%q) err = %v", d, err)
		}
		err = fs.WalkDir(fsys, ".", func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			data, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			fmt.Fprintf(&b, "%s/%s %s\n", d, p, hex.EncodeToString(sum[:]))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	golden := filepath.Join("testdata", "migrations.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("migrations changed:\ngot:\n%s\nwant:\n%s\nshipped migrations are never edited; add a new numbered file and run go test ./schema -update", got, want)
	}
}

func TestMigrationsUnknownDialect(t *testing.T) {
	if _, err := Migrations("oracle"); err == nil {
		t.Errorf("Migrations(oracle) err = nil, want an error")
	}
}
