package store

import (
	"os"
	"strings"
	"sync"
)

// SQLite allocates through the C library's malloc, from whichever thread a cgo call runs on, so its page
// caches and statements live in glibc's per-thread arenas. With glibc's default thresholds an arena whose
// free top passes 128 KiB gives it back to the kernel (madvise), and the next statement faults the pages
// in again; each give-back flushes the TLB of every CPU, which on a virtual machine is an interrupt to
// each. Under durable creates that cycle cost a third of the server's CPU time (BENCHMARKS.md).
//
// These thresholds keep up to mallocTrim bytes free at the top of an arena and serve allocations below
// mallocMmapMin from the arenas rather than from mappings of their own (setting one threshold turns
// off glibc's adaptive ones, so both are set). The memory kept is bounded by mallocTrim per arena (glibc
// makes at most eight per CPU). A GLIBC_TUNABLES setting of malloc in the environment is the
// operator's and is left alone, as is any C library other than glibc.
const (
	mallocTrim    = 8 << 20
	mallocMmapMin = 4 << 20
)

var (
	mallocTune  sync.Once
	mallocTuned bool // whether tuneMallocOnce set the thresholds
)

// tuneMallocOnce sets the thresholds the first time this process opens a SQLite database: a process that
// opens none, or only PostgreSQL, leaves glibc as it is.
func tuneMallocOnce() {
	mallocTune.Do(func() { mallocTuned = tuneMallocUnless(os.Getenv("GLIBC_TUNABLES")) })
}

// tuneMallocUnless sets the thresholds unless tunables (GLIBC_TUNABLES) sets any of malloc's, and
// reports whether it did.
func tuneMallocUnless(tunables string) bool {
	if strings.Contains(tunables, "glibc.malloc.") {
		return false
	}
	return tuneMalloc(mallocTrim, mallocMmapMin)
}
