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
		{Active, MarketState{MarketAlive, exp0}, "ignored: the marketplace agrees"},
		{Active, MarketState{MarketAlive, 0}, "ignored: the marketplace agrees"},
		{Active, MarketState{MarketAlive, later}, "applied active later"},
		{Active, MarketState{MarketAlive, early}, "applied active early"},
		{Active, MarketState{MarketExpired, early}, "applied active early"},
		{Active, MarketState{MarketReleased, 0}, "applied released exp0"},
		{Active, MarketState{"SUSPENDED", 0}, "ignored: unknown marketplace status SUSPENDED"},
		{Frozen, MarketState{MarketAlive, later}, "applied active later"},
		{Frozen, MarketState{MarketAlive, exp0}, "applied active exp0"},
		{Frozen, MarketState{MarketExpired, exp0}, "ignored: the marketplace agrees"},
		{Frozen, MarketState{MarketReleased, 0}, "applied released exp0"},
		{Released, MarketState{MarketAlive, later}, "ignored: license is released"},
		{Revoked, MarketState{MarketAlive, later}, "ignored: license is revoked"},
	}
	for _, tt := range tests {
		t.Run(tt.status+"/"+tt.m.Status+"/"+expName(tt.m.ExpiresAt), func(t *testing.T) {
			cur := License{ID: "L1", Status: tt.status, ExpiresAt: exp0, Generation: 1, ProofGen: 1}
			next, out, err := Reconcile(cur, tt.m, now)
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
