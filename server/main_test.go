package server

import (
	"os"
	"testing"
)

// TestMain runs the package's tests and benchmarks, then removes what they kept for the whole run (the
// populations of BenchmarkSeats).
func TestMain(m *testing.M) {
	code := m.Run()
	removeSeatPopulations()
	os.Exit(code)
}
