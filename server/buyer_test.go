package server

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/licentia/licentia/server/desk"
)

func postBuyerForm(t testing.TB, base string, form url.Values) (int, http.Header, string) {
	t.Helper()
	resp, err := http.PostForm(base+"/", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(body)
}

func TestBuyerPage(t *testing.T) {
	e := newTestEnv(t)
	old := e.newInstance("lic-1", "O-1", "C-1", "P1", t0.AddDate(1, 0, 0))

	resp, err := http.Get(e.ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), `<form method="post" action="/"`) ||
		strings.Contains(string(page), "<script") || strings.Contains(string(page), `id="result"`) {
		t.Fatalf("GET / = %d, want the empty form without script:\n%s", resp.StatusCode, page)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "style-src 'sha256-") ||
		resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("headers = %v", resp.Header)
	}

	status, hdr, body := postBuyerForm(t, e.ts.URL, url.Values{"code": {old}})
	if status != 200 || hdr.Get("Cache-Control") != "no-store" || !strings.Contains(body, `<span id="status">active</span>`) ||
		!strings.Contains(body, `id="same"`) || !strings.Contains(body, ">"+old+"</textarea>") ||
		!strings.Contains(body, "2027-03-01 08:00 UTC") {
		t.Fatalf("POST / with the current code = %d:\n%s", status, body)
	}

	e.renew("lic-1", t0.AddDate(2, 0, 0))
	cur := e.license("lic-1").Code
	_, _, body = postBuyerForm(t, e.ts.URL, url.Values{"code": {"  " + old[:50] + "\r\n" + old[50:] + "\n"}})
	if !strings.Contains(body, `id="newer"`) || !strings.Contains(body, ">"+cur+"</textarea>") || strings.Contains(body, old) {
		t.Errorf("POST / with a code from before a renewal: want the newer-code notice and the current code only:\n%s", body)
	}
	support := e.token("s", "support")
	e.callJSON("POST", "/admin/v1/licenses/lic-1/reissue", support, desk.ChangeRequest{Reason: "r"}, 200, nil)
	if status, _, body := postBuyerForm(t, e.ts.URL, url.Values{"code": {cur}}); status != 403 ||
		!strings.Contains(body, "Code replaced") || strings.Contains(body, e.license("lic-1").Code) {
		t.Errorf("POST / with a code from before a reissue = %d, want 403, the replaced notice and no code:\n%s", status, body)
	}
	cur = e.license("lic-1").Code

	tests := []struct {
		name, code string
		status     int
		want       string
	}{
		{"empty", "   ", 400, "Nothing to check"},
		{"garbage", "not a code", 400, "Not a valid code"},
		{"tampered", tamperSignature(cur), 400, "Not a valid code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := postBuyerForm(t, e.ts.URL, url.Values{"code": {tt.code}})
			if status != tt.status || !strings.Contains(body, `id="error"`) || !strings.Contains(body, tt.want) {
				t.Errorf("POST / = %d, want %d with %q:\n%s", status, tt.status, tt.want, body)
			}
		})
	}
	e.callJSON("POST", "/admin/v1/licenses/lic-1/revoke", support, desk.ChangeRequest{Reason: "r"}, 200, nil)
	if _, _, body := postBuyerForm(t, e.ts.URL, url.Values{"code": {old}}); !strings.Contains(body, "revoked by the seller") {
		t.Errorf("POST / for a revoked license: want the revoked explanation:\n%s", body)
	}
}

// TestBuyerPageInChromium loads the buyer page in headless Chromium driven over WebDriver, pastes a
// superseded code, submits the form and reads the result. It needs Debian's chromium and chromium-driver
// (.ci/run installs them); without them it is skipped, except under CI where it fails.
func TestBuyerPageInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	wd := startChromium(t)
	e := newTestEnv(t)
	old := e.newInstance("lic-1", "O-1", "C-1", "P1", t0.AddDate(1, 0, 0))
	e.renew("lic-1", t0.AddDate(2, 0, 0))
	cur := e.license("lic-1").Code

	wd.navigate(e.ts.URL + "/")
	if title := wd.title(); title != "Check your license code" {
		t.Fatalf("page title = %q", title)
	}
	wd.sendKeys(wd.find("#code"), old)
	wd.click(wd.find("#check"))
	wd.waitFor("#result", 10*time.Second)
	wd.screenshot("buyer-result.png")
	checks := []struct{ sel, want string }{
		{"#status", "Active"}, // as shown: capitalised by CSS
		{"#license", "lic-1"},
		{"#generation", "2"},
		{"#expires", "2028-03-01 08:00 UTC"},
	}
	for _, c := range checks {
		if got := wd.text(wd.find(c.sel)); got != c.want {
			t.Errorf("%s = %q, want %q", c.sel, got, c.want)
		}
	}
	if got := wd.text(wd.find("#newer")); !strings.Contains(got, "newer code replaces") {
		t.Errorf("#newer = %q, want the newer-code notice", got)
	}
	if got := wd.property(wd.find("#current-code"), "value"); got != cur {
		t.Errorf("#current-code value = %q, want the current code", got)
	}
	if u := wd.currentURL(); strings.Contains(u, "eyJ") {
		t.Errorf("the code leaked into the URL: %s", u)
	}

	// A wrong code: the page says so.
	wd.navigate(e.ts.URL + "/")
	wd.sendKeys(wd.find("#code"), "definitely not a code")
	wd.click(wd.find("#check"))
	wd.waitFor("#error", 10*time.Second)
	if got := wd.text(wd.find("#error h2")); got != "Not a valid code" {
		t.Errorf("#error h2 = %q, want %q", got, "Not a valid code")
	}
}
