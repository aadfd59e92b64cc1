package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func testUse(code, dep string, day int64) Use {
	return Use{UsageKey: UsageKey{MarketCode: code, Deployment: dep, Day: day}, LicenseID: "L-" + code,
		Mode: UsageModeID, FirstUsedAt: day*86400 + 60}
}

func TestRecordUseOncePerDay(t *testing.T) {
	forEachDialect(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		for _, tt := range []struct {
			use         Use
			first, full bool
		}{
			{testUse("MC1", "dep-a", 100), true, false},
			{testUse("MC1", "dep-a", 100), false, false}, // the same deployment again that day
			{testUse("MC1", "dep-b", 100), true, false},
			{testUse("MC1", "dep-c", 100), false, true}, // a third deployment past maxPerDay 2
			{testUse("MC1", "dep-a", 101), true, false}, // the next day
			{testUse("MC2", "dep-a", 100), true, false}, // another code
		} {
			first, full, err := st.RecordUse(ctx, tt.use, 2)
			if err != nil || first != tt.first || full != tt.full {
				t.Errorf("RecordUse(%+v) = %v, %v, %v; want %v, %v, nil", tt.use.UsageKey, first, full, err, tt.first, tt.full)
			}
		}
		uses, err := st.Uses(ctx, "MC1")
		if err != nil || len(uses) != 3 {
			t.Fatalf("Uses(MC1) = %d uses, %v; want 3", len(uses), err)
		}
	})
}

func TestRecordUseRefusesBadRows(t *testing.T) {
	forEachDialect(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		long := testUse("MC1", fmt.Sprintf("%065d", 1), 100)
		if _, _, err := st.RecordUse(ctx, long, 10); err == nil {
			t.Errorf("RecordUse(deployment of 65 characters) err = nil, want the table's check")
		}
		bad := testUse("MC1", "dep", 100)
		bad.Mode = "both"
		if _, _, err := st.RecordUse(ctx, bad, 10); err == nil {
			t.Errorf("RecordUse(mode both) err = nil, want the table's check")
		}
	})
}

func TestClaimUsageLifecycle(t *testing.T) {
	forEachDialect(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		for _, u := range []Use{testUse("MC1", "a", 100), testUse("MC1", "b", 100), testUse("MC2", "a", 100)} {
			if u.MarketCode == "MC2" {
				u.Mode = UsageModeCount
			}
			if _, _, err := st.RecordUse(ctx, u, 100); err != nil {
				t.Fatal(err)
			}
		}
		now := int64(100*86400 + 120)
		got, err := st.ClaimUsage(ctx, "t1", now, now+60, 10)
		if err != nil || len(got) != 3 {
			t.Fatalf("ClaimUsage() = %d uses, %v; want 3", len(got), err)
		}
		for _, c := range got {
			if c.Attempts != 1 || c.Active != map[string]int64{"MC1": 2, "MC2": 1}[c.MarketCode] {
				t.Errorf("claimed %+v: attempts %d active %d, want 1 and the code's deployments that day", c.UsageKey, c.Attempts, c.Active)
			}
		}
		if again, err := st.ClaimUsage(ctx, "t2", now, now+60, 10); err != nil || len(again) != 0 {
			t.Errorf("ClaimUsage() within the lease = %d uses, %v; want none", len(again), err)
		}
		keys := func(cs []ClaimedUse) (out []UsageKey) {
			for _, c := range cs {
				out = append(out, c.UsageKey)
			}
			return out
		}
		// Another token cannot finish what t1 holds.
		if err := st.UsageSent(ctx, "t2", keys(got), now); err != nil {
			t.Fatal(err)
		}
		if s, _ := st.UsageOf(ctx, "L-MC1"); s.LastReportedDay != -1 || s.Pending != 2 {
			t.Errorf("UsageOf(L-MC1) after another token's UsageSent = %+v, want nothing reported, 2 pending", s)
		}
		if err := st.UsageSent(ctx, "t1", keys(got[:1]), now); err != nil {
			t.Fatal(err)
		}
		if err := st.UsageRetry(ctx, "t1", keys(got[1:2]), now+5, "refused"); err != nil {
			t.Fatal(err)
		}
		if err := st.UsageDead(ctx, "t1", keys(got[2:]), now, "refused every time"); err != nil {
			t.Fatal(err)
		}
		// After its lease a claim ends; the retried use is due at now+5 only.
		if c, err := st.ClaimUsage(ctx, "t3", now+4, now+64, 10); err != nil || len(c) != 0 {
			t.Errorf("ClaimUsage() before the retry is due = %d uses, %v; want none", len(c), err)
		}
		c, err := st.ClaimUsage(ctx, "t3", now+5, now+65, 10)
		if err != nil || len(c) != 1 || c[0].UsageKey != got[1].UsageKey || c[0].Attempts != 2 {
			t.Fatalf("ClaimUsage() when the retry is due = %+v, %v; want %+v at attempt 2", c, err, got[1].UsageKey)
		}
		// A sender that dies leaves its claim: the use is due again when the lease ends.
		if c, err := st.ClaimUsage(ctx, "t4", now+65, now+125, 10); err != nil || len(c) != 1 || c[0].Attempts != 3 {
			t.Errorf("ClaimUsage() after the lease = %+v, %v; want the use again at attempt 3", c, err)
		}
		// Given back unsent, the claim's attempt does not count.
		if err := st.UsageRelease(ctx, "t4", keys(got[1:2]), now+65); err != nil {
			t.Fatal(err)
		}
		if c, err := st.ClaimUsage(ctx, "t5", now+65, now+125, 10); err != nil || len(c) != 1 || c[0].Attempts != 3 {
			t.Errorf("ClaimUsage() after a release = %+v, %v; want the use again at attempt 3", c, err)
		}
		sum := map[string]UsageSummary{}
		for _, id := range []string{"L-MC1", "L-MC2", "L-none"} {
			if sum[id], err = st.UsageOf(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
		if s := sum["L-MC1"]; s.LastReportedDay != 100 || s.Pending != 1 || s.Dead != 0 {
			t.Errorf("UsageOf(L-MC1) = %+v, want day 100 reported, 1 pending", s)
		}
		if s := sum["L-MC2"]; s.LastReportedDay != -1 || s.Pending != 0 || s.Dead != 1 {
			t.Errorf("UsageOf(L-MC2) = %+v, want nothing reported, 1 dead", s)
		}
		if s := sum["L-none"]; s != (UsageSummary{LastReportedDay: -1}) {
			t.Errorf("UsageOf(L-none) = %+v, want nothing", s)
		}
		if n, err := st.CountDeadUsage(ctx); err != nil || n != 1 {
			t.Errorf("CountDeadUsage() = %d, %v; want 1", n, err)
		}
		if n, err := st.PurgeUsage(ctx, 101); err != nil || n != 2 {
			t.Errorf("PurgeUsage(101) = %d, %v; want the reported and the dead use", n, err)
		}
	})
}

// RetryDeadUsage makes a license's dead-lettered uses of a day and later due again with fresh attempts, in one
// transaction with its audit event; earlier days and other licenses stay as they are, and nothing to retry
// records nothing.
func TestRetryDeadUsage(t *testing.T) {
	forEachDialect(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		for _, id := range []string{"L-MC1", "L-MC2"} {
			if _, _, err := st.Create(ctx, testLicense(id, "O-"+id), []Event{*createEvent()}, 0); err != nil {
				t.Fatal(err)
			}
		}
		uses := []Use{testUse("MC1", "a", 99), testUse("MC1", "a", 100), testUse("MC1", "b", 100), testUse("MC2", "a", 100)}
		for _, u := range uses {
			if _, _, err := st.RecordUse(ctx, u, 100); err != nil {
				t.Fatal(err)
			}
		}
		now := int64(100*86400 + 3600)
		claimed, err := st.ClaimUsage(ctx, "t1", now, now+60, 10)
		if err != nil || len(claimed) != len(uses) {
			t.Fatalf("ClaimUsage() = %d uses, %v; want %d", len(claimed), err, len(uses))
		}
		var keys []UsageKey
		for _, c := range claimed {
			keys = append(keys, c.UsageKey)
		}
		if err := st.UsageDead(ctx, "t1", keys, now, "koogallery openapi usage: code 92020020"); err != nil {
			t.Fatal(err)
		}
		retry := func() (int64, int64) {
			t.Helper()
			ev := &Event{LicenseID: "L-MC1", At: now + 10, Source: SourceCLI, Actor: "carol", Action: ActionRetryUsage,
				Reason: "AK/SK fixed", AfterStatus: "active", Generation: 1}
			n, older, err := st.RetryDeadUsage(ctx, "L-MC1", 100, now+10, ev)
			if err != nil {
				t.Fatal(err)
			}
			return n, older
		}
		if n, older := retry(); n != 2 || older != 1 {
			t.Fatalf("RetryDeadUsage(day 100) = %d retried, %d older; want 2 and 1", n, older)
		}
		if n, older := retry(); n != 0 || older != 1 {
			t.Errorf("second RetryDeadUsage = %d retried, %d older; want 0 and 1", n, older)
		}
		evs, err := st.Events(ctx, "L-MC1")
		if err != nil || len(evs) != 2 || evs[1].Action != ActionRetryUsage || evs[1].Reason != "AK/SK fixed" {
			t.Errorf("events = %+v, %v; want the creation and one retry_usage", evs, err)
		}
		if s, _ := st.UsageOf(ctx, "L-MC1"); s.Pending != 2 || s.Dead != 1 {
			t.Errorf("UsageOf(L-MC1) = %+v, want 2 pending (day 100) and 1 dead (day 99)", s)
		}
		if s, _ := st.UsageOf(ctx, "L-MC2"); s.Pending != 0 || s.Dead != 1 {
			t.Errorf("UsageOf(L-MC2) = %+v, want its dead use untouched", s)
		}
		again, err := st.ClaimUsage(ctx, "t2", now+10, now+70, 10)
		if err != nil || len(again) != 2 {
			t.Fatalf("ClaimUsage() after the retry = %d uses, %v; want the 2 of day 100", len(again), err)
		}
		for _, c := range again {
			if c.LicenseID != "L-MC1" || c.Day != 100 || c.Attempts != 1 {
				t.Errorf("claimed after the retry: %+v; want L-MC1's day 100 at attempt 1", c)
			}
		}
		states, err := st.Uses(ctx, "MC1")
		if err != nil || len(states) != 3 || states[1].LastError != "koogallery openapi usage: code 92020020" {
			t.Errorf("uses of MC1 = %+v, %v; want the last error kept", states, err)
		}
	})
}

// Concurrent claimers never hold one use twice.
func TestClaimUsageConcurrent(t *testing.T) {
	forEachDialect(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		const n = 200
		for i := range n {
			if _, _, err := st.RecordUse(ctx, testUse(fmt.Sprintf("MC%d", i%20), fmt.Sprintf("d%d", i), 100), n); err != nil {
				t.Fatal(err)
			}
		}
		now := int64(100*86400 + 120)
		var mu sync.Mutex
		seen := map[UsageKey]int{}
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					got, err := st.ClaimUsage(ctx, fmt.Sprintf("w%d-%d", w, i), now, now+60, 7)
					if err != nil {
						t.Error(err)
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, c := range got {
						seen[c.UsageKey]++
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(seen) != n {
			t.Errorf("%d uses claimed, want %d", len(seen), n)
		}
		for k, c := range seen {
			if c != 1 {
				t.Errorf("use %+v claimed %d times", k, c)
			}
		}
	})
}

// TestSeatAndUsagePlans pins the plans of the queries a seat request and the usage report's sender run on
// SQLite: each reads through an index by its whole key, never every use of a code (RecordUse's count of the
// day's deployments), every pending use (finding a claim) or a sort of every due use (the claim's order).
func TestSeatAndUsagePlans(t *testing.T) {
	st := newTestStore(t)
	for _, tt := range []struct {
		name, query string
		want        []string // in the plan, each
	}{
		{"seat", seatQuery, []string{"(license_id=? AND deployment=?)"}},
		{"live seats", liveSeatsQuery, []string{"(license_id=?)"}},
		{"lapsed seats", deleteLapsedSeat, []string{"(license_id=?)"}},
		{"record use", recordUseQuery, []string{"usage_reports_code_day (market_code=? AND day=?)"}},
		{"use exists", useExistsQuery, []string{"(market_code=? AND deployment=? AND day=?)"}},
		{"claim usage", fmt.Sprintf(claimUsageQuery, ""), []string{"usage_reports_due (next_at<?)"}},
		{"claimed usage", claimedUsageQuery, []string{"usage_reports_claim (claim=?)", "usage_reports_code_day (market_code=? AND day=?)"}},
	} {
		rows, err := st.db.Query("EXPLAIN QUERY PLAN "+tt.query, make([]any, strings.Count(tt.query, "?"))...)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		all := strings.Join(plan, "; ")
		for _, w := range tt.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: plan %q, want %q", tt.name, all, w)
			}
		}
		for _, p := range plan {
			if strings.HasPrefix(p, "SCAN usage_reports") || strings.HasPrefix(p, "SCAN seats") || strings.HasPrefix(p, "SCAN u") ||
				(tt.name == "claim usage" && strings.Contains(p, "TEMP B-TREE")) {
				t.Errorf("%s: plan %q reads a whole table or sorts every due use", tt.name, all)
			}
		}
	}
}

// TestPolicyCache: a product's policy read once is used for policyFresh without reading it again; a change
// through another store on the same database (the CLI, a replica) applies once that has passed, a change
// through this store at once.
func TestPolicyCache(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "db.sqlite")
	var clock atomic.Int64
	clock.Store(testNow.UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	open := func() *Store {
		st, err := Open(t.Context(), dsn, Options{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	server, cli := open(), open()
	seats := func(want string) {
		t.Helper()
		p, err := server.Policy(t.Context(), "P1")
		if err != nil || p.Seats != want {
			t.Fatalf("Policy(P1) = %+v, %v; want seats %q", p, err, want)
		}
	}
	set := func(st *Store, n string) {
		t.Helper()
		if err := st.SetPolicy(t.Context(), Policy{ProductID: "P1", Seats: n, UsageMode: "id", UpdatedAt: testNow.Unix(),
			UpdatedBy: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	seats("quantity") // the default, now cached
	set(cli, "3")
	seats("quantity")
	clock.Add(int64(policyFresh))
	seats("3")
	set(server, "5")
	seats("5")
	if err := server.DeletePolicy(t.Context(), "P1"); err != nil {
		t.Fatal(err)
	}
	seats("quantity")
}
