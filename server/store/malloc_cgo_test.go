//go:build cgo && linux

package store

import (
	"os"
	"strings"
	"testing"
)

// TestMallocTuned: on glibc the thresholds are set at start-up, and an operator's GLIBC_TUNABLES for
// malloc is left alone.
func TestMallocTuned(t *testing.T) {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil || !strings.Contains(string(maps), "/libc.so.6") {
		t.Skip("not linked with glibc")
	}
	if !mallocTuned && !strings.Contains(os.Getenv("GLIBC_TUNABLES"), "glibc.malloc.") {
		t.Error("glibc's malloc thresholds were not set at start-up")
	}
	if tuneMallocUnless("glibc.malloc.trim_threshold=131072") {
		t.Error("thresholds set over the operator's GLIBC_TUNABLES")
	}
	if !tuneMallocUnless("glibc.rtld.optional_static_tls=2048") {
		t.Error("thresholds not set beside tunables of other parts of glibc")
	}
}
