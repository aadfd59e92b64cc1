package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/server/support"
	"github.com/licentia/licentia/verifier"
)

func getRevocations(t testing.TB, h http.Handler, etag string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/v1/revocations", nil)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestRevocationsCache(t *testing.T) {
	e := newTestEnv(t)
	h := e.srv.Handler()
	e.newInstance("lic-1", "O-1", "C-1", "P1", t0.AddDate(1, 0, 0))

	first := getRevocations(t, h, "")
	if first.Code != 200 || first.Header().Get("Cache-Control") != "public, max-age=60" ||
		first.Header().Get("Content-Type") != "application/jwt" || first.Header().Get("ETag") == "" {
		t.Fatalf("GET /v1/revocations = %d %v", first.Code, first.Header())
	}
	l, err := verifier.ParseRevocations(e.keyring(), first.Body.Bytes())
	if err != nil || len(l.MinGen) != 0 {
		t.Fatalf("first list = %+v, %v; want an empty, genuine list", l, err)
	}

	// Unchanged database within one re-signing period: the byte-identical list, and 304 for its ETag.
	e.advance(revocationsResign - time.Duration(e.now().Unix()%60)*time.Second - time.Second)
	e.refreshCode(e.license("lic-1").Code, 200) // a rate-limit write is not a license change
	if again := getRevocations(t, h, ""); again.Body.String() != first.Body.String() {
		t.Errorf("list changed without a license change")
	}
	if nm := getRevocations(t, h, first.Header().Get("ETag")); nm.Code != http.StatusNotModified || nm.Body.Len() != 0 {
		t.Errorf("conditional GET = %d (%d bytes), want 304 and no body", nm.Code, nm.Body.Len())
	}
	// Later, the same content signed anew with a newer iat, so a verifier that requires a fresh list
	// keeps getting one.
	e.advance(time.Hour)
	l, err = verifier.ParseRevocations(e.keyring(), getRevocations(t, h, "").Body.Bytes())
	if want := e.now().Unix() - e.now().Unix()%60; err != nil || len(l.MinGen) != 0 || l.IssuedAt != want {
		t.Errorf("list an hour later = %+v, %v; want an empty list with iat %d", l, err, want)
	}
	e.newInstance("lic-2", "O-2", "C-1", "P1", t0.AddDate(1, 0, 0))
	e.renew("lic-2", t0.AddDate(2, 0, 0))
	e.advance(2 * revocationsCheck)
	if l, err = verifier.ParseRevocations(e.keyring(), getRevocations(t, h, "").Body.Bytes()); err != nil || len(l.MinGen) != 0 {
		t.Errorf("list after a plain renewal = %+v, %v; want it empty", l, err)
	}

	// A change (here a marketplace freeze, not a support action) makes a new list at once.
	wantCode(t, e.signed(testKey, map[string]string{"activity": "updateInstanceStatus", "instanceId": "lic-1", "status": "FREEZE"}), resultOK)
	changed := getRevocations(t, h, first.Header().Get("ETag"))
	if changed.Code != 200 || changed.Header().Get("ETag") == first.Header().Get("ETag") {
		t.Fatalf("after a freeze: %d, ETag %s; want 200 and a new ETag", changed.Code, changed.Header().Get("ETag"))
	}
	l, err = verifier.ParseRevocations(e.keyring(), changed.Body.Bytes())
	if err != nil || l.MinGen["lic-1"] != 2 || l.IssuedAt != e.now().Unix() {
		t.Errorf("list after a freeze = %+v, %v; want lic-1 → 2, iat now", l, err)
	}

	// The entry stays while the voided active code could still verify, and leaves once it cannot (its
	// expiry and grace, plus the list's margin).
	c := e.claims(e.license("lic-1").Code)
	end := time.Unix(c.ExpiresAt+c.Grace+license.ListMargin, 0)
	e.advance(end.Sub(e.now()) - time.Second)
	if l, err = verifier.ParseRevocations(e.keyring(), getRevocations(t, h, "").Body.Bytes()); err != nil || l.MinGen["lic-1"] != 2 {
		t.Errorf("list a second before the frozen code's end = %+v, %v; want lic-1 → 2", l, err)
	}
	e.advance(time.Second)
	if l, err = verifier.ParseRevocations(e.keyring(), getRevocations(t, h, "").Body.Bytes()); err != nil || len(l.MinGen) != 0 {
		t.Errorf("list at the frozen code's end = %+v, %v; want it empty", l, err)
	}
}

// TestRevocationsAcrossReplicas runs two servers on one database: a revoke through one shows in the
// other's list within revocationsCheck, though the other never saw the change go by.
func TestRevocationsAcrossReplicas(t *testing.T) {
	ctx := context.Background()
	var clock atomic.Int64
	clock.Store(t0.Unix())
	now := func() time.Time { return time.Unix(clock.Load(), 0) }
	dir := t.TempDir()
	ring := testRing(t, dir)
	cfg := Config{KooGalleryKeys: []string{testKey}, Now: now}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	var stores [2]*store.Store
	var handlers [2]http.Handler
	for i := range stores {
		st, err := store.Open(ctx, filepath.Join(dir, "shared.sqlite"), store.Options{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		stores[i] = st
		handlers[i] = New(cfg, st, ring, support.NewIssuer(ring, "licentia", 0), slog.New(slog.NewTextHandler(io.Discard, nil))).Handler()
	}
	is := support.NewIssuer(ring, "licentia", 0)
	l := &store.License{ID: "lic-1", OrderID: "O-1", Flow: store.FlowInstance, ProductID: "P1", Status: "active",
		StartsAt: t0.Unix(), Generation: 1, ChangedAt: t0.Unix(), CreatedAt: t0.Unix()}
	if err := is.Sign(l); err != nil {
		t.Fatal(err)
	}
	if _, _, err := stores[0].Create(ctx, l, []store.Event{{At: t0.Unix(), Source: "cli", Action: "create", AfterStatus: "active", Generation: 1}}, 0); err != nil {
		t.Fatal(err)
	}
	before := getRevocations(t, handlers[1], "")

	sp := newSupport(t, stores[0], ring, is, now, false)
	if _, err := sp.Revoke(ctx, "lic-1", support.ChangeRequest{Reason: "fraud", Actor: cliActor("a")}); err != nil {
		t.Fatal(err)
	}

	// The replica asks the database at most once per revocationsCheck: within it, its list may lag.
	clock.Add(int64(revocationsCheck / time.Second))
	after := getRevocations(t, handlers[1], before.Header().Get("ETag"))
	if after.Code != 200 {
		t.Fatalf("replica's conditional GET a second after a revoke elsewhere = %d, want 200 with a new list", after.Code)
	}
	kr, _ := verifier.NewKeyring(ring.Keys()[0].Public)
	list, err := verifier.ParseRevocations(kr, after.Body.Bytes())
	if err != nil || list.MinGen["lic-1"] != 3 {
		t.Errorf("replica's list = %+v, %v; want lic-1 → 3", list, err)
	}
}

// TestRevocationsSignedByActiveKey checks that after a key rotation the list is signed by the new key.
func TestRevocationsSignedByActiveKey(t *testing.T) {
	e := newTestEnv(t)
	e.newInstance("lic-1", "O-1", "C-1", "P1", t0.AddDate(1, 0, 0))
	ring, err := e.ring.Rotate(bytes.NewReader(bytes.Repeat([]byte{9}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{KooGalleryKeys: []string{testKey}, Now: e.now}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	srv := New(cfg, e.st, ring, support.NewIssuer(ring, "licentia", 0), slog.New(slog.NewTextHandler(io.Discard, nil)))
	body := getRevocations(t, srv.Handler(), "").Body.Bytes()
	both, err := verifier.NewKeyring(ring.Keys()[0].Public, ring.Keys()[1].Public)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := verifier.ParseRevocations(both, body); err != nil {
		t.Fatalf("ParseRevocations() err = %v", err)
	}
	onlyOld, _ := verifier.NewKeyring(e.ring.Keys()[0].Public)
	if _, err := verifier.ParseRevocations(onlyOld, body); !errors.Is(err, verifier.ErrUnknownKey) {
		t.Errorf("list checked with the retired key only: err = %v, want %v", err, verifier.ErrUnknownKey)
	}
}

func TestMinGenerations(t *testing.T) {
	got := minGenerations([]store.Revocation{{LicenseID: "a", MinGen: 2, Until: 10}, {LicenseID: "c", MinGen: 5},
		{LicenseID: "ended", MinGen: 2, Until: 5}, {LicenseID: "tombstone", ChangedAt: 4}}, 5)
	want := map[string]int64{"a": 2, "c": 5}
	if len(got) != len(want) {
		t.Errorf("minGenerations() = %v, want %v", got, want)
	}
	for id, g := range want {
		if got[id] != g {
			t.Errorf("min_gen[%s] = %d, want %d", id, got[id], g)
		}
	}
}
