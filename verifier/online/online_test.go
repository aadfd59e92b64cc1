package online_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/licentia/licentia/verifier"
	"github.com/licentia/licentia/verifier/online"
)

func TestClient(t *testing.T) {
	kr := testRing(t, 1)
	current := testCode(t)
	list, err := verifier.SignRevocations(&verifier.RevocationList{IssuedAt: testNow.Unix(), MinGen: map[string]int64{"inst-0001": 2}},
		testKeyID(), seedKey(1))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/codes/refresh", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"code":"` + current + `","generation":2,"status":"active","expires_at":null}`))
	})
	mux.HandleFunc("GET /v1/revocations", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(list)) })
	ts := httptest.NewServer(mux)
	defer ts.Close()

	c := &online.Client{BaseURL: ts.URL + "/"}
	got, err := c.Refresh(t.Context(), "old-code", nil)
	if err != nil || got != current {
		t.Fatalf("Refresh() = %.20q, %v, want the current code", got, err)
	}
	l, raw, err := c.Revocations(t.Context(), kr)
	if err != nil || l.MinGen["inst-0001"] != 2 || string(raw) != list {
		t.Fatalf("Revocations() = %+v, %v, want min_gen 2", l, err)
	}

	// A list signed by a key the software does not trust is refused, not used.
	if _, _, err := c.Revocations(t.Context(), testRing(t, 2)); !errors.Is(err, verifier.ErrUnknownKey) {
		t.Errorf("Revocations(untrusted) err = %v, want %v", err, verifier.ErrUnknownKey)
	}
}

func TestClientErrors(t *testing.T) {
	kr := testRing(t, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/codes/refresh", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error":{"code":"invalid_code","message":"not a code of this server"}}`))
	})
	mux.HandleFunc("GET /v1/revocations", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>")) })
	ts := httptest.NewServer(mux)
	c := &online.Client{BaseURL: ts.URL}
	if _, err := c.Refresh(t.Context(), "x", nil); !errors.Is(err, online.ErrOnline) {
		t.Errorf("Refresh(400) err = %v, want %v", err, online.ErrOnline)
	}
	if _, _, err := c.Revocations(t.Context(), kr); !errors.Is(err, verifier.ErrMalformed) {
		t.Errorf("Revocations(junk) err = %v, want %v", err, verifier.ErrMalformed)
	}
	ts.Close()
	if _, err := c.Refresh(t.Context(), "x", nil); !errors.Is(err, online.ErrOnline) {
		t.Errorf("Refresh(server down) err = %v, want %v", err, online.ErrOnline)
	}
}

// TestUpdateRevocations follows a poller's document through the server's answers: a whole list first,
// then deltas appended, a whole list when the server answers one, a fresh whole list when a delta leaves
// a gap or the deltas outgrow the list, and the held document kept when the server lags.
func TestUpdateRevocations(t *testing.T) {
	kr := testRing(t, 1)
	b := testNow.Unix()
	sign := func(v any) string {
		t.Helper()
		var s string
		var err error
		switch v := v.(type) {
		case *verifier.RevocationList:
			s, err = verifier.SignRevocations(v, testKeyID(), seedKey(1))
		case *verifier.RevocationDelta:
			s, err = verifier.SignRevocationDelta(v, testKeyID(), seedKey(1))
		}
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	var (
		mu     sync.Mutex
		whole  string            // the answer without since
		deltas map[string]string // by since
		asked  []string          // the queries asked, in order
	)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/revocations", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, r.URL.RawQuery)
		if since := r.URL.Query().Get("since"); since != "" {
			if d, ok := deltas[since]; ok {
				w.Write([]byte(d))
				return
			}
		}
		w.Write([]byte(whole))
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()
	c := &online.Client{BaseURL: ts.URL}
	serve := func(w string, d map[string]string) {
		mu.Lock()
		defer mu.Unlock()
		whole, deltas, asked = w, d, nil
	}
	queries := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(asked)
	}
	since := func(iat int64) string { return strconv.FormatInt(iat, 10) }
	// A long list, so that a few deltas fit before compaction.
	m := map[string]int64{}
	for i := range 40 {
		m["license-"+strconv.Itoa(i)] = 2
	}
	list0 := sign(&verifier.RevocationList{IssuedAt: b, MinGen: m})

	serve(list0, nil)
	l, doc, err := c.UpdateRevocations(t.Context(), kr, nil)
	if err != nil || l.IssuedAt != b || string(doc) != list0+"\n" || !slices.Equal(queries(), []string{""}) {
		t.Fatalf("UpdateRevocations(no document) = %+v, %q, %v; asked %q", l, doc, err, queries())
	}

	d1 := sign(&verifier.RevocationDelta{IssuedAt: b + 60, Since: b, MinGen: map[string]int64{"license-x": 3}, Removed: []string{"license-0"}})
	serve(list0, map[string]string{since(b): d1})
	l, doc, err = c.UpdateRevocations(t.Context(), kr, doc)
	if err != nil || l.IssuedAt != b+60 || l.MinGen["license-x"] != 3 || l.MinGen["license-0"] != 0 ||
		string(doc) != list0+"\n"+d1+"\n" || !slices.Equal(queries(), []string{"since=" + since(b)}) {
		t.Fatalf("UpdateRevocations(a delta) = %+v, %q, %v; asked %q", l, doc, err, queries())
	}

	// The server lags (a replica): the delta is older than the document. Keep the document.
	serve(list0, map[string]string{since(b + 60): sign(&verifier.RevocationDelta{IssuedAt: b, Since: b})})
	if _, _, err := c.UpdateRevocations(t.Context(), kr, doc); !errors.Is(err, verifier.ErrStaleList) {
		t.Errorf("UpdateRevocations(an older delta) err = %v, want %v", err, verifier.ErrStaleList)
	}

	// A delta that leaves a gap: the whole list is fetched instead.
	list1 := sign(&verifier.RevocationList{IssuedAt: b + 120, MinGen: map[string]int64{"license-y": 2}})
	serve(list1, map[string]string{since(b + 60): sign(&verifier.RevocationDelta{IssuedAt: b + 120, Since: b + 90})})
	l, doc2, err := c.UpdateRevocations(t.Context(), kr, doc)
	if err != nil || l.IssuedAt != b+120 || string(doc2) != list1+"\n" || !slices.Equal(queries(), []string{"since=" + since(b+60), ""}) {
		t.Errorf("UpdateRevocations(a gap) = %+v, %q, %v; asked %q; want the whole list", l, doc2, err, queries())
	}

	// The server answers a whole list to since (beyond its horizon): used as it is, no second request.
	serve(list1, nil)
	l, doc2, err = c.UpdateRevocations(t.Context(), kr, doc)
	if err != nil || l.IssuedAt != b+120 || string(doc2) != list1+"\n" || !slices.Equal(queries(), []string{"since=" + since(b+60)}) {
		t.Errorf("UpdateRevocations(whole list answered) = %+v, %q, %v; asked %q", l, doc2, err, queries())
	}

	// Deltas accumulate until together they are longer than the list: then the whole list anew.
	iat := int64(b + 60)
	for i := 0; ; i++ {
		big := map[string]int64{}
		for j := range 3 {
			big["changed-"+strconv.Itoa(i)+"-"+strconv.Itoa(j)] = 2
		}
		d := sign(&verifier.RevocationDelta{IssuedAt: iat + 60, Since: iat, MinGen: big})
		fresh := sign(&verifier.RevocationList{IssuedAt: iat + 60, MinGen: map[string]int64{"license-z": 4}})
		serve(fresh, map[string]string{since(iat): d})
		compact := verifier.RevocationsCompactDue([]byte(string(doc) + d + "\n"))
		l, doc, err = c.UpdateRevocations(t.Context(), kr, doc)
		if err != nil || l.IssuedAt != iat+60 {
			t.Fatalf("UpdateRevocations(delta %d) = %+v, %v", i, l, err)
		}
		if compact {
			if string(doc) != fresh+"\n" || !slices.Equal(queries(), []string{"since=" + since(iat), ""}) {
				t.Fatalf("compaction after %d deltas: document %q, asked %q; want the whole list fetched anew", i, doc, queries())
			}
			if i < 2 {
				t.Errorf("compaction after %d deltas, want a few deltas kept first", i)
			}
			break
		}
		if !strings.HasSuffix(string(doc), "\n"+d+"\n") {
			t.Fatalf("delta %d not appended: %q", i, doc)
		}
		iat += 60
	}

	// The server is down: ErrOnline, and the caller keeps its document.
	ts.Close()
	if _, _, err := c.UpdateRevocations(t.Context(), kr, doc); !errors.Is(err, online.ErrOnline) {
		t.Errorf("UpdateRevocations(server down) err = %v, want %v", err, online.ErrOnline)
	}
}
