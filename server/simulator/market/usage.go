package market

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/licentia/licentia/server/koogallery"
)

// UsageCall is one usage report (授权码软件使用统计, topic 0000002290055385) the stand-in accepted: when, and
// the usage of each code as sent.
type UsageCall struct {
	At    time.Time
	Usage []Usage
}

// Usage is the usage of one code in an accepted report: the client ids, or the active_num (Count true).
type Usage struct {
	Code      string
	IDs       []string
	ActiveNum int64
	Count     bool
}

// UsageCalls returns the usage reports accepted so far, oldest first.
func (s *Server) UsageCalls() []UsageCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]UsageCall(nil), s.usage...)
}

// object is a JSON object as decoded to check it: by exact key, as the marketplace's decoder matches names
// (Go's would also take "software_usage_info" for "software_usage_Info"), with each value kept raw so that
// an absent field, a null and a value of the wrong type are told apart.
type object map[string]json.RawMessage

// field returns the value of key, nil when absent or null.
func (o object) field(key string) json.RawMessage {
	v := o[key]
	if string(v) == "null" {
		return nil
	}
	return v
}

// list decodes the array under key; ok is false when it is absent, null or not an array of objects.
func (o object) list(key string) ([]object, bool) {
	v := o.field(key)
	if v == nil {
		return nil, false
	}
	var out []object
	if err := json.Unmarshal(v, &out); err != nil {
		return nil, false
	}
	return out, true
}

// str decodes the string under key; ok is false when it is absent, null or not a string.
func (o object) str(key string) (string, bool) {
	v := o.field(key)
	var s string
	if v == nil || json.Unmarshal(v, &s) != nil {
		return "", false
	}
	return s, true
}

// reportUsage accepts a usage report as the page's tables describe it: usage_info (M, 1 to 100 codes) of license (M,
// up to 64 characters) and software_usage_Info (M, 1 to 100 items), each item with exactly one of id (up to 256
// characters) and active_num (an integer of up to 9 digits). A request that breaks a rule gets 95000001 (HTTP
// 400), as the OpenAPI error codes (topic 0070649195) give for a parameter that fails its presence, length or
// pattern rule; another method, content type or an unreadable body 95000002–95000004. A report naming a code
// the stand-in does not hold or that was never activated is refused whole with 92020020 (invalid licence codes
// in a batch), as the v2 activate is. The stored copy of the page stops before its answer section: these are
// the codes of the other License 2.0 OpenAPI calls (licentia's reading). Success is 92020000.
func (s *Server) reportUsage(w http.ResponseWriter, r *http.Request, body []byte) {
	var req object
	if !decodePOST(w, r, body, &req) {
		return
	}
	calls, ok := checkUsage(req)
	if !ok {
		writeCode(w, koogallery.CodeBadParam, "")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range calls {
		if c, ok := s.codes[u.Code]; !ok || c.ActivatedAt.IsZero() {
			writeCode(w, koogallery.CodeInvalidCodes, "")
			return
		}
	}
	s.usage = append(s.usage, UsageCall{At: s.cfg.Now().UTC(), Usage: calls})
	writeJSON(w, http.StatusOK, success())
}

// checkUsage applies the field rules of the page's Tables 1-3 and returns the usage it reports.
func checkUsage(req object) ([]Usage, bool) {
	codes, ok := req.list("usage_info")
	if !ok || len(codes) == 0 || len(codes) > koogallery.MaxUsageCodes {
		return nil, false
	}
	out := make([]Usage, 0, len(codes))
	for _, e := range codes {
		code, ok := e.str("license")
		if !ok || !validCode(code) {
			return nil, false
		}
		items, ok := e.list("software_usage_Info")
		if !ok || len(items) == 0 || len(items) > koogallery.MaxUsageItems {
			return nil, false
		}
		u := Usage{Code: code}
		for _, it := range items {
			id, num := it.field("id"), it.field("active_num")
			switch {
			case (id == nil) == (num == nil):
				return nil, false // exactly one of id and active_num
			case id != nil:
				s, ok := it.str("id")
				if !ok || s == "" || koogallery.CharacterCount(s) > koogallery.MaxUsageIDLen {
					return nil, false
				}
				u.IDs = append(u.IDs, s)
			default:
				n, ok := activeNum(num)
				if !ok {
					return nil, false
				}
				u.ActiveNum, u.Count = n, true
			}
		}
		out = append(out, u)
	}
	return out, true
}

// activeNum reads an active_num: a JSON integer of 1 to 9 digits, not negative.
func activeNum(raw json.RawMessage) (int64, bool) {
	if len(raw) == 0 || len(raw) > 9 {
		return 0, false
	}
	var n int64
	for _, c := range raw {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}
