package license

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

var (
	now   = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	day   = int64(24 * 3600)
	exp0  = now.Unix() + 30*day // the license's expiry before the change
	later = exp0 + 365*day
	early = exp0 - 20*day
)

// change is one row's transition, applied to the current state.
type change struct {
	name string
	fn   func(License, time.Time) (License, Outcome, error)
}

func renew(kind RenewalKind, exp int64, product string) func(License, time.Time) (License, Outcome, error) {
	return func(l License, t time.Time) (License, Outcome, error) {
		return Renew(l, Validity{Kind: kind, ExpiresAt: exp, ProductID: product}, t)
	}
}

var changes = map[string]change{
	"renew":         {"renew", renew(Renewal, later, "")},
	"renew-older":   {"renew to an earlier date", renew(Renewal, early, "")},
	"renew-past":    {"renew to a date already past", renew(Renewal, exp0+day, "")},
	"trial":         {"trial to formal", renew(Renewal, later, "P-FORMAL")},
	"unrenew":       {"unrenew", renew(Unrenewal, early, "")},
	"unknown-scene": {"unknown scene", renew(SetExpiry, early, "")},
	"spec":          {"spec change only", renew(Renewal, exp0, "P-YEAR")},
	"same":          {"renew to the same date", renew(Renewal, exp0, "")},
	"freeze":        {"freeze", Freeze},
	"unfreeze":      {"unfreeze", Unfreeze},
	"release":       {"release", Release},
	"reissue":       {"reissue", Reissue},
	"revoke":        {"revoke", Revoke},
}

// want is the expected result: "applied <status> <expiry>", "ignored: <reason>" or "refused: <error>".
type row struct {
	status, change string
	want           string
	proof          int64 // ProofGen after the change (0: unchanged)
}

// The whole lifecycle on one screen: every status × every change. Expiries: exp0 (before), later, early.
var lifecycle = []row{
	{Active, "renew", "applied active later", 0},
	{Active, "renew-older", "ignored: expireTime does not move the expiry", 0},
	{Active, "renew-past", "applied active exp0+1d", 0},
	{Active, "trial", "applied active later P-FORMAL pids=P1", 0},
	{Active, "unrenew", "applied active early", 0},
	{Active, "unknown-scene", "applied active early", 0},
	{Active, "spec", "applied active exp0 P-YEAR pids=P1", 0},
	{Active, "same", "ignored: expireTime does not move the expiry", 0},
	{Active, "freeze", "applied frozen exp0", 0},
	{Active, "unfreeze", "ignored: license is already active", 0},
	{Active, "release", "applied released exp0", 0},
	{Active, "reissue", "applied active exp0", 2},
	{Active, "revoke", "applied revoked exp0", 2},

	{Frozen, "renew", "applied active later", 0}, // a paid renewal thaws
	{Frozen, "renew-older", "ignored: expireTime does not move the expiry", 0},
	{Frozen, "renew-past", "applied active exp0+1d", 0},
	{Frozen, "trial", "applied active later P-FORMAL pids=P1", 0},
	{Frozen, "unrenew", "applied frozen early", 0}, // an unrenewal never thaws
	{Frozen, "unknown-scene", "applied frozen early", 0},
	{Frozen, "spec", "applied frozen exp0 P-YEAR pids=P1", 0},
	{Frozen, "same", "ignored: expireTime does not move the expiry", 0},
	{Frozen, "freeze", "ignored: license is already frozen", 0},
	{Frozen, "unfreeze", "applied active exp0", 0},
	{Frozen, "release", "applied released exp0", 0},
	{Frozen, "reissue", "applied frozen exp0", 2},
	{Frozen, "revoke", "applied revoked exp0", 2},

	{Released, "renew", "ignored: license is released", 0},
	{Released, "renew-older", "ignored: license is released", 0},
	{Released, "renew-past", "ignored: license is released", 0},
	{Released, "trial", "ignored: license is released", 0},
	{Released, "unrenew", "ignored: license is released", 0},
	{Released, "unknown-scene", "ignored: license is released", 0},
	{Released, "spec", "ignored: license is released", 0},
	{Released, "same", "ignored: license is released", 0},
	{Released, "freeze", "ignored: license is released", 0},
	{Released, "unfreeze", "ignored: license is released", 0},
	{Released, "release", "ignored: license is already released", 0},
	{Released, "reissue", "refused: license is released", 0},
	{Released, "revoke", "applied revoked exp0", 2},

	{Revoked, "renew", "ignored: license is revoked", 0},
	{Revoked, "renew-older", "ignored: license is revoked", 0},
	{Revoked, "renew-past", "ignored: license is revoked", 0},
	{Revoked, "trial", "ignored: license is revoked", 0},
	{Revoked, "unrenew", "ignored: license is revoked", 0},
	{Revoked, "unknown-scene", "ignored: license is revoked", 0},
	{Revoked, "spec", "ignored: license is revoked", 0},
	{Revoked, "same", "ignored: license is revoked", 0},
	{Revoked, "freeze", "ignored: license is revoked", 0},
	{Revoked, "unfreeze", "ignored: license is revoked", 0},
	{Revoked, "release", "ignored: license is revoked", 0},
	{Revoked, "reissue", "refused: license is revoked", 0},
	{Revoked, "revoke", "ignored: license is already revoked", 0},
}

func expName(e int64) string {
	switch e {
	case exp0:
		return "exp0"
	case later:
		return "later"
	case early:
		return "early"
	case exp0 + day:
		return "exp0+1d"
	}
	return fmt.Sprint(e)
}

func TestLifecycle(t *testing.T) {
	seen := map[[2]string]bool{}
	for _, r := range lifecycle {
		c, ok := changes[r.change]
		if !ok {
			t.Fatalf("row %s × %s: unknown change", r.status, r.change)
		}
		seen[[2]string{r.status, r.change}] = true
		t.Run(r.status+"/"+c.name, func(t *testing.T) {
			cur := License{ID: "L1", OrderID: "O1", ProductID: "P1", Status: r.status, StartsAt: now.Unix() - day,
				ExpiresAt: exp0, Generation: 1, ProofGen: 1, ChangedAt: now.Unix() - day, Code: "old-code"}
			next, out, err := c.fn(cur, now.Add(time.Hour))
			var got string
			switch {
			case err != nil:
				got = "refused: " + err.Error()
				if next.Generation != cur.Generation {
					t.Errorf("refused change moved the generation to %d", next.Generation)
				}
			case !out.Applied:
				got = "ignored: " + out.Reason
				if !reflect.DeepEqual(next, cur) {
					t.Errorf("ignored change returned %+v, want the current state", next)
				}
			default:
				got = "applied " + next.Status + " " + expName(next.ExpiresAt)
				if next.ProductID != "P1" {
					got += " " + next.ProductID
				}
				if len(next.ProductFamily) > 0 {
					got += " pids=" + strings.Join(next.ProductFamily, ",")
				}
				if next.Generation != 2 || next.ChangedAt != now.Add(time.Hour).Unix() || next.Code != "" {
					t.Errorf("applied change: generation %d, changed_at %d, code %q; want 2, now, unsigned",
						next.Generation, next.ChangedAt, next.Code)
				}
				if out.Action == "" {
					t.Error("applied change has no action")
				}
			}
			if got != r.want {
				t.Errorf("%s × %s = %q, want %q", r.status, r.change, got, r.want)
			}
			wantProof := r.proof
			if wantProof == 0 {
				wantProof = cur.ProofGen
			}
			if err == nil && next.ProofGen != wantProof {
				t.Errorf("ProofGen = %d, want %d", next.ProofGen, wantProof)
			}
		})
	}
	for _, st := range []string{Active, Frozen, Released, Revoked} {
		for name := range changes {
			if !seen[[2]string{st, name}] {
				t.Errorf("the table has no row for %s × %s", st, name)
			}
		}
	}
}

func TestRenewPerpetualStaysPerpetual(t *testing.T) {
	cur := License{ID: "L1", Status: Active, Generation: 1, ProofGen: 1}
	next, out, err := Renew(cur, Validity{Kind: Renewal, ExpiresAt: later}, now)
	if err != nil || out.Applied || next.ExpiresAt != 0 {
		t.Errorf("Renew(perpetual) = %d, %+v, %v; want ignored, perpetual", next.ExpiresAt, out, err)
	}
	next, out, _ = Renew(cur, Validity{Kind: Unrenewal, ExpiresAt: early}, now)
	if !out.Applied || next.ExpiresAt != early {
		t.Errorf("Renew(perpetual, unrenew) = %d, %+v; want the marketplace's expiry", next.ExpiresAt, out)
	}
}

func TestCreate(t *testing.T) {
	l, out, err := Create(License{ID: "L1", OrderID: "O1", ExpiresAt: exp0}, now)
	if err != nil || !out.Applied || out.Action != ActCreate {
		t.Fatalf("Create() = %+v, %v", out, err)
	}
	if l.Status != Active || l.Generation != 1 || l.ProofGen != 1 || l.StartsAt != now.Unix() ||
		l.ChangedAt != now.Unix() || l.CreatedAt != now.Unix() {
		t.Errorf("Create() = %+v", l)
	}
	if _, _, err := Create(License{ID: "L1", StartsAt: exp0, ExpiresAt: exp0}, now); !errors.Is(err, ErrInvalid) {
		t.Errorf("Create(expiry = start) err = %v, want %v", err, ErrInvalid)
	}
	past := now.Unix() - 86400
	if _, _, err := Create(License{ID: "L1", ExpiresAt: past}, now); !errors.Is(err, ErrInvalid) {
		t.Errorf("Create(expiry passed) err = %v, want %v", err, ErrInvalid)
	}
	probe, _, err := Create(License{ID: "L1", ExpiresAt: past, Test: true}, now)
	if err != nil || probe.StartsAt != past-1 || probe.ExpiresAt != past {
		t.Errorf("Create(test, expiry passed) = %+v, %v; want it to start just before its expiry", probe, err)
	}
}

func TestMinValidAndAccepts(t *testing.T) {
	tests := []struct {
		status        string
		gen, proof    int64
		minValid      int64
		accept, refus []int64
	}{
		{Active, 3, 1, 3, []int64{1, 2, 3}, []int64{0, 4}},
		{Frozen, 3, 3, 3, []int64{3}, []int64{1, 2, 4}},
		{Released, 3, 1, 4, []int64{1, 3}, []int64{4}},
		{Revoked, 4, 4, 5, []int64{4}, []int64{3}},
	}
	for _, tt := range tests {
		l := License{Status: tt.status, Generation: tt.gen, ProofGen: tt.proof}
		if got := l.MinValid(); got != tt.minValid {
			t.Errorf("%s gen %d: MinValid() = %d, want %d", tt.status, tt.gen, got, tt.minValid)
		}
		for _, g := range tt.accept {
			if !l.Accepts(g) {
				t.Errorf("%s gen %d proof %d: Accepts(%d) = false, want true", tt.status, tt.gen, tt.proof, g)
			}
		}
		for _, g := range tt.refus {
			if l.Accepts(g) {
				t.Errorf("%s gen %d proof %d: Accepts(%d) = true, want false", tt.status, tt.gen, tt.proof, g)
			}
		}
	}
}

func TestNewEvent(t *testing.T) {
	cur := License{ID: "L1", Status: Active, ExpiresAt: exp0, Generation: 1}
	next, out, _ := Freeze(cur, now)
	d := Delivery{At: now.Unix(), Source: SourceKooGallery, Actor: "koogallery", Activity: "updateLicenseCodeStatus",
		RequestID: "r1", DedupeKey: "k"}
	ev := NewEvent(&cur, next, out, d)
	if ev.LicenseID != "L1" || ev.Action != ActFreeze || ev.BeforeStatus != Active || ev.AfterStatus != Frozen ||
		ev.Generation != 2 || ev.DedupeKey != "k" || ev.Reason != "" {
		t.Errorf("NewEvent(freeze) = %+v", ev)
	}
	same, out, _ := Freeze(next, now)
	ev = NewEvent(&next, same, out, d)
	if ev.Action != ActIgnored || ev.Reason != "license is already frozen" || ev.Generation != 2 {
		t.Errorf("NewEvent(ignored freeze) = %+v", ev)
	}
}

// TestKindOf is the table of scenes: how each moves the expiry, and that a callback without a scene is a renewal.
func TestKindOf(t *testing.T) {
	for scene, want := range map[string]RenewalKind{
		"": Renewal, SceneRenewal: Renewal, SceneTrialToFormal: Renewal, SceneRenewalChange: Renewal,
		SceneUnrenew: Unrenewal, "SOME_NEW_SCENE": SetExpiry,
	} {
		if got := KindOf(scene); got != want {
			t.Errorf("KindOf(%q) = %d, want %d", scene, got, want)
		}
	}
	if Scene("") != SceneRenewal || Scene(SceneUnrenew) != SceneUnrenew {
		t.Errorf(`Scene("") = %q, Scene(unrenew) = %q`, Scene(""), Scene(SceneUnrenew))
	}
}

// TestImport is the table of an import's starting state.
func TestImport(t *testing.T) {
	past := now.Unix() - 10*day
	tests := []struct {
		status  string
		expires int64
		want    string
	}{
		{"", exp0, "active start=now"},
		{Active, exp0, "active start=now"},
		{Frozen, exp0, "frozen start=now"},
		{Released, 0, "released start=now"},
		{Revoked, exp0, "revoked start=now"},
		{Active, past, "active start=expiry-1"},
		{"suspended", exp0, "invalid"},
	}
	for _, tt := range tests {
		l, out, err := Import(License{ID: "L1", OrderID: "O1", ExpiresAt: tt.expires}, tt.status, now)
		got := "invalid"
		if err == nil {
			start := "now"
			if l.StartsAt == tt.expires-1 {
				start = "expiry-1"
			} else if l.StartsAt != now.Unix() {
				start = fmt.Sprint(l.StartsAt)
			}
			got = l.Status + " start=" + start
			if l.Generation != 1 || l.ProofGen != 1 || out.Action != ActCreate || !out.Applied {
				t.Errorf("Import(%q) = generation %d, proof %d, %+v", tt.status, l.Generation, l.ProofGen, out)
			}
		} else if !errors.Is(err, ErrInvalid) {
			t.Errorf("Import(%q) err = %v, want ErrInvalid", tt.status, err)
		}
		if got != tt.want {
			t.Errorf("Import(%q, expires %d) = %s, want %s", tt.status, tt.expires, got, tt.want)
		}
	}
}

// TestComplete is the table of a G1b newInstance completed from its order line.
func TestComplete(t *testing.T) {
	line := OrderLine{ExpiresAt: exp0, Periodic: true, ProductID: "P-order", SKU: "S-order", Quantity: 5,
		PeriodType: "month", CustomerID: "C-order", CustomerName: "张三"}
	tests := []struct {
		name string
		l    License
		o    OrderLine
		want string
	}{
		{"all from the order", License{ID: "I1"}, line, "exp0 P-order S-order 5 month C-order 张三"},
		{"the callback's values win", License{ID: "I1", ExpiresAt: later, ProductID: "P-cb", Quantity: 2, CustomerID: "C-cb"}, line,
			"later P-cb S-order 2 month C-cb 张三"},
		{"periodic without expiry", License{ID: "I1"}, OrderLine{Periodic: true, ProductID: "P"}, "invalid"},
		{"one-off without expiry", License{ID: "I1"}, OrderLine{ProductID: "P", CustomerID: "C"}, "0 P  0  C "},
	}
	for _, tt := range tests {
		l, err := Complete(tt.l, tt.o)
		got := "invalid"
		if err == nil {
			got = fmt.Sprintf("%s %s %s %d %s %s %s", expName(l.ExpiresAt), l.ProductID, l.SKU, l.Quantity, l.PeriodType,
				l.CustomerID, l.CustomerName)
		} else if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", tt.name, err)
		}
		if got != tt.want {
			t.Errorf("%s: Complete = %q, want %q", tt.name, got, tt.want)
		}
	}
}
