package main

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/licentia/licentia/server/loadgen"
)

// TestLoadgenAgainstServer drives every load mode at a real server briefly: every request must be a
// correctly signed call the server accepts.
func TestLoadgenAgainstServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	c := startChild(t, t.TempDir())
	for _, mode := range []string{"create", "resend", "renew", "mixed"} {
		var stdout, stderr bytes.Buffer
		args := []string{"loadgen", "--url", c.url + "/koogallery/license", "--key", testKey, "--mode", mode,
			"--duration", "300ms", "--concurrency", "4", "--json"}
		if err := run(context.Background(), args, noEnv, &stdout, &stderr); err != nil {
			t.Fatalf("loadgen --mode %s: %v (%s)", mode, err, stderr.String())
		}
		var rep loadgen.Report
		if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
			t.Fatal(err)
		}
		if rep.Requests == 0 || rep.Errors != 0 {
			t.Errorf("loadgen --mode %s = %d requests, %d errors (%s), want requests and no errors", mode, rep.Requests, rep.Errors, rep.FirstError)
		}
	}
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"loadgen", "--url", "http://198.51.100.7/koogallery/license", "--key", "k"}, noEnv, &bytes.Buffer{}, &stderr)
	if exitCode(err) != 2 {
		t.Errorf("loadgen at a remote address = %v, want a usage error", err)
	}
}
