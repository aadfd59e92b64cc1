package main

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// rssKB returns the resident set size of process pid in KiB, read from /proc.
func rssKB(t testing.TB, pid int) int {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc to read the server's RSS from: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			if err != nil {
				t.Fatalf("VmRSS line %q: %v", sc.Text(), err)
			}
			return n
		}
	}
	t.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}

// hostileWord returns a random HTTP token (RFC 9110 tchar) of n bytes: valid as a method, so it reaches
// the server as sent.
func hostileWord(rnd *rand.Rand, n int) string {
	const tchar = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	for i := range b {
		b[i] = tchar[rnd.IntN(len(tchar))]
	}
	return string(b)
}

// TestHostileMethodsAndPaths runs the real server binary and sends it 10,000 requests with made-up methods
// (a few bytes to 100 KB) and random paths: its RSS, read from /proc, must stay within 10 MB of what it was
// before, and /metrics under 256 KB. Every label a client can influence comes from a fixed set.
func TestHostileMethodsAndPaths(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 requests against a child process")
	}
	c := startChild(t, t.TempDir())
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	defer hc.CloseIdleConnections()
	get := func(path string) (int, []byte) {
		resp, err := hc.Get(c.url + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, body
	}
	for range 200 { // warm up: the runtime, the connections and the metrics of the real routes
		get("/healthz")
		get("/metrics")
	}
	start := rssKB(t, c.cmd.Process.Pid)

	const requests, workers = 10_000, 4
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for w := range workers {
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(w), 18))
			for range requests / workers {
				n := 1 + rnd.IntN(32)
				switch p := rnd.IntN(100); {
				case p < 5:
					n = 1 + rnd.IntN(100_000)
				case p < 30:
					n = 1 + rnd.IntN(4096)
				}
				path := "/" + hostileWord(rnd, 1+rnd.IntN(200))
				if rnd.IntN(2) == 0 {
					path = "/v1/" + hostileWord(rnd, 1+rnd.IntN(60))
				}
				req, err := http.NewRequest(hostileWord(rnd, n), c.url+strings.NewReplacer("?", "", "#", "", "%", "").Replace(path), nil)
				if err != nil {
					t.Errorf("NewRequest: %v", err)
					return
				}
				status := 0
				if resp, err := hc.Do(req); err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					status = resp.StatusCode
				}
				mu.Lock()
				statuses[status]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	t.Logf("answers by status (0: connection closed): %v", statuses)

	status, page := get("/metrics")
	if status != http.StatusOK {
		t.Fatalf("GET /metrics = %d, want 200", status)
	}
	if len(page) > 256<<10 {
		t.Errorf("/metrics is %d KiB after made-up methods and paths, want under 256 KiB", len(page)>>10)
	}
	end := rssKB(t, c.cmd.Process.Pid)
	t.Logf("RSS %d KiB before, %d KiB after", start, end)
	if end-start > 10<<10 {
		t.Errorf("RSS grew by %d KiB (from %d to %d), want at most 10 MiB", end-start, start, end)
	}
}
