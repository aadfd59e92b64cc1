package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// A minimal W3C WebDriver client over net/http, enough to drive Debian's chromium through
// chromium-driver in tests without a Go dependency.

const (
	chromiumBinary = "/usr/bin/chromium"
	elementKey     = "element-6066-11e4-a52e-4f735466cecf"
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
		}},
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

// screenshot saves a PNG of the page into $LICENTIA_SCREENSHOT_DIR, when set.
func (wd *webDriver) screenshot(name string) {
	if wd.shotDir == "" {
		return
	}
	var b64 string
	if err := wd.do(http.MethodGet, wd.base+"/screenshot", nil, &b64); err != nil {
		wd.t.Logf("screenshot: %v", err)
		return
	}
	png, err := base64.StdEncoding.DecodeString(b64)
	if err == nil {
		err = os.WriteFile(filepath.Join(wd.shotDir, name), png, 0o644)
	}
	if err != nil {
		wd.t.Logf("screenshot: %v", err)
	}
}
