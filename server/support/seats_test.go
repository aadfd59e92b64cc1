package support

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/licentia/licentia/server/licensing"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/verifier"
)

func dep(n string) verifier.Deployment {
	return verifier.Deployment{ID: "dep-" + n, Components: map[string][]string{"machine_id": {"mid-" + n}, "hostname": {"host-" + n}}}
}

// takeSeat takes a seat of license id for d, as an activation or refresh does.
func (e *testEnv) takeSeat(id string, d verifier.Deployment) {
	e.t.Helper()
	if _, err := e.svc.Seat(context.Background(), e.license(id), d, licensing.Actor{Source: store.SourceAPI, Name: "buyer"}); err != nil {
		e.t.Fatalf("Seat(%s, %s) err = %v", id, d.ID, err)
	}
}

func isRequestError(err error) bool {
	var re *licensing.RequestError
	return errors.As(err, &re)
}

func TestSupportSeats(t *testing.T) {
	ctx := context.Background()
	i64 := func(n int64) *int64 { return &n }
	for _, tc := range []struct {
		name   string
		policy *PolicyRequest // nil: the default
		take   int
		want   SeatUse
	}{
		{name: "default: the quantity (none: one seat)", take: 1, want: SeatUse{Policy: "quantity", Limit: i64(1), Used: 1}},
		{name: "a fixed number", policy: &PolicyRequest{Seats: "3"}, take: 2, want: SeatUse{Policy: "3", Limit: i64(3), Used: 2}},
		{name: "unlimited", policy: &PolicyRequest{Seats: "unlimited"}, take: 4, want: SeatUse{Policy: "unlimited", Used: 4}},
		{name: "no seat taken", policy: &PolicyRequest{Seats: "2"}, want: SeatUse{Policy: "2", Limit: i64(2)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			e.newInstance("lic-1", "O-1", "C-1", "P1", t0.AddDate(1, 0, 0))
			sp := e.support()
			if tc.policy != nil {
				req := *tc.policy
				req.Actor = cliActor("alice")
				if _, err := sp.SetPolicy(ctx, "P1", req); err != nil {
					t.Fatal(err)
				}
			}
			for i := range tc.take {
				e.takeSeat("lic-1", dep(string(rune('a'+i))))
				e.advance(time.Minute)
			}
			s, err := sp.Seats(ctx, "O-1") // an order id names its license
			if err != nil {
				t.Fatalf("Seats() err = %v", err)
			}
			if s.LicenseID != "lic-1" || s.Use.Policy != tc.want.Policy || s.Use.Used != tc.want.Used ||
				(s.Use.Limit == nil) != (tc.want.Limit == nil) || (s.Use.Limit != nil && *s.Use.Limit != *tc.want.Limit) {
				t.Errorf("Seats() = %s %+v, want lic-1 %+v", s.LicenseID, s.Use, tc.want)
			}
			if len(s.Seats) != tc.take {
				t.Fatalf("Seats() lists %d seats, want %d", len(s.Seats), tc.take)
			}
			for i, v := range s.Seats {
				id := "dep-" + string(rune('a'+i))
				want := SeatView{Deployment: SeatKey("lic-1", id, nil), Components: 2,
					TakenAt: RFC3339(t0.Add(time.Duration(i) * time.Minute).Unix()), SeenAt: RFC3339(t0.Add(time.Duration(i) * time.Minute).Unix()),
					Live: true, CodeGeneration: 1, Current: true}
				if v.Deployment != want.Deployment || v.Components != 2 || v.TakenAt != want.TakenAt || v.SeenAt != want.SeenAt ||
					v.LeaseUntil != nil || v.CloneAt != nil || !v.Live || v.CodeGeneration != 1 || !v.Current {
					t.Errorf("seat %d = %+v, want %+v", i, v, want)
				}
				if strings.Contains(v.Deployment, id) {
					t.Errorf("seat %d shows the raw deployment id: %+v", i, v)
				}
			}
			d, err := sp.Show(ctx, "lic-1", false)
			if err != nil {
				t.Fatal(err)
			}
			if d.Seats == nil || d.Seats.Used != tc.want.Used || d.Seats.Policy != tc.want.Policy {
				t.Errorf("Show().Seats = %+v, want %+v", d.Seats, tc.want)
			}
		})
	}
}

// TestSupportSeatsLeaseAndGeneration: a seat's lease end, its lapse, and its code's generation after a reissue.
func TestSupportSeatsLeaseAndGeneration(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t)
	e.newInstance("lic-1", "O-1", "C-1", "P1", t0.AddDate(1, 0, 0))
	sp := e.support()
	if _, err := sp.SetPolicy(ctx, "P1", PolicyRequest{Seats: "2", LeaseSeconds: 3600, Actor: cliActor("alice")}); err != nil {
		t.Fatal(err)
	}
	e.takeSeat("lic-1", dep("a"))
	if _, err := sp.Reissue(ctx, "lic-1", ChangeRequest{Reason: "rotate", Actor: cliActor("alice")}); err != nil {
		t.Fatal(err)
	}
	s, err := sp.Seats(ctx, "lic-1")
	if err != nil {
		t.Fatal(err)
	}
	v := s.Seats[0]
	if v.LeaseUntil == nil || *v.LeaseUntil != RFC3339(t0.Add(time.Hour).Unix()) || v.Current || v.CodeGeneration != 1 || !v.Live {
		t.Errorf("seat after reissue = %+v, want lease until %s, generation 1, not current, live", v, RFC3339(t0.Add(time.Hour).Unix()))
	}
	e.advance(time.Hour)
	s, err = sp.Seats(ctx, "lic-1")
	if err != nil {
		t.Fatal(err)
	}
	if s.Use.Used != 0 || len(s.Seats) != 1 || s.Seats[0].Live {
		t.Errorf("seats after the lease = %+v %+v, want 0 used, one lapsed seat listed", s.Use, s.Seats)
	}
}

func TestSupportFreeSeat(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, ref, deployment, reason string
		wantErr                       func(error) bool
	}{
		{name: "by hash", ref: "lic-1", deployment: "hash:dep-a", reason: "moved to a new VM"},
		{name: "by deployment id", ref: "O-1", deployment: "dep-a", reason: "container died"},
		{name: "not held", ref: "lic-1", deployment: "dep-z", reason: "r", wantErr: func(err error) bool { return errors.Is(err, store.ErrNotFound) }},
		{name: "no deployment", ref: "lic-1", deployment: "", reason: "r", wantErr: isRequestError},
		{name: "control character", ref: "lic-1", deployment: "dep\x1b[2J", reason: "r", wantErr: isRequestError},
		{name: "too long", ref: "lic-1", deployment: strings.Repeat("d", 1025), reason: "r", wantErr: isRequestError},
		{name: "no reason", ref: "lic-1", deployment: "dep-a", reason: "  ", wantErr: isRequestError},
		{name: "unknown license", ref: "nope", deployment: "dep-a", reason: "r", wantErr: func(err error) bool { return errors.Is(err, store.ErrNotFound) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			e.newInstance("lic-1", "O-1", "C-1", "P1", t0.AddDate(1, 0, 0))
			sp := e.support()
			if _, err := sp.SetPolicy(ctx, "P1", PolicyRequest{Seats: "2", Actor: cliActor("alice")}); err != nil {
				t.Fatal(err)
			}
			e.takeSeat("lic-1", dep("a"))
			e.takeSeat("lic-1", dep("b"))
			hash := SeatKey("lic-1", "dep-a", nil)
			d := tc.deployment
			if id, ok := strings.CutPrefix(d, "hash:"); ok {
				d = SeatKey("lic-1", id, nil)
			}
			before, _ := e.st.Events(ctx, "lic-1")
			out, err := sp.FreeSeat(ctx, tc.ref, d, ChangeRequest{Reason: tc.reason, Actor: cliActor("bob")})
			after, _ := e.st.Events(ctx, "lic-1")
			seats, _ := sp.Seats(ctx, "lic-1")
			if tc.wantErr != nil {
				if err == nil || !tc.wantErr(err) {
					t.Fatalf("FreeSeat() = %+v, %v; want the error", out, err)
				}
				if len(after) != len(before) || seats.Use.Used != 2 {
					t.Errorf("a refused FreeSeat wrote: %d events → %d, %d seats used", len(before), len(after), seats.Use.Used)
				}
				return
			}
			if err != nil {
				t.Fatalf("FreeSeat() err = %v", err)
			}
			if *out != (SeatsFreed{LicenseID: "lic-1", Deployment: hash, Freed: 1}) {
				t.Errorf("FreeSeat() = %+v, want lic-1 %s 1", out, hash)
			}
			if seats.Use.Used != 1 || seats.Seats[0].Deployment != SeatKey("lic-1", "dep-b", nil) {
				t.Errorf("seats after = %+v, want only dep-b's", seats)
			}
			last := after[len(after)-1]
			if len(after) != len(before)+1 || last.Action != licensing.ActSeatFreed || last.Actor != "bob" || last.Source != store.SourceCLI ||
				last.Reason != tc.reason {
				t.Errorf("event = %+v, want seat_freed by cli bob with the reason", last)
			}
			for _, ev := range after {
				if strings.Contains(ev.Reason, "dep-a") {
					t.Errorf("event %+v holds the raw deployment id", ev)
				}
			}
		})
	}
}

func TestSupportReissueFreeSeats(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t)
	e.newInstance("lic-1", "O-1", "C-1", "P1", t0.AddDate(1, 0, 0))
	sp := e.support()
	if _, err := sp.SetPolicy(ctx, "P1", PolicyRequest{Seats: "3", Actor: cliActor("alice")}); err != nil {
		t.Fatal(err)
	}
	e.takeSeat("lic-1", dep("a"))
	e.takeSeat("lic-1", dep("b"))

	ch, err := sp.Reissue(ctx, "lic-1", ChangeRequest{Reason: "kept", Actor: cliActor("alice")})
	if err != nil || ch.SeatsFreed != 0 {
		t.Fatalf("Reissue() = %+v, %v; want no seat freed", ch, err)
	}
	if s, _ := sp.Seats(ctx, "lic-1"); s.Use.Used != 2 {
		t.Errorf("a reissue without free seats left %d seats, want 2", s.Use.Used)
	}
	ch, err = sp.Reissue(ctx, "lic-1", ChangeRequest{Reason: "code leaked", FreeSeats: true, Actor: cliActor("alice")})
	if err != nil || !ch.Changed || ch.SeatsFreed != 2 || ch.License.Generation != 3 {
		t.Fatalf("Reissue(free seats) = %+v, %v; want generation 3, 2 seats freed", ch, err)
	}
	if s, _ := sp.Seats(ctx, "lic-1"); s.Use.Used != 0 || len(s.Seats) != 0 {
		t.Errorf("seats after the reissue = %+v, want none", s)
	}
	evs, _ := e.st.Events(ctx, "lic-1")
	if n := len(evs); evs[n-2].Action != "reissue" || evs[n-1].Action != licensing.ActSeatFreed || evs[n-1].Reason != "code leaked" || evs[n-1].Generation != 3 {
		t.Errorf("last events = %+v, %+v; want reissue, then seat_freed with the reason at generation 3", evs[n-2], evs[n-1])
	}
	// The new code takes a seat again.
	e.takeSeat("lic-1", dep("a"))
	if _, err := sp.Revoke(ctx, "lic-1", ChangeRequest{Reason: "r", FreeSeats: true, Actor: cliActor("alice")}); !isRequestError(err) {
		t.Errorf("Revoke(free seats) err = %v, want a request error", err)
	}
	if l := e.license("lic-1"); l.Status != "active" {
		t.Errorf("a refused revoke changed the license: %s", l.Status)
	}
}

func TestSupportPolicies(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t)
	sp := e.support()
	for _, tc := range []struct {
		name    string
		product string
		req     PolicyRequest
		ok      bool
	}{
		{name: "defaults", product: "P1", ok: true},
		{name: "everything", product: "P2", req: PolicyRequest{Seats: "unlimited", Match: 2, LeaseSeconds: 1800, RequireFingerprint: true, Usage: "count"}, ok: true},
		{name: "a number", product: "P3", req: PolicyRequest{Seats: "999999"}, ok: true},
		{name: "zero seats", product: "P4", req: PolicyRequest{Seats: "0"}},
		{name: "too many seats", product: "P4", req: PolicyRequest{Seats: "1000000"}},
		{name: "seats not a number", product: "P4", req: PolicyRequest{Seats: "many"}},
		{name: "negative match", product: "P4", req: PolicyRequest{Match: -1}},
		{name: "match past the components", product: "P4", req: PolicyRequest{Match: verifier.MaxComponents + 1}},
		{name: "negative lease", product: "P4", req: PolicyRequest{LeaseSeconds: -1}},
		{name: "lease past a year", product: "P4", req: PolicyRequest{LeaseSeconds: 367 * 86400}},
		{name: "unknown usage", product: "P4", req: PolicyRequest{Usage: "ids"}},
		{name: "no product", product: ""},
		{name: "product too long", product: strings.Repeat("p", 65)},
		{name: "product with a control character", product: "P\n1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.Actor = cliActor("alice")
			p, err := sp.SetPolicy(ctx, tc.product, tc.req)
			if !tc.ok {
				if !isRequestError(err) {
					t.Fatalf("SetPolicy() = %+v, %v; want a request error", p, err)
				}
				if got, err := sp.Policy(ctx, "P4"); err != nil || !got.Default {
					t.Errorf("a refused policy was stored: %+v, %v", got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("SetPolicy() err = %v", err)
			}
			want := PolicyView{ProductID: tc.product, Seats: tc.req.Seats, Match: tc.req.Match, LeaseSeconds: tc.req.LeaseSeconds,
				RequireFingerprint: tc.req.RequireFingerprint, Usage: tc.req.Usage, UpdatedBy: "cli:alice"}
			if want.Seats == "" {
				want.Seats = "quantity"
			}
			if want.Usage == "" {
				want.Usage = "id"
			}
			got, err := sp.Policy(ctx, tc.product)
			if err != nil {
				t.Fatal(err)
			}
			if got.UpdatedAt == nil || *got.UpdatedAt != RFC3339(e.now().Unix()) {
				t.Errorf("updated_at = %v, want %s", got.UpdatedAt, RFC3339(e.now().Unix()))
			}
			got.UpdatedAt, p.UpdatedAt = nil, nil
			if *got != want || *p != want {
				t.Errorf("SetPolicy() = %+v, Policy() = %+v; want %+v", p, got, want)
			}
		})
	}
	list, err := sp.Policies(ctx)
	if err != nil || len(list.Policies) != 3 || list.Policies[0].ProductID != "P1" || list.Policies[2].ProductID != "P3" {
		t.Fatalf("Policies() = %+v, %v; want P1, P2, P3", list, err)
	}
	d, err := sp.DeletePolicy(ctx, "P2", cliActor("bob"))
	if err != nil || !d.Default || d.Seats != "quantity" || d.UpdatedAt != nil {
		t.Errorf("DeletePolicy() = %+v, %v; want the default", d, err)
	}
	if _, err := sp.DeletePolicy(ctx, "P2", cliActor("bob")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeletePolicy() again err = %v, want not found", err)
	}
	if _, err := sp.DeletePolicy(ctx, "", cliActor("bob")); !isRequestError(err) {
		t.Errorf("DeletePolicy(\"\") err = %v, want a request error", err)
	}
	if p, err := sp.Policy(ctx, "P2"); err != nil || !p.Default {
		t.Errorf("Policy() after delete = %+v, %v; want the default", p, err)
	}
}
