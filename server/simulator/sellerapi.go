package simulator

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/licentia/licentia/verifier"
)

// licentia's own endpoints (README "Endpoints"), used by the License 2.0 scenarios.
const (
	pathActivations = "/v1/activations"
	pathRefresh     = "/v1/codes/refresh"
)

// stepActivations is the step recorded as skipped when a scenario needs licentia's activation endpoint and the
// seller has none.
var stepActivations = text("POST %s", pathActivations)

// ReasonNotLicentia is the reason given when a step needs licentia's own endpoints and the seller has none.
const ReasonNotLicentia = "the seller has no licentia activation endpoint (POST " + pathActivations +
	"): activation and refresh steps need licentia"

// maxAnswer caps how much of an answer body is read; the answers are a few kilobytes at most.
const maxAnswer = 1 << 20

// apiTimeout bounds one call of licentia's endpoints: an activation makes up to two OpenAPI calls, each with
// retries within 5-second attempts.
const apiTimeout = 40 * time.Second

// maxRateWait and maxRateTries bound how long and how often a step waits out a 429 before it fails.
const (
	maxRateWait  = 65 * time.Second
	maxRateTries = 5
)

// codeAnswer is the answer of POST /v1/activations and POST /v1/codes/refresh: 200 with the license's current
// code, or an error body.
type codeAnswer struct {
	HTTPStatus int
	Code       string  `json:"code"`
	LicenseID  string  `json:"license_id"`
	Generation int64   `json:"generation"`
	Status     string  `json:"status"`
	ExpiresAt  *string `json:"expires_at"`
	Error      *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		// Seats are the license's limit and the seats in use, on a seat refusal.
		Seats *struct {
			Limit int64 `json:"limit"`
			Used  int64 `json:"used"`
		} `json:"seats"`
	} `json:"error"`
	retryAfter time.Duration
}

// errorCode returns the error code of a refusal, "" for none.
func (a *codeAnswer) errorCode() string {
	if a.Error == nil {
		return ""
	}
	return a.Error.Code
}

// ok checks a 200 answer carrying a code and, for an activation, a license id.
func (a *codeAnswer) ok(activation bool) error {
	switch {
	case a.HTTPStatus != http.StatusOK:
		return errorf("HTTP %d %s, want 200", a.HTTPStatus, a.describe())
	case a.Code == "":
		return failure("answer has no code")
	case activation && a.LicenseID == "":
		return failure("answer has no license_id")
	case a.Generation < 1:
		return errorf("generation %d, want 1 or more", a.Generation)
	}
	return nil
}

// refused checks an error answer with the HTTP status and error code of the contract.
func (a *codeAnswer) refused(status int, code string) error {
	if a.HTTPStatus != status || a.errorCode() != code {
		return errorf("HTTP %d %s, want %d %s", a.HTTPStatus, a.describe(), status, code)
	}
	if a.Code != "" {
		return failure("a refusal carries a code")
	}
	return nil
}

// describe names an answer in a failure: the seller's error code and message, or a Text saying what it carries.
func (a *codeAnswer) describe() any {
	if a.Error != nil {
		return a.Error.Code + " (" + a.Error.Message + ")"
	}
	if a.HTTPStatus == http.StatusOK {
		return text("with a code")
	}
	return text("without a licentia error body")
}

// expires checks expires_at against t (zero: no expiry).
func (a *codeAnswer) expires(t time.Time) error {
	got := "null"
	if a.ExpiresAt != nil {
		got = *a.ExpiresAt
	}
	want := "null"
	if !t.IsZero() {
		want = t.UTC().Format(time.RFC3339)
	}
	if a.ExpiresAt != nil && !t.IsZero() {
		if pt, err := time.Parse(time.RFC3339, got); err == nil && pt.Equal(t) {
			return nil
		}
	}
	if got != want {
		return errorf("expires_at %s, want %s", got, want)
	}
	return nil
}

// sellerBase returns the seller's base URL for licentia's own endpoints: cfg.API, or the scheme and host of the
// production URL.
func (c *Config) sellerBase() string {
	if c.API != "" {
		return c.API
	}
	u, err := url.Parse(c.URL)
	if err != nil {
		return c.URL
	}
	return u.Scheme + "://" + u.Host
}

// callAPI posts body to one of licentia's endpoints and decodes the answer. A 429 is waited out (its
// Retry-After, at most maxRateWait in all) and the call sent again: licentia rate-limits activation and refresh
// per client address, and a run sends many from one.
func (r *run) callAPI(ctx context.Context, path string, body any) (*codeAnswer, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	waited := time.Duration(0)
	for attempt := 1; ; attempt++ {
		a, err := r.postAPI(ctx, path, raw)
		if err != nil || a.HTTPStatus != http.StatusTooManyRequests || waited+a.retryAfter > maxRateWait || attempt == maxRateTries {
			return a, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(a.retryAfter):
		}
		waited += a.retryAfter
	}
}

func (r *run) postAPI(ctx context.Context, path string, raw []byte) (*codeAnswer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.cfg.sellerBase()+path, bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	hc := &http.Client{Transport: r.cfg.HTTPClient.Transport, Timeout: apiTimeout}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, errorf("POST %s: no answer: %w", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return nil, errorf("POST %s: reading the answer: %w", path, err)
	}
	a := &codeAnswer{}
	if json.Unmarshal(b, a) != nil {
		a = &codeAnswer{}
	}
	a.HTTPStatus = resp.StatusCode
	a.retryAfter = time.Second
	if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs > 0 {
		a.retryAfter = time.Duration(secs) * time.Second
	}
	return a, nil
}

// activate asks the seller to activate a marketplace code (POST /v1/activations).
func (r *run) activate(ctx context.Context, code string) (*codeAnswer, error) {
	return r.callAPI(ctx, pathActivations, map[string]string{"code": code, "deployment": r.cfg.Prefix})
}

// refreshCode asks the seller for the current code of a license (POST /v1/codes/refresh).
func (r *run) refreshCode(ctx context.Context, code string) (*codeAnswer, error) {
	return r.callAPI(ctx, pathRefresh, map[string]string{"code": code})
}

// refreshFor asks the seller for the current code of a license for one installation (POST
// /v1/codes/refresh with a deployment), which takes a seat of the license for it.
func (r *run) refreshFor(ctx context.Context, code string, d verifier.Deployment) (*codeAnswer, error) {
	return r.callAPI(ctx, pathRefresh, map[string]any{"code": code, "deployment": d})
}

// hasAPI reports whether the seller serves licentia's activation endpoint, probing it once per run with an
// empty code: licentia answers with its error body (400 bad_request; 503 marketplace_unconfigured when it has no
// AK/SK, which the activation steps then report), a seller without the endpoint with 404 or 405.
func (r *run) hasAPI(ctx context.Context) bool {
	r.shared.probe.Do(func() {
		a, err := r.postAPI(ctx, pathActivations, []byte(`{"code":""}`))
		r.shared.api = err == nil && a.errorCode() != "" &&
			a.HTTPStatus != http.StatusNotFound && a.HTTPStatus != http.StatusMethodNotAllowed
	})
	return r.shared.api
}
