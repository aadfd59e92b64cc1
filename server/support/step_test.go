package support

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/licensing"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/verifier"
)

// issuedCounter counts the codes a Service tells its Observer of.
type issuedCounter struct {
	licensing.NopObserver
	n *int
}

func (c issuedCounter) Issued(string) { *c.n++ }

// TestStep checks what one Service.Change writes for each kind of outcome: an applied change a signed generation
// and its event, an ignored one only an "ignored" event, a refused one nothing; a resent delivery nothing;
// and that issued is called once per applied change, after the commit.
func TestStep(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	e.newInstance("lic-1", "O-1", "C-1", "P1", t0.AddDate(1, 0, 0))
	refuse := func(cur license.License, _ time.Time) (license.License, license.Outcome, error) {
		return cur, license.Outcome{}, license.ErrInvalid
	}
	tests := []struct {
		name      string
		t         licensing.Transition
		dedupe    string
		wantErr   error
		wantGen   int64
		wantEvent string // action of the last event; "" for no new event
		wantIssue int
	}{
		{"applied", license.Freeze, "k1", nil, 2, license.ActFreeze, 1},
		{"resent", license.Freeze, "k1", store.ErrDuplicate, 2, "", 0},
		{"ignored", license.Freeze, "k2", nil, 2, license.ActIgnored, 0},
		{"refused", refuse, "k3", license.ErrInvalid, 2, "", 0},
		{"applied again", license.Unfreeze, "", nil, 3, license.ActUnfreeze, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := e.st.Events(ctx, "lic-1")
			if err != nil {
				t.Fatal(err)
			}
			issued := 0
			d := e.market("updateInstanceStatus")
			d.DedupeKey = tt.dedupe
			svc, err := licensing.New(e.st, licensing.Options{Issuer: e.is, Now: e.now, Observer: issuedCounter{n: &issued}})
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = svc.Change(ctx, "lic-1", d, tt.t)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Change() err = %v, want %v", err, tt.wantErr)
			}
			l := e.license("lic-1")
			if l.Generation != tt.wantGen || e.claims(l.Code).Generation != tt.wantGen {
				t.Errorf("generation = %d (code %d), want %d", l.Generation, e.claims(l.Code).Generation, tt.wantGen)
			}
			if issued != tt.wantIssue {
				t.Errorf("issued called %d times, want %d", issued, tt.wantIssue)
			}
			after, err := e.st.Events(ctx, "lic-1")
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.wantEvent == "" && len(after) != len(before):
				t.Errorf("events %d → %d, want no new event", len(before), len(after))
			case tt.wantEvent != "" && (len(after) != len(before)+1 || after[len(after)-1].Action != tt.wantEvent):
				t.Errorf("events %d → %d (last %+v), want one new %q event", len(before), len(after), after[len(after)-1], tt.wantEvent)
			}
		})
	}
}

// TestProven checks which genuine codes prove the holding of a license.
func TestProven(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	old := e.newInstance("lic-1", "O-1", "C-1", "P1", t0.AddDate(1, 0, 0))
	renewed := e.change("lic-1", "refreshInstance", func(cur license.License, now time.Time) (license.License, license.Outcome, error) {
		return license.Renew(cur, license.Validity{Kind: license.Renewal, ExpiresAt: t0.AddDate(2, 0, 0).Unix()}, now)
	}).Code
	sp := e.support()
	claims := func(code string) *verifier.Claims {
		c, err := sp.Genuine(code)
		if err != nil {
			t.Fatalf("Genuine() err = %v", err)
		}
		return c
	}
	other := *claims(renewed)
	other.OrderID = "O-other" // another deployment's license of the same id
	ahead := *claims(renewed)
	ahead.Generation = 9 // a code from a newer database than this one
	unknown := *claims(renewed)
	unknown.LicenseID = "lic-9"
	tests := []struct {
		name    string
		c       *verifier.Claims
		wantErr error
	}{
		{"current code", claims(renewed), nil},
		{"code from before a renewal", claims(old), nil},
		{"other order", &other, store.ErrNotFound},
		{"generation ahead", &ahead, store.ErrNotFound},
		{"unknown license", &unknown, store.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := sp.Proven(ctx, tt.c)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Proven() err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && l.ID != "lic-1" {
				t.Errorf("Proven() = %s, want lic-1", l.ID)
			}
		})
	}

	// A reissue stops the older codes from serving as proof.
	if _, err := sp.Reissue(ctx, "lic-1", ChangeRequest{Reason: "leaked", Actor: cliActor("a")}); err != nil {
		t.Fatal(err)
	}
	_, err := sp.Proven(ctx, claims(renewed))
	var pe *ProofError
	if !errors.As(err, &pe) || !errors.Is(err, ErrSupersededProof) || pe.Generation != 2 || pe.Status != license.Active {
		t.Errorf("Proven(superseded) err = %v, want a *ProofError for generation 2 of an active license", err)
	}
	if l, err := sp.Proven(ctx, claims(e.license("lic-1").Code)); err != nil || l.Generation != 3 {
		t.Errorf("Proven(reissued code) = %v, %v; want generation 3", l, err)
	}
}
