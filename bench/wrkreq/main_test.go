package main

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/licentia/licentia/server/koogallery"
)

var t0 = time.Date(2026, 3, 1, 8, 0, 0, 123e6, time.UTC)

func env(key string) func(string) string {
	return func(name string) string {
		if name == "LICENTIA_KOOGALLERY_KEY" {
			return key
		}
		return ""
	}
}

func TestRunWritesSignedFreshRequests(t *testing.T) {
	tests := []struct {
		kind, wantOrder0, wantOrder3 string
		distinctOrders               int
	}{
		{"resend", "POP-00000000", "POP-00000000", 3},
		{"create", "R7-000000000", "R7-000000003", 5},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "req.txt")
			var stderr bytes.Buffer
			err := run([]string{"--kind", tt.kind, "--orders", "3", "--n", "5", "--run", "R7", "--out", out},
				env("k-1"), func() time.Time { return t0 }, &stderr)
			if err != nil {
				t.Fatalf("run() err = %v (%s)", err, stderr.String())
			}
			raw, _ := os.ReadFile(out)
			lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
			if len(lines) != 5 {
				t.Fatalf("%d lines, want 5", len(lines))
			}
			orders, businesses := map[string]bool{}, map[string]bool{}
			for i, line := range lines {
				path, query, _ := strings.Cut(line, "?")
				q, err := url.ParseQuery(query)
				if path != "/koogallery/license" || err != nil {
					t.Fatalf("line %d = %q, want /koogallery/license?query", i, line)
				}
				if _, err := koogallery.VerifyAuthToken([]string{"k-1"}, q); err != nil {
					t.Errorf("line %d: authToken does not verify: %v", i, err)
				}
				if q.Get("timeStamp") != "20260301080000123" || q.Get("activity") != "getLicense" {
					t.Errorf("line %d: timeStamp %s activity %s, want the run's time and getLicense", i, q.Get("timeStamp"), q.Get("activity"))
				}
				orders[q.Get("orderId")] = true
				businesses[q.Get("businessId")] = true
				if i == 0 && q.Get("orderId") != tt.wantOrder0 || i == 3 && q.Get("orderId") != tt.wantOrder3 {
					t.Errorf("line %d: orderId %s, want %s / %s at lines 0 / 3", i, q.Get("orderId"), tt.wantOrder0, tt.wantOrder3)
				}
			}
			if len(orders) != tt.distinctOrders || len(businesses) != 5 {
				t.Errorf("%d orders and %d businessIds, want %d and 5", len(orders), len(businesses), tt.distinctOrders)
			}
			if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o600 {
				t.Errorf("file mode %o, want 600", fi.Mode().Perm())
			}
		})
	}
}

func TestRunRejectsBadUse(t *testing.T) {
	out := filepath.Join(t.TempDir(), "x")
	for _, tt := range []struct {
		name string
		key  string
		args []string
	}{
		{"no key", "", []string{"--out", out}},
		{"no out", "k", nil},
		{"bad kind", "k", []string{"--kind", "renew", "--out", out}},
		{"zero lines", "k", []string{"--n", "0", "--out", out}},
		{"zero orders", "k", []string{"--orders", "0", "--out", out}},
	} {
		var stderr bytes.Buffer
		if err := run(tt.args, env(tt.key), time.Now, &stderr); err == nil {
			t.Errorf("%s: run() err = nil, want an error", tt.name)
		}
	}
}
