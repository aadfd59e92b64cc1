package server

import (
	"context"
	"math/rand/v2"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/server/support"
)

// TestResendFreshness pins the freshness of answers to resent creates: a change made through this
// server's store shows in the next resend, and a change made by another process on the same SQLite file
// (here a second store, as the CLI opens it) shows in every resend made store.VersionBound or more after
// it committed. No resend returns an older code than that.
func TestResendFreshness(t *testing.T) {
	ctx := context.Background()
	e := &testEnv{t: t}
	e.clock.Store(t0.UnixNano())
	dir := t.TempDir()
	e.srv, e.st, e.ring = newTestServer(t, dir, serverOptions{keys: []string{testKey, "second-key"}, now: e.now, grace: time.Hour})
	e.ts = httptest.NewServer(e.srv.Handler())
	t.Cleanup(e.ts.Close)
	other, err := store.Open(ctx, filepath.Join(dir, "db.sqlite"), store.Options{Now: e.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	sp := newSupport(t, other, e.ring, support.NewIssuer(e.ring, "licentia", time.Hour), e.now, false)

	create := map[string]string{"activity": "newInstance", "orderId": "O-1", "orderLineId": "O-1-1", "businessId": "lic-1",
		"productId": "P1", "skuCode": "S1", "customerId": "C-1", "expireTime": mkTime(t0.AddDate(1, 0, 0))}
	resend := func() int64 {
		t.Helper()
		r := e.signed(testKey, create)
		wantCode(t, r, resultOK)
		return e.claims(r.License).Generation
	}
	if g := resend(); g != 1 {
		t.Fatalf("first create: generation %d, want 1", g)
	}
	if g := resend(); g != 1 {
		t.Fatalf("resend: generation %d, want 1", g)
	}

	// Through this server: at once, with the clock standing still.
	e.renew("lic-1", t0.AddDate(2, 0, 0))
	if g := resend(); g != 2 {
		t.Fatalf("resend after a renewal through this server: generation %d, want 2 at once", g)
	}

	// Through another process: never older than the bound, over an irregular schedule of changes and
	// resends.
	rnd := rand.New(rand.NewPCG(14, 1))
	type change struct {
		at  time.Time
		gen int64
	}
	var changes []change
	for i := range 60 {
		e.advance(time.Duration(rnd.IntN(400)) * time.Millisecond)
		if rnd.IntN(3) == 0 {
			c, err := sp.Reissue(ctx, "lic-1", support.ChangeRequest{Reason: "test", Actor: cliActor("a")})
			if err != nil {
				t.Fatal(err)
			}
			changes = append(changes, change{e.now(), c.License.Generation})
		}
		var want int64 = 2 // the newest generation committed at least VersionBound ago
		for _, c := range changes {
			if !e.now().Before(c.at.Add(store.VersionBound)) {
				want = c.gen
			}
		}
		if g := resend(); g < want {
			t.Fatalf("step %d at +%s: resend gave generation %d, want at least %d (changes %v)", i, e.now().Sub(t0), g, want, changes)
		}
	}
	e.advance(store.VersionBound)
	if g, want := resend(), changes[len(changes)-1].gen; g != want {
		t.Errorf("resend a bound after the last change: generation %d, want %d", g, want)
	}
}
