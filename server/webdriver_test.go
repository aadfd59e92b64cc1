package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// A minimal W3C WebDriver client over net/http, enough to drive Debian's chromium through
// chromium-driver in tests without a Go dependency.

const (
	chromiumBinary = "/usr/bin/chromium"
	elementKey     = "element-6066-11e4-a52e-4f735466cecf"
	// browserLanguages is the browser's language preference, sent as its Accept-Language.
	browserLanguages = "en-US,en"
)

type webDriver struct {
	t       testing.TB
	base    string // http://127.0.0.1:port/session/<id>
	hc      *http.Client
	shotDir string
}

// startChromium starts chromedriver and a headless Chromium session, both ended when the test ends. It
// skips the test when either is missing, unless CI is set (then it fails: CI must run the browser test).
func startChromium(t testing.TB) *webDriver {
	t.Helper()
	driver, err := exec.LookPath("chromedriver")
	if _, serr := os.Stat(chromiumBinary); serr != nil || err != nil {
		msg := "headless Chromium test needs " + chromiumBinary + " and chromedriver " +
			"(apt-get install -y chromium chromium-driver; .ci/run installs them)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, driver, fmt.Sprintf("--port=%d", port), "--allowed-ips=127.0.0.1")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start chromedriver: %v", err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	root := fmt.Sprintf("http://127.0.0.1:%d", port)
	wd := &webDriver{t: t, hc: &http.Client{Timeout: 60 * time.Second}, shotDir: os.Getenv("LICENTIA_SCREENSHOT_DIR")}
	if wd.shotDir == "" {
		wd.shotDir = t.TempDir()
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		var st struct {
			Ready bool `json:"ready"`
		}
		if err := wd.do(http.MethodGet, root+"/status", nil, &st); err == nil && st.Ready {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("chromedriver not ready; logs:\n%s", logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName": "chrome",
		"goog:chromeOptions": map[string]any{"binary": chromiumBinary, "args": []string{
			"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync",
			"--disable-dev-shm-usage", "--window-size=1000,900", "--user-data-dir=" + t.TempDir(),
			"--accept-lang=" + browserLanguages, "--lang=" + browserLanguages,
		}, "prefs": map[string]any{"intl.accept_languages": browserLanguages}},
	}}}
	var sess struct {
		SessionID string `json:"sessionId"`
	}
	if err := wd.do(http.MethodPost, root+"/session", caps, &sess); err != nil || sess.SessionID == "" {
		t.Fatalf("new WebDriver session: %v; chromedriver logs:\n%s", err, logs.String())
	}
	wd.base = root + "/session/" + sess.SessionID
	t.Cleanup(func() { wd.do(http.MethodDelete, wd.base, nil, nil) })
	return wd
}

// do sends one WebDriver command and decodes its "value" into out.
func (wd *webDriver) do(method, url string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := wd.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var env struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return fmt.Errorf("webdriver %s %s: %d %s", method, url, resp.StatusCode, data)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("webdriver %s %s: %d %s", method, url, resp.StatusCode, env.Value)
	}
	if out != nil {
		return json.Unmarshal(env.Value, out)
	}
	return nil
}

func (wd *webDriver) must(method, path string, in, out any) {
	wd.t.Helper()
	if err := wd.do(method, wd.base+path, in, out); err != nil {
		wd.t.Fatal(err)
	}
}

func (wd *webDriver) navigate(url string) {
	wd.must(http.MethodPost, "/url", map[string]string{"url": url}, nil)
}

func (wd *webDriver) title() string {
	var s string
	wd.must(http.MethodGet, "/title", nil, &s)
	return s
}

func (wd *webDriver) currentURL() string {
	var s string
	wd.must(http.MethodGet, "/url", nil, &s)
	return s
}

// find returns the id of the element matching a CSS selector.
func (wd *webDriver) find(css string) string {
	wd.t.Helper()
	var el map[string]string
	wd.must(http.MethodPost, "/element", map[string]string{"using": "css selector", "value": css}, &el)
	return el[elementKey]
}

// waitFor polls until an element matches css.
func (wd *webDriver) waitFor(css string, d time.Duration) {
	wd.t.Helper()
	deadline := time.Now().Add(d)
	for {
		var els []map[string]string
		wd.must(http.MethodPost, "/elements", map[string]string{"using": "css selector", "value": css}, &els)
		if len(els) > 0 {
			return
		}
		if time.Now().After(deadline) {
			wd.screenshot("timeout.png")
			wd.t.Fatalf("no element %s after %s", css, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (wd *webDriver) sendKeys(el, text string) {
	wd.must(http.MethodPost, "/element/"+el+"/value", map[string]string{"text": text}, nil)
}

func (wd *webDriver) click(el string) {
	wd.must(http.MethodPost, "/element/"+el+"/click", struct{}{}, nil)
}

func (wd *webDriver) text(el string) string {
	var s string
	wd.must(http.MethodGet, "/element/"+el+"/text", nil, &s)
	return s
}

func (wd *webDriver) property(el, name string) string {
	var s string
	wd.must(http.MethodGet, "/element/"+el+"/property/"+name, nil, &s)
	return s
}

// execute runs script in the page (through WebDriver, which the page's Content-Security-Policy does not
// restrict) with args.
func (wd *webDriver) execute(script string, args ...any) {
	wd.t.Helper()
	if args == nil {
		args = []any{}
	}
	wd.must(http.MethodPost, "/execute/sync", map[string]any{"script": script, "args": args}, nil)
}

// submit clicks el and waits until a new document has replaced the current one.
func (wd *webDriver) submit(el string, d time.Duration) {
	wd.t.Helper()
	before := wd.find("main")
	wd.click(el)
	deadline := time.Now().Add(d)
	for {
		var els []map[string]string
		wd.must(http.MethodPost, "/elements", map[string]string{"using": "css selector", "value": "main"}, &els)
		if len(els) == 1 && els[0][elementKey] != before {
			return
		}
		if time.Now().After(deadline) {
			wd.t.Fatalf("no new page %s after submitting", d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// screenshot saves a PNG of the page as name in the screenshot directory ($LICENTIA_SCREENSHOT_DIR, or
// a temporary directory) and returns its bytes.
func (wd *webDriver) screenshot(name string) []byte {
	wd.t.Helper()
	var b64 string
	if err := wd.do(http.MethodGet, wd.base+"/screenshot", nil, &b64); err != nil {
		wd.t.Fatalf("screenshot: %v", err)
	}
	shot, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		wd.t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join(wd.shotDir, name), shot, 0o644); err != nil {
		wd.t.Fatalf("screenshot: %v", err)
	}
	return shot
}

// TestBuyerPageInChromium drives the buyer page in headless Chromium over WebDriver through every state
// (buyerStates), in English and in Simplified Chinese, and checks what a person sees: the page's
// language, every message of both languages, no sentence of the other language, and a screenshot of
// each state (a PNG that decodes and differs from every other state's). The browser asks for English
// (Accept-Language en-US); the Chinese page is chosen with ?lang=zh-CN, and the choice must survive the
// form post. It needs Debian's chromium and chromium-driver (.ci/run installs them); without them it is
// skipped, except under CI where it fails. Screenshots go to $LICENTIA_SCREENSHOT_DIR when set.
func TestBuyerPageInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	wd := startChromium(t)
	e := newTestEnv(t)
	f := newBuyerFixture(t, e)

	// The browser's own Accept-Language picks English; the switch leads to Chinese and back.
	wd.navigate(e.ts.URL + "/")
	if got := wd.property(wd.find("html"), "lang"); got != langEN {
		t.Fatalf("GET / with the browser's Accept-Language %q: page language %q, want %q", browserLanguages, got, langEN)
	}
	for _, want := range []string{langZH, langEN} {
		wd.submit(wd.find("#lang-switch"), 10*time.Second)
		if got := wd.property(wd.find("html"), "lang"); got != want {
			t.Fatalf("after the language switch: page language %q, want %q", got, want)
		}
	}

	other := newOtherSite(t)
	seen := map[string]bool{}      // language + " " + message key
	shots := map[[32]byte]string{} // screenshot digest → state
	start := map[string]string{langEN: "/", langZH: "/?lang=zh-CN"}
	for i, st := range buyerStates(f) {
		for _, lang := range []string{langEN, langZH} {
			name := fmt.Sprintf("buyer-%02d-%s-%s.png", i, strings.ReplaceAll(st.name, " ", "-"), lang)
			e.advance(2 * refreshWindow) // a fresh rate-limit window for each state
			bt := buyerTexts[lang]
			if st.before != nil {
				st.before(t, e, e.ts.URL+"/?lang="+lang)
			}
			wd.navigate(e.ts.URL + start[lang])
			if st.paste != nil {
				code := st.paste(e)
				if st.large {
					wd.execute(`document.getElementById("code").value = arguments[0]`, code)
				} else {
					wd.sendKeys(wd.find("#code"), code)
				}
				wd.submit(wd.find("#check"), 10*time.Second)
			}
			if st.free != nil {
				freeSeatInBrowser(wd, other, e.ts.URL+"/?lang="+lang, st.free(e), st.crossSite)
			}
			wd.waitFor(st.sel, 10*time.Second)
			shown := map[string]string{
				"main":         wd.text(wd.find("main")),
				"title":        wd.title(),
				"switch":       wd.text(wd.find("#lang-switch")),
				"placeholder":  wd.property(wd.find("#code"), "placeholder"),
				"html lang":    wd.property(wd.find("html"), "lang"),
				"current url":  wd.currentURL(),
				"screenshot":   name,
				"state, lang:": st.name + ", " + lang,
			}
			if shown["html lang"] != lang || shown["title"] != bt.Title {
				t.Errorf("%s: page language %q, title %q; want %q, %q", name, shown["html lang"], shown["title"], lang, bt.Title)
			}
			if strings.Contains(shown["current url"], "eyJ") {
				t.Errorf("%s: the code leaked into the URL %s", name, shown["current url"])
			}
			for _, m := range st.want(bt) {
				if !strings.Contains(shown["main"], m) {
					t.Errorf("%s: page lacks %q; it shows:\n%s", name, m, shown["main"])
				}
			}
			var data []string
			if st.data != nil && st.status == http.StatusOK {
				data = st.data(e)
			}
			if bad := foreignText(lang, withoutData(shown["main"]+"\n"+shown["title"], data)); len(bad) > 0 {
				t.Errorf("%s: the %s page holds %q of the other language:\n%s", name, lang, bad, shown["main"])
			}
			all := shown["main"] + "\n" + shown["title"] + "\n" + shown["switch"] + "\n" + shown["placeholder"]
			for key, m := range buyerMessages(bt) {
				// A message with a number (%d) is seen with any number in its place.
				if regexp.MustCompile(strings.ReplaceAll(regexp.QuoteMeta(m), "%d", `\d+`)).MatchString(all) {
					seen[lang+" "+key] = true
				}
			}
			checkScreenshot(t, name, wd.screenshot(name), shots)
		}
	}
	for _, lang := range []string{langEN, langZH} {
		for key, m := range buyerMessages(buyerTexts[lang]) {
			if !seen[lang+" "+key] {
				t.Errorf("%s message %s (%q) was never shown in the browser", lang, key, m)
			}
		}
	}
	t.Logf("%d screenshots in %s", len(shots), wd.shotDir)
}

// otherSite serves another site's page (on localhost, where the buyer page is on 127.0.0.1) whose form
// posts a request to free a seat to the buyer page, as a page out to free a buyer's seats would.
type otherSite struct {
	srv  *httptest.Server
	mu   sync.Mutex
	page string
}

func newOtherSite(t testing.TB) *otherSite {
	o := &otherSite{}
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		o.mu.Lock()
		defer o.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, o.page)
	}))
	t.Cleanup(o.srv.Close)
	return o
}

// URL is the other site's address: localhost, another site than the buyer page's 127.0.0.1.
func (o *otherSite) URL() string { return strings.Replace(o.srv.URL, "127.0.0.1", "localhost", 1) }

// freeSeatInBrowser frees the seat of hash from the checked code's page the browser shows: with the first
// seat's button, its hash set to hash; or, crossSite, from another site's page posting code and hash to
// target.
func freeSeatInBrowser(wd *webDriver, other *otherSite, target, hash string, crossSite bool) {
	wd.t.Helper()
	if !crossSite {
		wd.execute(`document.querySelector("form.free-seat input[name=free]").value = arguments[0]`, hash)
		wd.submit(wd.find("form.free-seat button"), 10*time.Second)
		return
	}
	code := wd.property(wd.find(`form.free-seat input[name=code]`), "value")
	other.mu.Lock()
	other.page = `<!doctype html><html><body><main><form method="post" action="` + html.EscapeString(target) + `">` +
		`<input type="hidden" name="code" value="` + html.EscapeString(code) + `">` +
		`<input type="hidden" name="free" value="` + html.EscapeString(hash) + `">` +
		`<button id="attack" type="submit">win a prize</button></form></main></body></html>`
	other.mu.Unlock()
	wd.navigate(other.URL())
	wd.submit(wd.find("#attack"), 10*time.Second)
}

// checkScreenshot checks that b is a PNG of a plausible page size that differs from every earlier one.
func checkScreenshot(t testing.TB, name string, b []byte, shots map[[32]byte]string) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Errorf("%s: not a PNG: %v", name, err)
		return
	}
	if r := img.Bounds(); r.Dx() < 400 || r.Dy() < 300 {
		t.Errorf("%s: %dx%d pixels, want a whole page", name, r.Dx(), r.Dy())
	}
	sum := sha256.Sum256(b)
	if prev, dup := shots[sum]; dup {
		t.Errorf("%s: the same picture as %s", name, prev)
	}
	shots[sum] = name
}
