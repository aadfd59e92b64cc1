package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/simulator"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/verifier"
)

// The reliability suite: loopback only, bounded in time and in requests. docs/reliability.md lists every
// fault and bad input tried here and in server/badinput_test.go, server/fuzz_test.go.

// market plays the marketplace against a child server.
type market struct {
	hc  *http.Client
	sim *koogallery.Caller
	bid atomic.Int64
}

func newMarket(c *child, timeout time.Duration) *market {
	hc := &http.Client{Timeout: timeout, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	return &market{hc: hc, sim: koogallery.NewCaller(c.url+"/koogallery/license", testKey, hc, nil)}
}

// close closes the idle connections, so that the server's graceful shutdown need not wait for them (a
// connection that never carried a request counts as idle only after 5 seconds).
func (m *market) close() { m.hc.CloseIdleConnections() }

// send sends one create of order (a License 1.0 getLicense when line is "", else a newInstance) with a
// fresh businessId and returns the answer, whatever its result.
func (m *market) send(ctx context.Context, order, line string, exp time.Time) (*koogallery.Reply, error) {
	p := map[string]string{"orderId": order, "businessId": fmt.Sprintf("b%d-%s", m.bid.Add(1), order),
		"customerId": "c-rel", "productId": "P-REL", "expireTime": koogallery.FormatTime(exp)}
	if line == "" {
		p["activity"] = koogallery.ActivityGetLicense
		return m.sim.Legacy(ctx, p)
	}
	p["activity"], p["orderLineId"] = koogallery.ActivityNewInstance, line
	return m.sim.Signed(ctx, p)
}

// create is send for a create that must be acknowledged.
func (m *market) create(ctx context.Context, order, line string, exp time.Time) (*koogallery.Reply, error) {
	a, err := m.send(ctx, order, line, exp)
	if err == nil {
		err = a.Created()
	}
	if err != nil {
		return nil, err
	}
	return a, nil
}

// sendRenewal sends a renewal (refreshInstance RENEWAL) of license to exp from the renewal order, whatever its
// result.
func (m *market) sendRenewal(ctx context.Context, id, order string, exp time.Time) (*koogallery.Reply, error) {
	return m.sim.Signed(ctx, map[string]string{"activity": koogallery.ActivityRefreshInstance, "instanceId": id,
		"orderId": order, "orderLineId": order + "-1", "scene": license.SceneRenewal, "expireTime": koogallery.FormatTime(exp)})
}

// renew is sendRenewal for a renewal that must be acknowledged.
func (m *market) renew(ctx context.Context, license, order string, exp time.Time) error {
	a, err := m.sendRenewal(ctx, license, order, exp)
	if err == nil {
		err = a.Accepted()
	}
	return err
}

// acks are the callbacks a child acknowledged.
type acks struct {
	mu       sync.Mutex
	creates  map[[2]string]*koogallery.Reply // (order, line) → answer
	renewals map[string]int64                // license → latest expiry acknowledged
	nRenew   int
}

func (a *acks) counts() (int, int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.creates), a.nRenew
}

// TestCrashDuringMixedLoad kills the server with SIGKILL while creates (both flows) and renewals are in
// flight, restarts it, and checks that every acknowledged callback's effect is there: creates answered
// again with the byte-identical code, renewals' expiries kept, one license per order, and an audit log
// with one create per license and strictly increasing generations.
func TestCrashDuringMixedLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	ctx := context.Background()
	data := t.TempDir()
	c := startChild(t, data)
	m := newMarket(c, 5*time.Second)
	base := time.Now().UTC().Add(30 * 24 * time.Hour).Truncate(time.Second)

	seeds := make([]string, 8) // licenses the renewals target
	for i := range seeds {
		a, err := m.create(ctx, fmt.Sprintf("SEED-%d", i), "L1", base)
		if err != nil {
			t.Fatalf("seed create: %v", err)
		}
		seeds[i] = a.InstanceID
	}
	ack := &acks{creates: map[[2]string]*koogallery.Reply{}, renewals: map[string]int64{}}
	var sent, renewSeq atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() { mixedWorker(ctx, m, w, seeds, base, ack, &sent, &renewSeq, stop) })
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if nc, nr := ack.counts(); nc >= 300 && nr >= 300 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	c.cmd.Wait()
	close(stop)
	wg.Wait()
	nc, nr := ack.counts()
	if nc == 0 || nr == 0 {
		t.Fatalf("acknowledged %d creates and %d renewals before the kill, want some of each; logs:\n%s", nc, nr, exitLogs(c))
	}
	t.Logf("sent %d callbacks; %d creates and %d renewals acknowledged before SIGKILL", sent.Load(), nc, nr)

	c2 := startChild(t, data)
	m2 := newMarket(c2, 5*time.Second)
	for key, first := range ack.creates {
		a, err := m2.create(ctx, key[0], key[1], base)
		if err != nil {
			t.Fatalf("resend of acknowledged create %v after restart: %v", key, err)
		}
		if err := sameReply(first, a); err != nil {
			t.Fatalf("resend of acknowledged create %v after restart: %v", key, err)
		}
	}
	m2.close()
	stopChild(t, c2)
	checkStore(t, filepath.Join(data, "licentia.db"), ack, int64(len(seeds))+sent.Load())
}

// mixedWorker sends creates of new orders (even workers; License 1.0 and newInstance alternately) or
// renewals of the seed licenses to ever later expiries (odd workers), recording what was acknowledged.
func mixedWorker(ctx context.Context, m *market, w int, seeds []string, base time.Time, ack *acks,
	sent, renewSeq *atomic.Int64, stop <-chan struct{}) {
	for i := range 1500 { // bounded: at most 12,000 requests in all
		select {
		case <-stop:
			return
		default:
		}
		sent.Add(1)
		if w%2 == 0 {
			order, line := fmt.Sprintf("MIX-%d-%05d", w, i), ""
			if i%2 == 1 {
				line = order + "-L1"
			}
			if a, err := m.create(ctx, order, line, base); err == nil {
				ack.mu.Lock()
				ack.creates[[2]string{order, line}] = a
				ack.mu.Unlock()
			}
			continue
		}
		lic := seeds[(w*7+i)%len(seeds)]
		exp := base.Add(time.Duration(renewSeq.Add(1)) * time.Minute)
		if err := m.renew(ctx, lic, fmt.Sprintf("REN-%d-%05d", w, i), exp); err == nil {
			ack.mu.Lock()
			ack.nRenew++
			ack.renewals[lic] = max(ack.renewals[lic], exp.Unix())
			ack.mu.Unlock()
		}
	}
}

// exitLogs kills the child if it still runs and returns its output; the output is read only after the
// process ended, when nothing writes it any more.
func exitLogs(c *child) string {
	c.cmd.Process.Kill()
	c.cmd.Wait()
	return c.logs.String()
}

// stopChild stops a child with SIGTERM and checks it shut down cleanly.
func stopChild(t *testing.T, c *child) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Wait(); err != nil {
		t.Errorf("graceful shutdown exit = %v, want 0; logs:\n%s", err, c.logs.String())
	}
}

// allLicenses lists every license of the store.
func allLicenses(t *testing.T, ctx context.Context, st *store.Store) []*store.License {
	t.Helper()
	var all []*store.License
	f := store.Filter{Limit: 1000}
	for {
		page, err := st.List(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if len(page) < f.Limit {
			return all
		}
		f.After = page[len(page)-1].ID
	}
}

// checkStore opens the database after the server stopped and checks every acknowledged effect, that no
// order has two licenses and that the audit log agrees with the licenses.
func checkStore(t *testing.T, path string, ack *acks, maxLicenses int64) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for key, a := range ack.creates {
		l, err := st.LicenseByOrder(ctx, key[0], key[1])
		if err != nil {
			t.Fatalf("acknowledged create %v: %v", key, err)
		}
		if l.ID != a.InstanceID || l.Code != a.License {
			t.Errorf("acknowledged create %v: stored %s with a different code = %v, want %s with the acknowledged code",
				key, l.ID, l.Code != a.License, a.InstanceID)
		}
	}
	for id, exp := range ack.renewals {
		l, err := st.License(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if l.ExpiresAt < exp {
			t.Errorf("license %s expires %d, before the acknowledged renewal's %d", id, l.ExpiresAt, exp)
		}
		if c := simulator.Claims(l.Code); c == nil || c.ExpiresAt != l.ExpiresAt || c.Generation != l.Generation {
			t.Errorf("license %s: stored code does not carry the stored expiry %d and generation %d", id, l.ExpiresAt, l.Generation)
		}
	}
	all := allLicenses(t, ctx, st)
	if int64(len(all)) > maxLicenses {
		t.Errorf("%d licenses, more than the %d creates sent", len(all), maxLicenses)
	}
	seen := map[[2]string]string{}
	for _, l := range all {
		key := [2]string{l.OrderID, l.OrderLineID}
		if other, dup := seen[key]; dup {
			t.Errorf("order %v has two licenses: %s and %s", key, other, l.ID)
		}
		seen[key] = l.ID
		checkAudit(t, ctx, st, l)
	}
}

// checkAudit checks a license's audit log: one create event, first; generations never going back, and
// strictly increasing over the events that changed the license; the last one is the license's.
func checkAudit(t *testing.T, ctx context.Context, st *store.Store, l *store.License) {
	t.Helper()
	evs, err := st.Events(ctx, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	creates, last := 0, int64(0)
	for i, ev := range evs {
		if ev.Action == "create" {
			creates++
			if i != 0 || ev.Generation != 1 {
				t.Errorf("license %s: create event at position %d with generation %d, want first with 1", l.ID, i, ev.Generation)
			}
		}
		switch {
		case ev.Action == "ignored" && ev.Generation != last:
			t.Errorf("license %s: ignored event %d has generation %d, want the current %d", l.ID, ev.ID, ev.Generation, last)
		case ev.Action != "ignored" && ev.Generation != last+1:
			t.Errorf("license %s: %s event %d has generation %d, want %d", l.ID, ev.Action, ev.ID, ev.Generation, last+1)
		}
		last = ev.Generation
	}
	if creates != 1 || last != l.Generation {
		t.Errorf("license %s: %d create events, last generation %d; want 1 create and generation %d", l.ID, creates, last, l.Generation)
	}
}

// TestConcurrentIdenticalCreates: 200 concurrent sends of one new order, in each flow, make one license,
// and every answer carries its instanceId and code.
func TestConcurrentIdenticalCreates(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	ctx := context.Background()
	data := t.TempDir()
	c := startChild(t, data)
	m := newMarket(c, 30*time.Second)
	exp := time.Now().Add(24 * time.Hour)
	const n = 200
	ack := &acks{creates: map[[2]string]*koogallery.Reply{}}
	for _, key := range [][2]string{{"SAME-ORDER-1", ""}, {"SAME-ORDER-2", "SAME-ORDER-2-L1"}} {
		answers := make([]*koogallery.Reply, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { answers[i], errs[i] = m.create(ctx, key[0], key[1], exp) })
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("%v send %d: %v", key, i, errs[i])
			}
			if err := sameReply(answers[0], answers[i]); err != nil {
				t.Fatalf("%v send %d: %v", key, i, err)
			}
		}
		ack.creates[key] = answers[0]
	}
	m.close()
	stopChild(t, c)
	checkStore(t, filepath.Join(data, "licentia.db"), ack, 2)
}

// A storageFault makes the database unwritable while the server runs. prepare returns the data
// directory (or skips the test when the fault cannot be induced here); inject breaks the storage and
// returns the function that repairs it.
type storageFault struct {
	name    string
	prepare func(t *testing.T) string
	inject  func(t *testing.T, data string) (repair func())
}

// TestStorageFailure makes the database read-only (immutable files), full (a small tmpfs filled up) and
// locked by another process, each while the server runs: every write is answered 000005 and nothing is
// acknowledged, reads still answer, the server stays up, and once the storage is repaired the marketplace's
// retries succeed and everything acknowledged before is intact.
func TestStorageFailure(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	for _, f := range []storageFault{
		{"read-only files (chattr +i)", immutableDir, immutable},
		{"disk full (tmpfs)", tmpfsDir, fillDisk},
		{"locked by another process", func(t *testing.T) string { return t.TempDir() }, lockDatabase},
	} {
		t.Run(f.name, func(t *testing.T) { storageFailure(t, f) })
	}
}

func storageFailure(t *testing.T, f storageFault) {
	ctx := context.Background()
	data := f.prepare(t)
	c := startChild(t, data)
	m := newMarket(c, 30*time.Second)
	exp := time.Now().UTC().Add(30 * 24 * time.Hour).Truncate(time.Second)
	before, err := m.create(ctx, "SF-A", "", exp)
	if err != nil {
		t.Fatalf("create before the fault: %v", err)
	}
	repair := f.inject(t, data)

	// The marketplace's calls while the storage is broken; sent at once, so that a locked database costs
	// one busy timeout.
	renewed := exp.Add(30 * 24 * time.Hour)
	calls := []struct {
		name string
		send func() (*koogallery.Reply, error)
		want string
	}{
		{"newInstance of a new order", func() (*koogallery.Reply, error) { return m.send(ctx, "SF-B", "SF-B-1", exp) }, koogallery.ResultInternal},
		{"getLicense of a new order", func() (*koogallery.Reply, error) { return m.send(ctx, "SF-C", "", exp) }, koogallery.ResultInternal},
		{"renewal", func() (*koogallery.Reply, error) { return m.sendRenewal(ctx, before.InstanceID, "SF-R", renewed) }, koogallery.ResultInternal},
	}
	// Resends of an acknowledged order only read, and still succeed; sent at once, they make the server
	// open new database connections while the file is unwritable.
	for range 8 {
		calls = append(calls, struct {
			name string
			send func() (*koogallery.Reply, error)
			want string
		}{"getLicense resend of an acknowledged order", func() (*koogallery.Reply, error) { return m.send(ctx, "SF-A", "", exp) }, koogallery.ResultOK})
	}
	answers := make([]*koogallery.Reply, len(calls))
	errs := make([]error, len(calls))
	var wg sync.WaitGroup
	for i, call := range calls {
		wg.Go(func() { answers[i], errs[i] = call.send() })
	}
	wg.Wait()
	for i, call := range calls {
		if errs[i] != nil {
			t.Fatalf("%s while the storage is broken: no answer: %v", call.name, errs[i])
		}
		a := answers[i]
		if a.ResultCode != call.want || len(a.Problems) > 0 {
			t.Errorf("%s while the storage is broken: resultCode %s (%s) %v, want %s", call.name, a.ResultCode, a.ResultMsg,
				a.Problems, call.want)
		}
	}
	for _, a := range answers[3:] {
		if err := sameReply(before, a); err != nil {
			t.Errorf("resend of the acknowledged order while the storage is broken: %v", err)
		}
	}
	checkAlive(t, c)
	repair()

	// The marketplace retries; now everything goes through.
	b, errB := m.create(ctx, "SF-B", "SF-B-1", exp)
	_, errC := m.create(ctx, "SF-C", "", exp)
	errR := m.renew(ctx, before.InstanceID, "SF-R", renewed)
	if err := errors.Join(errB, errC, errR); err != nil {
		t.Fatalf("retries after the repair: %v; logs:\n%s", err, exitLogs(c))
	}
	// More writes than the pool has connections: none may land on a connection opened during the fault.
	for i := range 12 {
		if _, err := m.create(ctx, fmt.Sprintf("SF-D-%d", i), "", exp); err != nil {
			t.Fatalf("write %d after the repair: %v; logs:\n%s", i, err, exitLogs(c))
		}
	}
	m.close()
	stopChild(t, c)
	ack := &acks{creates: map[[2]string]*koogallery.Reply{{"SF-B", "SF-B-1"}: b}, renewals: map[string]int64{before.InstanceID: renewed.Unix()}}
	checkStore(t, filepath.Join(data, "licentia.db"), ack, 15)
}

// checkAlive checks that the child process runs and answers /healthz.
func checkAlive(t *testing.T, c *child) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.Signal(0)); err != nil {
		t.Fatalf("server process gone: %v; logs:\n%s", err, exitLogs(c))
	}
	resp, err := http.Get(c.url + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz = %d, want 200", resp.StatusCode)
	}
}

// chattr runs chattr with args.
func chattr(args ...string) error {
	out, err := exec.Command("chattr", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("chattr %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

// immutableDir returns a data directory on a file system where chattr +i works (ext4, xfs, btrfs as
// root); the immutable flag refuses writes even to root and even through descriptors already open.
func immutableDir(t *testing.T) string {
	data := t.TempDir()
	probe := filepath.Join(data, "probe")
	if err := os.WriteFile(probe, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := chattr("+i", probe); err != nil {
		t.Skipf("cannot make files immutable here: %v", err)
	}
	if err := chattr("-i", probe); err != nil {
		t.Fatal(err)
	}
	os.Remove(probe)
	return data
}

// immutable makes the database file and its write-ahead log immutable.
func immutable(t *testing.T, data string) func() {
	var files []string
	for _, name := range []string{"licentia.db", "licentia.db-wal"} {
		if p := filepath.Join(data, name); fileExists(p) {
			files = append(files, p)
		}
	}
	repair := func() {
		if err := chattr(append([]string{"-i"}, files...)...); err != nil {
			t.Error(err)
		}
	}
	t.Cleanup(func() { chattr(append([]string{"-i"}, files...)...) }) // t.TempDir cannot remove immutable files
	if err := chattr(append([]string{"+i"}, files...)...); err != nil {
		t.Fatal(err)
	}
	return repair
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// tmpfsDir mounts a 16 MiB tmpfs as the data directory (root only; skipped elsewhere). It is unmounted
// after the server stops.
func tmpfsDir(t *testing.T) string {
	data := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", data).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", data).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", data, err, out)
		}
	})
	return data
}

// fillDisk fills the data directory's file system with a filler file; repair deletes it.
func fillDisk(t *testing.T, data string) func() {
	path := filepath.Join(data, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, size := range []int{1 << 20, 4096, 1} {
		buf := make([]byte, size)
		for {
			if _, err := f.Write(buf); err != nil {
				if !errors.Is(err, syscall.ENOSPC) {
					t.Fatalf("filling the disk: %v", err)
				}
				break
			}
		}
	}
	return func() {
		if err := os.Remove(path); err != nil {
			t.Error(err)
		}
	}
}

// lockDatabase holds SQLite's write lock from a second connection (as a backup tool or a stuck admin
// session would): the server's writes wait out their 5-second busy timeout and fail.
func lockDatabase(t *testing.T, data string) func() {
	ctx := context.Background()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(data, "licentia.db")+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatalf("take the write lock: %v", err)
	}
	var once sync.Once
	release := func() {
		once.Do(func() {
			conn.ExecContext(ctx, "ROLLBACK")
			conn.Close()
			db.Close()
		})
	}
	t.Cleanup(release)
	return release
}

// sameReply checks that b, a resent create's answer, carries a's instanceId and license (named by fingerprint
// only: a license is a bearer credential).
func sameReply(a, b *koogallery.Reply) error {
	switch {
	case b.InstanceID != a.InstanceID:
		return fmt.Errorf("instanceId %q, want %q as first answered", b.InstanceID, a.InstanceID)
	case b.License != a.License:
		return fmt.Errorf("license fp %s differs from fp %s answered before", verifier.Fingerprint(b.License), verifier.Fingerprint(a.License))
	}
	return nil
}
