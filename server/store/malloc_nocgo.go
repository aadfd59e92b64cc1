//go:build !cgo

package store

// tuneMalloc: without cgo there is no SQLite and no C allocator to tune.
func tuneMalloc(int, int) bool { return false }
