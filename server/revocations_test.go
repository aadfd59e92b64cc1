package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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
	// Each replica's delta since the list held before brings it to the replica's list.
	for i, h := range handlers {
		held, err := verifier.ParseRevocations(kr, before.Body.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		delta := getRevocationsSince(t, h, "since="+strconv.FormatInt(held.IssuedAt, 10), "")
		_, got, err := verifier.AppendRevocations(kr, before.Body.Bytes(), delta.Body.Bytes())
		if err != nil || got.MinGen["lic-1"] != 3 || len(got.MinGen) != 1 {
			t.Errorf("replica %d: the list held and its delta amount to %+v, %v; want lic-1 → 3", i, got, err)
		}
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

// getRevocationsSince asks GET /v1/revocations?since= with the raw query value q.
func getRevocationsSince(t testing.TB, h http.Handler, q, etag string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/v1/revocations?"+q, nil)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// jwsPart decodes part i (0: header, 1: payload) of the compact JWS body into v.
func jwsPart(t testing.TB, body []byte, i int, v any) {
	t.Helper()
	parts := strings.Split(strings.TrimSpace(string(body)), ".")
	if len(parts) != 3 {
		t.Fatalf("not a compact JWS: %q", body)
	}
	data, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatal(err)
	}
}

// deltaPayload is a delta's payload as sent.
type deltaPayload struct {
	IAT     int64            `json:"iat"`
	Since   int64            `json:"since"`
	MinGen  map[string]int64 `json:"min_gen"`
	Removed []string         `json:"removed"`
}

// TestRevocationsDelta follows a poller that keeps a revocation document: after a reissue, a revoke, a
// freeze and a release, the delta since its list holds exactly those entries, with their current values,
// and applied to its document gives the whole list; an entry whose end passes and one whose entry is
// dropped (a tombstone) are in "removed"; a since beyond the horizon or after the list gets the whole
// list; a malformed since is a 400.
func TestRevocationsDelta(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t)
	h := e.srv.Handler()
	kr := e.keyring()
	for _, id := range []string{"lic-1", "lic-2", "lic-3", "lic-4"} {
		e.newInstance(id, "O-"+id, "C-1", "P1", t0.AddDate(1, 0, 0))
	}
	e.newInstance("lic-5", "O-lic-5", "C-1", "P1", t0.AddDate(0, 0, 1))
	whole := func() *verifier.RevocationList {
		t.Helper()
		l, err := verifier.ParseRevocations(kr, getRevocations(t, h, "").Body.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	base := getRevocations(t, h, "")
	doc, held, err := verifier.AppendRevocations(kr, nil, base.Body.Bytes())
	if err != nil || len(held.MinGen) != 0 {
		t.Fatalf("first list = %+v, %v", held, err)
	}
	// poll asks for the delta since the document's list, checks it is one and appends it.
	poll := func(what string) deltaPayload {
		t.Helper()
		rec := getRevocationsSince(t, h, "since="+strconv.FormatInt(held.IssuedAt, 10), "")
		var hdr verifier.Header
		var p deltaPayload
		jwsPart(t, rec.Body.Bytes(), 0, &hdr)
		jwsPart(t, rec.Body.Bytes(), 1, &p)
		if rec.Code != 200 || hdr.Typ != verifier.TypeRevocationsDelta || p.Since != held.IssuedAt ||
			rec.Header().Get("Cache-Control") != "public, max-age=60" || rec.Header().Get("ETag") == "" {
			t.Fatalf("%s: GET ?since=%d = %d, typ %q, since %d, %v", what, held.IssuedAt, rec.Code, hdr.Typ, p.Since, rec.Header())
		}
		if nm := getRevocationsSince(t, h, "since="+strconv.FormatInt(held.IssuedAt, 10), rec.Header().Get("ETag")); nm.Code != http.StatusNotModified {
			t.Errorf("%s: conditional GET of the delta = %d, want 304", what, nm.Code)
		}
		if again := getRevocationsSince(t, h, "since="+strconv.FormatInt(held.IssuedAt, 10), ""); again.Body.String() != rec.Body.String() {
			t.Errorf("%s: the same delta asked twice differs", what)
		}
		if doc, held, err = verifier.AppendRevocations(kr, doc, rec.Body.Bytes()); err != nil {
			t.Fatalf("%s: AppendRevocations() err = %v", what, err)
		}
		if w := whole(); w.IssuedAt != held.IssuedAt || !maps.Equal(w.MinGen, held.MinGen) {
			t.Errorf("%s: the document amounts to %+v, the whole list is %+v", what, held, w)
		}
		return p
	}
	if p := poll("nothing changed"); len(p.MinGen) != 0 || len(p.Removed) != 0 {
		t.Errorf("delta with nothing changed = %+v, want empty", p)
	}

	// Past the overlap, so that only the changes below are in the next delta.
	e.advance(revocationsOverlap + time.Minute)
	sp := e.support()
	if _, err := sp.Reissue(ctx, "lic-1", support.ChangeRequest{Reason: "leaked", Actor: cliActor("a")}); err != nil {
		t.Fatal(err)
	}
	if _, err := sp.Revoke(ctx, "lic-2", support.ChangeRequest{Reason: "fraud", Actor: cliActor("a")}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.signed(testKey, map[string]string{"activity": "updateInstanceStatus", "instanceId": "lic-3", "status": "FREEZE"}), resultOK)
	wantCode(t, e.signed(testKey, map[string]string{"activity": "releaseInstance", "instanceId": "lic-4"}), resultOK)
	wantCode(t, e.signed(testKey, map[string]string{"activity": "updateInstanceStatus", "instanceId": "lic-5", "status": "FREEZE"}), resultOK)
	p := poll("after changes")
	want := map[string]int64{"lic-1": e.license("lic-1").Generation, "lic-2": e.license("lic-2").Generation + 1,
		"lic-3": e.license("lic-3").Generation, "lic-4": e.license("lic-4").Generation + 1, "lic-5": e.license("lic-5").Generation}
	if !maps.Equal(p.MinGen, want) || len(p.Removed) != 0 {
		t.Errorf("delta after a reissue, a revoke, a freeze and a release = %+v, want min_gen %v and nothing removed", p, want)
	}

	// A thaw keeps the entry (the frozen code was voided) and writes nothing. Changes are sent again while
	// they are within the overlap of the since asked, then no more.
	wantCode(t, e.signed(testKey, map[string]string{"activity": "updateInstanceStatus", "instanceId": "lic-3", "status": "UNFREEZE"}), resultOK)
	if p := poll("after a thaw"); !maps.Equal(p.MinGen, want) {
		t.Errorf("delta after a thaw = %+v, want the changes above again (within the overlap)", p)
	}
	e.advance(revocationsOverlap + time.Minute)
	poll("past the overlap")
	if p := poll("polled again"); len(p.MinGen) != 0 || len(p.Removed) != 0 {
		t.Errorf("delta since a list made past the overlap = %+v, want empty", p)
	}

	// lic-5's frozen code stops verifying: its entry leaves the list, and the delta says so.
	c := e.claims(e.license("lic-5").Code)
	e.advance(time.Unix(c.ExpiresAt+c.Grace+license.ListMargin, 0).Sub(e.now()))
	if p := poll("at lic-5's end"); len(p.MinGen) != 0 || !slices.Equal(p.Removed, []string{"lic-5"}) {
		t.Errorf("delta at lic-5's end = %+v, want lic-5 removed", p)
	}
	// Thawed after its end, the entry is dropped for good: a tombstone, still in "removed" within the overlap.
	wantCode(t, e.signed(testKey, map[string]string{"activity": "updateInstanceStatus", "instanceId": "lic-5", "status": "UNFREEZE"}), resultOK)
	rows, _, err := e.st.RevocationRows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(rows, func(r store.Revocation) bool { return r.LicenseID == "lic-5" }); i < 0 || !rows[i].Tombstone() {
		t.Fatalf("rows = %+v, want a tombstone for lic-5", rows)
	}
	e.advance(revocationsCheck)
	if p := poll("after the tombstone"); !slices.Equal(p.Removed, []string{"lic-5"}) {
		t.Errorf("delta after lic-5's entry was dropped = %+v, want lic-5 removed", p)
	}

	// The whole list, told apart by typ: no since, a since beyond the horizon, a since after the list.
	w := whole()
	for _, q := range []string{"", "since=0", "since=" + strconv.FormatInt(e.now().Add(-revocationsHorizon-time.Minute).Unix(), 10),
		"since=" + strconv.FormatInt(w.IssuedAt+1, 10), "since=" + strconv.FormatInt(e.now().Unix()+3600, 10)} {
		rec := getRevocationsSince(t, h, q, "")
		var hdr verifier.Header
		jwsPart(t, rec.Body.Bytes(), 0, &hdr)
		if rec.Code != 200 || hdr.Typ != verifier.TypeRevocations || rec.Body.String() != getRevocations(t, h, "").Body.String() {
			t.Errorf("GET /v1/revocations?%s = %d, typ %q; want 200 and the whole list", q, rec.Code, hdr.Typ)
		}
	}
	if rec := getRevocationsSince(t, h, "since="+strconv.FormatInt(e.now().Add(-revocationsHorizon+time.Minute).Unix(), 10), ""); rec.Code != 200 {
		t.Errorf("since within the horizon = %d", rec.Code)
	} else {
		var hdr verifier.Header
		jwsPart(t, rec.Body.Bytes(), 0, &hdr)
		if hdr.Typ != verifier.TypeRevocationsDelta {
			t.Errorf("since within the horizon: typ %q, want a delta", hdr.Typ)
		}
	}
	for _, q := range []string{"since=", "since=abc", "since=-1", "since=%2B5", "since=1.5", "since=1&since=2",
		"since=99999999999999999999", "since=1e9"} {
		rec := getRevocationsSince(t, h, q, "")
		var body struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); rec.Code != 400 || err != nil || body.Error.Code != "bad_request" ||
			!strings.Contains(body.Error.Message, "since") {
			t.Errorf("GET /v1/revocations?%s = %d %s, want 400 bad_request naming since", q, rec.Code, rec.Body.String())
		}
	}
}

// TestRevocationDeltaRows checks the delta made from the sorted rows against its definition, on rows of
// every kind around the overlap and the build time.
func TestRevocationDeltaRows(t *testing.T) {
	const builtAt, since = 10_000, 9_000
	from := since - int64(revocationsOverlap/time.Second)
	var rows []store.Revocation
	n := 0
	for _, changed := range []int64{0, from - 1, from, since, builtAt} {
		for _, until := range []int64{0, from, from + 1, builtAt, builtAt + 1} {
			for _, minGen := range []int64{0, 3} {
				n++
				if minGen == 0 && until != 0 {
					continue // a tombstone has no end
				}
				rows = append(rows, store.Revocation{LicenseID: "l" + strconv.Itoa(n), MinGen: minGen, Until: until, ChangedAt: changed})
			}
		}
	}
	c := &revocationCache{iat: builtAt - 5, builtAt: builtAt}
	c.changes = slices.SortedFunc(slices.Values(rows), func(a, b store.Revocation) int { return int(a.ChangedAt - b.ChangedAt) })
	for _, r := range rows {
		if !r.Tombstone() && r.Until > 0 {
			c.ends = append(c.ends, r)
		}
	}
	slices.SortFunc(c.ends, func(a, b store.Revocation) int { return int(a.Until - b.Until) })
	got := c.delta(since)
	want := map[string]int64{}
	var removed []string
	for _, r := range rows {
		switch on := r.MinGen > 0 && (r.Until == 0 || r.Until > builtAt); {
		case on && r.ChangedAt >= from:
			want[r.LicenseID] = r.MinGen
		case !on && r.Tombstone() && r.ChangedAt >= from, !on && !r.Tombstone() && r.Until > from:
			removed = append(removed, r.LicenseID)
		}
	}
	slices.Sort(removed)
	if got.IssuedAt != builtAt-5 || got.Since != since || !maps.Equal(got.MinGen, want) || !slices.Equal(got.Removed, removed) {
		t.Errorf("delta = %+v, want min_gen %v, removed %v", got, want, removed)
	}
	if len(want) == 0 || len(removed) < 3 {
		t.Fatalf("test rows give too small a delta: %v, %v", want, removed)
	}
}
