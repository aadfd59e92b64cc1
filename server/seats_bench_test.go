package server

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/licensing"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/server/support"
	"github.com/licentia/licentia/verifier"
)

// Seats at scale (issue 23, item 4): the seat requests of installed software, through the whole handler in
// process, with 10,000 and with 1,000,000 licenses in the store (SQLite), each next to the baselines of the
// same run: a refresh without a deployment at the same scale, and a bare ed25519.Verify.
//
// The population (seatPopulation) is a mature store of License 2.0 licenses: each of quantity 2 with one seat
// held by its deployment (seen today), its creation event, and yesterday's use reported; the licenses the
// benchmark sends requests for are spread evenly over it, and those whose second seat it takes carry
// seatUseDays days of reported daily use. It is written by bulk inserts in large transactions (about 100 s
// and 2.5 GB for the million), once per size and test binary run, whatever -count: its files are in a
// temporary directory that TestMain removes when the binary ends (an interrupted run leaves it behind:
// licentia-seats-bench-* in the temporary directory).

// seatScales are the sizes BenchmarkSeats measures at; the million is skipped under -short.
var seatScales = []struct {
	name string
	n    int
}{{"10k", 10_000}, {"1M", 1_000_000}}

const (
	// seatPool is the number of licenses in each pool of requests (held, check-in, take, plain).
	seatPool = 2000
	// seatPools is the number of pools.
	seatPools = 4
	// seatWindowRequests is how many requests pass between moves of the clock by one rate-limit window:
	// each address sends one request a window, each license at most a few (seatWindowRequests/seatPool per
	// pool, under refreshPerLicense), and a UTC day (when held seats would be written again) lasts 960
	// windows: 7.7 million requests.
	seatWindowRequests = 8000
	// seatUseDays is the reported daily uses of each license of the take pool: a code in daily use for a
	// quarter of the usage report's retention.
	seatUseDays = 90
)

// The pools: held refreshes, check-ins, first seat takes, and refreshes without a deployment (the baseline).
const (
	poolHeld = iota
	poolCheckIn
	poolTake
	poolPlain
)

// seatPopulation is a populated data directory and the requests of its pools.
type seatPopulation struct {
	dir string
	n   int
	// ids, codes and deps of pool p, license k: index p*seatPool+k.
	ids   []string
	codes []string
	deps  []*verifier.Deployment
	// seatCodes are the held seats' codes (the answer of a held refresh).
	seatCodes []string
	// msgs and sigs are the signing input and signature of codes, for the bare ed25519.Verify.
	msgs, sigs [][]byte
	pub        ed25519.PublicKey
}

var seatPops = struct {
	sync.Mutex
	root string
	byN  map[int]*seatPopulation
}{byN: map[int]*seatPopulation{}}

// removeSeatPopulations deletes the populations of this run (TestMain).
func removeSeatPopulations() {
	seatPops.Lock()
	defer seatPops.Unlock()
	if seatPops.root != "" {
		os.RemoveAll(seatPops.root)
	}
}

// populatedSeats returns the population of n licenses, writing it the first time this run asks.
func populatedSeats(b *testing.B, n int) *seatPopulation {
	b.Helper()
	seatPops.Lock()
	defer seatPops.Unlock()
	if p := seatPops.byN[n]; p != nil {
		return p
	}
	if seatPops.root == "" {
		root, err := os.MkdirTemp("", "licentia-seats-bench-")
		if err != nil {
			b.Fatal(err)
		}
		seatPops.root = root
	}
	dir := filepath.Join(seatPops.root, fmt.Sprint(n))
	start := time.Now()
	p, err := populateSeats(dir, n)
	if err != nil {
		b.Fatalf("populate %d licenses: %v", n, err)
	}
	size := int64(0)
	for _, s := range []string{"", "-wal"} {
		if fi, err := os.Stat(filepath.Join(dir, "db.sqlite") + s); err == nil {
			size += fi.Size()
		}
	}
	b.Logf("populated %d licenses in %s (%d bytes of database)", n, time.Since(start).Round(time.Millisecond), size)
	seatPops.byN[n] = p
	return p
}

// seatDeployment is an installation named after id: a stable id and three machine components.
func seatDeployment(id string) *verifier.Deployment {
	return &verifier.Deployment{ID: "inst-" + id, Components: map[string][]string{
		"machine_id": {"mid-" + id}, "mac": {"02:42:ac:11:00:02"}, "hostname": {"host-" + id}}}
}

// hotIndex is the position in the population of pool license j (0 <= j < seatPools*seatPool): spread evenly.
func hotIndex(j, n int) int { return j * (n / (seatPools * seatPool)) }

// populateSeats writes the population of n licenses into dir, signed with the key of testRing(dir). It writes
// one table at a time, in the order of the tables' keys and in large transactions, with no journal and no
// foreign-key checks (the rows are consistent by construction): a million licenses take about a minute
// rather than the hours of one signed, audited create each.
func populateSeats(dir string, n int) (*seatPopulation, error) {
	if n < seatPools*seatPool {
		return nil, fmt.Errorf("at least %d licenses", seatPools*seatPool)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	ring, _, err := keys.InitRing(filepath.Join(dir, "keys"), bytes.NewReader(make([]byte, 32))) // testRing's key
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	dbPath := filepath.Join(dir, "db.sqlite")
	st, err := store.Open(ctx, dbPath, store.Options{}) // the schema, by the store's own migrations
	if err != nil {
		return nil, err
	}
	if err := st.Close(); err != nil {
		return nil, err
	}
	dsn, err := store.SQLiteDSN(dbPath, "NORMAL")
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite3", strings.Replace(dsn, "_foreign_keys=on", "_foreign_keys=off", 1))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, q := range []string{"PRAGMA journal_mode = OFF", "PRAGMA synchronous = OFF", "PRAGMA cache_size = -262144"} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return nil, err
		}
	}
	g, err := newSeatRows(ring, n)
	if err != nil {
		return nil, err
	}
	for _, t := range []struct {
		query string
		rows  func(i int, exec func(args ...any) error) error
	}{
		{`INSERT INTO licenses (id, order_id, order_line_id, flow, product_id, sku, customer_id, quantity, status,
			starts_at, expires_at, generation, changed_at, code, key_id, market_code, created_at, market_queried_day)
			VALUES (?, ?, ?, 'instance', 'P1', 'S1', ?, 2, 'active', ?, ?, 1, ?, ?, ?, ?, ?, ?)`, g.license},
		{`INSERT INTO events (license_id, at, source, actor, action, activity, order_id, order_line_id, after_status,
			after_expires, generation) VALUES (?, ?, 'koogallery', 'koogallery', 'created', 'activate', ?, ?, 'active', ?, 1)`, g.event},
		{`INSERT INTO seats (license_id, deployment, binding, taken_at, seen_at, code, code_gen) VALUES (?, ?, ?, ?, ?, ?, 1)`, g.seat},
		{`INSERT INTO usage_reports (market_code, deployment, day, license_id, mode, first_used_at, attempts, next_at,
			reported_at) VALUES (?, ?, ?, ?, 'id', ?, 1, ?, ?)`, g.uses},
	} {
		if err := bulkInsert(ctx, db, n, t.query, t.rows); err != nil {
			return nil, err
		}
	}
	// ANALYZE, as a database in service has run; then the journal the server runs with.
	for _, q := range []string{"ANALYZE", "PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL"} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return nil, err
		}
	}
	return g.pop(dir), nil
}

// bulkInsert runs rows for licenses 0 … n-1 with query prepared, 50,000 licenses a transaction.
func bulkInsert(ctx context.Context, db *sql.DB, n int, query string, rows func(i int, exec func(args ...any) error) error) error {
	const batch = 50_000
	for lo := 0; lo < n; lo += batch {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, query)
		if err != nil {
			tx.Rollback()
			return err
		}
		exec := func(args ...any) error { _, err := stmt.ExecContext(ctx, args...); return err }
		for i := lo; i < min(lo+batch, n); i++ {
			if err := rows(i, exec); err != nil {
				tx.Rollback()
				return fmt.Errorf("license %d: %w", i, err)
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// seatRows makes the rows of the population: the licenses of the pools signed and bound for real, the others
// with a copy of the first's code, binding and seat code (the same sizes) and a hash of their own.
type seatRows struct {
	n     int
	kid   string
	now   int64
	today int64
	hot   map[int]int // population index → pool index
	// of the pool licenses, by pool index
	lics      []*store.License
	deps      []*verifier.Deployment
	bindings  []string
	depHashes []string
	seatCodes []string
	pub       ed25519.PublicKey
}

func newSeatRows(ring *keys.Ring, n int) (*seatRows, error) {
	is := support.NewIssuer(ring, "licentia", time.Hour)
	kid, signer := ring.Active()
	g := &seatRows{n: n, kid: kid, now: t0.Unix(), today: license.UsageDay(t0), hot: map[int]int{},
		pub: signer.Public().(ed25519.PublicKey)}
	for j := range seatPools * seatPool {
		i := hotIndex(j, n)
		g.hot[i] = j
		l := g.licenseOf(i)
		if err := is.Sign(l); err != nil {
			return nil, err
		}
		d := seatDeployment(l.ID)
		b, err := verifier.BindDeployment(*d, license.DeploymentSalt(l.ID), 0)
		if err != nil {
			return nil, err
		}
		code, err := is.SignBound(l, b)
		if err != nil {
			return nil, err
		}
		raw, err := json.Marshal(b)
		if err != nil {
			return nil, err
		}
		g.lics, g.deps = append(g.lics, l), append(g.deps, d)
		g.bindings, g.depHashes, g.seatCodes = append(g.bindings, string(raw)), append(g.depHashes, b.ID), append(g.seatCodes, code)
	}
	return g, nil
}

// licenseOf is license i of the population, unsigned.
func (g *seatRows) licenseOf(i int) *store.License {
	created := g.now - int64(i%365)*86400 // ages spread over a year
	return &store.License{ID: fmt.Sprintf("seat-%07d", i), OrderID: fmt.Sprintf("SO-%07d", i),
		OrderLineID: fmt.Sprintf("SO-%07d-1", i), Flow: store.FlowInstance, ProductID: "P1", SKU: "S1",
		CustomerID: fmt.Sprintf("c-%07d", i/4), Quantity: 2, Status: license.Active, StartsAt: created,
		ExpiresAt: created + 2*365*86400, Generation: 1, ChangedAt: created, MarketCode: fmt.Sprintf("MC%030d", i),
		CreatedAt: created, QueriedDay: g.today}
}

// of returns license i (signed: its own code, or the first pool license's) and its seat's binding, hash and code.
func (g *seatRows) of(i int) (l *store.License, binding, depHash, seatCode string, j int, hot bool) {
	if j, hot = g.hot[i]; hot {
		return g.lics[j], g.bindings[j], g.depHashes[j], g.seatCodes[j], j, true
	}
	l = g.licenseOf(i)
	l.Code, l.KeyID = g.lics[0].Code, g.kid
	sum := sha256.Sum256([]byte(l.ID))
	return l, g.bindings[0], base64.RawURLEncoding.EncodeToString(sum[:]), g.seatCodes[0], 0, false
}

func (g *seatRows) license(i int, exec func(args ...any) error) error {
	l, _, _, _, _, _ := g.of(i)
	return exec(l.ID, l.OrderID, l.OrderLineID, l.CustomerID, l.StartsAt, l.ExpiresAt, l.ChangedAt, l.Code, g.kid,
		l.MarketCode, l.CreatedAt, l.QueriedDay)
}

func (g *seatRows) event(i int, exec func(args ...any) error) error {
	l := g.licenseOf(i)
	return exec(l.ID, l.CreatedAt, l.OrderID, l.OrderLineID, l.ExpiresAt)
}

// seat: held by the license's deployment since 30 days, seen today.
func (g *seatRows) seat(i int, exec func(args ...any) error) error {
	l, binding, depHash, seatCode, _, _ := g.of(i)
	return exec(l.ID, depHash, binding, g.now-30*86400, g.now, seatCode)
}

// uses: yesterday's use, reported; seatUseDays days of them for the take pool.
func (g *seatRows) uses(i int, exec func(args ...any) error) error {
	l, _, depHash, _, j, hot := g.of(i)
	days := int64(1)
	if hot && j/seatPool == poolTake {
		days = seatUseDays
	}
	for d := int64(1); d <= days; d++ {
		at := g.now - d*86400
		if err := exec(l.MarketCode, depHash, g.today-d, l.ID, at, at, at+60); err != nil {
			return err
		}
	}
	return nil
}

// pop is the population's requests.
func (g *seatRows) pop(dir string) *seatPopulation {
	p := &seatPopulation{dir: dir, n: g.n, pub: g.pub, deps: g.deps, seatCodes: g.seatCodes}
	for _, l := range g.lics {
		k := strings.LastIndexByte(l.Code, '.')
		sig, err := base64.RawURLEncoding.DecodeString(l.Code[k+1:])
		if err != nil {
			panic(err) // a code the issuer just signed
		}
		p.ids, p.codes = append(p.ids, l.ID), append(p.codes, l.Code)
		p.msgs, p.sigs = append(p.msgs, []byte(l.Code[:k])), append(p.sigs, sig)
	}
	return p
}

// seatBench is a server over a population, and the requests it is sent.
type seatBench struct {
	e    *testEnv
	h    http.Handler
	pop  *seatPopulation
	reqs atomic.Int64 // requests sent: the rate-limit windows and the client addresses
	// turns count each pool's requests: its licenses are asked in turn, each a few times a window.
	turns [seatPools]atomic.Int64
}

// next returns the index of pool's license to ask next.
func (sb *seatBench) next(pool int) int {
	return pool*seatPool + int((sb.turns[pool].Add(1)-1)%seatPool)
}

// seatTakes numbers the deployments that take a seat, unique in the test binary's run.
var seatTakes atomic.Int64

func newSeatBench(b *testing.B, pop *seatPopulation) *seatBench {
	e := &testEnv{t: b}
	e.clock.Store(t0.UnixNano())
	now := func() time.Time { return time.Unix(0, e.clock.Load()).UTC() }
	e.srv, e.st, e.ring = newTestServer(b, pop.dir, serverOptions{keys: []string{testKey}, now: now, grace: time.Hour})
	return &seatBench{e: e, h: e.srv.Handler(), pop: pop}
}

// request returns a POST of body to path from the next client address, moving the clock a rate-limit
// window every seatWindowRequests requests.
func (sb *seatBench) request(path string, body []byte) *http.Request {
	n := sb.reqs.Add(1)
	if n%seatWindowRequests == 0 {
		sb.e.advance(refreshWindow)
	}
	a := n % seatWindowRequests
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = fmt.Sprintf("10.%d.%d.%d:40000", a>>16&255, a>>8&255, a&255)
	return req
}

// body is the JSON of a refresh or check-in of pool license j, for deployment d (nil: none).
func (sb *seatBench) body(j int, d *verifier.Deployment) []byte {
	data, err := json.Marshal(RefreshRequest{Code: sb.pop.codes[j], Deployment: d})
	if err != nil {
		panic(err)
	}
	return data
}

// seatOp is one kind of request measured: it prepares its next request (untimed) and names the
// status it must be answered, and what to undo after it (untimed; nil: nothing).
type seatOp struct {
	name    string
	prepare func(sb *seatBench) (req *http.Request, status int, undo func() error)
}

var seatOps = []seatOp{
	{"refresh-held-seat", func(sb *seatBench) (*http.Request, int, func() error) {
		j := sb.next(poolHeld)
		return sb.request("/v1/codes/refresh", sb.body(j, sb.pop.deps[j])), http.StatusOK, nil
	}},
	{"check-in", func(sb *seatBench) (*http.Request, int, func() error) {
		j := sb.next(poolCheckIn)
		return sb.request("/v1/usage", sb.body(j, sb.pop.deps[j])), http.StatusNoContent, nil
	}},
	{"take-seat", func(sb *seatBench) (*http.Request, int, func() error) {
		j := sb.next(poolTake)
		id := sb.pop.ids[j]
		d := seatDeployment(fmt.Sprintf("new-%d", seatTakes.Add(1)))
		hash := verifier.DeploymentHash(license.DeploymentSalt(id), "id", d.ID)
		free := func() error { // the license's second seat is free again for the next take
			_, err := sb.e.st.FreeSeat(context.Background(), id, hash, store.Event{At: sb.e.now().Unix(),
				Source: store.SourceCLI, Actor: "bench", Action: licensing.ActSeatFreed, Reason: "benchmark",
				BeforeStatus: license.Active, AfterStatus: license.Active, Generation: 1})
			return err
		}
		return sb.request("/v1/codes/refresh", sb.body(j, d)), http.StatusOK, free
	}},
	{"refresh-no-deployment", func(sb *seatBench) (*http.Request, int, func() error) {
		j := sb.next(poolPlain)
		return sb.request("/v1/codes/refresh", sb.body(j, nil)), http.StatusOK, nil
	}},
}

// BenchmarkSeats measures, at each scale, a refresh with a deployment whose seat the license already holds
// (the daily case: nothing written), a check-in of a held seat (POST /v1/usage), a first seat take (a new
// deployment on a license with a free seat: a durable write of the seat, its audit event and the day's
// use; the seat is freed again untimed), and a refresh without a deployment. Each iteration also runs, untimed
// by the benchmark's clock but timed alike, the baselines: a refresh without a deployment of another license
// and a bare ed25519.Verify of a code's signature, so that both ratios see the same machine load as the
// request. ns/op and allocs/op are the request's alone; the metrics are "refresh-ns" and "ed25519-ns" (the
// baselines' means), "x/refresh" and "x/ed25519" (the request's mean over each). One request at a time,
// through the whole handler without the network.
//
//	go test -run '^$' -bench '^BenchmarkSeats$' -benchmem ./server/
func BenchmarkSeats(b *testing.B) {
	for _, sc := range seatScales {
		b.Run(sc.name, func(b *testing.B) {
			if sc.n > 100_000 && testing.Short() {
				b.Skip("the million is populated only without -short")
			}
			sb := newSeatBench(b, populatedSeats(b, sc.n))
			sb.check(b)
			for _, op := range seatOps {
				b.Run(op.name, func(b *testing.B) { sb.run(b, op) })
			}
		})
	}
}

// run measures op with the baselines interleaved (see BenchmarkSeats).
func (sb *seatBench) run(b *testing.B, op seatOp) {
	w := &discardWriter{h: http.Header{}}
	serve := func(req *http.Request, want int) time.Duration {
		clear(w.h)
		w.code = 0
		t := time.Now()
		sb.h.ServeHTTP(w, req)
		d := time.Since(t)
		if w.code != want && !(w.code == 0 && want == http.StatusOK) {
			b.Fatalf("%s %s: status %d, want %d", req.Method, req.URL.Path, w.code, want)
		}
		return d
	}
	var took, refresh, bare time.Duration
	n := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		req, want, undo := op.prepare(sb)
		b.StartTimer()
		took += serve(req, want)
		b.StopTimer()
		if undo != nil {
			if err := undo(); err != nil {
				b.Fatal(err)
			}
		}
		j := sb.next(poolPlain)
		refresh += serve(sb.request("/v1/codes/refresh", sb.body(j, nil)), http.StatusOK)
		t := time.Now()
		ok := ed25519.Verify(sb.pop.pub, sb.pop.msgs[j], sb.pop.sigs[j])
		bare += time.Since(t)
		if !ok {
			b.Fatal("signature does not verify")
		}
		n++
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(float64(refresh)/float64(n), "refresh-ns")
	b.ReportMetric(float64(bare)/float64(n), "ed25519-ns")
	b.ReportMetric(float64(took)/float64(refresh), "x/refresh")
	b.ReportMetric(float64(took)/float64(bare), "x/ed25519")
}

// check makes sure, before anything is measured, that each request is answered as its name says: a held
// refresh with the held seat's code (nothing signed), a refresh without a deployment with the license's own
// code, a take with a new code bound to the new deployment, a check-in with 204.
func (sb *seatBench) check(b *testing.B) {
	b.Helper()
	answer := func(req *http.Request, want int) string {
		w := httptest.NewRecorder()
		sb.h.ServeHTTP(w, req)
		if w.Code != want {
			b.Fatalf("%s: %d %s, want %d", req.URL.Path, w.Code, w.Body.String(), want)
		}
		var cr struct {
			Code string `json:"code"`
		}
		if want == http.StatusOK {
			if err := json.Unmarshal(w.Body.Bytes(), &cr); err != nil {
				b.Fatal(err)
			}
		}
		return cr.Code
	}
	held := poolHeld * seatPool
	if got := answer(sb.request("/v1/codes/refresh", sb.body(held, sb.pop.deps[held])), http.StatusOK); got != sb.pop.seatCodes[held] {
		b.Fatalf("a held refresh answered %.40s…, want the held seat's code", got)
	}
	plain := poolPlain * seatPool
	if got := answer(sb.request("/v1/codes/refresh", sb.body(plain, nil)), http.StatusOK); got != sb.pop.codes[plain] {
		b.Fatalf("a refresh without a deployment answered %.40s…, want the license's code", got)
	}
	ci := poolCheckIn * seatPool
	answer(sb.request("/v1/usage", sb.body(ci, sb.pop.deps[ci])), http.StatusNoContent)
	req, want, undo := seatOps[2].prepare(sb)
	got := answer(req, want)
	if c := sb.e.claims(got); c.Deployment == nil || got == sb.pop.seatCodes[poolTake*seatPool] {
		b.Fatalf("a take answered %.40s…, want a new code bound to the new deployment", got)
	}
	if err := undo(); err != nil {
		b.Fatal(err)
	}
}
