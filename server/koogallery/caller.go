package koogallery

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxReplyBytes caps how much of a seller's answer Caller reads; marketplace answers are a few hundred bytes.
const maxReplyBytes = 1 << 20

// Caller plays KooGallery's side of a seller's production interface against one production URL: it signs calls
// the way the marketplace does — authToken for License 1.0 GET calls (§1.3.1); signature, timestamp and nonce for
// the POST calls of License 2.0, G1b and SaaS V2 (§2.3) — and inspects the form and the Body-Sign header of every
// answer (see Reply). SignOption values sign a call the other ways the marketplace does (upper-case hex) and the
// ways a forger or a broken sender would. Simulators, load generators and tests sign through it. It is safe for
// concurrent use.
type Caller struct {
	url  string
	key  string
	http *http.Client
	now  func() time.Time
}

// NewCaller returns a Caller for the production URL callbackURL (scheme, host and path, e.g.
// http://127.0.0.1:8080/koogallery/license) and the seller's access key. hc nil means a client with the
// marketplace's 5-second timeout; now nil means time.Now.
func NewCaller(callbackURL, key string, hc *http.Client, now func() time.Time) *Caller {
	if hc == nil {
		hc = &http.Client{Timeout: 5 * time.Second}
	}
	if now == nil {
		now = time.Now
	}
	return &Caller{url: callbackURL, key: key, http: hc, now: now}
}

// Request is one marketplace call, built and signed, ready to be sent (possibly more than once, as a replay).
type Request struct {
	// Legacy is true for a License 1.0 GET call.
	Legacy bool
	// Activity is the activity field of the call.
	Activity string
	// URL is the full URL, query string included.
	URL string
	// Body is the JSON body of a POST call.
	Body []byte
}

// SignOption changes how a call is signed.
type SignOption func(*signing)

type signing struct {
	key      string
	at       time.Time
	nonce    string
	upper    bool
	corrupt  bool
	unsigned bool
	tamper   bool
}

// WithKey signs with key instead of the client's access key (a forged or misconfigured sender).
func WithKey(key string) SignOption { return func(s *signing) { s.key = key } }

// At stamps the call with t instead of the current time (a stale or delayed call).
func At(t time.Time) SignOption { return func(s *signing) { s.at = t } }

// WithNonce uses nonce instead of a fresh random one.
func WithNonce(nonce string) SignOption { return func(s *signing) { s.nonce = nonce } }

// UpperHex writes the signature of a POST call in upper-case hex, as some of the marketplace's examples do
// (§2.3: sellers compare case-insensitively). License 1.0 authTokens are Base64 and unaffected.
func UpperHex() SignOption { return func(s *signing) { s.upper = true } }

// Corrupt changes one character of the authToken or signature after signing.
func Corrupt() SignOption { return func(s *signing) { s.corrupt = true } }

// Unsigned leaves out the authToken or signature parameter.
func Unsigned() SignOption { return func(s *signing) { s.unsigned = true } }

// Tampered signs the call and then sends it with expireTime changed to another time in 2098 or 2099 (a man in
// the middle extending a license).
func Tampered() SignOption { return func(s *signing) { s.tamper = true } }

func (c *Caller) signing(opts []SignOption) *signing {
	s := &signing{key: c.key, at: c.now(), nonce: NewNonce()}
	for _, o := range opts {
		o(s)
	}
	return s
}

// NewNonce returns 16 random upper-case hex digits, the form of KooGallery's nonces.
func NewNonce() string {
	var b [8]byte
	rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

// LegacyRequest builds a License 1.0 GET call carrying params, with timeStamp (unless params has one) and
// authToken added.
func (c *Caller) LegacyRequest(params map[string]string, opts ...SignOption) *Request {
	s := c.signing(opts)
	q := url.Values{}
	for k, v := range params {
		q.Set(k, v)
	}
	if q.Get("timeStamp") == "" {
		q.Set("timeStamp", FormatTimeMillis(s.at))
	}
	if !s.unsigned {
		tok := AuthToken(s.key, q)
		if s.corrupt {
			tok = corrupt(tok)
		}
		q.Set("authToken", tok)
	}
	if s.tamper {
		q.Set("expireTime", tamperedTime(q.Get("expireTime")))
	}
	return &Request{Legacy: true, Activity: params["activity"], URL: c.withQuery(q)}
}

// SignedRequest builds a POST call whose JSON body holds body, in the canonical form KooGallery sends (sorted
// keys, compact, no HTML escaping), with timestamp (Unix milliseconds), nonce and signature in the URL.
func (c *Caller) SignedRequest(body map[string]string, opts ...SignOption) *Request {
	s := c.signing(opts)
	raw := canonicalBody(body)
	q := signedQuery(s, raw)
	if s.tamper {
		changed := make(map[string]string, len(body)+1)
		for k, v := range body {
			changed[k] = v
		}
		changed["expireTime"] = tamperedTime(body["expireTime"])
		raw = canonicalBody(changed)
	}
	return &Request{Activity: body["activity"], URL: c.withQuery(q), Body: raw}
}

// SignedRawRequest builds a POST call of activity whose body is raw exactly as given — a page's example with
// nested objects and numbers, say — signed as SignedRequest signs (tampering aside).
func (c *Caller) SignedRawRequest(activity string, raw []byte, opts ...SignOption) *Request {
	return &Request{Activity: activity, URL: c.withQuery(signedQuery(c.signing(opts), raw)), Body: raw}
}

// signedQuery returns the URL parameters of a POST call with body raw: timestamp, nonce and signature.
func signedQuery(s *signing, raw []byte) url.Values {
	ts := strconv.FormatInt(s.at.UnixMilli(), 10)
	q := url.Values{}
	q.Set("timestamp", ts)
	q.Set("nonce", s.nonce)
	if !s.unsigned {
		sig := Signature(s.key, s.nonce, ts, raw)
		if s.upper {
			sig = strings.ToUpper(sig)
		}
		if s.corrupt {
			sig = corrupt(sig)
		}
		q.Set("signature", sig)
	}
	return q
}

// tamperedTime returns a far-future expireTime different from orig.
func tamperedTime(orig string) string {
	if t := "20991231000000"; t != orig {
		return t
	}
	return "20981231000000"
}

func (c *Caller) withQuery(q url.Values) string {
	sep := "?"
	if strings.Contains(c.url, "?") {
		sep = "&"
	}
	return c.url + sep + q.Encode()
}

// canonicalBody encodes body as KooGallery does: compact JSON, keys sorted, no HTML escaping.
func canonicalBody(body map[string]string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(body) // a map of strings always encodes
	out, err := Canonical(buf.Bytes())
	if err != nil {
		return bytes.TrimSpace(buf.Bytes())
	}
	return out
}

// corrupt changes the first character of a token to another character of the same alphabet.
func corrupt(tok string) string {
	if tok == "" {
		return "0"
	}
	c := byte('0')
	if tok[0] == '0' {
		c = '1'
	}
	return string(c) + tok[1:]
}

// Legacy sends a License 1.0 GET call; see LegacyRequest.
func (c *Caller) Legacy(ctx context.Context, params map[string]string, opts ...SignOption) (*Reply, error) {
	return c.Do(ctx, c.LegacyRequest(params, opts...))
}

// Signed sends a POST call; see SignedRequest.
func (c *Caller) Signed(ctx context.Context, body map[string]string, opts ...SignOption) (*Reply, error) {
	return c.Do(ctx, c.SignedRequest(body, opts...))
}

// HTTPRequest returns req as an *http.Request bound to ctx: a GET for a License 1.0 call, otherwise a POST of
// the JSON body.
func (req *Request) HTTPRequest(ctx context.Context) (*http.Request, error) {
	if req.Legacy {
		return http.NewRequestWithContext(ctx, http.MethodGet, req.URL, nil)
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, req.URL, bytes.NewReader(req.Body))
	if err != nil {
		return nil, err
	}
	hr.Header.Set("Content-Type", "application/json;charset=UTF-8")
	return hr, nil
}

// Do sends req and returns the seller's answer, already inspected (see Reply.Problems). An error means no answer
// arrived: the connection failed or the client timed out.
func (c *Caller) Do(ctx context.Context, req *Request) (*Reply, error) {
	hr, err := req.HTTPRequest(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", req.Activity, err)
	}
	resp, err := c.http.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("%s: no answer: %w", req.Activity, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes))
	if err != nil {
		return nil, fmt.Errorf("%s: reading the answer: %w", req.Activity, err)
	}
	return inspect(req.Legacy, resp.StatusCode, resp.Header, body, c.key), nil
}

// DoLost sends req and drops the connection as soon as the request is written, which is what a call the
// marketplace gave up on looks like to the seller: the seller may or may not have applied it, and its answer is
// lost.
func (c *Caller) DoLost(ctx context.Context, req *Request) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { cancel() }}
	hr, err := req.HTTPRequest(httptrace.WithClientTrace(ctx, trace))
	if err != nil {
		return
	}
	if resp, err := c.http.Do(hr); err == nil {
		resp.Body.Close()
	}
}
