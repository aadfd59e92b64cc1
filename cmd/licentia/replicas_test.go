package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/server/store/pgtest"
)

// pgctlEnv names a command line that runs pg_ctl on the PostgreSQL server of LICENTIA_TEST_POSTGRES, for
// example "runuser -u postgres -- pg_ctl -D /tmp/pg/data"; TestReplicasPostgresRestart appends "restart …"
// to it. That test restarts the whole server, so .ci/run runs it on its own, after the other tests.
const pgctlEnv = "LICENTIA_TEST_PGCTL"

// startReplicas starts n `licentia serve` processes on the database dsn. Each has its own data directory
// holding a copy of one key ring, as replicas given the ring through a secret mount do.
func startReplicas(t *testing.T, dsn string, n int) []*child {
	t.Helper()
	first := t.TempDir()
	if err := run(context.Background(), []string{"keys", "init", "--data", first}, noEnv, io.Discard, io.Discard); err != nil {
		t.Fatalf("keys init err = %v", err)
	}
	if v, err := store.Migrate(context.Background(), dsn); err != nil {
		t.Fatalf("migrate err = %v", err) // once, before the replicas roll out
	} else if v < 1 {
		t.Fatalf("schema version = %d, want >= 1", v)
	}
	reps := make([]*child, n)
	for i := range n {
		data := first
		if i > 0 {
			data = t.TempDir()
			copyKeyRing(t, filepath.Join(first, "keys"), filepath.Join(data, "keys"))
		}
		reps[i] = startChild(t, data, "--db", dsn, "--db-max-conns", "8")
	}
	return reps
}

func copyKeyRing(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o700); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// mktReply is a marketplace answer.
type mktReply struct {
	ResultCode string `json:"resultCode"`
	ResultMsg  string `json:"resultMsg"`
	InstanceID string `json:"instanceId"`
	License    string `json:"license"`
}

// market returns a marketplace client of the server at base.
func marketClient(client *http.Client, base string) *koogallery.Caller {
	return koogallery.NewCaller(base+"/koogallery/license", testKey, client, nil)
}

// legacyCall sends a signed License 1.0 GET with params to base and checks the answer's form and Body-Sign.
func legacyCall(client *http.Client, base string, params map[string]string) (mktReply, error) {
	return toReply(marketClient(client, base).Legacy(context.Background(), params))
}

// toReply checks a marketplace answer's form (HTTP 200, JSON, a Body-Sign that verifies) and returns its fields.
func toReply(a *koogallery.Reply, err error) (mktReply, error) {
	if err != nil {
		return mktReply{}, err
	}
	if len(a.Header.Values("Body-Sign")) == 0 {
		return mktReply{}, fmt.Errorf("answer %q has no Body-Sign", a.Body)
	}
	if err := a.FormError(); err != nil {
		return mktReply{}, fmt.Errorf("answer %q: %w", a.Body, err)
	}
	return mktReply{ResultCode: a.ResultCode, ResultMsg: a.ResultMsg, InstanceID: a.InstanceID, License: a.License}, nil
}

// signedRequest is a signed POST callback, kept so that it can be sent again byte for byte, to any replica.
type signedRequest struct {
	query string
	body  []byte
}

// newSignedRequest signs body with nonce, the signature in upper-case hex.
func newSignedRequest(body map[string]string, nonce string) signedRequest {
	req := koogallery.NewCaller("", testKey, nil, nil).SignedRequest(body, koogallery.WithNonce(nonce), koogallery.UpperHex())
	return signedRequest{query: strings.TrimPrefix(req.URL, "?"), body: req.Body}
}

func (r signedRequest) send(client *http.Client, base string) (mktReply, error) {
	resp, err := client.Post(base+"/koogallery/license?"+r.query, "application/json", bytes.NewReader(r.body))
	if err != nil {
		return mktReply{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return mktReply{}, err
	}
	return toReply(marketClient(client, base).Inspect(false, resp.StatusCode, resp.Header, body), nil)
}

func readyStatus(client *http.Client, base string) int {
	resp, err := client.Get(base + "/readyz")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// waitReady waits until every replica answers /readyz with 200.
func waitReady(t *testing.T, client *http.Client, reps []*child, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for _, c := range reps {
		for readyStatus(client, c.url) != http.StatusOK {
			if time.Now().After(deadline) {
				t.Fatalf("replica %s not ready %v after the database came back; logs:\n%s", c.url, within, c.logs)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

func createParams(order, business string, exp time.Time) map[string]string {
	return map[string]string{"activity": "getLicense", "businessId": business, "customerId": "c-1",
		"orderId": order, "productId": "P1", "expireTime": koogallery.FormatTime(exp)}
}

// TestReplicasPostgres runs two server processes on one PostgreSQL database: identical creates split
// across both make one license, a renewal on one is what the other answers, a nonce used on one is a replay
// on the other, and when the database goes away both answer 000005 and fail /readyz, then recover by
// themselves when it comes back.
func TestReplicasPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	dsn := pgtest.DSN(t)
	reps := startReplicas(t, dsn, 2)
	client := &http.Client{Timeout: 10 * time.Second}
	exp := time.Now().AddDate(1, 0, 0).UTC().Truncate(time.Second)

	t.Run("identical creates make one license", func(t *testing.T) {
		const n = 200
		got := make([]mktReply, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i], errs[i] = legacyCall(client, reps[i%2].url, createParams("O-SAME", "b-same", exp))
			}()
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil || got[i].ResultCode != "000000" {
				t.Fatalf("create %d on replica %d = %+v, %v; want 000000", i, i%2, got[i], errs[i])
			}
			if got[i].InstanceID != got[0].InstanceID || got[i].License != got[0].License {
				t.Fatalf("create %d answered instance %s (code equal: %v), want %s and the same code",
					i, got[i].InstanceID, got[i].License == got[0].License, got[0].InstanceID)
			}
		}
		st := openStore(t, dsn)
		if n, err := st.Count(context.Background(), store.Filter{OrderID: "O-SAME"}); err != nil || n != 1 {
			t.Errorf("licenses of the order = %d, %v, want 1", n, err)
		}
		if evs, err := st.Events(context.Background(), got[0].InstanceID); err != nil || len(evs) != 1 {
			t.Errorf("events = %d, %v, want 1 create", len(evs), err)
		}
	})

	t.Run("a renewal on one is seen on the other", func(t *testing.T) {
		created, err := legacyCall(client, reps[0].url, createParams("O-RENEW", "b-renew", exp))
		if err != nil || created.ResultCode != "000000" {
			t.Fatalf("create = %+v, %v", created, err)
		}
		renew := map[string]string{"activity": "refreshLicense", "instanceId": created.InstanceID, "orderId": "O-RENEW-R1",
			"expireTime": koogallery.FormatTime(exp.AddDate(1, 0, 0)), "periodType": "year", "periodNumber": "1"}
		if r, err := legacyCall(client, reps[0].url, renew); err != nil || r.ResultCode != koogallery.ResultOK {
			t.Fatalf("renewal on replica 0 = %+v, %v", r, err)
		}
		// The marketplace resends the create; replica 1 must answer the renewed code.
		again, err := legacyCall(client, reps[1].url, createParams("O-RENEW", "b-renew-2", exp))
		if err != nil || again.ResultCode != "000000" {
			t.Fatalf("resent create on replica 1 = %+v, %v", again, err)
		}
		if again.InstanceID != created.InstanceID || again.License == created.License {
			t.Errorf("replica 1 answered instance %s with the first code = %v; want %s with the renewed code",
				again.InstanceID, again.License == created.License, created.InstanceID)
		}
		l, err := openStore(t, dsn).License(context.Background(), created.InstanceID)
		if err != nil || l.Generation != 2 || l.ExpiresAt != exp.AddDate(1, 0, 0).Unix() || l.Code != again.License {
			t.Errorf("stored license = %+v, %v; want generation 2 with the renewed expiry and code", l, err)
		}
	})

	t.Run("a nonce used on one is a replay on the other", func(t *testing.T) {
		req := newSignedRequest(map[string]string{"activity": koogallery.ActivityNewInstance, "orderId": "O-NONCE",
			"orderLineId": "L1", "businessId": "b-nonce", "productId": "P1", "customerId": "c-1"}, "NONCE-REPLICAS-1")
		if r, err := req.send(client, reps[0].url); err != nil || r.ResultCode != koogallery.ResultOK {
			t.Fatalf("first send to replica 0 = %+v, %v; want 000000", r, err)
		}
		for i, c := range reps {
			r, err := req.send(client, c.url)
			if err != nil || r.ResultCode != koogallery.ResultAuth || r.ResultMsg != "nonce already used" {
				t.Errorf("replay to replica %d = %+v, %v; want 000001 nonce already used", i, r, err)
			}
		}
	})

	t.Run("database outage", func(t *testing.T) {
		admin, db := pgtest.ServerDSN(t), pgtest.Database(dsn)
		allow := func(on bool) {
			t.Helper()
			if err := pgtest.Exec(admin, fmt.Sprintf(`ALTER DATABASE %s WITH ALLOW_CONNECTIONS %v`, db, on)); err != nil {
				t.Fatal(err)
			}
		}
		allow(false)
		t.Cleanup(func() { allow(true) })
		if err := pgtest.Exec(admin, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, db); err != nil {
			t.Fatal(err)
		}
		for i, c := range reps {
			if got := readyStatus(client, c.url); got != http.StatusServiceUnavailable {
				t.Errorf("replica %d /readyz during outage = %d, want 503", i, got)
			}
			r, err := legacyCall(client, c.url, createParams(fmt.Sprintf("O-OUT-%d", i), fmt.Sprintf("b-out-%d", i), exp))
			if err != nil || r.ResultCode != "000005" {
				t.Errorf("replica %d create during outage = %+v, %v; want 000005", i, r, err)
			}
			if resp, err := client.Get(c.url + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
				t.Errorf("replica %d /healthz during outage = %v, %v; want 200 (the process stays up)", i, resp, err)
			} else {
				resp.Body.Close()
			}
		}
		allow(true)
		waitReady(t, client, reps, 15*time.Second)
		for i, c := range reps {
			r, err := legacyCall(client, c.url, createParams(fmt.Sprintf("O-OUT-%d", i), fmt.Sprintf("b-out-%d", i), exp))
			if err != nil || r.ResultCode != koogallery.ResultOK {
				t.Errorf("replica %d create after outage = %+v, %v; want 000000", i, r, err)
			}
		}
	})
}

// TestReplicasPostgresRestart restarts the PostgreSQL server (pg_ctl restart -m immediate: a crash and
// recovery) in the middle of a burst of creates sent to two replicas, and checks that every acknowledged
// create survived with its byte-identical code, and that both replicas recovered without a restart.
func TestReplicasPostgresRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	pgctl := strings.Fields(os.Getenv(pgctlEnv))
	if len(pgctl) == 0 {
		t.Skipf("%s is not set: the PostgreSQL restart test needs a command that runs pg_ctl on the server of %s "+
			"(.ci/run sets both and runs this test on its own)", pgctlEnv, pgtest.Env)
	}
	dsn := pgtest.DSN(t)
	reps := startReplicas(t, dsn, 2)
	client := &http.Client{Timeout: 10 * time.Second}
	exp := time.Now().AddDate(1, 0, 0).UTC()

	var mu sync.Mutex
	acks := map[string]mktReply{}
	var sent, failed, afterRestart atomic.Int64
	var restarted atomic.Bool
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5000; i++ { // bounded
				select {
				case <-stop:
					return
				default:
				}
				order := fmt.Sprintf("O-%d-%05d", w, i)
				sent.Add(1)
				r, err := legacyCall(client, reps[(w+i)%2].url, createParams(order, "b-"+order, exp))
				if err != nil || r.ResultCode != koogallery.ResultOK {
					failed.Add(1)
					continue // not acknowledged: the marketplace would resend
				}
				if restarted.Load() {
					afterRestart.Add(1)
				}
				mu.Lock()
				acks[order] = r
				mu.Unlock()
			}
		}()
	}
	ackCount := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(acks)
	}
	for deadline := time.Now().Add(20 * time.Second); ackCount() < 200 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	cmd := exec.Command(pgctl[0], append(pgctl[1:], "restart", "-m", "immediate", "-w", "-t", "60")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		close(stop)
		wg.Wait()
		t.Fatalf("%s restart: %v\n%s", pgctlEnv, err, out)
	}
	restarted.Store(true)
	// Keep the load on until both replicas have acknowledged creates again (or give up after 20s).
	for deadline := time.Now().Add(20 * time.Second); afterRestart.Load() < 100 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	t.Logf("sent %d creates: %d acknowledged (%d after the restart), %d not", sent.Load(), len(acks), afterRestart.Load(), failed.Load())
	if afterRestart.Load() == 0 {
		t.Fatalf("no create acknowledged after the database restart; logs:\n%s\n%s", reps[0].logs, reps[1].logs)
	}
	waitReady(t, client, reps, 15*time.Second)

	st := openStore(t, dsn)
	ctx := context.Background()
	i := 0
	for order, a := range acks {
		l, err := st.LicenseByOrder(ctx, order, "")
		if err != nil {
			t.Fatalf("acknowledged %s lost: %v", order, err)
		}
		if l.ID != a.InstanceID || l.Code != a.License {
			t.Fatalf("acknowledged %s: stored %s, code changed = %v; want %s, unchanged", order, l.ID, l.Code != a.License, a.InstanceID)
		}
		if i%20 == 0 { // and a sample of resends through the replicas
			r, err := legacyCall(client, reps[i%2].url, createParams(order, "b-resend-"+order, exp))
			if err != nil || r.InstanceID != a.InstanceID || r.License != a.License {
				t.Fatalf("resend of %s = %+v, %v; want the acknowledged instance and code", order, r, err)
			}
		}
		i++
	}
	if n, err := st.Count(ctx, store.Filter{}); err != nil || n < len(acks) || int64(n) > sent.Load() {
		t.Errorf("licenses = %d, %v; want between %d acknowledged and %d sent", n, err, len(acks), sent.Load())
	}
}

// openStore opens the database dsn for the test's own checks.
func openStore(t *testing.T, dsn string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), dsn, store.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestServePostgresStartup covers the start-up checks of a PostgreSQL replica, which need no server.
func TestServePostgresStartup(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "postgres://licentia@" + ln.Addr().String() + "/licentia?sslmode=disable&connect_timeout=1"
	ln.Close()
	withRing := t.TempDir()
	if err := run(context.Background(), []string{"keys", "init", "--data", withRing}, noEnv, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		data      string
		args      []string
		wantUsage bool
		wantErr   string
	}{
		{"no key ring", t.TempDir(), nil, false, "licentia keys init"},
		{"database unreachable", withRing, []string{"--db-wait", "300ms"}, false, "postgres unreachable for 300ms"},
		{"bad max conns", withRing, []string{"--db-max-conns", "0"}, true, "--db-max-conns"},
		{"bad wait", withRing, []string{"--db-wait", "soon"}, true, "--db-wait"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"serve", "--data", tt.data, "--db", closed, "--addr", "127.0.0.1:0",
				"--koogallery-key", testKey}, tt.args...)
			start := time.Now()
			err := run(context.Background(), args, noEnv, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("run(serve) err = %v, want one containing %q", err, tt.wantErr)
			}
			if got := exitCode(err) == 2; got != tt.wantUsage {
				t.Errorf("usage error = %v, want %v (err %v)", got, tt.wantUsage, err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("run(serve) took %v, want a prompt failure", d)
			}
		})
	}
	if entries, _ := os.ReadDir(filepath.Join(tests[0].data, "keys")); len(entries) != 0 {
		t.Errorf("serve on PostgreSQL made a key ring of its own: %d files", len(entries))
	}
}
