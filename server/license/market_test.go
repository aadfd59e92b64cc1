package license

import (
	"errors"
	"testing"
	"time"
)

func TestActivate(t *testing.T) {
	l, out, err := Activate(License{ID: "L1", OrderID: "O1", MarketCode: "MC1"}, MarketState{Status: MarketAlive, ExpiresAt: exp0}, now)
	if err != nil || out.Action != ActActivate || !out.Applied || l.Status != Active || l.Generation != 1 ||
		l.ExpiresAt != exp0 || l.StartsAt != now.Unix() || l.MarketCode != "MC1" {
		t.Errorf("Activate(alive) = %+v, %+v, %v", l, out, err)
	}
	if _, _, err := Activate(License{ID: "L1"}, MarketState{Status: MarketReleased}, now); !errors.Is(err, ErrReleased) {
		t.Errorf("Activate(released) err = %v, want %v", err, ErrReleased)
	}
	past := now.Unix() - 10*day
	l, _, err = Activate(License{ID: "L1"}, MarketState{Status: MarketExpired, ExpiresAt: past}, now)
	if err != nil || l.ExpiresAt != past || l.StartsAt >= past {
		t.Errorf("Activate(expired) = %+v, %v; want its past expiry, a start before it", l, err)
	}
}

// TestReconcile is the table of the daily query: (status × marketplace answer) → result.
func TestReconcile(t *testing.T) {
	tests := []struct {
		status string
		m      MarketState
		want   string
	}{
		{Active, MarketState{Status: MarketAlive, ExpiresAt: exp0}, "ignored: the marketplace agrees"},
		{Active, MarketState{Status: MarketAlive, ExpiresAt: 0}, "ignored: the marketplace agrees"},
		{Active, MarketState{Status: MarketAlive, ExpiresAt: later}, "applied active later"},
		{Active, MarketState{Status: MarketAlive, ExpiresAt: early}, "applied active early"},
		{Active, MarketState{Status: MarketExpired, ExpiresAt: early}, "applied active early"},
		{Active, MarketState{Status: MarketReleased, ExpiresAt: 0}, "applied released exp0"},
		{Active, MarketState{Status: "SUSPENDED", ExpiresAt: 0}, "ignored: unknown marketplace status SUSPENDED"},
		{Frozen, MarketState{Status: MarketAlive, ExpiresAt: later}, "applied active later"},
		{Frozen, MarketState{Status: MarketAlive, ExpiresAt: exp0}, "applied active exp0"},
		{Frozen, MarketState{Status: MarketExpired, ExpiresAt: exp0}, "ignored: the marketplace agrees"},
		{Frozen, MarketState{Status: MarketReleased, ExpiresAt: 0}, "applied released exp0"},
		{Released, MarketState{Status: MarketAlive, ExpiresAt: later}, "ignored: license is released"},
		{Revoked, MarketState{Status: MarketAlive, ExpiresAt: later}, "ignored: license is revoked"},
	}
	for _, tt := range tests {
		t.Run(tt.status+"/"+tt.m.Status+"/"+expName(tt.m.ExpiresAt), func(t *testing.T) {
			cur := License{ID: "L1", Status: tt.status, ExpiresAt: exp0, Generation: 1, ProofGen: 1}
			next, out, err := Reconcile(cur, tt.m, 0, now)
			got := "ignored: " + out.Reason
			if out.Applied {
				got = "applied " + next.Status + " " + expName(next.ExpiresAt)
			}
			if err != nil || got != tt.want {
				t.Errorf("Reconcile = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestApplyPending(t *testing.T) {
	cur := License{ID: "L1", Status: Active, ExpiresAt: exp0, Generation: 1, ProofGen: 1}
	steps := []struct {
		p    Pending
		want string
	}{
		{Pending{Kind: PendingValidity, Validity: Validity{Kind: Renewal, ExpiresAt: later}}, Active},
		{Pending{Kind: PendingFreeze}, Frozen},
		{Pending{Kind: PendingUnfreeze}, Active},
		{Pending{Kind: PendingRelease}, Released},
		{Pending{Kind: PendingUnfreeze}, Released},
	}
	for i, s := range steps {
		next, _, err := ApplyPending(cur, s.p, now.Add(time.Duration(i)*time.Second))
		if err != nil || next.Status != s.want {
			t.Fatalf("step %d: %s, %v; want %s", i, next.Status, err, s.want)
		}
		cur = next
	}
	if cur.Generation != 5 || cur.ExpiresAt != later {
		t.Errorf("after the pending events: generation %d expiry %d, want 5 and the renewal's", cur.Generation, cur.ExpiresAt)
	}
}

// TestReconcileLag is the table of a query that may predate the license's latest callback (QueryLag): it may
// release, nothing else.
func TestReconcileLag(t *testing.T) {
	asked := now.Unix()
	tests := []struct {
		name       string
		lastChange int64
		m          MarketState
		want       string
	}{
		{"callback just before: no rollback", asked - 60, MarketState{Status: MarketAlive, ExpiresAt: early, AskedAt: asked}, "ignored: the query may predate the latest callback"},
		{"callback just before: no thaw", asked - 60, MarketState{Status: MarketAlive, ExpiresAt: later, AskedAt: asked}, "ignored: the query may predate the latest callback"},
		{"callback after the query", asked + 5, MarketState{Status: MarketExpired, ExpiresAt: early, AskedAt: asked}, "ignored: the query may predate the latest callback"},
		{"callback just before: release stands", asked - 60, MarketState{Status: MarketReleased, AskedAt: asked}, "applied released exp0"},
		{"callback a lag before", asked - QueryLag, MarketState{Status: MarketAlive, ExpiresAt: early, AskedAt: asked}, "applied active early"},
		{"callback a day before", asked - day, MarketState{Status: MarketAlive, ExpiresAt: later, AskedAt: asked}, "applied active later"},
		{"asked at an unknown time", asked, MarketState{Status: MarketAlive, ExpiresAt: later}, "applied active later"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cur := License{ID: "L1", Status: Frozen, ExpiresAt: exp0, Generation: 1, ProofGen: 1}
			next, out, err := Reconcile(cur, tt.m, tt.lastChange, now)
			got := "ignored: " + out.Reason
			if out.Applied {
				got = "applied " + next.Status + " " + expName(next.ExpiresAt)
			}
			if err != nil || got != tt.want {
				t.Errorf("Reconcile = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestFold is the table of an activation: the activation answer, the callbacks kept from before, the query.
func TestFold(t *testing.T) {
	asked := now.Unix()
	renew := Kept{Pending: Pending{Kind: PendingValidity, Validity: Validity{Kind: Renewal, ExpiresAt: later}}, ReceivedAt: asked - 600}
	oldRenew := renew
	oldRenew.ReceivedAt = asked - 2*QueryLag
	freeze := Kept{Pending: Pending{Kind: PendingFreeze}, ReceivedAt: asked - 2*day}
	release := Kept{Pending: Pending{Kind: PendingRelease}, ReceivedAt: asked - day}
	alive := MarketState{Status: MarketAlive, ExpiresAt: exp0, AskedAt: asked}
	tests := []struct {
		name  string
		kept  []Kept
		query MarketState
		want  string // status, expiry and the steps' actions, or the error
	}{
		{"activation alone", nil, alive, "active exp0 activate"},
		{"a lagging query keeps a fresh renewal", []Kept{renew}, alive, "active later activate renew"},
		{"a query after the lag has the last word", []Kept{oldRenew}, alive, "active exp0 activate renew reconcile"},
		{"a query thaws an old freeze", []Kept{freeze}, MarketState{Status: MarketAlive, ExpiresAt: later, AskedAt: asked}, "active later activate freeze reconcile"},
		{"kept release", []Kept{release}, alive, "released"},
		{"released by the query", []Kept{renew}, MarketState{Status: MarketReleased, AskedAt: asked}, "released"},
		{"released before activation", nil, MarketState{Status: MarketReleased}, "released"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first := tt.query
			first.AskedAt = 0
			l, steps, err := Fold(Activation{License: License{ID: "L1", OrderID: "O1", MarketCode: "MC1"}, First: first,
				Kept: tt.kept, Query: tt.query}, now)
			got := ""
			if errors.Is(err, ErrReleased) {
				got = "released"
			} else if err != nil {
				got = err.Error()
			} else {
				got = l.Status + " " + expName(l.ExpiresAt)
				for i, s := range steps {
					got += " " + s.Out.Action
					if (i == 0) != (s.Before == nil) || s.After.Generation != int64(i+1) {
						t.Errorf("step %d: before %v, generation %d", i, s.Before, s.After.Generation)
					}
				}
			}
			if got != tt.want {
				t.Errorf("Fold = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestProofAndQueryDue: what a genuine code proves of a license, and when its code is due the daily query.
func TestProofAndQueryDue(t *testing.T) {
	l := License{ID: "L1", OrderID: "O1", Status: Active, Generation: 3, ProofGen: 2, MarketCode: "MC1", QueriedDay: 100}
	for _, tt := range []struct {
		order string
		gen   int64
		want  Proof
	}{{"O1", 3, Proves}, {"O1", 2, Proves}, {"O1", 1, Void}, {"O1", 4, Foreign}, {"O2", 3, Foreign}} {
		if got := l.ProofOf(tt.order, tt.gen); got != tt.want {
			t.Errorf("ProofOf(%s, %d) = %d, want %d", tt.order, tt.gen, got, tt.want)
		}
	}
	if old := (License{OrderID: "O1", Generation: 1}); old.ProofOf("O1", 1) != Proves || old.LowestProof() != 1 {
		t.Errorf("a license stored before proof generations: ProofOf = %d, LowestProof = %d", old.ProofOf("O1", 1), old.LowestProof())
	}
	released := l
	released.Status = Released
	unbound := l
	unbound.MarketCode = ""
	for _, tt := range []struct {
		l    License
		day  int64
		want bool
	}{{l, 100, false}, {l, 101, true}, {released, 101, false}, {unbound, 101, false}} {
		if got := tt.l.QueryDue(tt.day); got != tt.want {
			t.Errorf("QueryDue(%s, code %q, day %d) = %v, want %v", tt.l.Status, tt.l.MarketCode, tt.day, got, tt.want)
		}
	}
}
