package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/store"
)

// Marketplace result codes.
const (
	resultOK       = "000000"
	resultAuth     = "000001"
	resultParam    = "000002"
	resultNotFound = "000003"
	resultInternal = "000005"
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
	legacy    bool // License 1.0: GET, authToken, Body-Sign
	requestID string
	at        int64
}

const msgSuccess = "success."

var contentTypeJSON = []string{"application/json;charset=UTF-8"}

// reply is the JSON answer to a marketplace call; the field order is the marketplace's.
type reply struct {
	ResultCode string `json:"resultCode"`
	ResultMsg  string `json:"resultMsg"`
	InstanceID string `json:"instanceId,omitempty"`
	License    string `json:"license,omitempty"`
}

// handleLegacy serves GET /koogallery/license: License 1.0 with authToken in the query.
func (s *Server) handleLegacy(w http.ResponseWriter, r *http.Request) {
	keyIdx := 0
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		s.reply(w, r, "", keyIdx, resultParam, "query string is not valid URL encoding", answer{})
		return
	}
	activity := q.Get("activity")
	if code, msg := checkQuery(q); code != "" {
		s.reply(w, r, activity, keyIdx, code, msg, answer{})
		return
	}
	keyIdx, err = koogallery.VerifyAuthToken(s.cfg.KooGalleryKeys, q)
	if err != nil {
		s.reply(w, r, activity, 0, resultAuth, "authToken verification failed", answer{})
		return
	}
	f := make(fields, len(q))
	for k, v := range q {
		f[k] = v[0]
	}
	cb := &callback{activity: activity, f: f, legacy: true, requestID: middleware.GetReqID(r.Context()), at: s.now().Unix()}
	s.dispatch(w, r, cb, keyIdx)
}

// checkQuery rejects query strings that cannot be a marketplace call before any signature work.
func checkQuery(q url.Values) (code, msg string) {
	if len(q) > maxParams {
		return resultParam, "too many parameters"
	}
	for k, v := range q {
		if len(v) > 1 {
			return resultParam, "parameter " + k + " is repeated"
		}
		if !utf8.ValidString(k) || !utf8.ValidString(v[0]) {
			return resultParam, "parameters must be valid UTF-8"
		}
	}
	if q.Get("authToken") == "" {
		return resultAuth, "missing authToken"
	}
	if q.Get("timeStamp") == "" {
		return resultParam, "missing parameter timeStamp"
	}
	return "", ""
}

// handleSigned serves POST /koogallery/license: a JSON body with signature, timestamp and nonce in the URL.
func (s *Server) handleSigned(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		s.reply(w, r, "", 0, resultParam, "request body too large or unreadable", answer{})
		return
	}
	q := r.URL.Query()
	sig, ts, nonce := q.Get("signature"), q.Get("timestamp"), q.Get("nonce")
	switch {
	case sig == "":
		s.reply(w, r, "", 0, resultAuth, "missing signature", answer{})
		return
	case ts == "" || nonce == "":
		s.reply(w, r, "", 0, resultParam, "missing timestamp or nonce", answer{})
		return
	case len(nonce) > 128:
		s.reply(w, r, "", 0, resultParam, "nonce too long", answer{})
		return
	}
	keyIdx, err := koogallery.VerifySignature(s.cfg.KooGalleryKeys, nonce, ts, sig, body)
	if err != nil {
		s.reply(w, r, "", 0, resultAuth, "signature verification failed", answer{})
		return
	}
	t, err := koogallery.ParseTimestamp(ts)
	if err == nil {
		err = koogallery.CheckTimestamp(t, s.now(), s.cfg.TimestampWindow)
	}
	if err != nil {
		s.reply(w, r, "", keyIdx, resultParam, "timestamp missing or outside the allowed window", answer{})
		return
	}
	f, err := parseBody(body)
	if err != nil {
		s.reply(w, r, "", keyIdx, resultParam, err.Error(), answer{})
		return
	}
	activity := f.get("activity")
	if err := s.st.UseNonce(r.Context(), nonce, s.now().Add(nonceTTL)); err != nil {
		if errors.Is(err, store.ErrReplay) {
			s.reply(w, r, activity, keyIdx, resultAuth, "nonce already used", answer{})
		} else {
			s.internal(w, r, activity, keyIdx, err)
		}
		return
	}
	cb := &callback{activity: activity, f: f, requestID: middleware.GetReqID(r.Context()), at: s.now().Unix()}
	s.dispatch(w, r, cb, keyIdx)
}

// parseBody decodes a marketplace JSON body: one flat object whose values are strings. Numbers and
// booleans are taken as their literal text and null as absent; nested objects or arrays are rejected.
func parseBody(body []byte) (fields, error) {
	if !utf8.Valid(body) {
		return nil, badParam("body is not valid UTF-8")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return nil, badParam("body is not a JSON object")
	}
	if len(raw) > maxParams {
		return nil, badParam("too many fields")
	}
	f := make(fields, len(raw))
	for k, v := range raw {
		switch {
		case len(v) > 0 && v[0] == '"':
			var str string
			if err := json.Unmarshal(v, &str); err != nil {
				return nil, badParam("field %s is not a valid string", k)
			}
			f[k] = str
		case string(v) == "null":
		case len(v) > 0 && (v[0] == '{' || v[0] == '['):
			return nil, badParam("field %s must be a string", k)
		default: // number or boolean literal
			f[k] = string(v)
		}
	}
	return f, nil
}

// dispatch runs the activity and writes the answer.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request, cb *callback, keyIdx int) {
	a, err := s.run(r.Context(), cb)
	if err != nil {
		var pe *paramError
		switch {
		case errors.As(err, &pe):
			s.reply(w, r, cb.activity, keyIdx, resultParam, pe.msg, answer{})
		case errors.Is(err, store.ErrNotFound):
			s.reply(w, r, cb.activity, keyIdx, resultNotFound, "instance does not exist", answer{})
		default:
			s.internal(w, r, cb.activity, keyIdx, err)
		}
		return
	}
	if a.cached != nil {
		s.writeReply(w, r, cb.activity, resultOK, a.cached.body, a.cached.sigs[keyIdx])
		return
	}
	s.reply(w, r, cb.activity, keyIdx, resultOK, msgSuccess, a)
}

func (s *Server) run(ctx context.Context, cb *callback) (answer, error) {
	switch {
	case cb.legacy && cb.activity == "getLicense", !cb.legacy && cb.activity == "newInstance":
		return s.create(ctx, cb)
	case cb.legacy && cb.activity == "refreshLicense", !cb.legacy && cb.activity == "refreshInstance":
		return s.refresh(ctx, cb, "instanceId")
	case !cb.legacy && cb.activity == "refreshLicenseCode":
		return s.refresh(ctx, cb, "license")
	case cb.legacy && cb.activity == "expireLicense":
		return s.setStatus(ctx, cb, "instanceId", "FREEZE")
	case !cb.legacy && cb.activity == "updateInstanceStatus":
		return s.setStatus(ctx, cb, "instanceId", cb.f.get("status"))
	case !cb.legacy && cb.activity == "updateLicenseCodeStatus":
		return s.setStatus(ctx, cb, "license", cb.f.get("status"))
	case cb.legacy && cb.activity == "releaseLicense", !cb.legacy && cb.activity == "releaseInstance":
		return s.release(ctx, cb, "instanceId")
	case !cb.legacy && cb.activity == "releaseLicenseCode":
		return s.release(ctx, cb, "license")
	case cb.activity == "":
		return answer{}, badParam("missing parameter activity")
	default:
		return answer{}, badParam("unknown activity")
	}
}

// internal answers 000005 for a failure of ours (storage, signing); the marketplace will retry.
func (s *Server) internal(w http.ResponseWriter, r *http.Request, activity string, keyIdx int, err error) {
	if r.Context().Err() != nil { // the caller hung up: nothing failed on our side
		s.log.InfoContext(r.Context(), "callback abandoned by the caller", "activity", activity, "err", err)
	} else {
		s.log.ErrorContext(r.Context(), "callback failed", "activity", activity, "err", err)
	}
	s.reply(w, r, activity, keyIdx, resultInternal, "internal error, please retry", answer{})
}

// reply writes the marketplace answer: always HTTP 200, the result in the body, and a Body-Sign header
// over the exact bytes written, signed with the access key that authenticated the request.
func (s *Server) reply(w http.ResponseWriter, r *http.Request, activity string, keyIdx int, code, msg string, a answer) {
	body, err := json.Marshal(reply{ResultCode: code, ResultMsg: msg, InstanceID: a.instanceID, License: a.license})
	if err != nil { // cannot happen for a struct of strings
		body = []byte(`{"resultCode":"000005","resultMsg":"internal error, please retry"}`)
	}
	s.writeReply(w, r, activity, code, body, koogallery.BodySign(s.cfg.KooGalleryKeys[keyIdx], body))
	if code != resultOK {
		s.log.InfoContext(r.Context(), "callback refused", "activity", activity, "result_code", code, "result_msg", msg)
	}
}

// writeReply writes a finished answer and counts it.
func (s *Server) writeReply(w http.ResponseWriter, r *http.Request, activity, code string, body []byte, bodySign string) {
	h := w.Header()
	h["Content-Type"] = contentTypeJSON
	h["Body-Sign"] = []string{bodySign}
	w.WriteHeader(http.StatusOK)
	w.Write(body)
	s.metrics.callbacks.WithLabelValues(activityLabel(activity), code).Inc()
}

// activityLabel keeps the metric's label set bounded: unknown activities share one label.
func activityLabel(a string) string {
	switch a {
	case "getLicense", "refreshLicense", "expireLicense", "releaseLicense", "newInstance", "refreshInstance",
		"updateInstanceStatus", "releaseInstance", "refreshLicenseCode", "updateLicenseCodeStatus", "releaseLicenseCode":
		return a
	case "":
		return "none"
	default:
		return "other"
	}
}

// event returns the audit event of a callback that changed cur (nil for a create) into next.
func (cb *callback) event(action string, cur, next *store.License) *store.Event {
	ev := &store.Event{
		At: cb.at, Source: store.SourceKooGallery, Actor: "koogallery", Action: action, Activity: cb.activity,
		Scene: cb.f.get("scene"), OrderID: cb.f.get("orderId"), OrderLineID: cb.f.get("orderLineId"),
		RequestID: cb.requestID, AfterStatus: next.Status, AfterExpires: next.ExpiresAt, Generation: next.Generation,
	}
	if cur != nil {
		ev.BeforeStatus, ev.BeforeExpires = cur.Status, cur.ExpiresAt
	}
	return ev
}

// ignored returns the audit event of a callback that was recorded but changed nothing.
func (cb *callback) ignored(cur *store.License, reason string) *store.Event {
	ev := cb.event("ignored", cur, cur)
	ev.Reason = reason
	return ev
}
