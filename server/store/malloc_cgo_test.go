//go:build cgo && linux

package store

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMallocTuned: on glibc the thresholds are set when a SQLite database is opened, and an operator's
// GLIBC_TUNABLES for malloc is left alone.
func TestMallocTuned(t *testing.T) {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil || !strings.Contains(string(maps), "/libc.so.6") {
		t.Skip("not linked with glibc")
	}
	st, err := Open(t.Context(), filepath.Join(t.TempDir(), "db.sqlite"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if !mallocTuned && !strings.Contains(os.Getenv("GLIBC_TUNABLES"), "glibc.malloc.") {
		t.Error("glibc's malloc thresholds were not set when SQLite was opened")
	}
	if tuneMallocUnless("glibc.malloc.trim_threshold=131072") {
		t.Error("thresholds set over the operator's GLIBC_TUNABLES")
	}
	if !tuneMallocUnless("glibc.rtld.optional_static_tls=2048") {
		t.Error("thresholds not set beside tunables of other parts of glibc")
	}
}
