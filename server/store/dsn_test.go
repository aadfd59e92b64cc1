package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestSQLitePathCharacters: a database path holding characters that mean something in an SQLite URI or the
// driver's DSN ('?', '#', '%') opens the file it names, not another.
func TestSQLitePathCharacters(t *testing.T) {
	for _, name := range []string{"licentia #2", "a?b", "100%25", "percent %", "q?x=1#frag"} {
		dir := filepath.Join(t.TempDir(), name)
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "licentia.db")
		st, err := Open(context.Background(), path, Options{})
		if err != nil {
			t.Fatalf("Open(%q) = %v", path, err)
		}
		if _, _, err := st.Create(context.Background(), testLicense("b-1", "O1"), []Event{*createEvent()}, 0); err != nil {
			t.Fatalf("%q: create: %v", name, err)
		}
		st.Close()
		if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
			t.Errorf("%q: the database is not at %s: %v", name, path, err)
		}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if e.Name() != "licentia.db" && e.Name() != "licentia.db-wal" && e.Name() != "licentia.db-shm" {
				t.Errorf("%q: unexpected file %q beside the database", name, e.Name())
			}
		}
		again, err := Open(context.Background(), path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := again.LicenseByID(context.Background(), "b-1"); err != nil {
			t.Errorf("%q: reopened, the license is gone: %v", name, err)
		}
		again.Close()
	}
}
