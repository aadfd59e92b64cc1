//go:build cgo

package store

/*
#include <stdlib.h>
#if defined(__GLIBC__)
#include <malloc.h>
// licentia_malloc_tune sets glibc's thresholds as malloc.go explains; it returns 1 when set.
static int licentia_malloc_tune(int trim, int mmap_min) {
	return mallopt(M_TRIM_THRESHOLD, trim) == 1 && mallopt(M_MMAP_THRESHOLD, mmap_min) == 1;
}
#else
static int licentia_malloc_tune(int trim, int mmap_min) { return 0; }
#endif
*/
import "C"

func tuneMalloc(trim, mmapMin int) bool {
	return C.licentia_malloc_tune(C.int(trim), C.int(mmapMin)) == 1
}
