package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/licentia/licentia/server/koogallery"
)

func TestSimulateUsageErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"no key", []string{"simulate", "--url", "http://127.0.0.1:1"}, nil},
		{"no url", []string{"simulate", "--key", "k"}, nil},
		{"remote url", []string{"simulate", "--url", "http://example.com", "--key", "k"}, nil},
		{"remote ip", []string{"simulate", "--url", "http://10.0.0.1:8080", "--key", "k"}, nil},
		{"not http", []string{"simulate", "--url", "ftp://127.0.0.1/x", "--key", "k"}, nil},
		{"unknown scenario", []string{"simulate", "--url", "http://127.0.0.1:1", "--key", "k", "--scenario", "teleport"}, nil},
		{"bad concurrency", []string{"simulate", "--url", "http://127.0.0.1:1", "--key", "k", "--concurrency", "0"}, nil},
		{"retry interval too long", []string{"simulate", "--url", "http://127.0.0.1:1", "--key", "k", "--retry-interval", "2m"}, nil},
		{"no timeout", []string{"simulate", "--url", "http://127.0.0.1:1", "--key", "k", "--timeout", "0s"}, nil},
		{"relative path", []string{"simulate", "--url", "http://127.0.0.1:1", "--key", "k", "--path", "x"}, nil},
		{"remote from env", []string{"simulate"}, map[string]string{"LICENTIA_SIMULATE_URL": "https://seller.example", "LICENTIA_KOOGALLERY_KEY": "k"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), c.args, envMap(c.env), &stdout, &stderr)
			if got := exitCode(err); err == nil || got != 2 {
				t.Errorf("run(%q) = %v (exit %d), want a usage error (exit 2)", c.args, err, got)
			}
		})
	}
}

func TestCallbackURL(t *testing.T) {
	cases := []struct {
		base, path string
		remote     bool
		want       string
	}{
		{"http://127.0.0.1:8080", "", false, "http://127.0.0.1:8080/koogallery/license"},
		{"http://127.0.0.1:8080/", "", false, "http://127.0.0.1:8080/koogallery/license"},
		{"http://localhost:8080/api/license", "", false, "http://localhost:8080/api/license"},
		{"http://[::1]:8080", "/cb", false, "http://[::1]:8080/cb"},
		{"http://127.0.0.2:8080/x?y=1", "", false, "http://127.0.0.2:8080/x"},
		{"https://staging.example.com", "", true, "https://staging.example.com/koogallery/license"},
	}
	for _, c := range cases {
		got, err := callbackURL(langEN, c.base, c.path, c.remote)
		if err != nil || got != c.want {
			t.Errorf("callbackURL(%q, %q, %v) = %q, %v; want %q", c.base, c.path, c.remote, got, err, c.want)
		}
	}
}

// wrongSeller puts a fault in front of a real licentia: a reverse proxy that edits every answer and signs
// the result correctly, or not at all when sign is false.
func wrongSeller(t *testing.T, target string, sign bool, edit func(req *http.Request, answer map[string]any)) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := httputil.NewSingleHostReverseProxy(u)
	p.ModifyResponse = func(resp *http.Response) error {
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		var answer map[string]any
		json.Unmarshal(body, &answer)
		edit(resp.Request, answer)
		out, _ := json.Marshal(answer)
		resp.Header.Del("Body-Sign")
		if sign {
			resp.Header.Set("Body-Sign", koogallery.BodySign(testKey, out))
		}
		resp.Body = io.NopCloser(bytes.NewReader(out))
		resp.ContentLength = int64(len(out))
		resp.Header.Set("Content-Length", strconv.Itoa(len(out)))
		return nil
	}
	ts := httptest.NewServer(p)
	t.Cleanup(ts.Close)
	return ts.URL
}

// TestSimulateCatchesWrongSellers: simulate exits 0 against licentia and 1 against a seller that issues
// a new instanceId on resend, one that does not sign its answers, and one that accepts anything.
func TestSimulateCatchesWrongSellers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	c := startChild(t, t.TempDir())
	cases := []struct {
		name     string
		url      string
		scenario string
		wantFail string // empty: must pass
	}{
		{"licentia", c.url, "purchase,negative", ""},
		{"new instanceId on resend", wrongSeller(t, c.url, true, func(req *http.Request, a map[string]any) {
			if q := req.URL.Query(); q.Get("activity") == "getLicense" && a["resultCode"] == "000000" {
				a["instanceId"] = q.Get("businessId")
			}
		}), "purchase", "same instanceId and license"},
		{"no Body-Sign", wrongSeller(t, c.url, false, func(*http.Request, map[string]any) {}), "purchase", "no Body-Sign header"},
		{"accepts anything", wrongSeller(t, c.url, true, func(_ *http.Request, a map[string]any) {
			a["resultCode"], a["resultMsg"] = "000000", "success."
		}), "negative", "the seller accepted a request it must refuse"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := []string{"simulate", "--url", tc.url, "--key", testKey, "--scenario", tc.scenario, "--concurrency", "5",
				"--retry-interval", "1ms"}
			err := run(context.Background(), args, noEnv, &stdout, &stderr)
			if tc.wantFail == "" {
				if err != nil {
					t.Fatalf("simulate against %s = %v, want success; output:\n%s", tc.name, err, stdout.String())
				}
				return
			}
			if exitCode(err) != 1 {
				t.Fatalf("simulate against a seller with %s = %v (exit %d), want exit 1", tc.name, err, exitCode(err))
			}
			if !strings.Contains(stdout.String(), "FAIL") || !strings.Contains(stdout.String(), tc.wantFail) {
				t.Errorf("table does not show the failure %q:\n%s", tc.wantFail, stdout.String())
			}
		})
	}
}

func TestSimulateJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	c := startChild(t, t.TempDir())
	var stdout bytes.Buffer
	// retry-legacy-create plays License 1.0 only: no stand-in needed, so every step passes.
	args := []string{"simulate", "--url", c.url, "--scenario", "retry-legacy-create", "--json", "--prefix", "JSONTEST"}
	err := run(context.Background(), args, envMap(map[string]string{"LICENTIA_KOOGALLERY_KEY": testKey + ",old-key"}), &stdout, io.Discard)
	if err != nil {
		t.Fatalf("simulate --json = %v", err)
	}
	var rep struct {
		Prefix         string `json:"prefix"`
		LicentiaFormat bool   `json:"licentia_format"`
		Passed, Failed int
		Results        []struct{ Scenario, Step, Status string }
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout.String())
	}
	if rep.Prefix != "JSONTEST" || !rep.LicentiaFormat || rep.Failed != 0 || rep.Passed != len(rep.Results) || rep.Passed == 0 {
		t.Errorf("report = %+v, want prefix JSONTEST, licentia format, all passed", rep)
	}
}

// TestSimulateStartsMarket: with AK/SK in the environment simulate starts the OpenAPI stand-in and says how to
// point the seller at it; without them it says the License 2.0 scenarios are skipped; a remote --market-addr is a
// usage error.
func TestSimulateStartsMarket(t *testing.T) {
	seller := httptest.NewServer(http.NotFoundHandler())
	defer seller.Close()
	creds := map[string]string{"LICENTIA_KOOGALLERY_AK": "sim-ak", "LICENTIA_KOOGALLERY_SK": "sim-sk-secret"}
	cases := []struct {
		name       string
		env        map[string]string
		addr       string
		wantStderr []string
		wantExit   int
	}{
		{"credentials", creds, "127.0.0.1:0", []string{"stand-in on http://127.0.0.1:", "--koogallery-api http://127.0.0.1:"}, 0},
		{"no credentials", nil, "127.0.0.1:0", []string{"LICENTIA_KOOGALLERY_AK", "skipped"}, 0},
		{"remote address", creds, "192.0.2.1:8090", []string{"loopback"}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := []string{"simulate", "--url", seller.URL, "--key", testKey, "--scenario", "activate", "--market-addr", tc.addr}
			err := run(context.Background(), args, envMap(tc.env), &stdout, &stderr)
			if got := exitCode(err); (err == nil) != (tc.wantExit == 0) || err != nil && got != tc.wantExit {
				t.Fatalf("simulate = %v (exit %d), want exit %d; stderr:\n%s", err, got, tc.wantExit, stderr.String())
			}
			for _, w := range tc.wantStderr {
				if !strings.Contains(stderr.String()+errString(err), w) {
					t.Errorf("stderr %q does not mention %q", stderr.String(), w)
				}
			}
			if strings.Contains(stderr.String(), "sim-sk-secret") || strings.Contains(stdout.String(), "sim-sk-secret") {
				t.Errorf("the SK was printed")
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
