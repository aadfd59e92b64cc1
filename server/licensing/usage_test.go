package licensing

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/marketapi"
	"github.com/licentia/licentia/server/simulator/market"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/server/store/pgtest"
)

// day1 is a UTC morning; day2 the next day.
var day1 = time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)

// fakeClock is a Service clock the test moves.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// usageCounts is an Observer counting uses by result.
type usageCounts struct {
	NopObserver
	mu   sync.Mutex
	n    map[string]int
	dead int
}

func (o *usageCounts) UsageReported(result string, n int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.n == nil {
		o.n = map[string]int{}
	}
	o.n[result] += n
}

func (o *usageCounts) UsageDead(n int) { o.mu.Lock(); o.dead = n; o.mu.Unlock() }

func (o *usageCounts) get(result string) int { o.mu.Lock(); defer o.mu.Unlock(); return o.n[result] }

// usageEnv is a market stand-in and what a Service over a store needs to report to it.
type usageEnv struct {
	mkt   *market.Server
	clock *fakeClock
	obs   *usageCounts
}

const usageAK, usageSK = "usage-ak", "usage-sk-secret"

func newUsageEnv(t *testing.T) *usageEnv {
	t.Helper()
	mkt, err := market.Start(market.Config{AK: usageAK, SK: usageSK})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mkt.Close() })
	return &usageEnv{mkt: mkt, clock: &fakeClock{t: day1}, obs: &usageCounts{}}
}

// callHook is a marketapi.Observer calling a function after each call.
type callHook func()

func (h callHook) MarketCall(koogallery.API, string, time.Duration) { h() }

// service returns a Service over st reporting to the stand-in, on the env's clock.
func (e *usageEnv) service(t *testing.T, st *store.Store) *Service {
	t.Helper()
	return e.serviceObserved(t, st, nil)
}

// serviceObserved is service with obs told of every marketplace call.
func (e *usageEnv) serviceObserved(t *testing.T, st *store.Store, obs marketapi.Observer) *Service {
	t.Helper()
	client, err := marketapi.New(marketapi.Config{AK: usageAK, SK: usageSK, BaseURLs: []string{e.mkt.URL()},
		Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }, Observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(st, Options{Market: client, Observer: e.obs, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// codes adds m active marketplace codes to the stand-in and returns their licenses.
func (e *usageEnv) codes(t *testing.T, m int) []*store.License {
	t.Helper()
	ls := make([]*store.License, m)
	for i := range ls {
		code := fmt.Sprintf("PL%05d", i)
		if err := e.mkt.AddCode(market.Code{Code: code, State: market.Active}); err != nil {
			t.Fatal(err)
		}
		ls[i] = &store.License{ID: fmt.Sprintf("L%05d", i), MarketCode: code}
	}
	return ls
}

// fresh returns a new SQLite store, closed when the test ends, and a Service over it reporting to the stand-in.
func (e *usageEnv) fresh(t *testing.T) (*store.Store, *Service) {
	t.Helper()
	st := e.freshStore(t)
	return st, e.service(t, st)
}

// freshStore returns a new SQLite store, closed when the test ends.
func (e *usageEnv) freshStore(t *testing.T) *store.Store {
	t.Helper()
	st := openSQLite(t, filepath.Join(t.TempDir(), "db.sqlite"))
	t.Cleanup(func() { st.Close() })
	return st
}

func openSQLite(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// report is one (code, client id) the stand-in accepted.
type report struct{ code, id string }

// reported returns what the stand-in accepted in the calls from index from on, checking each call's bound.
func (e *usageEnv) reported(t *testing.T, from int) (map[report]int, int) {
	t.Helper()
	calls := e.mkt.UsageCalls()
	got := map[report]int{}
	for _, c := range calls[from:] {
		if len(c.Usage) > koogallery.MaxUsageCodes {
			t.Errorf("a report named %d codes, want at most %d", len(c.Usage), koogallery.MaxUsageCodes)
		}
		for _, u := range c.Usage {
			for _, id := range u.IDs {
				got[report{u.Code, id}]++
			}
		}
	}
	return got, len(calls)
}

// checkOnce fails unless got holds each of want exactly once and nothing else.
func checkOnce(t *testing.T, what string, got map[report]int, want map[report]bool) {
	t.Helper()
	for r, n := range got {
		if !want[r] {
			t.Errorf("%s: %v reported, never used", what, r)
		} else if n != 1 {
			t.Errorf("%s: %v reported %d times, want once", what, r, n)
		}
	}
	for r := range want {
		if got[r] == 0 {
			t.Errorf("%s: %v used, never reported", what, r)
		}
	}
}

// use records, on the Service's clock, that deployment dep used l, and adds it to want.
func use(t *testing.T, svc *Service, l *store.License, dep string, want map[report]bool) {
	t.Helper()
	if err := svc.RecordUse(context.Background(), l, dep, license.UsageByID, svc.Now()); err != nil {
		t.Fatalf("RecordUse(%s, %s) err = %v", l.ID, dep, err)
	}
	want[report{l.MarketCode, dep}] = true
}

// sendAll runs the sender until nothing is due, a bounded number of passes.
func sendAll(t *testing.T, svc *Service) {
	t.Helper()
	for range 5 {
		if svc.SendUsage(context.Background()) == 0 {
			return
		}
	}
}

// TestUsageOverTwoDays: uses from N deployments on M codes over two UTC days, each deployment using its code
// several times a day, are reported once per (code, deployment, day), at most 100 codes a call — also when the
// Service restarts in between over the same store with uses still unreported.
func TestUsageOverTwoDays(t *testing.T) {
	for _, restart := range []bool{false, true} {
		t.Run(fmt.Sprintf("restart=%v", restart), func(t *testing.T) {
			e := newUsageEnv(t)
			path := filepath.Join(t.TempDir(), "db.sqlite")
			st := openSQLite(t, path)
			svc := e.service(t, st)
			ls := e.codes(t, 150) // M = 150 codes: two calls at least
			const n = 3           // N = 3 deployments a code

			want := map[report]bool{}
			for rep := range 3 {
				for i, l := range ls {
					for d := range n {
						use(t, svc, l, fmt.Sprintf("dep-%d-%d", i, d), want)
					}
				}
				e.clock.Add(time.Duration(rep) * time.Minute)
			}
			if restart {
				// The first Service stops before sending: a new one over the same store reports what it recorded.
				if err := st.Close(); err != nil {
					t.Fatal(err)
				}
				st = openSQLite(t, path)
				svc = e.service(t, st)
			}
			sendAll(t, svc)
			got, seen := e.reported(t, 0)
			checkOnce(t, "day 1", got, want)
			if seen < 2 {
				t.Errorf("%d calls for 150 codes, want at least 2", seen)
			}

			// Day 2: the same deployments and one new one a code; uses again later that day report nothing new.
			e.clock.Set(day1.Add(24 * time.Hour))
			want2 := map[report]bool{}
			for i, l := range ls {
				for d := range n + 1 {
					use(t, svc, l, fmt.Sprintf("dep-%d-%d", i, d), want2)
				}
			}
			if restart {
				st.Close()
				st = openSQLite(t, path)
				svc = e.service(t, st)
			}
			sendAll(t, svc)
			e.clock.Add(6 * time.Hour)
			for i, l := range ls {
				use(t, svc, l, fmt.Sprintf("dep-%d-0", i), want2)
			}
			sendAll(t, svc)
			got2, _ := e.reported(t, seen)
			checkOnce(t, "day 2", got2, want2)
			t.Cleanup(func() { st.Close() })

			s, err := st.UsageOf(context.Background(), ls[0].ID)
			if err != nil || license.DayDate(s.LastReportedDay) != "2026-12-04" || s.Pending != 0 || s.Dead != 0 {
				t.Errorf("UsageOf(%s) = %+v, %v; want last reported 2026-12-04, none pending or dead", ls[0].ID, s, err)
			}
			if got, want := e.obs.get(UsageAccepted), len(want)+len(want2); got != want {
				t.Errorf("observer counted %d accepted uses, want %d", got, want)
			}
		})
	}
}

// TestUsageTwoReplicas: two Services over one PostgreSQL store, recording and sending at the same time,
// report every (code, deployment, day) exactly once.
func TestUsageTwoReplicas(t *testing.T) {
	dsn := pgtest.DSN(t)
	e := newUsageEnv(t)
	ctx := context.Background()
	var svcs []*Service
	for range 2 {
		st, err := store.Open(ctx, dsn, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		svcs = append(svcs, e.service(t, st))
	}
	ls := e.codes(t, 120)
	from := 0
	for day := range 2 {
		e.clock.Set(day1.Add(time.Duration(day) * 24 * time.Hour))
		var mu sync.Mutex
		want := map[report]bool{}
		var wg sync.WaitGroup
		for r, svc := range svcs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Both replicas see uses of every code, from overlapping deployments, and send as they go.
				for i, l := range ls {
					for d := range 3 {
						dep := fmt.Sprintf("dep-%d-%d", i, (d+r)%4)
						if err := svc.RecordUse(ctx, l, dep, license.UsageByID, svc.Now()); err != nil {
							t.Error(err)
							return
						}
						mu.Lock()
						want[report{l.MarketCode, dep}] = true
						mu.Unlock()
					}
					if i%30 == 0 {
						svc.SendUsage(ctx)
					}
				}
				svc.SendUsage(ctx)
			}()
		}
		wg.Wait()
		for _, svc := range svcs {
			sendAll(t, svc)
		}
		var got map[report]int
		got, from = e.reported(t, from)
		checkOnce(t, fmt.Sprintf("two replicas, day %d", day+1), got, want)
	}
}

// TestUsageRefusedThenDeadLettered: a code the marketplace refuses does not hold back the others of its call,
// is tried again with backoff and dead-lettered after UsageMaxAttempts, visibly.
func TestUsageRefusedThenDeadLettered(t *testing.T) {
	e := newUsageEnv(t)
	st, svc := e.fresh(t)
	ctx := context.Background()
	ls := e.codes(t, 3)
	// A code the marketplace never activated: it refuses any report naming it (92020020).
	bad := &store.License{ID: "L-bad", MarketCode: "PLNOTACTIVE"}
	if err := e.mkt.AddCode(market.Code{Code: bad.MarketCode, State: market.Received}); err != nil {
		t.Fatal(err)
	}
	want := map[report]bool{}
	for _, l := range ls {
		use(t, svc, l, "dep-1", want)
	}
	if err := svc.RecordUse(ctx, bad, "dep-1", license.UsageByID, svc.Now()); err != nil {
		t.Fatal(err)
	}
	if n := svc.SendUsage(ctx); n != 3 {
		t.Errorf("SendUsage() accepted %d, want the 3 good uses", n)
	}
	got, _ := e.reported(t, 0)
	checkOnce(t, "beside a refused code", got, want)
	refused := e.mkt.Calls(koogallery.APIUsage, koogallery.CodeInvalidCodes)
	if refused != 2 {
		t.Errorf("%d refused calls, want 2 (the batch, then the code alone)", refused)
	}
	// Not due again until its backoff has passed.
	svc.SendUsage(ctx)
	if n := e.mkt.Calls(koogallery.APIUsage, koogallery.CodeInvalidCodes); n != refused {
		t.Errorf("%d refused calls before the backoff passed, want %d", n, refused)
	}
	for range UsageMaxAttempts + 5 {
		e.clock.Add(UsageBackoffMax)
		svc.SendUsage(ctx)
	}
	if n := e.mkt.Calls(koogallery.APIUsage, koogallery.CodeInvalidCodes); n != refused+UsageMaxAttempts-1 {
		t.Errorf("%d refused calls, want %d: one a claim until the attempts ran out", n, refused+UsageMaxAttempts-1)
	}
	s, err := st.UsageOf(ctx, bad.ID)
	if err != nil || s.Dead != 1 || s.Pending != 0 || s.LastReportedDay != -1 {
		t.Errorf("UsageOf(bad) = %+v, %v; want 1 dead, nothing reported", s, err)
	}
	if e.obs.get(UsageDeadLettered) != 1 || e.obs.get(UsageRetried) != UsageMaxAttempts-1 || e.obs.dead != 1 {
		t.Errorf("observer: dead_lettered %d, retried %d, dead %d; want 1, %d, 1", e.obs.get(UsageDeadLettered),
			e.obs.get(UsageRetried), e.obs.dead, UsageMaxAttempts-1)
	}
}

// TestUsageFailedCallNotLost: a report the marketplace cannot be reached for is kept and sent once it can.
func TestUsageFailedCallNotLost(t *testing.T) {
	e := newUsageEnv(t)
	_, svc := e.fresh(t)
	ctx := context.Background()
	ls := e.codes(t, 2)
	want := map[report]bool{}
	for _, l := range ls {
		use(t, svc, l, "dep-1", want)
	}
	if err := e.mkt.SetUnreachable(true); err != nil {
		t.Fatal(err)
	}
	if n := svc.SendUsage(ctx); n != 0 {
		t.Fatalf("SendUsage() while unreachable accepted %d", n)
	}
	if err := e.mkt.SetUnreachable(false); err != nil {
		t.Fatal(err)
	}
	e.mkt.FailNext(marketapi.DefaultMaxAttempts, 503) // the next call's every attempt gets a 503
	e.clock.Add(UsageBackoffMin)
	if n := svc.SendUsage(ctx); n != 0 {
		t.Fatalf("SendUsage() against 503s accepted %d", n)
	}
	e.clock.Add(2 * UsageBackoffMin)
	if n := svc.SendUsage(ctx); n != 2 {
		t.Errorf("SendUsage() once the marketplace answers accepted %d, want 2", n)
	}
	got, _ := e.reported(t, 0)
	checkOnce(t, "after failures", got, want)
	if e.obs.get(UsageRetried) != 4 {
		t.Errorf("observer counted %d retried uses, want 4 (2 uses, 2 failed calls)", e.obs.get(UsageRetried))
	}
}

// TestUsageCountMode: in count mode a code's report carries the day's total of deployments so far.
func TestUsageCountMode(t *testing.T) {
	e := newUsageEnv(t)
	_, svc := e.fresh(t)
	ctx := context.Background()
	l := e.codes(t, 1)[0]
	record := func(dep string) {
		if err := svc.RecordUse(ctx, l, dep, license.UsageByCount, svc.Now()); err != nil {
			t.Fatal(err)
		}
	}
	record("a")
	record("b")
	svc.SendUsage(ctx)
	record("a") // again: nothing new
	svc.SendUsage(ctx)
	record("c") // a third deployment later that day: the total so far
	svc.SendUsage(ctx)
	e.clock.Add(24 * time.Hour)
	record("c") // the next day starts again at 1
	svc.SendUsage(ctx)
	var got []int64
	for _, c := range e.mkt.UsageCalls() {
		for _, u := range c.Usage {
			if !u.Count || u.IDs != nil {
				t.Errorf("count-mode report %+v carries ids", u)
			}
			got = append(got, u.ActiveNum)
		}
	}
	if fmt.Sprint(got) != "[2 3 1]" {
		t.Errorf("active_num reported = %v, want [2 3 1]", got)
	}
}

func TestRecordUseNoOpsAndRefusals(t *testing.T) {
	e := newUsageEnv(t)
	st, svc := e.fresh(t)
	ctx := context.Background()
	for _, l := range []*store.License{nil, {ID: "L1"}, {ID: "L2", MarketCode: "PL2", Test: true}} {
		if err := svc.RecordUse(ctx, l, "dep", license.UsageByID, svc.Now()); err != nil {
			t.Errorf("RecordUse(%+v) err = %v, want nil", l, err)
		}
	}
	if uses, _ := st.Uses(ctx, "PL2"); len(uses) != 0 {
		t.Errorf("a test license's use was recorded: %+v", uses)
	}
	l := &store.License{ID: "L3", MarketCode: "PL3"}
	for _, tt := range []struct {
		dep  string
		mode string
	}{
		{"", license.UsageByID},
		{fmt.Sprintf("%065d", 0), license.UsageByID},
		{" dep", license.UsageByID},
		{"dep\n", license.UsageByID},
		{"dep", ""},
		{"dep", "both"},
	} {
		var re *RequestError
		if err := svc.RecordUse(ctx, l, tt.dep, tt.mode, svc.Now()); !errors.As(err, &re) {
			t.Errorf("RecordUse(%q, %q) err = %v, want a *RequestError", tt.dep, tt.mode, err)
		}
	}
	if uses, _ := st.Uses(ctx, "PL3"); len(uses) != 0 {
		t.Errorf("refused uses were recorded: %+v", uses)
	}
}

func TestPackUsage(t *testing.T) {
	use := func(code, dep string, day int64, mode string, active int64) store.ClaimedUse {
		return store.ClaimedUse{Use: store.Use{UsageKey: store.UsageKey{MarketCode: code, Deployment: dep, Day: day}, Mode: mode}, Active: active}
	}
	var uses []store.ClaimedUse
	for i := range 250 {
		uses = append(uses, use(fmt.Sprintf("C%03d", i), "d", 10, store.UsageModeID, 1))
	}
	for i := range 150 {
		uses = append(uses, use("BIG", fmt.Sprintf("d%03d", i), 10, store.UsageModeID, 150))
	}
	uses = append(uses, use("C000", "d", 9, store.UsageModeID, 1), use("CNT", "a", 10, store.UsageModeCount, 2),
		use("CNT", "b", 10, store.UsageModeCount, 2))
	calls := packUsage(uses)
	seen := map[store.UsageKey]int{}
	for i, call := range calls {
		if len(call) > koogallery.MaxUsageCodes {
			t.Errorf("call %d names %d codes", i, len(call))
		}
		codes := map[string]bool{}
		for _, g := range call {
			if codes[g.report.Code] {
				t.Errorf("call %d names %s twice", i, g.report.Code)
			}
			codes[g.report.Code] = true
			if err := marketapi.CheckUsage(g.report); err != nil {
				t.Errorf("call %d: %v", i, err)
			}
			if g.report.Code == "CNT" && g.report.ActiveNum != 2 {
				t.Errorf("CNT active_num = %d, want 2", g.report.ActiveNum)
			}
			for _, k := range g.keys {
				seen[k]++
			}
		}
	}
	if len(seen) != len(uses) {
		t.Errorf("%d uses packed, want %d", len(seen), len(uses))
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%+v packed %d times", k, n)
		}
	}
	if first := calls[0][0]; first.day != 9 {
		t.Errorf("first group is of day %d, want the oldest day 9 first", first.day)
	}
	// 254 entries (C000 on two days, BIG's 150 ids in two entries): three calls hold them.
	if len(calls) != 3 {
		t.Errorf("%d calls, want 3", len(calls))
	}
}

// TestUsageStopsAtTheLease: a sender whose claim is about to end sends nothing more; the uses it did not send
// are due again at once and reported by the next pass, each once.
func TestUsageStopsAtTheLease(t *testing.T) {
	e := newUsageEnv(t)
	st := e.freshStore(t)
	// Each call takes (on the Service's clock) as long as the whole lease.
	svc := e.serviceObserved(t, st, callHook(func() { e.clock.Add(UsageLease) }))
	ls := e.codes(t, 250)
	want := map[report]bool{}
	for _, l := range ls {
		use(t, svc, l, "dep", want)
	}
	// One pass: the first call uses up the claim; the uses not sent are claimed afresh, call after call.
	if n := svc.SendUsage(context.Background()); n != len(ls) {
		t.Errorf("SendUsage() accepted %d, want %d", n, len(ls))
	}
	got, calls := e.reported(t, 0)
	checkOnce(t, "across claims", got, want)
	if calls != 3 {
		t.Errorf("%d calls, want 3", calls)
	}
	// A use given back unsent does not count the claim as an attempt.
	for _, l := range ls {
		uses, err := st.Uses(context.Background(), l.MarketCode)
		if err != nil || len(uses) != 1 || !uses[0].ReportedAt.Valid || uses[0].Attempts != 1 {
			t.Fatalf("Uses(%s) = %+v, %v; want one use reported at its first attempt", l.MarketCode, uses, err)
		}
	}
}

// TestRetryUsageToday: support's retry of dead-lettered usage sends today's (UTC) uses again once the cause is
// fixed, recorded in the audit log; an earlier day's use stays dead-lettered (the marketplace would count it for
// today); a retry with nothing to do records nothing; a license without a marketplace code is refused.
func TestRetryUsageToday(t *testing.T) {
	e := newUsageEnv(t)
	st, svc := e.fresh(t)
	ctx := context.Background()
	l := e.codes(t, 1)[0]
	now := e.clock.Now().Unix()
	*l = store.License{ID: l.ID, MarketCode: l.MarketCode, OrderID: "O-" + l.ID, Flow: store.FlowInstance, ProductID: "P1",
		Status: "active", StartsAt: now, Generation: 1, ChangedAt: now, Code: "code-" + l.ID, KeyID: "k1", CreatedAt: now}
	if _, _, err := st.Create(ctx, l, []store.Event{{At: now, Source: store.SourceKooGallery, Action: "create",
		AfterStatus: "active", Generation: 1}}, 0); err != nil {
		t.Fatal(err)
	}
	if err := svc.RecordUse(ctx, l, "dep-yesterday", license.UsageByID, e.clock.Now().Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	want := map[report]bool{}
	use(t, svc, l, "dep-today", want)

	if err := e.mkt.SetUnreachable(true); err != nil {
		t.Fatal(err)
	}
	for range UsageMaxAttempts + 5 {
		svc.SendUsage(ctx)
		e.clock.Add(UsageBackoffMax)
	}
	if s, err := st.UsageOf(ctx, l.ID); err != nil || s.Dead != 2 || s.Pending != 0 {
		t.Fatalf("UsageOf() while unreachable = %+v, %v; want both uses dead-lettered", s, err)
	}
	if err := e.mkt.SetUnreachable(false); err != nil {
		t.Fatal(err)
	}

	by := Actor{Source: store.SourceAdmin, Name: "helper", RequestID: "req-1"}
	day, n, older, err := svc.RetryUsage(ctx, l, "AK/SK fixed", by)
	if err != nil || day != license.UsageDay(day1) || n != 1 || older != 1 {
		t.Fatalf("RetryUsage() = day %d, %d retried, %d older, %v; want day %d, 1 and 1", day, n, older, err, license.UsageDay(day1))
	}
	if got := svc.SendUsage(ctx); got != 1 {
		t.Errorf("SendUsage() after the retry accepted %d, want today's use", got)
	}
	got, _ := e.reported(t, 0)
	checkOnce(t, "after the retry", got, want)
	if s, err := st.UsageOf(ctx, l.ID); err != nil || s.Dead != 1 || s.Pending != 0 || s.LastReportedDay != license.UsageDay(day1) {
		t.Errorf("UsageOf() after the retry = %+v, %v; want today's reported, yesterday's still dead", s, err)
	}
	evs, err := st.Events(ctx, l.ID)
	if err != nil || len(evs) != 2 {
		t.Fatalf("events = %+v, %v; want the creation and the retry", evs, err)
	}
	if ev := evs[1]; ev.Action != store.ActionRetryUsage || ev.Actor != "helper" || ev.Reason != "AK/SK fixed" ||
		ev.Source != store.SourceAdmin || ev.RequestID != "req-1" || ev.AfterStatus != "active" {
		t.Errorf("retry event = %+v", ev)
	}
	if _, n, older, err := svc.RetryUsage(ctx, l, "again", by); err != nil || n != 0 || older != 1 {
		t.Errorf("second RetryUsage() = %d retried, %d older, %v; want 0 and 1", n, older, err)
	}
	if evs2, _ := st.Events(ctx, l.ID); len(evs2) != len(evs) {
		t.Errorf("events %d → %d, want a retry of nothing unrecorded", len(evs), len(evs2))
	}
	var re *RequestError
	if _, _, _, err := svc.RetryUsage(ctx, &store.License{ID: "L-plain"}, "x", by); !errors.As(err, &re) {
		t.Errorf("RetryUsage() of a license without a marketplace code = %v, want a RequestError", err)
	}
}
