package support

import (
	"context"
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/licentia/licentia/server/licensing"

	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/verifier"
)

func TestSupportReissue(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	exp := t0.AddDate(1, 0, 0)
	old := e.newInstance("lic-1", "O-1", "C-1", "P1", exp)
	sp := e.support()
	e.advance(time.Hour)

	ch, err := sp.Reissue(ctx, "lic-1", ChangeRequest{Reason: "buyer lost the code", Actor: cliActor("alice")})
	if err != nil {
		t.Fatalf("Reissue() err = %v", err)
	}
	if !ch.Changed || ch.PreviousGeneration != 1 || ch.License.Generation != 2 || ch.License.Code != "" {
		t.Errorf("Reissue() = %+v, want changed, generation 1 → 2, code not revealed", ch)
	}
	l := e.license("lic-1")
	oc, nc := e.claims(old), e.claims(l.Code)
	if nc.Generation != 2 || nc.IssuedAt != e.now().Unix() {
		t.Errorf("new code gen %d iat %d, want 2 %d", nc.Generation, nc.IssuedAt, e.now().Unix())
	}
	// Same entitlement: everything but gen and iat is as before.
	oc.Generation, oc.IssuedAt = nc.Generation, nc.IssuedAt
	if !reflect.DeepEqual(oc, nc) {
		t.Errorf("reissued claims = %+v, want %+v", nc, oc)
	}
	evs, err := e.st.Events(ctx, "lic-1")
	if err != nil {
		t.Fatal(err)
	}
	last := evs[len(evs)-1]
	want := store.Event{ID: last.ID, LicenseID: "lic-1", At: e.now().Unix(), Source: "cli", Actor: "alice", Action: "reissue",
		Reason: "buyer lost the code", RequestID: "cli-test", BeforeStatus: "active", AfterStatus: "active",
		BeforeExpires: exp.Unix(), AfterExpires: exp.Unix(), Generation: 2}
	if last != want {
		t.Errorf("event = %+v, want %+v", last, want)
	}
}

func TestSupportReissueAndRevokeRefusals(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	e.newInstance("lic-1", "O-1", "C-1", "P1", t0.AddDate(1, 0, 0))
	e.newInstance("lic-2", "O-2", "C-2", "P1", t0.AddDate(1, 0, 0))
	sp := e.support()
	wantReason := func(err error) {
		t.Helper()
		var re *licensing.RequestError
		if !errors.As(err, &re) {
			t.Errorf("err = %v, want a *licensing.RequestError", err)
		}
	}
	_, err := sp.Reissue(ctx, "lic-1", ChangeRequest{Reason: "  ", Actor: cliActor("a")})
	wantReason(err)
	_, err = sp.Revoke(ctx, "lic-1", ChangeRequest{Actor: cliActor("a")})
	wantReason(err)
	if _, err := sp.Reissue(ctx, "nope", ChangeRequest{Reason: "r", Actor: cliActor("a")}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Reissue(unknown) err = %v, want %v", err, store.ErrNotFound)
	}

	ch, err := sp.Revoke(ctx, "lic-1", ChangeRequest{Reason: "chargeback", Actor: cliActor("bob")})
	if err != nil || !ch.Changed || ch.License.Status != "revoked" || ch.License.Generation != 2 {
		t.Fatalf("Revoke() = %+v, %v; want revoked at generation 2", ch, err)
	}
	ch, err = sp.Revoke(ctx, "lic-1", ChangeRequest{Reason: "again", Actor: cliActor("bob")})
	if err != nil || ch.Changed || ch.License.Generation != 2 {
		t.Errorf("second Revoke() = %+v, %v; want unchanged", ch, err)
	}
	if _, err := sp.Reissue(ctx, "lic-1", ChangeRequest{Reason: "r", Actor: cliActor("a")}); !errors.Is(err, license.ErrRevoked) {
		t.Errorf("Reissue(revoked) err = %v, want %v", err, license.ErrRevoked)
	}
	// The marketplace cannot bring a revoked license back.
	renew := func(cur license.License, now time.Time) (license.License, license.Outcome, error) {
		return license.Renew(cur, license.Validity{Kind: license.Renewal, ExpiresAt: t0.AddDate(2, 0, 0).Unix()}, now)
	}
	if l := e.change("lic-1", "refreshLicenseCode", renew); l.Status != "revoked" || l.Generation != 2 {
		t.Errorf("after a renewal: %s gen %d, want revoked gen 2", l.Status, l.Generation)
	}

	e.change("lic-2", "releaseInstance", license.Release)
	if _, err := sp.Reissue(ctx, "lic-2", ChangeRequest{Reason: "r", Actor: cliActor("a")}); !errors.Is(err, license.ErrReleased) {
		t.Errorf("Reissue(released) err = %v, want %v", err, license.ErrReleased)
	}
}

func TestSupportFind(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	code1 := e.newInstance("lic-1", "O-1", "C-1", "P1", t0.AddDate(1, 0, 0))
	e.newInstance("lic-2", "O-2", "C-2", "P1", t0.AddDate(1, 0, 0))
	e.newInstance("lic-3", "O-3", "C-2", "P2", t0.AddDate(1, 0, 0))
	probe := e.testCode("MOCK")
	sp := e.support()
	if _, err := sp.Reissue(ctx, "lic-1", ChangeRequest{Reason: "r", Actor: cliActor("a")}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, ref string
		want      string
		err       error
	}{
		{"license id", "lic-2", "lic-2", nil},
		{"order id", "O-3", "lic-3", nil},
		{"customer with one license", "C-1", "lic-1", nil},
		{"superseded code", code1, "lic-1", nil},
		{"code with line breaks", code1[:40] + "\n" + code1[40:] + "\n", "lic-1", nil},
		{"customer with two licenses", "C-2", "", ErrAmbiguous},
		{"unknown", "nobody", "", store.ErrNotFound},
		{"tampered code", tamperSignature(code1), "", ErrInvalidCode},
		{"test code", probe, "", verifier.ErrTestCode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := sp.find(ctx, tt.ref)
			if !errors.Is(err, tt.err) {
				t.Fatalf("find(%q) err = %v, want %v", tt.ref, err, tt.err)
			}
			if err == nil && l.ID != tt.want {
				t.Errorf("find(%q) = %s, want %s", tt.ref, l.ID, tt.want)
			}
		})
	}
}

func TestSupportShowCode(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	old := e.newInstance("lic-1", "O-1", "C-1", "P1", t0.AddDate(1, 0, 0))
	sp := e.support()
	if _, err := sp.Reissue(ctx, "lic-1", ChangeRequest{Reason: "r", Actor: cliActor("a")}); err != nil {
		t.Fatal(err)
	}
	d, err := sp.Show(ctx, old, false)
	if err != nil {
		t.Fatalf("Show(old code) err = %v", err)
	}
	p := d.Presented
	if d.License == nil || d.License.ID != "lic-1" || d.License.Code != "" || p == nil || !p.Genuine || p.Current ||
		!p.Superseded || p.Claims.Generation != 1 || p.Verdict != "valid" || d.Claims.Generation != 2 {
		t.Errorf("Show(old code) = %+v presented %+v, want lic-1 with a genuine, superseded generation 1", d, p)
	}
	d, err = sp.Show(ctx, "lic-1", true)
	if err != nil || d.License.Code != e.license("lic-1").Code || d.Presented != nil {
		t.Errorf("Show(lic-1, reveal) = %+v, %v; want the current code revealed", d, err)
	}
	forged := tamperSignature(old)
	d, err = sp.Show(ctx, forged, false)
	if err != nil || d.Presented.Genuine || d.Presented.Verdict != "bad_signature" {
		t.Errorf("Show(forged) = %+v, %v; want not genuine, bad_signature", d.Presented, err)
	}
	if _, err := sp.Show(ctx, "eyJhbGciOiJFZERTQSJ9.!!!.x", false); !errors.Is(err, ErrInvalidCode) {
		t.Errorf("Show(garbage code) err = %v, want %v", err, ErrInvalidCode)
	}
}

// TestCodeShape: a reference is taken for a code when it has a code's shape, within a code's size; its
// claims are read, unverified, only from such a reference.
func TestCodeShape(t *testing.T) {
	e := newTestEnv(t)
	code := e.newInstance("lic-1", "O-1", "C-1", "P1", t0.AddDate(1, 0, 0))
	h, _, _ := strings.Cut(code, ".")
	padded := h + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"lic-1","x":"`+strings.Repeat("a", 8<<10)+`"}`)) + ".c2ln"
	tests := []struct {
		name, ref       string
		looksLike, read bool
	}{
		{"code", code, true, true},
		{"code with line breaks", code[:40] + "\n" + code[40:] + "\n", true, true},
		{"code-shaped, claims unreadable", "eyJhbGciOiJFZERTQSJ9.!!!.x", true, false},
		{"order id", "O-1", false, false},
		{"dotted id", "CS.2026.01", false, false},
		{"header not a JSON object", "eyJhbGci.eyJzdWIiOiJ4In0.x", false, false},
		{"longer than any code", padded, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LooksLikeCode(tt.ref); got != tt.looksLike {
				t.Errorf("LooksLikeCode() = %v, want %v", got, tt.looksLike)
			}
			c, err := DecodeClaims(CleanCode(tt.ref))
			if (err == nil) != tt.read || (tt.read && c.LicenseID != "lic-1") {
				t.Errorf("DecodeClaims() = %+v, %v; want readable %v", c, err, tt.read)
			}
		})
	}
}

func TestSupportList(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	e.newInstance("lic-1", "O-1", "C-1", "P1", t0.AddDate(0, 0, 10))
	e.newInstance("lic-2", "O-2", "C-2", "P1", t0.AddDate(0, 2, 0))
	e.newInstance("lic-3", "O-3", "C-2", "P2", t0.AddDate(1, 0, 0))
	e.newInstance("lic-4", "O-4", "C-3", "P2", t0.AddDate(0, 0, 20))
	sp := e.support()
	if _, err := sp.Revoke(ctx, "lic-4", ChangeRequest{Reason: "r", Actor: cliActor("a")}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		q    ListQuery
		want []string
	}{
		{"all", ListQuery{}, []string{"lic-1", "lic-2", "lic-3", "lic-4"}},
		{"order", ListQuery{Order: "O-2"}, []string{"lic-2"}},
		{"customer", ListQuery{Customer: "C-2"}, []string{"lic-2", "lic-3"}},
		{"product", ListQuery{Product: "P2"}, []string{"lic-3", "lic-4"}},
		{"status", ListQuery{Status: "revoked"}, []string{"lic-4"}},
		{"expiring within 30 days", ListQuery{ExpiringWithin: 30 * 24 * time.Hour}, []string{"lic-1", "lic-4"}},
		{"expiring and active", ListQuery{ExpiringWithin: 30 * 24 * time.Hour, Status: "active"}, []string{"lic-1"}},
		{"nothing", ListQuery{Customer: "C-9"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := sp.List(ctx, tt.q)
			if err != nil {
				t.Fatalf("List() err = %v", err)
			}
			var got []string
			for _, l := range page.Licenses {
				got = append(got, l.ID)
			}
			if len(got) != len(tt.want) || page.NextCursor != "" {
				t.Fatalf("List(%+v) = %v (next %q), want %v", tt.q, got, page.NextCursor, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("List(%+v) = %v, want %v", tt.q, got, tt.want)
				}
			}
		})
	}

	// Pagination: pages of 3 then 1.
	page, err := sp.List(ctx, ListQuery{Limit: 3})
	if err != nil || len(page.Licenses) != 3 || page.NextCursor == "" {
		t.Fatalf("List(limit 3) = %d licenses, next %q, err %v; want 3 and a cursor", len(page.Licenses), page.NextCursor, err)
	}
	page, err = sp.List(ctx, ListQuery{Limit: 3, Cursor: page.NextCursor})
	if err != nil || len(page.Licenses) != 1 || page.Licenses[0].ID != "lic-4" || page.NextCursor != "" {
		t.Errorf("second page = %+v, %v; want lic-4 and no cursor", page, err)
	}

	for _, q := range []ListQuery{{Status: "sleeping"}, {Limit: 5000}, {Cursor: "%%"}, {ExpiringWithin: -time.Hour}} {
		var re *licensing.RequestError
		if _, err := sp.List(ctx, q); !errors.As(err, &re) {
			t.Errorf("List(%+v) err = %v, want a *licensing.RequestError", q, err)
		}
	}
}

func TestSupportHistory(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	e.newInstance("lic-1", "O-1", "C-1", "P1", t0.AddDate(1, 0, 0))
	sp := e.support()
	e.advance(time.Minute)
	if _, err := sp.Reissue(ctx, "O-1", ChangeRequest{Reason: "lost code", Actor: cliActor("alice")}); err != nil {
		t.Fatal(err)
	}
	e.advance(time.Minute)
	if _, err := sp.Revoke(ctx, "lic-1", ChangeRequest{Reason: "fraud", Actor: licensing.Actor{Source: "admin", Name: "bob-token", RequestID: "req-9"}}); err != nil {
		t.Fatal(err)
	}
	h, err := sp.History(ctx, "C-1")
	if err != nil {
		t.Fatalf("History() err = %v", err)
	}
	type row struct{ source, actor, action, reason, before, after string }
	want := []row{
		{"koogallery", "koogallery", "create", "", "", "active"},
		{"cli", "alice", "reissue", "lost code", "active", "active"},
		{"admin", "bob-token", "revoke", "fraud", "active", "revoked"},
	}
	if len(h.Events) != len(want) {
		t.Fatalf("History() = %d events, want %d", len(h.Events), len(want))
	}
	for i, ev := range h.Events {
		got := row{ev.Source, ev.Actor, ev.Action, ev.Reason, ev.BeforeStatus, ev.AfterStatus}
		if got != want[i] || ev.Generation != int64(i+1) {
			t.Errorf("event %d = %+v gen %d, want %+v gen %d", i, got, ev.Generation, want[i], i+1)
		}
	}
	if h.Events[2].RequestID != "req-9" || h.Events[2].At != RFC3339(t0.Add(2*time.Minute).Unix()) {
		t.Errorf("revoke event = %+v, want request id req-9 at t0+2m", h.Events[2])
	}
	if _, err := sp.History(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("History(unknown) err = %v, want %v", err, store.ErrNotFound)
	}
}

// TestSupportInheritsIssuer checks that a local CLI with default settings keeps the issuer and grace the
// server put in the license's codes.
func TestSupportInheritsIssuer(t *testing.T) {
	e := newTestEnv(t) // the server signs with issuer licentia, grace 1h
	ctx := context.Background()
	e.newInstance("lic-1", "O-1", "C-1", "P1", t0.AddDate(1, 0, 0))
	sp := New(e.service(NewIssuer(e.ring, "other", 0), true), e.ring)
	if _, err := sp.Reissue(ctx, "lic-1", ChangeRequest{Reason: "r", Actor: cliActor("a")}); err != nil {
		t.Fatal(err)
	}
	if c := e.claims(e.license("lic-1").Code); c.Issuer != "licentia" || c.Grace != 3600 {
		t.Errorf("reissued iss %q grace %d, want licentia 3600", c.Issuer, c.Grace)
	}
}
