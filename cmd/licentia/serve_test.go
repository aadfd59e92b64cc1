package main

import (
	"runtime/debug"
	"testing"
)

// TestTuneGC: serve sets the collector's target unless the operator set GOGC.
func TestTuneGC(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	if _, set := tuneGC(func(k string) string {
		if k == "GOGC" {
			return "50"
		}
		return ""
	}); set {
		t.Error("the target was set over the operator's GOGC")
	}
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC set: target = %d, want the one before (100)", got)
	}
	if gc, set := tuneGC(func(string) string { return "" }); !set || gc != serveGOGC {
		t.Errorf("tuneGC() = %d, %v; want %d, true", gc, set, serveGOGC)
	}
	if got := debug.SetGCPercent(100); got != serveGOGC {
		t.Errorf("target = %d, want %d", got, serveGOGC)
	}
}
