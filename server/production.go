package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/licensing"
	"github.com/licentia/licentia/server/store"
)

// Marketplace result codes, shorter for this package.
const (
	resultOK         = koogallery.ResultOK
	resultAuth       = koogallery.ResultAuth
	resultParam      = koogallery.ResultParam
	resultNotFound   = koogallery.ResultNotFound
	resultProcessing = koogallery.ResultProcessing
	resultInternal   = koogallery.ResultInternal
)

// Limits on what a marketplace request may carry.
const (
	maxBody   = 1 << 20
	maxParams = 100
	nonceTTL  = 5 * time.Minute
)

// callback is one authenticated marketplace request.
type callback struct {
	activity  string
	f         fields
	legacy    bool   // License 1.0: GET, authToken, Body-Sign
	authToken string // License 1.0: the verified authToken, which names this delivery
	requestID string
	at        int64
}

const msgSuccess = koogallery.ResultMsgOK

// legacyFuture is how far ahead of the server's clock a License 1.0 timeStamp may be: clock error only.
const legacyFuture = 5 * time.Minute

// authError is a request that failed authentication; it is answered with resultCode 000001.
type authError struct{ msg string }

func (e *authError) Error() string { return e.msg }

// resultCode is the one table from an error to the marketplace's result code and message. Unknown errors
// are ours (storage, signing): 000005, which the marketplace retries.
func resultCode(err error) (code, msg string) {
	var pe *paramError
	var ae *authError
	var re *licensing.RequestError
	switch {
	case errors.As(err, &ae):
		return resultAuth, ae.msg
	case errors.As(err, &pe):
		return resultParam, pe.msg
	case errors.As(err, &re):
		return resultParam, re.Error()
	case errors.Is(err, license.ErrInvalid):
		return resultParam, err.Error()
	case errors.Is(err, store.ErrNotFound):
		return resultNotFound, "instance does not exist"
	case errors.Is(err, licensing.ErrProcessing):
		return resultProcessing, "processing, please query again"
	case errors.Is(err, licensing.ErrQuotaExhausted):
		return koogallery.ResultQuotaExhausted, "license quota exhausted"
	case errors.Is(err, licensing.ErrFingerprintRequired):
		return koogallery.ResultFingerprintRequired, "deviceFingerprint is required"
	case errors.Is(err, licensing.ErrNeedsMarket):
		return resultInternal, msgNeedsMarket
	case errors.Is(err, licensing.ErrOrderQuery):
		return resultInternal, msgOrderQuery
	default:
		return resultInternal, "internal error, please retry"
	}
}

// msgNeedsMarket is the resultMsg of a 000005 answered because the marketplace OpenAPI is not configured.
const msgNeedsMarket = "the seller cannot serve this call yet (marketplace OpenAPI not configured), please retry"

var contentTypeJSON = []string{"application/json;charset=UTF-8"}

// answerJSON is the JSON answer to a marketplace call; the field order is the marketplace's.
type answerJSON struct {
	ResultCode string         `json:"resultCode"`
	ResultMsg  string         `json:"resultMsg"`
	InstanceID string         `json:"instanceId,omitempty"`
	License    string         `json:"license,omitempty"`
	Info       []instanceInfo `json:"info,omitempty"`
}

// handleLegacy serves GET /koogallery/license: License 1.0 with authToken in the query.
func (s *Server) handleLegacy(w http.ResponseWriter, r *http.Request) {
	f, repeated, err := parseQuery(r.URL.RawQuery)
	switch {
	case errors.Is(err, errTooManyParams):
		s.refuse(w, r, "", 0, badParam("too many parameters"))
		return
	case err != nil:
		s.refuse(w, r, "", 0, badParam("query string is not valid URL encoding"))
		return
	}
	activity := f.get("activity")
	if err := checkQuery(f, repeated, r.URL.RawQuery); err != nil {
		s.refuse(w, r, activity, 0, err)
		return
	}
	keyIdx, err := koogallery.VerifyAuthTokenSorted(s.cfg.KooGalleryKeys, f)
	if err != nil {
		s.refuse(w, r, activity, 0, &authError{"authToken verification failed"})
		return
	}
	if err := s.checkLegacyTime(f.get("timeStamp")); err != nil {
		s.refuse(w, r, activity, keyIdx, err)
		return
	}
	cb := &callback{activity: activity, f: f, legacy: true, requestID: middleware.GetReqID(r.Context()),
		at: s.now().Unix(), authToken: strings.ReplaceAll(f.get("authToken"), " ", "+")}
	s.dispatch(w, r, cb, keyIdx)
}

var errTooManyParams = errors.New("too many parameters")

// parseQuery parses a query string as url.ParseQuery does (pairs split on '&', a ';' refused, names and
// values unescaped) into fields, one value per name; repeated is the first name that came more than once
// ("" for none), which the caller refuses. Names and values without escapes are substrings of raw, so a
// marketplace query costs the map and nothing per parameter.
func parseQuery(raw string) (f fields, repeated string, err error) {
	n := strings.Count(raw, "&") + 1
	if n > 4*maxParams {
		return nil, "", errTooManyParams
	}
	f = make(fields, 0, min(n, maxParams+1))
	for raw != "" {
		var seg string
		seg, raw, _ = strings.Cut(raw, "&")
		if strings.Contains(seg, ";") {
			if err == nil {
				err = errors.New("invalid semicolon separator in query")
			}
			continue
		}
		if seg == "" {
			continue
		}
		k, v, _ := strings.Cut(seg, "=")
		k, kerr := url.QueryUnescape(k)
		if kerr == nil {
			v, kerr = url.QueryUnescape(v)
		}
		if kerr != nil {
			if err == nil {
				err = kerr
			}
			continue
		}
		if !f.add(k, v) && repeated == "" {
			repeated = k
		}
		if len(f) > maxParams {
			break // refused as too many parameters (checkQuery): the rest need not be read
		}
	}
	return f, repeated, err
}

// checkLegacyTime refuses a License 1.0 timeStamp older than the legacy window or more than legacyFuture
// ahead. The marketplace documents no window, but its resends come within hours; without one a captured URL
// would replay forever.
func (s *Server) checkLegacyTime(ts string) error {
	t, err := koogallery.ParseTime(ts)
	if err != nil {
		return badParam("parameter timeStamp is not a yyyyMMddHHmmssSSS time")
	}
	now := s.now()
	if t.Before(now.Add(-s.cfg.LegacyWindow)) || t.After(now.Add(legacyFuture)) {
		return badParam("timeStamp %s is outside the accepted window (%s back, %s ahead)", ts,
			s.cfg.LegacyWindow, legacyFuture)
	}
	return nil
}

// checkQuery rejects query strings that cannot be a marketplace call before any signature work; f are the
// parameters parseQuery read from raw, repeated is a parameter name that came more than once ("" for none).
func checkQuery(f fields, repeated, raw string) error {
	if len(f) > maxParams {
		return badParam("too many parameters")
	}
	if repeated != "" {
		return badParam("parameter %.64q is repeated", repeated)
	}
	if !utf8.ValidString(raw) || !asciiEscapes(raw) { // else every name and value is valid UTF-8 as it is
		for _, p := range f {
			if !utf8.ValidString(p.Name) || !utf8.ValidString(p.Value) {
				return badParam("parameters must be valid UTF-8")
			}
		}
	}
	if f.get("authToken") == "" {
		return &authError{"missing authToken"}
	}
	if f.get("timeStamp") == "" {
		return badParam("missing parameter timeStamp")
	}
	return nil
}

// asciiEscapes reports whether every %XX escape of the query string raw stands for an ASCII byte (XX below
// 80): unescaping then adds no byte that could break UTF-8, so the names and values of a valid UTF-8 query
// are valid UTF-8. A signed marketplace query escapes only ASCII ('+', '/', '=' of its authToken).
func asciiEscapes(raw string) bool {
	for i := strings.IndexByte(raw, '%'); i >= 0; i = strings.IndexByte(raw, '%') {
		if i+1 >= len(raw) || raw[i+1] < '0' || raw[i+1] > '7' {
			return false
		}
		raw = raw[i+1:]
	}
	return true
}

// handleSigned serves POST /koogallery/license: a JSON body with signature, timestamp and nonce in the URL.
func (s *Server) handleSigned(w http.ResponseWriter, r *http.Request) {
	cb, keyIdx, err := s.authenticate(w, r)
	if err != nil {
		s.refuse(w, r, "", keyIdx, err)
		return
	}
	s.dispatch(w, r, cb, keyIdx)
}

// authenticate checks a signed POST (signature, timestamp window, nonce) and decodes its body. On error
// keyIdx is the key that authenticated the request, or 0.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (*callback, int, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return nil, 0, badParam("request body too large or unreadable")
	}
	q := r.URL.Query()
	sig, ts, nonce := q.Get("signature"), q.Get("timestamp"), q.Get("nonce")
	switch {
	case sig == "":
		return nil, 0, &authError{"missing signature"}
	case ts == "" || nonce == "":
		return nil, 0, badParam("missing timestamp or nonce")
	case len(nonce) > 128:
		return nil, 0, badParam("nonce too long")
	}
	keyIdx, err := koogallery.VerifySignature(s.cfg.KooGalleryKeys, nonce, ts, sig, body)
	if err != nil {
		return nil, 0, &authError{"signature verification failed"}
	}
	t, err := koogallery.ParseTimestamp(ts)
	if err == nil {
		err = koogallery.CheckTimestamp(t, s.now(), s.cfg.TimestampWindow)
	}
	if err != nil {
		return nil, keyIdx, badParam("timestamp missing or outside the allowed window")
	}
	f, err := parseBody(body)
	if err != nil {
		return nil, keyIdx, err
	}
	if err := s.st.UseNonce(r.Context(), nonce, s.now().Add(nonceTTL)); err != nil {
		if errors.Is(err, store.ErrReplay) {
			err = &authError{"nonce already used"}
		}
		return nil, keyIdx, err
	}
	return &callback{activity: f.get("activity"), f: f, requestID: middleware.GetReqID(r.Context()), at: s.now().Unix()}, keyIdx, nil
}

// maxDepth bounds how deeply a marketplace body may nest objects and arrays: the deepest the pages print is
// newInstance's orderInfo[].productInfo[] (four levels inside the body).
const maxDepth = 8

// parseBody decodes a marketplace JSON body: one object whose values are strings; numbers and booleans are
// taken as their literal text and null as absent. The nested buyerInfo{} and orderInfo[] of a newInstance
// (saascenter signing example, topic 0070649476) are read into flat fields by flattenOrder; any other nested
// value, and every unknown field, is ignored. A body nested deeper than maxDepth is refused.
func parseBody(body []byte) (fields, error) {
	if !utf8.Valid(body) {
		return nil, badParam("body is not valid UTF-8")
	}
	if err := koogallery.CheckShape(body); err != nil {
		return nil, badParam("body has more than %d fields or nests deeper than %d", koogallery.MaxJSONItems, koogallery.MaxJSONDepth)
	}
	if jsonDepth(body) > maxDepth {
		return nil, badParam("body nests objects or arrays more than %d levels deep", maxDepth)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return nil, badParam("body is not a JSON object")
	}
	if len(raw) > maxParams {
		return nil, badParam("too many fields")
	}
	f := make(fields, 0, len(raw))
	for k, v := range raw {
		switch {
		case len(v) > 0 && v[0] == '"':
			var str string
			if err := json.Unmarshal(v, &str); err != nil {
				return nil, badParam("field %s is not a valid string", k)
			}
			f.add(k, str)
		case string(v) == "null":
		case len(v) > 0 && (v[0] == '{' || v[0] == '['): // read by flattenOrder, or ignored
		default: // number or boolean literal
			f.add(k, string(v))
		}
	}
	if err := flattenOrder(&f, raw); err != nil {
		return nil, err
	}
	return f, nil
}

// jsonDepth returns how deeply body nests objects and arrays (1 for a flat object), counting brackets
// outside strings; it runs before decoding, so a hostile body costs one pass over its bytes.
func jsonDepth(body []byte) int {
	depth, deepest, inString, escaped := 0, 0, false, false
	for _, c := range body {
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case inString && c == '"':
			inString = false
		case inString:
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			deepest = max(deepest, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}

// dispatch runs the activity and writes the answer.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request, cb *callback, keyIdx int) {
	a, err := s.run(r.Context(), cb)
	if err != nil {
		s.refuse(w, r, cb.activity, keyIdx, err)
		return
	}
	if a.cached != nil {
		s.writeReply(w, r, cb.activity, resultOK, a.cached.body, a.cached.sigs[keyIdx:keyIdx+1:keyIdx+1])
		return
	}
	s.answer(w, r, cb.activity, keyIdx, resultOK, msgSuccess, a)
}

func (s *Server) run(ctx context.Context, cb *callback) (answer, error) {
	switch {
	case cb.legacy && cb.activity == koogallery.ActivityGetLicense, !cb.legacy && cb.activity == koogallery.ActivityNewInstance:
		return s.create(ctx, cb)
	case cb.legacy && cb.activity == koogallery.ActivityRefreshLicense, !cb.legacy && cb.activity == koogallery.ActivityRefreshInstance:
		return s.refresh(ctx, cb, "instanceId")
	case !cb.legacy && cb.activity == koogallery.ActivityGetLicenseAsync:
		return s.licenseAsync(ctx, cb)
	case !cb.legacy && cb.activity == koogallery.ActivityQueryInstance:
		return s.queryInstance(ctx, cb)
	case !cb.legacy && cb.activity == koogallery.ActivityRefreshLicenseCode:
		return s.refresh(ctx, cb, "license")
	case cb.legacy && cb.activity == koogallery.ActivityExpireLicense:
		return s.setStatus(ctx, cb, "instanceId", koogallery.StatusFreeze)
	case !cb.legacy && cb.activity == koogallery.ActivityUpdateInstanceStatus:
		return s.setStatus(ctx, cb, "instanceId", cb.f.get("status"))
	case !cb.legacy && cb.activity == koogallery.ActivityUpdateLicenseCodeStatus:
		return s.setStatus(ctx, cb, "license", cb.f.get("status"))
	case cb.legacy && cb.activity == koogallery.ActivityReleaseLicense, !cb.legacy && cb.activity == koogallery.ActivityReleaseInstance:
		return s.release(ctx, cb, "instanceId")
	case !cb.legacy && cb.activity == koogallery.ActivityReleaseLicenseCode:
		return s.release(ctx, cb, "license")
	case !cb.legacy && cb.activity == koogallery.ActivityOrderNotify:
		return s.orderNotify(ctx, cb)
	case cb.activity == "":
		return answer{}, badParam("missing parameter activity")
	default:
		return answer{}, badParam("unknown activity")
	}
}

// refuse answers a request that did not succeed with the result code resultCode gives err. Failures of
// ours are logged at Error level, unless the caller hung up first.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, activity string, keyIdx int, err error) {
	code, msg := resultCode(err)
	switch {
	case errors.Is(err, licensing.ErrNeedsMarket):
		s.log.WarnContext(r.Context(), "callback answered "+code+" for the marketplace to retry: "+activity+" needs the OpenAPI credentials",
			"activity", activity, "err", err)
	case errors.Is(err, licensing.ErrOrderQuery):
		s.log.WarnContext(r.Context(), "callback answered "+code+" for the marketplace to retry: the order query did not answer",
			"activity", activity, "err", err)
	case code == resultInternal:
		if r.Context().Err() != nil { // the caller hung up: nothing failed on our side
			s.log.InfoContext(r.Context(), "callback abandoned by the caller", "activity", activity, "err", err)
		} else {
			s.log.ErrorContext(r.Context(), "callback failed", "activity", activity, "err", err)
		}
	}
	var a answer
	if pe := (*licensing.ProcessingError)(nil); errors.As(err, &pe) {
		a.instanceID = pe.InstanceID // the documented 000004 answer names the instance to query
	}
	s.answer(w, r, activity, keyIdx, code, msg, a)
}

// answer writes the marketplace answer: always HTTP 200, the result in the body, and a Body-Sign header
// over the exact bytes written, signed with the access key that authenticated the request.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, activity string, keyIdx int, code, msg string, a answer) {
	body, err := json.Marshal(answerJSON{ResultCode: code, ResultMsg: msg, InstanceID: a.instanceID, License: a.license, Info: a.info})
	if err != nil { // cannot happen for a struct of strings
		body = []byte(`{"resultCode":"000005","resultMsg":"internal error, please retry"}`)
	}
	s.writeReply(w, r, activity, code, body, []string{koogallery.BodySign(s.cfg.KooGalleryKeys[keyIdx], body)})
	if code != resultOK {
		s.log.InfoContext(r.Context(), "callback refused", "activity", activity, "result_code", code, "result_msg", msg)
	}
}

// writeReply writes a finished answer and counts it. bodySign is the Body-Sign header's value, a slice the
// header may keep (a cached answer's own, so that a resend allocates none).
func (s *Server) writeReply(w http.ResponseWriter, r *http.Request, activity, code string, body []byte, bodySign []string) {
	h := w.Header()
	h["Content-Type"] = contentTypeJSON
	h["Body-Sign"] = bodySign
	w.WriteHeader(http.StatusOK)
	w.Write(body)
	s.metrics.callbackCount.get(activityLabel(activity), code).Inc()
}

// activityLabel keeps the metric's label set bounded: unknown activities share one label.
func activityLabel(a string) string {
	switch a {
	case koogallery.ActivityGetLicense, koogallery.ActivityRefreshLicense, koogallery.ActivityExpireLicense,
		koogallery.ActivityReleaseLicense, koogallery.ActivityNewInstance, koogallery.ActivityRefreshInstance,
		koogallery.ActivityUpdateInstanceStatus, koogallery.ActivityReleaseInstance, koogallery.ActivityQueryInstance,
		koogallery.ActivityGetLicenseAsync, koogallery.ActivityRefreshLicenseCode,
		koogallery.ActivityUpdateLicenseCodeStatus, koogallery.ActivityReleaseLicenseCode, koogallery.ActivityOrderNotify:
		return a
	case "":
		return "none"
	default:
		return "other"
	}
}

// delivery describes the callback for the audit log; dedupeKey names the delivery when set.
func (cb *callback) delivery(dedupeKey string) license.Delivery {
	return license.Delivery{
		At: cb.at, Source: license.SourceKooGallery, Actor: "koogallery", Activity: cb.activity,
		Scene: cb.f.get("scene"), OrderID: cb.f.get("orderId"), OrderLineID: cb.f.get("orderLineId"),
		RequestID: cb.requestID, DedupeKey: dedupeKey,
	}
}
