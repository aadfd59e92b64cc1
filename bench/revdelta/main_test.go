package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestSimulate runs a small day: the delta poller ends with the server's list (simulate checks it) and
// downloads less than the whole-list poller.
func TestSimulate(t *testing.T) {
	c := config{data: t.TempDir(), listed: 200, changes: 30, polls: 20}
	var log bytes.Buffer
	r, err := simulate(t.Context(), c, &log)
	if err != nil {
		t.Fatalf("simulate() err = %v", err)
	}
	if r.wholeBodies+r.wholeNotModified != int64(c.polls) || r.deltaBodies != int64(c.polls) {
		t.Errorf("polls: %d whole (%d not modified), %d deltas; want %d each", r.wholeBodies, r.wholeNotModified, r.deltaBodies, c.polls)
	}
	if r.lastEntries != c.listed+c.changes { // the changes are spread over the polls: all made by the last
		t.Errorf("entries at the end = %d, want %d", r.lastEntries, c.listed+c.changes)
	}
	if r.deltaBytes <= 0 || r.deltaBytes >= r.wholeBytes {
		t.Errorf("deltas %d bytes, whole lists %d bytes; want deltas fewer", r.deltaBytes, r.wholeBytes)
	}
	var out strings.Builder
	if err := r.print(&out, c); err != nil || !strings.Contains(out.String(), "whole / delta") {
		t.Errorf("print() = %q, %v", out.String(), err)
	}
}
