package server

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/verifier"
)

// rigKey is the access key of the fuzz and bad-input rigs.
const rigKey = "rig-access-key"

// rigNow is the rigs' fixed clock.
var rigNow = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// rig is a real Server over a temp SQLite file, driven through its handler without a network, with a
// second read-only connection that counts what is stored.
type rig struct {
	srv *Server
	st  *store.Store
	db  *sql.DB
	kr  *verifier.Keyring
	seq int
}

func newRig(tb testing.TB) *rig {
	tb.Helper()
	dir := tb.TempDir()
	now := func() time.Time { return rigNow }
	srv, st, ring := newTestServer(tb, dir, serverOptions{keys: []string{rigKey}, now: now, sync: "NORMAL"})
	pem, err := ring.PublicPEM()
	if err != nil {
		tb.Fatal(err)
	}
	kr, err := verifier.ParseKeyring(pem)
	if err != nil {
		tb.Fatal(err)
	}
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "db.sqlite")+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return &rig{srv: srv, st: st, db: db, kr: kr}
}

// rigCounts is what the database holds: licenses, audit events, nonces and the sum of generations.
type rigCounts struct{ licenses, events, nonces, gens int64 }

func (r *rig) counts(tb testing.TB) rigCounts {
	tb.Helper()
	var c rigCounts
	err := r.db.QueryRow(`SELECT (SELECT COUNT(*) FROM licenses), (SELECT COUNT(*) FROM events),
		(SELECT COUNT(*) FROM nonces), (SELECT COALESCE(SUM(generation), 0) FROM licenses)`).
		Scan(&c.licenses, &c.events, &c.nonces, &c.gens)
	if err != nil {
		tb.Fatalf("count rows: %v", err)
	}
	return c
}

// answer is a decoded marketplace answer.
type answerBody struct {
	ResultCode string `json:"resultCode"`
	ResultMsg  string `json:"resultMsg"`
	InstanceID string `json:"instanceId"`
	License    string `json:"license"`
}

// do serves req and checks the form every marketplace answer must have: HTTP 200, a JSON body with a
// six-digit result code, a Body-Sign over the exact bytes with the access key.
func (r *rig) do(tb testing.TB, req *http.Request) answerBody {
	tb.Helper()
	rec := httptest.NewRecorder()
	r.srv.Handler().ServeHTTP(rec, req)
	body := rec.Body.Bytes()
	if rec.Code != http.StatusOK {
		tb.Fatalf("HTTP status = %d, want 200 (body %q)", rec.Code, body)
	}
	if err := koogallery.VerifyBodySign(rigKey, body, rec.Header().Get("Body-Sign")); err != nil {
		tb.Fatalf("Body-Sign of %q: %v", body, err)
	}
	var a answerBody
	if err := json.Unmarshal(body, &a); err != nil || len(a.ResultCode) != 6 {
		tb.Fatalf("answer %q: resultCode %q, err %v; want JSON with a six-digit resultCode", body, a.ResultCode, err)
	}
	return a
}

// getRequest returns a GET of the callback path with the raw query string q, which may be anything.
func getRequest(q string) *http.Request {
	req := httptest.NewRequest(http.MethodGet, "/koogallery/license", nil)
	req.URL.RawQuery = q
	return req
}

// postRequest returns a POST of body to the callback path with the given URL parameters.
func postRequest(q url.Values, body []byte, contentType string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/koogallery/license?"+q.Encode(), bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req
}

// signQuery replaces the authToken of the query q with a valid one; it reports false when q cannot be
// parsed as the server would.
func signQuery(q string) (string, bool) {
	v, err := url.ParseQuery(q)
	if err != nil {
		return q, false
	}
	v.Del("authToken")
	v.Set("authToken", koogallery.AuthToken(rigKey, v))
	return v.Encode(), true
}

// FuzzCallbackGET sends arbitrary query strings, signed or not, through the real License 1.0 handler:
// it never panics (which the recoverer would answer 000005), always answers in the marketplace's form,
// and writes nothing and accepts nothing unless the authToken holds.
func FuzzCallbackGET(f *testing.F) {
	seeds := []string{
		"activity=getLicense&businessId=b1&customerId=c&orderId=O1&productId=P&timeStamp=20260301080000000",
		"activity=getLicense&businessId=b2&customerId=c&customerName=%E5%BC%A0%E4%B8%89&orderId=O2&productId=P" +
			"&expireTime=20300101000000&amount=3&periodType=year&timeStamp=20260301080000000",
		"activity=refreshLicense&instanceId=b1&orderId=R1&expireTime=20310101000000&timeStamp=20260301080000000",
		"activity=expireLicense&instanceId=b1&orderId=O1&timeStamp=20260301080000000",
		"activity=releaseLicense&instanceId=b1&orderId=O1&timeStamp=20260301080000000&testFlag=1",
		"activity=getLicense&orderId=O1&orderId=O2&timeStamp=1", "authToken=a+b&timeStamp=x", "%zz=1", ";;&&==", "",
	}
	for _, s := range seeds {
		f.Add(s, true)
		f.Add(s, false)
	}
	r := newRig(f)
	f.Fuzz(func(t *testing.T, q string, sign bool) {
		if sign {
			q, _ = signQuery(q)
		}
		v, err := url.ParseQuery(q)
		_, authErr := koogallery.VerifyAuthToken([]string{rigKey}, v)
		holds := err == nil && authErr == nil
		before := r.counts(t)
		a := r.do(t, getRequest(q))
		checkFuzzAnswer(t, r, a, holds, before)
	})
}

// FuzzCallbackPOST sends arbitrary bodies and nonces, signed or with an arbitrary signature, through the
// real POST handler, with the same invariants as FuzzCallbackGET.
func FuzzCallbackPOST(f *testing.F) {
	seeds := []string{
		`{"activity":"newInstance","businessId":"b1","customerId":"c1","orderId":"O1","orderLineId":"L1","productId":"P1","expireTime":"20300101000000"}`,
		`{"activity":"refreshLicenseCode","expireTime":"20310101000000","license":"b1","orderId":"R1","orderLineId":"R1-1","scene":"RENEWAL"}`,
		`{"activity":"updateLicenseCodeStatus","license":"b1","status":"FREEZE"}`,
		`{"activity":"releaseLicenseCode","license":"b1","testFlag":"1"}`,
		`{"activity":"newInstance","orderId":12,"amount":1.5e3,"x":null,"y":true}`,
		`{"activity":"newInstance","orderId":{"a":1}}`, `[1,2]`, `{"a":"\ud800"}`, `{"a":"b"} trailing`, "", "\xff\xfe",
	}
	for i, s := range seeds {
		f.Add([]byte(s), "N"+strconv.Itoa(i), "", true)
		f.Add([]byte(s), "N"+strconv.Itoa(i), "00ff", false)
	}
	r := newRig(f)
	f.Fuzz(func(t *testing.T, body []byte, nonce, sig string, sign bool) {
		ts := strconv.FormatInt(rigNow.UnixMilli(), 10)
		if sign {
			sig = koogallery.Signature(rigKey, nonce, ts, body)
		}
		_, err := koogallery.VerifySignature([]string{rigKey}, nonce, ts, sig, body)
		holds := err == nil
		q := url.Values{"timestamp": {ts}, "nonce": {nonce}, "signature": {sig}}
		before := r.counts(t)
		a := r.do(t, postRequest(q, body, "application/json"))
		checkFuzzAnswer(t, r, a, holds, before)
	})
}

func checkFuzzAnswer(t *testing.T, r *rig, a answerBody, holds bool, before rigCounts) {
	t.Helper()
	if a.ResultCode == resultInternal && a.ResultMsg != msgNeedsMarket { // 000005 by design: no OpenAPI in the rig
		t.Fatalf("resultCode %s (%s): an internal error or a panic", a.ResultCode, a.ResultMsg)
	}
	if holds {
		return
	}
	if a.ResultCode == resultOK {
		t.Fatalf("resultCode 000000 for a request whose signature does not hold")
	}
	if after := r.counts(t); after != before {
		t.Fatalf("database changed by a request whose signature does not hold: %+v → %+v", before, after)
	}
}

// FuzzCodeOnly: whenever codeOnly reads a body, encoding/json (as unmarshalJSON decodes a refresh) reads
// the same code from it and nothing else; and the bodies it is meant for are read.
func FuzzCodeOnly(f *testing.F) {
	for _, seed := range []string{`{"code":"abc.def.ghi"}`, " {\n\t\"code\" : \"a-b_c\" } \r\n", `{"code":""}`,
		`{"code":"a","code":"b"}`, `{"CODE":"x"}`, `{"code":"a\"b"}`, `{"code":"\u0061"}`, `{"code":"é"}`,
		`{"code":"x"}{"code":"y"}`, `{"code":"x","deployment":"d"}`, `{"code":1}`, `["code"]`, `{"code":"x"`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		code, ok := codeOnly(body)
		if !ok {
			return
		}
		var req RefreshRequest
		if err := unmarshalJSON(body, &req); err != nil {
			t.Fatalf("codeOnly read %q from %q, which encoding/json refuses: %v", code, body, err)
		}
		if req.Code != code || req.Deployment != nil {
			t.Fatalf("codeOnly read %q from %q; encoding/json reads %+v", code, body, req)
		}
	})
}

// TestCodeOnlyReads: the bodies buyers' clients send are read without a decoder; others are left to it.
func TestCodeOnlyReads(t *testing.T) {
	for body, want := range map[string]string{`{"code":"abc.def.ghi"}`: "abc.def.ghi",
		" {\n\t\"code\" : \"a-b_c\" } \r\n": "a-b_c", `{"code":""}`: ""} {
		if got, ok := codeOnly([]byte(body)); !ok || got != want {
			t.Errorf("codeOnly(%q) = %q, %v; want %q", body, got, ok, want)
		}
	}
	for _, body := range []string{`{"code":"a","code":"b"}`, `{"CODE":"x"}`, `{"code":"a\"b"}`, `{"code":"é"}`,
		`{"code":"x","deployment":"d"}`, `{"code":1}`, `{"code":"x"`, ``, `{}`} {
		if got, ok := codeOnly([]byte(body)); ok {
			t.Errorf("codeOnly(%q) = %q, want it left to the decoder", body, got)
		}
	}
}
