package marketapi

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestSecretsNeverLogged makes successful and failing calls of every API and checks that neither the log nor
// the errors contain the SK, an Authorization header value or the licence code.
func TestSecretsNeverLogged(t *testing.T) {
	f := newFake(t,
		fakeAnswer{status: 200, body: okActivate},
		fakeAnswer{status: 401, body: `{"error_code":"APIG.0303","error_msg":"Incorrect app authentication information: verify signature fail"}`},
		fakeAnswer{status: 200, body: `{"error_code":"92020005","error_msg":"license code notexist"}`},
		fakeAnswer{status: 503, body: `busy`})
	env := newTestClient(t, []string{closedURL(t), f.URL()}, nil)
	ctx := context.Background()
	var errs []string
	collect := func(err error) {
		if err != nil {
			errs = append(errs, err.Error())
		}
	}
	_, err := env.client.Activate(ctx, testCode, time.Now())
	collect(err)
	_, err = env.client.Query(ctx, testCode)
	collect(err)
	collect(env.client.ActivateBatch(ctx, []string{testCode}, time.Time{}))
	_, err = env.client.QueryOrder(ctx, "CS1", "")
	collect(err)
	collect(env.client.UploadEvent(ctx, "ev1", "", []byte(testCode)))
	if len(errs) == 0 {
		t.Fatalf("no call failed; the test needs failures")
	}

	f.mu.Lock()
	authz := append([]string(nil), f.authz...)
	f.mu.Unlock()
	if len(authz) == 0 || authz[0] == "" {
		t.Fatalf("fake saw no Authorization header")
	}
	logged := env.log.String()
	if strings.Count(logged, "koogallery openapi call") != 5 {
		t.Errorf("log has %d call records, want 5:\n%s", strings.Count(logged, "koogallery openapi call"), logged)
	}
	secrets := map[string]string{"SK": testSK, "licence code": testCode}
	for i, a := range authz {
		secrets["Authorization "+string(rune('0'+i))] = a
		secrets["signature "+string(rune('0'+i))] = a[strings.LastIndex(a, "=")+1:]
	}
	for name, secret := range secrets {
		if strings.Contains(logged, secret) {
			t.Errorf("log contains the %s", name)
		}
		for _, e := range errs {
			if strings.Contains(e, secret) {
				t.Errorf("error %q contains the %s", e, name)
			}
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(logged), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		for _, k := range []string{"api", "code", "status", "attempts", "duration"} {
			if _, ok := rec[k]; !ok {
				t.Errorf("log record %s lacks %q", line, k)
			}
		}
	}
}

func TestCodeLabelsBounded(t *testing.T) {
	f := newFake(t,
		fakeAnswer{status: 200, body: `{"error_code":"X-attacker-chosen-1"}`},
		fakeAnswer{status: 200, body: `not json`},
		fakeAnswer{status: 503, body: `busy`})
	env := newTestClient(t, []string{f.URL()}, nil)
	env.client.Query(context.Background(), testCode)
	env.client.Query(context.Background(), testCode)
	env.client.Query(context.Background(), testCode)
	unreach := newTestClient(t, []string{closedURL(t)}, func(c *Config) { c.MaxAttempts = 1 })
	unreach.client.Query(context.Background(), testCode)
	checkCounted(t, env, "query", LabelUnknownCode, 1)
	checkCounted(t, env, "query", LabelUnreadable, 1)
	checkCounted(t, env, "query", "http_503", 1)
	checkCounted(t, unreach, "query", LabelUnreachable, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	unreach.client.Query(ctx, testCode)
	checkCounted(t, unreach, "query", LabelCanceled, 1)
}

func TestSharedObserver(t *testing.T) {
	f := newFake(t, fakeAnswer{status: 200, body: okActivate})
	env := newTestClient(t, []string{f.URL()}, nil)
	second, err := New(Config{AK: testAK, SK: testSK, BaseURLs: []string{f.URL()}, Observer: env.calls})
	if err != nil {
		t.Fatalf("New() err = %v", err)
	}
	env.client.Activate(context.Background(), testCode, time.Time{})
	second.Activate(context.Background(), testCode, time.Time{})
	checkCounted(t, env, "activate", "92020000", 2)
}
