package marketapi

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"

	"github.com/licentia/licentia/server/koogallery"
)

// Client calls the KooGallery OpenAPI. It is safe for concurrent use.
type Client struct {
	cfg   Config
	bases []*url.URL
	http  *http.Client
	// preferred is the index of the base URL that answered last; calls start there.
	preferred atomic.Int32
}

// New returns a Client for cfg. It returns ErrUnconfigured without AK or SK, and ErrBaseURL for a bad base URL.
func New(cfg Config) (*Client, error) {
	cfg, bases, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Client{cfg: cfg, bases: bases, http: NewHTTPClient(cfg.RootCAs)}, nil
}

// request is one OpenAPI call to make.
type request struct {
	api         koogallery.API
	method      string
	path        string // escaped
	query       url.Values
	contentType string
	body        []byte
}

// result is the outcome of one attempt.
type result struct {
	base    *url.URL
	status  int
	body    []byte
	code    string
	message string
	kind    error // nil on success
	err     error // cause
	retry   bool  // another attempt may succeed
	next    bool  // the host could not be reached: try the next base URL
	// reached: the request may have reached the marketplace and taken effect although no usable answer came
	// back (an answer lost after sending, or a 5xx).
	reached bool
}

// do makes the call with retries and host fallback, passes a successful answer's body to decode, and logs and
// counts the call. It returns an *Error on failure.
func (c *Client) do(ctx context.Context, req request, decode func(body []byte) error) error {
	start := c.cfg.Now()
	var res result
	attempts, repeated := 0, false
	for attempts < c.cfg.MaxAttempts {
		if attempts > 0 {
			if err := c.cfg.Sleep(ctx, c.backoff(attempts)); err != nil {
				res.kind, res.err, res.retry = ErrUnavailable, err, false
				break
			}
			repeated = repeated || res.reached
		}
		attempts++
		res = c.tryHosts(ctx, req, &repeated)
		if !res.retry || ctx.Err() != nil {
			break
		}
	}
	if res.kind == nil {
		if err := decode(res.body); err != nil {
			res.kind, res.err = ErrProtocol, err
		}
	}
	var err error
	if res.kind != nil {
		if res.retry {
			res.kind = ErrUnavailable
		}
		err = &Error{API: req.api, Status: res.status, Code: res.code, Message: res.message,
			Attempts: attempts, Repeated: repeated, Kind: res.kind, Err: res.err}
	}
	c.record(ctx, req.api, res, attempts, c.cfg.Now().Sub(start), err)
	return err
}

// tryHosts makes one attempt, moving to the next base URL while a host cannot be reached. It starts at the
// base URL that answered last, and sets *repeated when it sends the request again after a host it may have
// reached.
func (c *Client) tryHosts(ctx context.Context, req request, repeated *bool) result {
	first := int(c.preferred.Load())
	var res result
	for i := range c.bases {
		idx := (first + i) % len(c.bases)
		if i > 0 && res.reached {
			*repeated = true
		}
		res = c.attempt(ctx, req, c.bases[idx])
		if !res.next || ctx.Err() != nil {
			if !res.next {
				c.preferred.Store(int32(idx))
			}
			return res
		}
	}
	return res
}

// attempt sends req once to base within the attempt budget and classifies the answer.
func (c *Client) attempt(ctx context.Context, req request, base *url.URL) result {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.AttemptTimeout)
	defer cancel()
	res := result{base: base}
	hreq, err := c.newRequest(ctx, req, base)
	if err != nil {
		res.kind, res.err = ErrInvalidParam, err
		return res
	}
	resp, err := c.http.Do(hreq)
	if err != nil {
		return networkResult(res, err)
	}
	defer resp.Body.Close()
	res.status = resp.StatusCode
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes+1))
	if err != nil {
		return networkResult(res, err)
	}
	if len(body) > maxAnswerBytes {
		res.kind, res.err = ErrProtocol, fmt.Errorf("answer over %d bytes", maxAnswerBytes)
		return res
	}
	res.body = body
	return classify(res)
}

// networkResult classifies a transport error: the next host is tried and the call retried, except after a
// certificate that does not verify, where retrying the same host cannot help.
func networkResult(res result, err error) result {
	res.kind, res.err, res.next, res.retry = ErrUnavailable, err, true, !isCertError(err)
	res.reached = !isCertError(err) && !isDialError(err)
	return res
}

// isDialError reports whether err happened before a connection existed: the request was not sent.
func isDialError(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	return errors.As(err, &dns) || errors.As(err, &op) && op.Op == "dial"
}

// isCertError reports whether err is a server certificate that failed verification.
func isCertError(err error) bool {
	var verr *tls.CertificateVerificationError
	var uerr x509.UnknownAuthorityError
	var herr x509.HostnameError
	var ierr x509.CertificateInvalidError
	return errors.As(err, &verr) || errors.As(err, &uerr) || errors.As(err, &herr) || errors.As(err, &ierr)
}

// envelope holds the result fields of every OpenAPI answer: error_code/error_msg for the licence and
// market-event APIs and the gateway, resultCode/resultMsg for the order query.
type envelope struct {
	ErrorCode  string `json:"error_code"`
	ErrorMsg   string `json:"error_msg"`
	ResultCode string `json:"resultCode"`
	ResultMsg  string `json:"resultMsg"`
}

// classify reads an answer's code and decides success, the sentinel and whether to retry.
func classify(res result) result {
	if res.status >= 300 && res.status < 400 {
		res.kind, res.err = ErrProtocol, fmt.Errorf("redirect (http %d) not followed", res.status)
		return res
	}
	var env envelope
	if err := json.Unmarshal(res.body, &env); err != nil || (env.ErrorCode == "" && env.ResultCode == "") {
		res.kind, res.retry = ErrProtocol, res.status >= http.StatusInternalServerError
		res.reached = res.retry
		if res.retry {
			res.kind = ErrUnavailable
		}
		if err == nil {
			err = errors.New("no error_code or resultCode")
		}
		res.err = err
		return res
	}
	res.code, res.message = env.ErrorCode, env.ErrorMsg
	if res.code == "" {
		res.code, res.message = env.ResultCode, env.ResultMsg
	}
	if isSuccess(res.code) {
		if res.status != http.StatusOK {
			res.kind, res.err = ErrProtocol, fmt.Errorf("success code with http %d", res.status)
		}
		return res
	}
	res.kind, res.retry = kindOf(res.code, res.status)
	res.reached = res.status >= http.StatusInternalServerError
	return res
}

// newRequest builds and signs the HTTP request of req against base.
func (c *Client) newRequest(ctx context.Context, req request, base *url.URL) (*http.Request, error) {
	raw := base.String() + req.path
	if len(req.query) > 0 {
		raw += "?" + req.query.Encode()
	}
	var body io.Reader = http.NoBody
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hreq, err := http.NewRequestWithContext(ctx, req.method, raw, body)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	hreq.Header.Set("Content-Type", req.contentType)
	if err := koogallery.SignAPIG(hreq, req.body, c.cfg.AK, c.cfg.SK, c.cfg.Now()); err != nil {
		return nil, fmt.Errorf("sign request: %w", err)
	}
	return hreq, nil
}

// jsonRequest returns a POST request of api to path with v as its JSON body.
func jsonRequest(api koogallery.API, path string, v any) (request, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return request{}, fmt.Errorf("encode %s request: %w", api, err)
	}
	return request{api: api, method: http.MethodPost, path: path, contentType: "application/json", body: body}, nil
}
