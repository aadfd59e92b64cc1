package market

import (
	"encoding/json"
	"mime"
	"net/http"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/license"
)

// decodePOST applies the marketplace's request checks of a JSON API: POST (else 405, 95000002),
// application/json (else 415, 95000003), a JSON object (else 400, 95000004). It writes the refusal and
// returns false, or decodes body into v.
func decodePOST(w http.ResponseWriter, r *http.Request, body []byte, v any) bool {
	if r.Method != http.MethodPost {
		writeCode(w, koogallery.CodeMethodNotSupported, "")
		return false
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeCode(w, koogallery.CodeContentType, "")
		return false
	}
	if err := json.Unmarshal(body, v); err != nil {
		writeCode(w, koogallery.CodeUnreadable, "")
		return false
	}
	return true
}

// validCode applies the field rules of a licence code: present, at most 64 characters.
func validCode(code string) bool {
	return code != "" && koogallery.CharacterCount(code) <= koogallery.MaxCodeLen
}

// validEffective checks an optional real_effect_time.
func validEffective(s string) bool {
	if s == "" {
		return true
	}
	_, err := koogallery.ParseTime(s)
	return err == nil && len(s) == 14
}

func (s *Server) activate(w http.ResponseWriter, r *http.Request, body []byte) {
	var req koogallery.ActivateRequest
	if !decodePOST(w, r, body, &req) {
		return
	}
	if !validCode(req.License) {
		writeCode(w, koogallery.CodeBadParam, "")
		return
	}
	if !validEffective(req.RealEffectTime) {
		writeCode(w, koogallery.CodeInvalidParam, "")
		return
	}
	s.mu.Lock()
	c, ok := s.codes[req.License]
	code := activateCode(c, ok)
	var info koogallery.LicenseCodeInfo
	if code == koogallery.CodeSuccess {
		s.activateLocked(c)
		info = koogallery.LicenseCodeInfo{Status: license.MarketAlive, ProductID: c.ProductID, OrderID: c.OrderID,
			Amount: koogallery.Number(itoa(c.Amount))}
		if !c.ExpiresAt.IsZero() {
			info.ExpireTime = koogallery.FormatTime(c.ExpiresAt.Add(c.EstimateSkew))
		}
	}
	s.mu.Unlock()
	if code != koogallery.CodeSuccess {
		writeCode(w, code, "")
		return
	}
	data, _ := koogallery.NewActivateData(info)
	writeJSON(w, http.StatusOK, koogallery.ActivateAnswer{Answer: success(), Data: data})
}

// activateCode returns the answer to activating c: success only for a received code.
func activateCode(c *Code, ok bool) string {
	switch {
	case !ok:
		return koogallery.CodeNotExist
	case c.State == NotReceived:
		return koogallery.CodeNotReceived
	case c.State != Received:
		return koogallery.CodeIllegalState
	}
	return koogallery.CodeSuccess
}

func (s *Server) activateLocked(c *Code) {
	c.State = Active
	c.ActivatedAt = s.cfg.Now().UTC().Truncate(time.Second)
	c.Activations++
}

// activateBatch activates every received code of the list. A list with a code the stand-in does not hold or
// that the buyer has not received is refused whole with 92020020; codes already active are left as they are.
func (s *Server) activateBatch(w http.ResponseWriter, r *http.Request, body []byte) {
	var req koogallery.ActivateBatchRequest
	if !decodePOST(w, r, body, &req) {
		return
	}
	if len(req.LicenseList) == 0 || len(req.LicenseList) > koogallery.MaxBatch {
		writeCode(w, koogallery.CodeBadParam, "")
		return
	}
	for _, code := range req.LicenseList {
		if !validCode(code) {
			writeCode(w, koogallery.CodeBadParam, "")
			return
		}
	}
	if !validEffective(req.RealEffectTime) {
		writeCode(w, koogallery.CodeInvalidParam, "")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, code := range req.LicenseList {
		if c, ok := s.codes[code]; !ok || c.State == NotReceived {
			writeCode(w, koogallery.CodeInvalidCodes, "")
			return
		}
	}
	for _, code := range req.LicenseList {
		if c := s.codes[code]; c.State == Received {
			s.activateLocked(c)
		}
	}
	writeJSON(w, http.StatusOK, success())
}

// query answers the daily query: the state and expiry of an activated code.
func (s *Server) query(w http.ResponseWriter, r *http.Request, body []byte) {
	var req koogallery.QueryRequest
	if !decodePOST(w, r, body, &req) {
		return
	}
	if !validCode(req.License) {
		writeCode(w, koogallery.CodeBadParam, "")
		return
	}
	s.mu.Lock()
	c, ok := s.codes[req.License]
	var info koogallery.LicenseInfo
	code := koogallery.CodeSuccess
	switch {
	case !ok:
		code = koogallery.CodeNotExist
	case c.ActivatedAt.IsZero():
		code = koogallery.CodeNotActivated
	default:
		info = koogallery.LicenseInfo{LicenseCode: c.Code, Status: queryStatus(c.State),
			ActivateTime: koogallery.FormatTime(c.ActivatedAt)}
		if !c.ExpiresAt.IsZero() {
			info.ExpireTime = koogallery.FormatTime(c.ExpiresAt)
		}
	}
	s.mu.Unlock()
	if code != koogallery.CodeSuccess {
		writeCode(w, code, "")
		return
	}
	writeJSON(w, http.StatusOK, koogallery.QueryAnswer{Answer: success(), Data: &info})
}

func queryStatus(st State) string {
	switch st {
	case Expired:
		return license.MarketExpired
	case Released:
		return license.MarketReleased
	}
	return license.MarketAlive
}

// queryOrder answers the order query. An order or line the stand-in does not hold gets MKT.9001 with HTTP 500
// (the docs do not say what an unknown order gets; MKT.9001 is their "not found").
func (s *Server) queryOrder(w http.ResponseWriter, r *http.Request, _ []byte) {
	if r.Method != http.MethodGet {
		writeCode(w, koogallery.CodeMethodNotSupported, "")
		return
	}
	q := r.URL.Query()
	id, line := q.Get(koogallery.ParamOrderID), q.Get(koogallery.ParamOrderLineID)
	if id == "" || len(id) > koogallery.MaxOrderIDLen || len(line) > koogallery.MaxOrderIDLen {
		writeCode(w, koogallery.OrderInvalidParam, "")
		return
	}
	s.mu.Lock()
	o, ok := s.orders[id]
	s.mu.Unlock()
	if ok && line != "" {
		ok = false
		for _, l := range o.OrderLine {
			if l.OrderLineID == line {
				o.OrderLine, ok = []koogallery.OrderLine{l}, true
				break
			}
		}
	}
	if !ok {
		writeCode(w, koogallery.OrderInstanceUnknown, "")
		return
	}
	writeJSON(w, http.StatusOK, koogallery.OrderAnswer{ResultCode: koogallery.OrderSuccess, ResultMsg: "Success.", OrderInfo: &o})
}

func success() koogallery.Answer {
	return koogallery.Answer{ErrorCode: koogallery.CodeSuccess, ErrorMsg: "success"}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
