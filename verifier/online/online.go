// Package online is the network side of checking a licentia authorization code: a Client that asks the
// licentia server which issued a code for the license's current code (POST /v1/codes/refresh), for the
// signed revocation list or its changes (GET /v1/revocations), and, for a KooGallery License 2.0
// purchase, for the licentia code of the marketplace's license code (POST /v1/activations).
//
// Everything that decides whether a code is valid lives in package verifier and runs offline, with no
// network code at all; this package only fetches. Nothing it fetches is trusted as fetched: a code goes
// through verifier's Verify like any other, and a revocation list is checked with the local key ring
// (verifier.ParseRevocations) before it is returned. Software that is only sometimes online uses both:
// it refreshes when it can, and when the server cannot be reached (ErrOnline) it checks the code it
// already holds, offline. The wire formats are specified in package verifier's documentation, section
// "Online refresh and activation".
package online

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/licentia/licentia/verifier"
)

// ErrOnline is wrapped by the errors of Client: the server could not be reached or did not answer as a
// licentia server does. Software that gets it from Refresh, Revocations or UpdateRevocations should
// fall back to checking the code it has, offline.
var ErrOnline = errors.New("online: request failed")

// ErrTooLarge means the server's answer is larger than any answer the client accepts (a revocation list
// may be up to 64 MiB as sent). It is not ErrOnline: the server did answer, and falling back to an older
// list in silence would hide every revocation made since. Treat it as an error.
var ErrTooLarge = errors.New("online: answer too large")

// Client fetches, from the licentia server that issued a code, the license's current code (after a
// renewal, say), the signed revocation list, and the code of a KooGallery License 2.0 purchase. Nothing
// it fetches is trusted as such: a code goes through verifier's Verify like any other, and the list is
// checked with the local key ring.
type Client struct {
	// BaseURL is the server's address, e.g. "https://license.example.com".
	BaseURL string
	// HTTP is the client used; nil means one with a 10-second timeout.
	HTTP *http.Client
}

// CodeResponse is the answer of POST /v1/codes/refresh and POST /v1/activations: the license's current
// code and what it says. Its JSON form is the wire format of both endpoints; LicenseID is present in
// activation answers only.
type CodeResponse struct {
	// Code is the license's current authorization code. It is not verified by the client: pass it to
	// verifier's Verify.
	Code string `json:"code"`
	// LicenseID is the id of the license (the code's "sub"); activation answers carry it.
	LicenseID string `json:"license_id,omitempty"`
	// Generation is the code's generation ("gen").
	Generation int64 `json:"generation"`
	// Status is the license's status ("st"), e.g. verifier.StatusActive.
	Status string `json:"status"`
	// ExpiresAt is the license's end as an RFC 3339 time, nil for a perpetual license.
	ExpiresAt *string `json:"expires_at"`
}

// ServerError is the error of a Client call that the server answered with an error status. It wraps
// ErrOnline. Code is the stable snake_case code of the server's {"error":{"code","message"}} body, empty
// when the body carried none.
type ServerError struct {
	// Path is the request path, e.g. "/v1/activations".
	Path string
	// Status is the HTTP status code.
	Status int
	// Code and Message are the server's error code and message.
	Code, Message string
}

// Error describes the answer. It never contains a code.
func (e *ServerError) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("%v: %s: HTTP %d", ErrOnline, e.Path, e.Status)
	}
	return fmt.Sprintf("%v: %s: %s (%s)", ErrOnline, e.Path, e.Message, e.Code)
}

// Unwrap returns ErrOnline.
func (e *ServerError) Unwrap() error { return ErrOnline }

// Answer limits: a 200 answer may be as long as the longest answer of GET /v1/revocations a verifier
// reads (verifier.MaxRevocationListSize, a whole list or a delta); an error answer is small.
const (
	maxAnswer      = verifier.MaxRevocationListSize
	maxErrorAnswer = 64 << 10
)

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Timeout: 10 * time.Second}
}

// Refresh sends code (any genuine code of the license, even an expired or superseded one) to
// POST /v1/codes/refresh and returns the current code the server answers. deployment, when not nil,
// names this installation in the request's "deployment" member (the object form of verifier.Deployment):
// the server then answers a code bound to it (the "dep" claim) and counts it as one of the license's
// seats. The answer is not verified here: pass it to verifier's Verify (WithDeployment). Errors wrap
// ErrOnline (a *ServerError when the server answered an error; seats_exhausted when every seat is
// taken), or are ErrTooLarge, or wrap verifier.ErrDeployment for an invalid deployment, which is never
// sent.
func (c *Client) Refresh(ctx context.Context, code string, deployment *verifier.Deployment) (string, error) {
	body, err := codeRequest(code, deployment)
	if err != nil {
		return "", err
	}
	ans, err := c.postCode(ctx, "/v1/codes/refresh", body)
	if err != nil {
		return "", err
	}
	return ans.Code, nil
}

// Activate exchanges a KooGallery License 2.0 license code (the code the marketplace shows the buyer,
// not a licentia code) for the licentia code of the license it bought, with POST /v1/activations. The
// server activates the code with KooGallery once; asking again returns the same license and code.
// deployment, when not nil, names this installation as in Refresh (the answer is then bound to it);
// nil sends none. The answer's code is not verified here: pass it to verifier's Verify, then keep it
// (and use Refresh later, as with any code).
//
// When the server refuses, the error is a *ServerError (wrapping ErrOnline) whose Code is one of
// bad_request (not a code the server accepts), not_found (KooGallery does not know the code),
// not_received (the buyer has not received the code yet: try again later), license_released (the
// license was released: it will never be valid), rate_limited (try again later),
// marketplace_unavailable (the server cannot reach KooGallery: try again later),
// marketplace_unconfigured (the server is not set up for KooGallery: the seller must fix it) or
// seats_exhausted (every seat of the license is taken by other deployments). Other errors wrap
// ErrOnline, or are ErrTooLarge, or wrap verifier.ErrDeployment for an invalid deployment, which is
// never sent.
func (c *Client) Activate(ctx context.Context, marketCode string, deployment *verifier.Deployment) (*CodeResponse, error) {
	body, err := codeRequest(marketCode, deployment)
	if err != nil {
		return nil, err
	}
	return c.postCode(ctx, "/v1/activations", body)
}

// codeRequest is the body of a refresh or an activation: {"code": ..., "deployment": {...}}.
func codeRequest(code string, deployment *verifier.Deployment) (any, error) {
	if deployment != nil {
		if err := deployment.Validate(); err != nil {
			return nil, err
		}
	}
	return struct {
		Code       string               `json:"code"`
		Deployment *verifier.Deployment `json:"deployment,omitempty"`
	}{strings.TrimSpace(code), deployment}, nil
}

// postCode posts body as JSON to path and decodes a CodeResponse that carries a code.
func (c *Client) postCode(ctx context.Context, path string, body any) (*CodeResponse, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOnline, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url(path), bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOnline, err)
	}
	req.Header.Set("Content-Type", "application/json")
	data, err = c.do(req)
	if err != nil {
		return nil, err
	}
	var ans CodeResponse
	if err := json.Unmarshal(data, &ans); err != nil || ans.Code == "" {
		return nil, fmt.Errorf("%w: %s: the answer carries no code", ErrOnline, path)
	}
	return &ans, nil
}

// Revocations fetches GET /v1/revocations (the whole list), checks its signature with kr and returns the
// list and the bytes fetched (to keep for offline checks; they are a revocation document with no delta).
// A poller that keeps the list should use UpdateRevocations, which downloads only the changes. Errors wrap ErrOnline, or are ErrTooLarge, or wrap the
// errors of verifier.ParseRevocations when the server answered something that is not a genuine list.
func (c *Client) Revocations(ctx context.Context, kr *verifier.Keyring) (*verifier.RevocationList, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url("/v1/revocations"), nil)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrOnline, err)
	}
	data, err := c.do(req)
	if err != nil {
		return nil, nil, err
	}
	l, err := verifier.ParseRevocations(kr, data)
	if err != nil {
		return nil, nil, err
	}
	return l, data, nil
}

// UpdateRevocations brings the revocation document doc (one that an earlier call returned, kept in a file
// say; nil or empty for none) up to date and returns the list it amounts to and the new document, to keep
// for the next call and for offline checks (verifier.ParseRevocations reads it). With a document it asks
// GET /v1/revocations?since=<the document's iat> and appends the delta the server answers
// (verifier.AppendRevocations); it fetches the whole list instead (GET /v1/revocations) when there is no
// readable document, when the server answered a whole list (a since beyond its horizon), when the delta
// does not append (a gap, a bad signature), and when the document is due for compaction
// (verifier.RevocationsCompactDue: its deltas outgrew its whole list). So a poller downloads the changes,
// and a document stays below about twice the whole list.
//
// An answer older than doc's list (from a server replica that lags) is an error wrapping
// verifier.ErrStaleList: keep doc and use its list. Other errors wrap ErrOnline (keep doc; check offline),
// or are ErrTooLarge, or wrap the errors of verifier.ParseRevocations when the server's whole list is not
// genuine.
func (c *Client) UpdateRevocations(ctx context.Context, kr *verifier.Keyring, doc []byte) (*verifier.RevocationList, []byte, error) {
	if held, err := verifier.ParseRevocations(kr, doc); err == nil {
		data, err := c.get(ctx, "/v1/revocations?since="+strconv.FormatInt(held.IssuedAt, 10))
		if err != nil {
			return nil, nil, err
		}
		next, l, err := verifier.AppendRevocations(kr, doc, data)
		switch {
		case errors.Is(err, verifier.ErrStaleList):
			return nil, nil, err
		case err == nil && !verifier.RevocationsCompactDue(next):
			return l, next, nil
		}
	}
	data, err := c.get(ctx, "/v1/revocations")
	if err != nil {
		return nil, nil, err
	}
	next, l, err := verifier.AppendRevocations(kr, doc, data)
	if err != nil {
		return nil, nil, err
	}
	return l, next, nil
}

// get fetches path with GET and returns the body of a 200 answer.
func (c *Client) get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url(path), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOnline, err)
	}
	return c.do(req)
}

func (c *Client) url(path string) string { return strings.TrimRight(c.BaseURL, "/") + path }

// do sends req and returns the whole body of a 200 answer. An answer longer than maxAnswer is
// ErrTooLarge, never a truncated body.
func (c *Client) do(req *http.Request) ([]byte, error) {
	resp, err := c.http().Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOnline, err)
	}
	defer resp.Body.Close()
	limit := int64(maxAnswer)
	if resp.StatusCode != http.StatusOK {
		limit = maxErrorAnswer
	}
	if resp.StatusCode == http.StatusOK && resp.ContentLength > limit {
		return nil, fmt.Errorf("%w: %s: %d bytes, more than %d", ErrTooLarge, req.URL.Path, resp.ContentLength, limit)
	}
	data, err := readAll(resp.Body, limit)
	if resp.StatusCode == http.StatusOK && errors.Is(err, ErrTooLarge) {
		return nil, fmt.Errorf("%w: %s", err, req.URL.Path)
	}
	if err != nil && !errors.Is(err, ErrTooLarge) {
		return nil, fmt.Errorf("%w: %w", ErrOnline, err)
	}
	if resp.StatusCode != http.StatusOK {
		se := &ServerError{Path: req.URL.Path, Status: resp.StatusCode}
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if json.Unmarshal(data, &e) == nil {
			se.Code, se.Message = printable(e.Error.Code, 64), printable(e.Error.Message, 300)
		}
		return nil, se
	}
	return data, nil
}

// readAll reads r to its end, at most limit bytes: a longer stream is ErrTooLarge (with the first
// limit bytes), never taken as the whole.
func readAll(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return data[:limit], fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	return data, nil
}

// printable returns s cut to at most n bytes, with control characters replaced, so a server's words
// can be shown on a terminal or in a log as they are.
func printable(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || r == utf8.RuneError {
			return '?'
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
}
