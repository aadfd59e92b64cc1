package main

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
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
// before, and /metrics under 256 KB. Every label a client can influence comes from a fixed set. Under the
// race detector the RSS is not checked (.ci/run runs this test without -race as well).
//
// The child runs with GOGC=100, the runtime's default, as an operator may set it: the bound is on what
// hostile input leaves alive, and serve's own target (GOGC=200, see tuneGC) lets twice as much garbage
// gather between collections, which moves the RSS by more than the leaks this test is for.
func TestHostileMethodsAndPaths(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 requests against a child process")
	}
	c := startChildEnv(t, t.TempDir(), []string{"GOGC=100"})
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
	if end-start > 10<<10 && !raceEnabled {
		t.Errorf("RSS grew by %d KiB (from %d to %d), want at most 10 MiB", end-start, start, end)
	}
}

// TestUnfinishedHeaders runs the real server binary against 300 connections from one address, each sending
// 900 KB of a header line that never ends: the server's RSS must stay within 64 MB of the start (each
// connection is cut off at MaxHeaderBytes, and those past the per-client limit are closed unread), and a
// request whose headers exceed 32 KiB gets 431. Under the race detector the RSS is not checked (.ci/run
// runs this test without -race as well).
func TestUnfinishedHeaders(t *testing.T) {
	if testing.Short() {
		t.Skip("300 connections against a child process")
	}
	c := startChild(t, t.TempDir())
	addr := strings.TrimPrefix(c.url, "http://")
	req, _ := http.NewRequest(http.MethodGet, c.url+"/healthz", nil)
	req.Header.Set("X-Pad", strings.Repeat("a", 40<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /healthz with 40 KiB of headers: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("GET /healthz with 40 KiB of headers = %d, want 431", resp.StatusCode)
	}

	pid := c.cmd.Process.Pid
	start := rssKB(t, pid)
	pad := []byte("GET / HTTP/1.1\r\nHost: licentia\r\nX-Pad: " + strings.Repeat("a", 900<<10))
	var wg sync.WaitGroup
	done := make(chan struct{})
	for range 300 {
		wg.Go(func() {
			conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				return // a refused connection costs the server nothing
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			conn.Write(pad)
			<-done // hold the connection, unfinished, until the RSS has been read
		})
	}
	peak := start
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		peak = max(peak, rssKB(t, pid))
		time.Sleep(20 * time.Millisecond)
	}
	close(done)
	wg.Wait()
	t.Logf("RSS %d KiB before, at most %d KiB while 300 connections sent 900 KB unfinished headers", start, peak)
	if peak-start > 64<<10 && !raceEnabled {
		t.Errorf("RSS grew by %d KiB, want at most 64 MiB", peak-start)
	}
}

// TestMaxClientConns checks that serve applies --max-client-conns to --addr: with a limit of 2, a third
// connection from the same address is closed unanswered while two are held open.
func TestMaxClientConns(t *testing.T) {
	base, _ := serveInProcess(t, map[string]string{"LICENTIA_KOOGALLERY_KEY": testKey}, "--max-client-conns", "2")
	answered := func() (net.Conn, bool) {
		conn, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: licentia\r\n\r\n"); err != nil {
			return conn, false
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			return conn, false
		}
		resp.Body.Close()
		return conn, resp.StatusCode == http.StatusOK
	}
	// The readiness probe's connection may not have been released yet when the first ones arrive: a
	// connection closed unanswered is tried again until two are held open.
	for i := range 2 {
		deadline := time.Now().Add(10 * time.Second)
		for {
			conn, ok := answered()
			if ok {
				break
			}
			conn.Close()
			if time.Now().After(deadline) {
				t.Fatalf("connection %d of 2 not answered within 10s", i+1)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if _, ok := answered(); ok {
		t.Errorf("a third connection from the same address was answered, want it closed (--max-client-conns 2)")
	}
}
