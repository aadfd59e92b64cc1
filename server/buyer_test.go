package server

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/support"
	"github.com/licentia/licentia/verifier"
)

func postBuyerForm(t testing.TB, target string, form url.Values) (int, http.Header, string) {
	t.Helper()
	resp, err := http.PostForm(target, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(body)
}

// postBuyerFormHeaders is postBuyerForm with request headers (Origin, Sec-Fetch-Site).
func postBuyerFormHeaders(t testing.TB, target string, form url.Values, hdr map[string]string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(body)
}

func getBuyerPage(t testing.TB, target string, acceptLanguage string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	if acceptLanguage != "" {
		req.Header.Set("Accept-Language", acceptLanguage)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func TestNegotiateLang(t *testing.T) {
	tests := []struct {
		header string
		want   string
	}{
		{"", langZH},
		{"zh-CN,zh;q=0.9,en;q=0.8", langZH},
		{"en-US,en;q=0.9", langEN},
		{"en-US,en;q=0.9,zh-CN;q=0.8", langEN},
		{"zh-CN;q=0.5, en;q=0.8", langEN},
		{"zh-TW", langZH},
		{"zh-Hant-HK;q=0.9, en;q=0.3", langZH},
		{"fr-FR,fr;q=0.9", langZH},
		{"fr-FR,en;q=0.5", langEN},
		{"de, *;q=0.1", langZH},
		{"zh;q=0, *", langEN},
		{"en;q=0", langZH},
		{"zh;q=0, en;q=0", langZH},
		{"en;q=0.8, zh;q=0.8", langEN},
		{"zh;q=0.8, en;q=0.8", langZH},
		{"*;q=0.5, en;q=0.4", langZH},
		{"EN-gb", langEN},
		{"en;q=2, zh;q=0.1", langZH},   // q above 1: the entry is ignored
		{"en;q=abc, zh;q=0.1", langZH}, // unparsable q: ignored
		{"en;level=1", langZH},         // not a q parameter: ignored
		{" , ;q=1, en", langEN},
		{"en-US;q=0.001", langEN},
		{"en;q=NaN, zh;q=0.1", langZH},    // not a qvalue: ignored
		{"en;q=0.0001, zh;q=0.1", langZH}, // more than three decimals: ignored
		{"en;q=1.000", langEN},
		{"en;q=.5", langZH},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			if got := negotiateLang([]string{tt.header}); got != tt.want {
				t.Errorf("negotiateLang(%q) = %q, want %q", tt.header, got, tt.want)
			}
		})
	}
	if got := negotiateLang([]string{"fr", "en;q=0.5"}); got != langEN {
		t.Errorf("negotiateLang over two header lines = %q, want %q", got, langEN)
	}
}

func TestBuyerLang(t *testing.T) {
	tests := []struct {
		query, header, want string
	}{
		{"", "", langZH},
		{"lang=en", "zh-CN", langEN},
		{"lang=zh-CN", "en-US", langZH},
		{"lang=zh-cn", "en-US", langZH},
		{"lang=zh", "en-US", langZH},
		{"lang=EN", "", langEN},
		{"lang=fr", "en", langEN}, // unknown: Accept-Language decides
		{"lang=", "en", langEN},
	}
	for _, tt := range tests {
		t.Run(tt.query+"|"+tt.header, func(t *testing.T) {
			r, _ := http.NewRequest(http.MethodGet, "/?"+tt.query, nil)
			r.Header.Set("Accept-Language", tt.header)
			if got := buyerLang(r); got != tt.want {
				t.Errorf("buyerLang(?%s, %q) = %q, want %q", tt.query, tt.header, got, tt.want)
			}
		})
	}
}

// buyerMessages returns every message of a language's page (formats and the time zone excluded).
func buyerMessages(bt *buyerText) map[string]string {
	out := map[string]string{}
	v := reflect.ValueOf(*bt)
	for i := range v.NumField() {
		f, name := v.Field(i), v.Type().Field(i).Name
		switch {
		case name == "Lang" || name == "OtherLang" || name == "TimeFormat":
		case f.Kind() == reflect.String:
			out[name] = f.String()
		case f.Type() == reflect.TypeOf(map[string]string{}):
			for k, s := range f.Interface().(map[string]string) {
				out[name+"."+k] = s
			}
		case f.Type() == reflect.TypeOf(map[string]buyerError{}):
			for k, e := range f.Interface().(map[string]buyerError) {
				out[name+"."+k+".Title"], out[name+"."+k+".Text"] = e.Title, e.Text
			}
		case f.Type() == reflect.TypeOf(buyerError{}):
			e := f.Interface().(buyerError)
			out[name+".Title"], out[name+".Text"] = e.Title, e.Text
		}
	}
	return out
}

var (
	latinLetter = regexp.MustCompile(`[A-Za-z]`)
	hanOrCJK    = regexp.MustCompile(`[\p{Han}\x{3000}-\x{303F}\x{FF00}-\x{FFEF}]`)
)

// foreignText returns what in text belongs to the other language: any Latin letter on the Chinese page
// (which therefore holds no English sentence), any Han character or CJK punctuation on the English page.
func foreignText(lang, text string) []string {
	if lang == langZH {
		return latinLetter.FindAllString(text, -1)
	}
	return hanOrCJK.FindAllString(text, -1)
}

func TestBuyerTexts(t *testing.T) {
	en, zh := buyerMessages(buyerTexts[langEN]), buyerMessages(buyerTexts[langZH])
	if ke, kz := slices.Sorted(maps.Keys(en)), slices.Sorted(maps.Keys(zh)); !slices.Equal(ke, kz) {
		t.Fatalf("message keys differ:\nen %v\nzh %v", ke, kz)
	}
	for _, v := range []string{verdictValid, verdictInGrace, verdictExpired, verdictNotYet, verdictFrozen,
		verdictReleased, verdictRevoked, verdictUnverified} {
		if en["Status."+v] == "" || en["StatusText."+v] == "" {
			t.Errorf("verdict %q has no label or text", v)
		}
	}
	for _, code := range []string{"bad_request", "invalid_code", "test_code", "not_found", "rate_limited", "too_large"} {
		if en["Errors."+code+".Title"] == "" {
			t.Errorf("error code %q has no message", code)
		}
	}
	for lang, msgs := range map[string]map[string]string{langEN: en, langZH: zh} {
		for key, m := range msgs {
			if m == "" {
				t.Errorf("%s %s is empty", lang, key)
			}
			// The placeholder is the start of a code; the switch names the other language.
			if key == "Placeholder" || key == "OtherName" {
				continue
			}
			if bad := foreignText(lang, strings.ReplaceAll(m, "%d", "")); len(bad) > 0 {
				t.Errorf("%s %s = %q holds %q of the other language", lang, key, m, bad)
			}
		}
		verbs := map[string]int{"Newer": 1, "StatusText." + verdictInGrace: 1, "SeatsUnlimited": 1, "SeatsUse": 2}
		for key, n := range verbs {
			if strings.Count(msgs[key], "%") != n || strings.Count(msgs[key], "%d") != n {
				t.Errorf("%s %s = %q, want exactly %d %%d", lang, key, msgs[key], n)
			}
		}
		for key, m := range msgs {
			if strings.Contains(m, "%") && verbs[key] == 0 {
				t.Errorf("%s %s = %q holds a format verb", lang, key, m)
			}
		}
	}
}

// buyerState is one state of the buyer page and how to reach it by pasting a code.
type buyerState struct {
	name   string
	paste  func(e *testEnv) string // what to paste; nil: the empty form of GET /
	large  bool                    // paste is far too long to type into a browser
	status int
	sel    string                                   // the element that shows the state
	noCode bool                                     // the page shows no current code and no notice to install one
	want   func(bt *buyerText) []string             // messages the state shows
	data   func(e *testEnv) []string                // values shown as they are (ids, codes), not in either language
	before func(t testing.TB, e *testEnv, u string) // run before pasting; u is the page's URL
	// free, when set, is the deployment hash posted with the pasted code from a seat's button (in the
	// browser: the first seat's button of the checked code's page, its hash set to this one).
	free func(e *testEnv) string
	// crossSite posts free from another site's page (over HTTP: with its Origin and Sec-Fetch-Site).
	crossSite bool
}

// buyerFixture creates the licenses the states need: lic-1 active, lic-2 renewed (its first code
// superseded), lic-3 perpetual, lic-4 frozen, lic-5 released, lic-6 revoked, lic-7 reissued, lic-8
// renewed by a server whose ring has a key this server does not trust; plus a marketplace probe's test
// code, a genuine code of a license the server does not hold, the codes from before lic-6's revoke and
// lic-7's reissue (which no longer prove the license), and those from before lic-5's release and lic-8's
// renewal (which still do); lic-10, of quantity 3, has two seats (seatDep(1) and seatDep(2)).
type buyerFixture struct {
	code1, old2, probe, ghost, old5, old6, old7, old8 string
}

func newBuyerFixture(t testing.TB, e *testEnv) *buyerFixture {
	t.Helper()
	exp := t0.AddDate(1, 0, 0)
	f := &buyerFixture{}
	f.code1 = e.newInstance("lic-1", "O-1", "C-1", "P1", exp)
	f.old2 = e.newInstance("lic-2", "O-2", "C-2", "P1", exp)
	supportTok := e.token("s", "support")
	e.renew("lic-2", exp.AddDate(1, 0, 0))
	f.old7 = e.newInstance("lic-7", "O-7", "C-7", "P1", exp)
	e.callJSON("POST", "/admin/v1/licenses/lic-7/reissue", supportTok, support.ChangeRequest{Reason: "r"}, 200, nil)
	r := e.signed(testKey, map[string]string{"activity": "newInstance", "orderId": "O-3", "orderLineId": "O-3-1",
		"businessId": "lic-3", "productId": "P1", "customerId": "C-3"})
	wantCode(t, r, resultOK)
	for _, id := range []string{"lic-4", "lic-5", "lic-6"} {
		e.newInstance(id, "O-"+id, "C-"+id, "P1", exp)
	}
	wantCode(t, e.signed(testKey, map[string]string{"activity": "updateInstanceStatus", "instanceId": "lic-4", "status": "FREEZE"}), resultOK)
	f.old5 = e.license("lic-5").Code
	wantCode(t, e.signed(testKey, map[string]string{"activity": "releaseInstance", "instanceId": "lic-5"}), resultOK)
	f.old6 = e.license("lic-6").Code
	e.callJSON("POST", "/admin/v1/licenses/lic-6/revoke", supportTok, support.ChangeRequest{Reason: "r"}, 200, nil)
	f.probe = e.signed(testKey, map[string]string{"activity": "newInstance", "orderId": "MOCK", "testFlag": "1"}).License
	kid, signer := e.ring.Active()
	ghost, err := verifier.Sign(&verifier.Claims{Issuer: "licentia", LicenseID: "lic-ghost", Generation: 1,
		IssuedAt: t0.Unix(), NotBefore: t0.Unix(), Status: verifier.StatusActive, ProductID: "P1", OrderID: "O-ghost"}, kid, signer)
	if err != nil {
		t.Fatal(err)
	}
	f.ghost = ghost
	f.old8 = e.newInstance("lic-8", "O-8", "C-8", "P1", exp)
	renewWithNewKey(t, e, "lic-8", exp.AddDate(1, 0, 0))
	// lic-9: a product with unlimited seats, one taken by a deployment's check-in.
	e.callJSON("PUT", "/admin/v1/policies/P9", supportTok, support.PolicyRequest{Seats: "unlimited"}, 200, nil)
	code9 := e.newInstance("lic-9", "O-9", "C-9", "P9", exp)
	e.callJSON("POST", "/v1/usage", "", UsageRequest{Code: code9, Deployment: &verifier.Deployment{ID: "vm-9"}}, 204, nil)
	r = e.signed(testKey, map[string]string{"activity": "newInstance", "orderId": "O-10", "orderLineId": "O-10-1",
		"businessId": "lic-10", "productId": "P1", "customerId": "C-10", "amount": "3", "expireTime": mkTime(exp)})
	wantCode(t, r, resultOK)
	for n := 1; n <= 2; n++ {
		e.callJSON("POST", "/v1/usage", "", UsageRequest{Code: r.License, Deployment: seatDep(n)}, 204, nil)
	}
	return f
}

// seatDep is the n-th installation holding a seat of lic-10.
func seatDep(n int) *verifier.Deployment {
	return &verifier.Deployment{ID: fmt.Sprintf("inst-%d", n), Components: map[string][]string{
		"machine_id": {fmt.Sprintf("machine-%d", n)}, "hostname": {fmt.Sprintf("host-%d", n)}}}
}

// seatHash is the hash of lic-10's n-th installation, as the buyer page's buttons post it.
func seatHash(n int) string { return support.SeatKey("lic-10", seatDep(n).ID, nil) }

// renewWithNewKey renews license id to exp through a second server on e's database whose ring (e's
// directory after a rotation) signs with a key e's server, which read its ring before, does not trust.
func renewWithNewKey(t testing.TB, e *testEnv, id string, exp time.Time) {
	t.Helper()
	ring, err := e.ring.Rotate(bytes.NewReader(bytes.Repeat([]byte{8}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{KooGalleryKeys: []string{testKey}, Now: e.now}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	other := httptest.NewServer(New(cfg, e.st, ring, support.NewIssuer(ring, "licentia", time.Hour),
		slog.New(slog.NewTextHandler(io.Discard, nil))).Handler())
	defer other.Close()
	renew := map[string]string{"activity": "refreshInstance", "instanceId": id, "orderId": "R-" + id,
		"scene": "RENEWAL", "expireTime": mkTime(exp)}
	cb, err := koogallery.NewCaller(other.URL+"/koogallery/license", testKey, nil, e.now).Signed(context.Background(), renew)
	if err == nil {
		err = cb.Accepted()
	}
	if err != nil {
		t.Fatalf("renewal through the other server: %v", err)
	}
}

// buyerStates lists every state of the page; the last, "internal", closes the store.
func buyerStates(f *buyerFixture) []buyerState {
	code := func(id string) func(e *testEnv) string { return func(e *testEnv) string { return e.license(id).Code } }
	fixed := func(s string) func(*testEnv) string { return func(*testEnv) string { return s } }
	shown := func(id string) func(e *testEnv) []string {
		return func(e *testEnv) []string { return []string{id, e.license(id).Code} }
	}
	// result is what a page with a verdict shows; the one in grace has at most a day left.
	result := func(verdict string, extra func(bt *buyerText) []string) func(bt *buyerText) []string {
		return func(bt *buyerText) []string {
			text := bt.StatusText[verdict]
			if verdict == verdictInGrace {
				text = fmt.Sprintf(text, 1)
			}
			w := []string{bt.StatusHeading + bt.Status[verdict], text, bt.LicenseLabel, bt.ExpiresLabel, bt.GenerationLabel}
			if (&buyerResult{Verdict: verdict}).Usable() {
				w = append(w, bt.CurrentCode)
			}
			if extra != nil {
				w = append(w, extra(bt)...)
			}
			return w
		}
	}
	same := func(bt *buyerText) []string { return []string{bt.Same} }
	failure := func(code string) func(bt *buyerText) []string {
		return func(bt *buyerText) []string {
			be, ok := bt.Errors[code]
			if !ok {
				be = bt.Internal
			}
			return []string{be.Title, be.Text}
		}
	}
	// dated pastes the code of a new license created at the time of pasting, starting at start and ending
	// at end from then (effectiveTime and expireTime), and shows its id and code.
	var datedID string
	dated := func(name string, start, end time.Duration) (func(e *testEnv) string, func(e *testEnv) []string) {
		n := 0
		paste := func(e *testEnv) string {
			n++
			datedID = fmt.Sprintf("lic-%s-%d", name, n)
			r := e.signed(testKey, map[string]string{"activity": "newInstance", "orderId": "O-" + datedID,
				"orderLineId": "O-" + datedID + "-1", "businessId": datedID, "productId": "P1", "customerId": "C-" + datedID,
				"effectiveTime": mkTime(e.now().Add(start)), "expireTime": mkTime(e.now().Add(end))})
			wantCode(e.t, r, resultOK)
			return r.License
		}
		return paste, func(e *testEnv) []string { return []string{datedID, e.license(datedID).Code} }
	}
	inGrace, inGraceData := dated("grace", -30*24*time.Hour, -30*time.Minute) // the code's grace is an hour
	expired, expiredData := dated("expired", -40*24*time.Hour, -2*time.Hour)
	notYet, notYetData := dated("later", 48*time.Hour, 365*24*time.Hour)
	return []buyerState{
		{name: "form", status: 200, sel: "form", want: func(bt *buyerText) []string { return []string{bt.CodeLabel} }},
		{name: "active", paste: code("lic-1"), status: 200, sel: "#same", want: result(verdictValid, same), data: shown("lic-1")},
		{name: "newer", paste: fixed(f.old2), status: 200, sel: "#newer", data: shown("lic-2"),
			want: result(verdictValid, func(bt *buyerText) []string { return []string{fmt.Sprintf(bt.Newer, 1)} })},
		{name: "perpetual", paste: code("lic-3"), status: 200, sel: "#same", data: shown("lic-3"),
			want: result(verdictValid, func(bt *buyerText) []string { return []string{bt.Same, bt.Never} })},
		{name: "in grace", paste: inGrace, status: 200, sel: "#same", data: inGraceData,
			want: result(verdictInGrace, same)},
		{name: "expired", paste: expired, status: 200, sel: "#status-text", noCode: true, data: expiredData,
			want: result(verdictExpired, nil)},
		{name: "not yet valid", paste: notYet, status: 200, sel: "#same", data: notYetData,
			want: result(verdictNotYet, same)},
		{name: "seats", paste: code("lic-9"), status: 200, sel: "#seats",
			data: func(e *testEnv) []string {
				return []string{"lic-9", e.license("lic-9").Code, support.SeatKey("lic-9", "vm-9", nil)[:buyerSeatHash] + "…"}
			},
			want: result(verdictValid, func(bt *buyerText) []string {
				return []string{bt.Same, bt.SeatsLabel, fmt.Sprintf(bt.SeatsUnlimited, 1), bt.SeatDeployment, bt.SeatTaken,
					bt.SeatSeen, bt.SeatsNote, support.SeatKey("lic-9", "vm-9", nil)[:buyerSeatHash] + "…"}
			})},
		{name: "free seat", paste: code("lic-10"), free: func(*testEnv) string { return seatHash(1) }, status: 200, sel: "#freed",
			noCode: true,
			before: func(t testing.TB, e *testEnv, _ string) { // the seat freed for the other language is taken again
				e.callJSON("POST", "/v1/usage", "", UsageRequest{Code: e.license("lic-10").Code, Deployment: seatDep(1)}, 204, nil)
			},
			data: func(e *testEnv) []string {
				return []string{"lic-10", shortHash(seatHash(1)), shortHash(seatHash(2))}
			},
			want: func(bt *buyerText) []string {
				return []string{bt.FreedTitle, bt.FreedLabel + shortHash(seatHash(1)), bt.FreedNote, bt.StatusHeading + bt.Status[verdictValid],
					fmt.Sprintf(bt.SeatsUse, 1, 3), shortHash(seatHash(2)), bt.FreeSeat}
			}},
		{name: "seat of another license", paste: code("lic-10"), status: 404, sel: "#error", want: failure("seat_not_found"),
			free: func(*testEnv) string { return support.SeatKey("lic-9", "vm-9", nil) }},
		{name: "free from another site", paste: code("lic-10"), status: 403, sel: "#error", want: failure("cross_site"),
			free: func(*testEnv) string { return seatHash(2) }, crossSite: true},
		{name: "frozen", paste: code("lic-4"), status: 200, sel: "#status-text", noCode: true, want: result(verdictFrozen, nil), data: shown("lic-4")},
		{name: "released", paste: code("lic-5"), status: 200, sel: "#status-text", noCode: true, want: result(verdictReleased, nil), data: shown("lic-5")},
		{name: "revoked", paste: code("lic-6"), status: 200, sel: "#status-text", noCode: true, want: result(verdictRevoked, nil), data: shown("lic-6")},
		{name: "unverified", paste: fixed(f.old8), status: 200, sel: "#status-text", noCode: true,
			want: result(verdictUnverified, nil), data: shown("lic-8")},
		{name: "replaced", paste: fixed(f.old7), status: 403, sel: "#error", want: failure("code_superseded")},
		{name: "revoked old code", paste: fixed(f.old6), status: 403, sel: "#error", want: failure("code_revoked")},
		{name: "nothing", paste: fixed("   "), status: 400, sel: "#error", want: failure("bad_request")},
		{name: "invalid", paste: fixed("definitely not a code"), status: 400, sel: "#error", want: failure("invalid_code")},
		{name: "test code", paste: fixed(f.probe), status: 400, sel: "#error", want: failure("test_code")},
		{name: "not found", paste: fixed(f.ghost), status: 404, sel: "#error", want: failure("not_found")},
		{name: "too large", paste: fixed(strings.Repeat("x", maxBuyerForm+1)), large: true, status: 413, sel: "#error", want: failure("too_large")},
		{name: "rate limited", paste: code("lic-1"), status: 429, sel: "#error", want: failure("rate_limited"),
			before: func(t testing.TB, e *testEnv, u string) {
				for range refreshPerLicense {
					postBuyerForm(t, u, url.Values{"code": {e.license("lic-1").Code}})
				}
			}},
		{name: "internal", paste: fixed(f.code1), status: 500, sel: "#error", want: failure("internal"),
			before: func(t testing.TB, e *testEnv, _ string) { e.st.Close() }},
	}
}

// pageText returns the text a person sees in an HTML page: no style, no tags, entities decoded.
func pageText(page string) string {
	page = regexp.MustCompile(`(?s)<style>.*?</style>|<nav.*?</nav>`).ReplaceAllString(page, " ")
	return html.UnescapeString(regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(page, ""))
}

// withoutData removes the values the page shows as they are (ids, codes) from text.
func withoutData(text string, data []string) string {
	for _, d := range data {
		if d != "" {
			text = strings.ReplaceAll(text, d, " ")
		}
	}
	return text
}

func TestBuyerPage(t *testing.T) {
	e := newTestEnv(t)
	f := newBuyerFixture(t, e)
	for _, st := range buyerStates(f) {
		for _, lang := range []string{langEN, langZH} {
			t.Run(st.name+"/"+lang, func(t *testing.T) {
				e.advance(2 * refreshWindow) // a fresh rate-limit window for each state
				bt := buyerTexts[lang]
				u := e.ts.URL + "/?lang=" + lang
				if st.before != nil {
					st.before(t, e, u)
				}
				var status int
				var hdr http.Header
				var body string
				if st.paste == nil {
					resp, b := getBuyerPage(t, u, "")
					status, hdr, body = resp.StatusCode, resp.Header, b
				} else if st.free == nil {
					status, hdr, body = postBuyerForm(t, u, url.Values{"code": {st.paste(e)}})
				} else {
					h := map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": e.ts.URL}
					if st.crossSite {
						h = map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://elsewhere.example"}
					}
					status, hdr, body = postBuyerFormHeaders(t, u, url.Values{"code": {st.paste(e)}, "free": {st.free(e)}}, h)
				}
				if status != st.status {
					t.Fatalf("status = %d, want %d:\n%s", status, st.status, body)
				}
				if got := hdr.Get("Content-Language"); got != lang {
					t.Errorf("Content-Language = %q, want %q", got, lang)
				}
				for _, h := range []string{`<html lang="` + lang + `">`, `action="/?lang=` + lang + `"`, "<title>" + bt.Title + "</title>"} {
					if !strings.Contains(body, h) {
						t.Errorf("page lacks %s", h)
					}
				}
				text := pageText(body)
				for _, m := range st.want(bt) {
					if !strings.Contains(text, m) {
						t.Errorf("page text lacks %q:\n%s", m, text)
					}
				}
				var data []string
				if st.data != nil && st.status == 200 {
					data = st.data(e)
				}
				if st.noCode {
					for _, m := range []string{`id="current-code"`, `id="newer"`, `id="same"`} {
						if strings.Contains(body, m) {
							t.Errorf("the page of a code that does not work holds %s: it must not tell the buyer to install it", m)
						}
					}
				}
				if bad := foreignText(lang, withoutData(text, data)); len(bad) > 0 {
					t.Errorf("the %s page holds %q of the other language:\n%s", lang, bad, text)
				}
			})
		}
	}
}

func TestBuyerPageHeaders(t *testing.T) {
	e := newTestEnv(t)
	old := e.newInstance("lic-1", "O-1", "C-1", "P1", t0.AddDate(1, 0, 0))

	resp, page := getBuyerPage(t, e.ts.URL+"/", "en-US,en;q=0.9")
	if resp.StatusCode != 200 || !strings.Contains(page, `<form method="post" action="/?lang=en"`) ||
		strings.Contains(page, "<script") || strings.Contains(page, `id="result"`) || !strings.Contains(page, `<html lang="en">`) {
		t.Fatalf("GET / (English) = %d, want the empty English form without script:\n%s", resp.StatusCode, page)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "style-src 'sha256-") ||
		resp.Header.Get("Content-Type") != "text/html; charset=utf-8" || resp.Header.Get("Vary") != "Accept-Language" {
		t.Errorf("headers = %v", resp.Header)
	}
	if resp, page := getBuyerPage(t, e.ts.URL+"/", "zh-CN,zh;q=0.9,en;q=0.8"); resp.Header.Get("Content-Language") != langZH ||
		!strings.Contains(page, `<html lang="zh-CN">`) {
		t.Errorf("GET / with Accept-Language zh-CN: Content-Language %q, want the Chinese page", resp.Header.Get("Content-Language"))
	}

	status, hdr, body := postBuyerForm(t, e.ts.URL+"/?lang=en", url.Values{"code": {old}})
	if status != 200 || hdr.Get("Cache-Control") != "no-store" || !strings.Contains(body, `<span id="status" data-status="active" data-verdict="valid">Valid</span>`) ||
		!strings.Contains(body, `id="same"`) || !strings.Contains(body, ">"+old+"</textarea>") ||
		!strings.Contains(body, "2027-03-01 08:00 UTC") {
		t.Fatalf("POST / with the current code = %d:\n%s", status, body)
	}
	// The Chinese page shows Beijing time.
	if _, _, body := postBuyerForm(t, e.ts.URL+"/?lang=zh-CN", url.Values{"code": {old}}); !strings.Contains(body, "2027-03-01 16:00（北京时间）") {
		t.Errorf("Chinese page: want the expiry in Beijing time:\n%s", body)
	}

	e.renew("lic-1", t0.AddDate(2, 0, 0))
	cur := e.license("lic-1").Code
	_, _, body = postBuyerForm(t, e.ts.URL+"/?lang=en", url.Values{"code": {"  " + old[:50] + "\r\n" + old[50:] + "\n"}})
	if !strings.Contains(body, `id="newer"`) || !strings.Contains(body, ">"+cur+"</textarea>") || strings.Contains(body, old) {
		t.Errorf("POST / with a code from before a renewal: want the newer-code notice and the current code only:\n%s", body)
	}
	// After a reissue, the older code no longer shows (or fetches) the new one.
	e.callJSON("POST", "/admin/v1/licenses/lic-1/reissue", e.token("s", "support"), support.ChangeRequest{Reason: "r"}, 200, nil)
	if status, _, body := postBuyerForm(t, e.ts.URL+"/?lang=en", url.Values{"code": {cur}}); status != 403 ||
		!strings.Contains(body, "Code replaced") || strings.Contains(body, e.license("lic-1").Code) {
		t.Errorf("POST / with a code from before a reissue = %d, want 403, the replaced notice and no code:\n%s", status, body)
	}
	cur = e.license("lic-1").Code
	// A tampered code is not valid, in either language.
	for lang, want := range map[string]string{langEN: "Not a valid code", langZH: "授权码无效"} {
		if status, _, body := postBuyerForm(t, e.ts.URL+"/?lang="+lang, url.Values{"code": {tamperSignature(cur)}}); status != 400 || !strings.Contains(body, want) {
			t.Errorf("POST /?lang=%s with a tampered code = %d, want 400 with %q", lang, status, want)
		}
	}
}

// TestBuyerPageTooLargeKeepsLanguage: a form too large to read still answers in the chosen language,
// which comes from the URL, not the body.
func TestBuyerPageTooLargeKeepsLanguage(t *testing.T) {
	e := newTestEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	form := url.Values{"code": {strings.Repeat("x", 2*maxBuyerForm)}}.Encode()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.ts.URL+"/?lang=en", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Language", "zh-CN")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "Too much text") {
		t.Errorf("POST /?lang=en too large = %d, want 413 in English:\n%s", resp.StatusCode, body)
	}
}

// FuzzNegotiateLang: any Accept-Language header picks one of the page's languages, without panicking.
func FuzzNegotiateLang(f *testing.F) {
	for _, s := range []string{"", "zh-CN,zh;q=0.9,en;q=0.8", "en;q=0", "*;q=0.5", "en;q=1e400", "zh;q=-0", ";;;,,,="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		if got := negotiateLang([]string{header}); got != langZH && got != langEN {
			t.Errorf("negotiateLang(%q) = %q, want %q or %q", header, got, langZH, langEN)
		}
	})
}
