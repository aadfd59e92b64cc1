package market

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/licentia/licentia/internal/loopback"
	"github.com/licentia/licentia/server/koogallery"
)

// maxBodyBytes bounds a request body the stand-in reads (uploads included).
const maxBodyBytes = 8 << 20

// Config configures the stand-in.
type Config struct {
	// AK and SK are the seller credentials the stand-in's gateway accepts; both are required.
	AK, SK string
	// Addr is the loopback address to listen on (default 127.0.0.1:0, a free port).
	Addr string
	// Now is the marketplace's clock, for X-Sdk-Date checks and activation times (default time.Now).
	Now func() time.Time
	// Window is how far X-Sdk-Date may be off (default koogallery.APIGDateWindow, the gateway's 15 minutes).
	Window time.Duration
}

// Server is a running stand-in for the KooGallery OpenAPI on a loopback address. Its methods are safe for
// concurrent use with the requests it serves.
type Server struct {
	cfg  Config
	addr string

	mu      sync.Mutex
	srv     *http.Server
	codes   map[string]*Code
	orders  map[string]koogallery.OrderInfo
	uploads []Upload
	usage   []UsageCall
	calls   map[callKey]int
	faults  faults
}

type callKey struct {
	api  koogallery.API
	code string
}

// Start listens on cfg.Addr (a loopback address) and serves the stand-in until Close. It returns an error
// without AK or SK, for a non-loopback address, or when the address cannot be listened on.
func Start(cfg Config) (*Server, error) {
	if cfg.AK == "" || cfg.SK == "" {
		return nil, errors.New("market stand-in: AK and SK are required")
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if host, _, err := net.SplitHostPort(cfg.Addr); err != nil || !loopback.Host(host) {
		return nil, fmt.Errorf("market stand-in: address %q is not a loopback host:port", cfg.Addr)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Window <= 0 {
		cfg.Window = koogallery.APIGDateWindow
	}
	s := &Server{cfg: cfg, codes: map[string]*Code{}, orders: map[string]koogallery.OrderInfo{}, calls: map[callKey]int{}}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("market stand-in: listen: %w", err)
	}
	s.addr = ln.Addr().String()
	s.serve(ln)
	return s, nil
}

// serve starts an http.Server on ln; the caller holds mu or has not published s yet.
func (s *Server) serve(ln net.Listener) {
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 30 * time.Second}
	s.srv = srv
	go srv.Serve(ln)
}

// URL returns the stand-in's base URL, http://127.0.0.1:port, to use in place of https://mkt.myhuaweicloud.com.
func (s *Server) URL() string { return "http://" + s.addr }

// Close stops the stand-in and closes its connections.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv == nil {
		return nil
	}
	err := s.srv.Close()
	s.srv = nil
	return err
}

// SetUnreachable makes the stand-in refuse connections (true: it stops listening and drops open connections)
// or serve again on the same address (false). It returns an error when the address cannot be listened on again.
func (s *Server) SetUnreachable(down bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if down {
		if s.srv != nil {
			s.srv.Close()
			s.srv = nil
		}
		return nil
	}
	if s.srv != nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("market stand-in: listen again: %w", err)
	}
	s.serve(ln)
	return nil
}

// ServeHTTP plays the API Gateway and then the marketplace: route, injected faults, App signature, handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	api, route := s.route(r.URL.Path)
	f := s.takeFault()
	if f.latency > 0 {
		select {
		case <-time.After(f.latency):
		case <-r.Context().Done():
			return
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	rec := httptest.NewRecorder()
	switch {
	case f.status != 0:
		writeFault(rec, f.status)
	case route == nil:
		writeCode(rec, koogallery.GatewayNoAPI, "")
	case err != nil:
		writeCode(rec, koogallery.CodeUnreadable, "")
	default:
		if s.authorize(rec, r, body) {
			route(rec, r, body)
		}
	}
	s.count(api, rec.Body.Bytes())
	if f.lose {
		loseAnswer(w)
		return
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

// SetSK changes the secret key the gateway accepts with the configured AK, as a seller who rotates its access
// key in the console leaves its servers with a wrong SK until they are reconfigured, and returns the key it
// accepted before. It returns an error for an empty key.
func (s *Server) SetSK(sk string) (previous string, err error) {
	if sk == "" {
		return "", errors.New("market stand-in: SK is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	previous, s.cfg.SK = s.cfg.SK, sk
	return previous, nil
}

// authorize checks the App signature as the gateway does, with the stand-in's own implementation
// (checkAppSignature, checked against a public SDK's test values); on failure it writes the gateway's answer:
// APIG.0303 with HTTP 401 (see koogallery.GatewayAppAuth for the sources).
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, body []byte) bool {
	s.mu.Lock()
	sk := s.cfg.SK
	s.mu.Unlock()
	window := s.cfg.Window
	if window <= 0 {
		window = koogallery.APIGDateWindow
	}
	err := checkAppSignature(r, body, s.cfg.AK, sk, s.cfg.Now(), window)
	if err == nil {
		return true
	}
	writeCode(w, koogallery.GatewayAppAuth, err.Error())
	return false
}

// route returns the API and handler of a path; nil for a path the gateway does not publish.
func (s *Server) route(path string) (koogallery.API, func(http.ResponseWriter, *http.Request, []byte)) {
	switch path {
	case koogallery.PathActivate:
		return koogallery.APIActivate, s.activate
	case koogallery.PathActivateBatch:
		return koogallery.APIActivateBatch, s.activateBatch
	case koogallery.PathQuery:
		return koogallery.APIQuery, s.query
	case koogallery.PathQueryOrder:
		return koogallery.APIQueryOrder, s.queryOrder
	case koogallery.PathUsage:
		return koogallery.APIUsage, s.reportUsage
	}
	if id, ok := eventID(path); ok {
		return koogallery.APIUploadEvent, func(w http.ResponseWriter, r *http.Request, body []byte) {
			s.upload(w, r, id, body)
		}
	}
	return "", nil
}

// eventID extracts the event id of a market-event upload path.
func eventID(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, koogallery.PathEventPrefix)
	if !ok {
		return "", false
	}
	id, ok := strings.CutSuffix(rest, koogallery.PathEventSuffix)
	return id, ok && id != "" && !strings.Contains(id, "/")
}

// count records a call under the code of the answer written (error_code, resultCode, or "" for none).
func (s *Server) count(api koogallery.API, body []byte) {
	var env struct {
		ErrorCode  string `json:"error_code"`
		ResultCode string `json:"resultCode"`
	}
	json.Unmarshal(body, &env)
	code := env.ErrorCode
	if code == "" {
		code = env.ResultCode
	}
	s.mu.Lock()
	s.calls[callKey{api, code}]++
	s.mu.Unlock()
}

// writeCode writes the documented answer of code with its HTTP status; detail, when set, extends the message
// as the gateway's messages do ("…: verify signature fail").
func writeCode(w http.ResponseWriter, code, detail string) {
	info, _ := koogallery.LookupCode(code)
	msg := info.Message
	if detail != "" {
		msg += ": " + detail
	}
	var v any = koogallery.Answer{ErrorCode: code, ErrorMsg: msg}
	if strings.HasPrefix(code, "APIG.") {
		v = koogallery.Answer{ErrorCode: code, ErrorMsg: msg, RequestID: requestID()}
	} else if strings.HasPrefix(code, "MKT.") {
		v = koogallery.OrderAnswer{ResultCode: code, ResultMsg: msg}
	}
	writeJSON(w, info.Status, v)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	json.NewEncoder(&buf).Encode(v)
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func requestID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// loseAnswer closes the connection without an answer, as a network that drops the answer does.
func loseAnswer(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}
