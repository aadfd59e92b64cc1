// Package adminclient calls a licentia server's admin API (/admin/v1) with a bearer token: the remote side
// of the support CLI (licentia codes … --server). It offers the operations of support.Desk with the same
// views, so the CLI runs the same way against a local database or a remote server. It imports no router and
// no metrics.
package adminclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/licentia/licentia/internal/loopback"
	"github.com/licentia/licentia/server/support"
	"github.com/licentia/licentia/verifier/online"
)

// Client calls a licentia server's admin API with a bearer token. It offers the same operations as
// support.Desk, so the CLI runs the same way against a local database or a remote server; remotely the
// server records the token's name as the actor.
type Client struct {
	base  *url.URL
	token string
	hc    *http.Client
}

// APIError is an error answer of the admin API: the HTTP status and the body's code and message.
type APIError struct {
	Status  int
	Code    string
	Message string
}

// Error returns a one-line description.
func (e *APIError) Error() string {
	return fmt.Sprintf("server answered %d %s: %s", e.Status, e.Code, e.Message)
}

// New returns a client for the server at baseURL using token. The token is a bearer
// credential, so baseURL must be https://, or http:// to a loopback address (localhost, 127.0.0.0/8,
// ::1: a server on this machine or an SSH tunnel to one). The client follows no redirect: the admin
// API never answers one, and following it could carry the token to another host or onto plain HTTP.
func New(baseURL, token string) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("server URL %q: want https://host[:port]", baseURL)
	}
	if u.Scheme == "http" && !loopback.Host(u.Hostname()) {
		return nil, fmt.Errorf("server URL %q: plain http:// would send the admin token unencrypted; "+
			"use https://, or http:// only to a loopback address (e.g. through an SSH tunnel)", baseURL)
	}
	if token == "" {
		return nil, errors.New("no admin token: set LICENTIA_TOKEN or pass --token-file (create one with 'licentia tokens create')")
	}
	hc := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		return fmt.Errorf("admin API redirected to %s://%s%s: not followed", req.URL.Scheme, req.URL.Host, req.URL.Path)
	}}
	return &Client{base: u, token: token, hc: hc}, nil
}

// List returns one page of licenses matching q.
func (c *Client) List(ctx context.Context, q support.ListQuery) (*support.LicensePage, error) {
	var page support.LicensePage
	return &page, c.do(ctx, http.MethodGet, "/admin/v1/licenses?"+q.Values().Encode(), nil, &page)
}

// Show returns the license ref names; ref may be a whole code, which is sent in the body.
func (c *Client) Show(ctx context.Context, ref string, reveal bool) (*support.Detail, error) {
	var d support.Detail
	return &d, c.do(ctx, http.MethodPost, "/admin/v1/lookup", support.LookupRequest{Ref: ref, Reveal: reveal}, &d)
}

// History returns the license's events, oldest first.
func (c *Client) History(ctx context.Context, ref string) (*support.History, error) {
	path, err := c.licensePath(ctx, ref)
	if err != nil {
		return nil, err
	}
	var h support.History
	return &h, c.do(ctx, http.MethodGet, path+"/events", nil, &h)
}

// Reissue asks the server to reissue the license (needs a support token).
func (c *Client) Reissue(ctx context.Context, ref string, req support.ChangeRequest) (*support.Change, error) {
	return onLicense[support.Change](ctx, c, ref, "/reissue", req)
}

// Revoke asks the server to revoke the license (needs a support token).
func (c *Client) Revoke(ctx context.Context, ref string, req support.ChangeRequest) (*support.Change, error) {
	return onLicense[support.Change](ctx, c, ref, "/revoke", req)
}

// RetryUploads asks the server to try the license's dead-lettered uploads again (needs a support token).
func (c *Client) RetryUploads(ctx context.Context, ref string, req support.ChangeRequest) (*support.UploadRetry, error) {
	return onLicense[support.UploadRetry](ctx, c, ref, "/uploads/retry", req)
}

// RetryUsage asks the server to report the license's dead-lettered uses of today (UTC) again (needs a
// support token).
func (c *Client) RetryUsage(ctx context.Context, ref string, req support.ChangeRequest) (*support.UsageRetry, error) {
	return onLicense[support.UsageRetry](ctx, c, ref, "/usage/retry", req)
}

// onLicense posts req to the support route suffix of the license ref names and returns its answer.
func onLicense[T any](ctx context.Context, c *Client, ref, suffix string, req support.ChangeRequest) (*T, error) {
	path, err := c.licensePath(ctx, ref)
	if err != nil {
		return nil, err
	}
	var out T
	return &out, c.do(ctx, http.MethodPost, path+suffix, req, &out)
}

// Activate asks the server to activate a License 2.0 code for a buyer (needs a support token).
func (c *Client) Activate(ctx context.Context, req support.ActivationRequest) (*online.CodeResponse, error) {
	var out online.CodeResponse
	return &out, c.do(ctx, http.MethodPost, "/admin/v1/activations", req, &out)
}

// licensePath returns the URL path of the license ref names. A whole code never goes into a URL: it is
// first resolved to its license id through POST /admin/v1/lookup.
func (c *Client) licensePath(ctx context.Context, ref string) (string, error) {
	if support.LooksLikeCode(ref) {
		d, err := c.Show(ctx, ref, false)
		if err != nil {
			return "", err
		}
		if d.License == nil {
			return "", &APIError{Status: http.StatusNotFound, Code: "not_found", Message: "the code's license is not on this server"}
		}
		ref = d.License.ID
	}
	return "/admin/v1/licenses/" + url.PathEscape(ref), nil
}

// do sends one request and decodes a 200 answer into out, or returns an *APIError.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base.String()+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("admin API: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("admin API: read answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if json.Unmarshal(data, &e) != nil || e.Error.Code == "" {
			return &APIError{Status: resp.StatusCode, Code: "unexpected", Message: strings.TrimSpace(http.StatusText(resp.StatusCode))}
		}
		return &APIError{Status: resp.StatusCode, Code: e.Error.Code, Message: e.Error.Message}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("admin API: answer is not the expected JSON: %w", err)
	}
	return nil
}
