package market

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/license"
)

var testExpiry = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func addCodes(t testing.TB, s *Server) {
	t.Helper()
	for _, c := range []Code{
		{Code: "RECEIVED", State: Received, ExpiresAt: testExpiry, EstimateSkew: time.Hour, ProductID: "P1", OrderID: "CS1", Amount: 2},
		{Code: "NOTRECEIVED", State: NotReceived},
		{Code: "ACTIVE", State: Active, ExpiresAt: testExpiry},
		{Code: "EXPIRED", State: Expired, ExpiresAt: testExpiry},
		{Code: "RELEASED", State: Released},
	} {
		if err := s.AddCode(c); err != nil {
			t.Fatalf("AddCode(%s) err = %v", c.Code, err)
		}
	}
}

func TestActivateCodes(t *testing.T) {
	s := newTestServer(t)
	addCodes(t, s)
	tests := []struct{ license, want string }{
		{"RECEIVED", koogallery.CodeSuccess},
		{"RECEIVED", koogallery.CodeIllegalState}, // a second activate
		{"NOTRECEIVED", koogallery.CodeNotReceived},
		{"UNKNOWN", koogallery.CodeNotExist},
		{"ACTIVE", koogallery.CodeIllegalState},
		{"EXPIRED", koogallery.CodeIllegalState},
		{"RELEASED", koogallery.CodeIllegalState},
	}
	for _, tt := range tests {
		got := postJSON(t, s, koogallery.PathActivate, koogallery.ActivateRequest{License: tt.license})
		if got.status != http.StatusOK || got.code != tt.want {
			t.Errorf("activate %s: got %d %s, want 200 %s", tt.license, got.status, got.code, tt.want)
		}
	}
	if c, _ := s.Code("RECEIVED"); c.State != Active || c.Activations != 1 || c.ActivatedAt.IsZero() {
		t.Errorf("RECEIVED after activation = %+v, want active once", c)
	}
	if n := s.Calls(koogallery.APIActivate, ""); n != len(tests) {
		t.Errorf("Calls(activate) = %d, want %d", n, len(tests))
	}
	if n := s.Calls(koogallery.APIActivate, koogallery.CodeIllegalState); n != 4 {
		t.Errorf("Calls(activate, 92020003) = %d, want 4", n)
	}
}

func TestActivateAnswerCarriesInfoAsString(t *testing.T) {
	s := newTestServer(t)
	addCodes(t, s)
	got := postJSON(t, s, koogallery.PathActivate, koogallery.ActivateRequest{License: "RECEIVED", RealEffectTime: "20240101000000"})
	var raw struct {
		Data struct {
			LicenseCodeInfo json.RawMessage `json:"license_code_info"`
		} `json:"data"`
	}
	if err := json.Unmarshal(got.body, &raw); err != nil || !bytes.HasPrefix(raw.Data.LicenseCodeInfo, []byte(`"`)) {
		t.Fatalf("answer %s: license_code_info is not a JSON string", got.body)
	}
	var ans koogallery.ActivateAnswer
	json.Unmarshal(got.body, &ans)
	info, err := ans.Data.Info()
	want := koogallery.LicenseCodeInfo{Status: license.MarketAlive, ExpireTime: "20300102040405", ProductID: "P1", OrderID: "CS1", Amount: "2"}
	if err != nil || info != want {
		t.Errorf("license_code_info = %+v, %v, want %+v (expiry skewed by the estimate)", info, err, want)
	}
}

func TestMalformedRequests(t *testing.T) {
	s := newTestServer(t)
	addCodes(t, s)
	tests := []struct {
		name, method, path, ctype, body string
		status                          int
		code                            string
	}{
		{"empty license", http.MethodPost, koogallery.PathActivate, "application/json", `{"license":""}`, 400, koogallery.CodeBadParam},
		{"long license", http.MethodPost, koogallery.PathQuery, "application/json", `{"license":"` + strings.Repeat("x", 65) + `"}`, 400, koogallery.CodeBadParam},
		{"GET activate", http.MethodGet, koogallery.PathActivate, "application/json", ``, 405, koogallery.CodeMethodNotSupported},
		{"text body", http.MethodPost, koogallery.PathActivate, "text/plain", `{"license":"RECEIVED"}`, 415, koogallery.CodeContentType},
		{"not JSON", http.MethodPost, koogallery.PathActivate, "application/json", `{"license":`, 400, koogallery.CodeUnreadable},
		{"bad effect time", http.MethodPost, koogallery.PathActivate, "application/json", `{"license":"RECEIVED","real_effect_time":"2024"}`, 200, koogallery.CodeInvalidParam},
		{"empty batch", http.MethodPost, koogallery.PathActivateBatch, "application/json", `{"license_list":[]}`, 400, koogallery.CodeBadParam},
		{"POST order", http.MethodPost, koogallery.PathQueryOrder + "?orderId=CS1", "application/json", `{}`, 405, koogallery.CodeMethodNotSupported},
		{"order without id", http.MethodGet, koogallery.PathQueryOrder, "application/json", ``, 400, koogallery.OrderInvalidParam},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := call(t, s, testSK, tt.method, tt.path, tt.ctype, []byte(tt.body))
			if got.status != tt.status || got.code != tt.code {
				t.Errorf("got %d %s, want %d %s", got.status, got.code, tt.status, tt.code)
			}
		})
	}
	if c, _ := s.Code("RECEIVED"); c.State != Received {
		t.Errorf("state after malformed requests = %s, want %s", c.State, Received)
	}
}

func TestActivateBatch(t *testing.T) {
	s := newTestServer(t)
	addCodes(t, s)
	s.AddCode(Code{Code: "R2"})
	if got := postJSON(t, s, koogallery.PathActivateBatch, koogallery.ActivateBatchRequest{LicenseList: []string{"R2", "UNKNOWN"}}); got.code != koogallery.CodeInvalidCodes {
		t.Errorf("batch with an unknown code: %s, want %s", got.code, koogallery.CodeInvalidCodes)
	}
	if c, _ := s.Code("R2"); c.State != Received {
		t.Errorf("R2 after a refused batch = %s, want %s", c.State, Received)
	}
	if got := postJSON(t, s, koogallery.PathActivateBatch, koogallery.ActivateBatchRequest{LicenseList: []string{"R2", "NOTRECEIVED"}}); got.code != koogallery.CodeInvalidCodes {
		t.Errorf("batch with a code not received: %s, want %s", got.code, koogallery.CodeInvalidCodes)
	}
	got := postJSON(t, s, koogallery.PathActivateBatch, koogallery.ActivateBatchRequest{LicenseList: []string{"R2", "RECEIVED", "ACTIVE"}})
	if got.status != http.StatusOK || got.code != koogallery.CodeSuccess || strings.Contains(string(got.body), "data") {
		t.Errorf("batch: %d %s, want 200 %s without data", got.status, got.code, got.body)
	}
	for _, code := range []string{"R2", "RECEIVED", "ACTIVE"} {
		if c, _ := s.Code(code); c.State != Active {
			t.Errorf("%s after the batch = %s, want %s", code, c.State, Active)
		}
	}
	big := make([]string, koogallery.MaxBatch+1)
	for i := range big {
		big[i] = "R2"
	}
	if got := postJSON(t, s, koogallery.PathActivateBatch, koogallery.ActivateBatchRequest{LicenseList: big}); got.code != koogallery.CodeBadParam {
		t.Errorf("batch of %d: %s, want %s", len(big), got.code, koogallery.CodeBadParam)
	}
}

func TestQuery(t *testing.T) {
	s := newTestServer(t)
	addCodes(t, s)
	postJSON(t, s, koogallery.PathActivate, koogallery.ActivateRequest{License: "RECEIVED"})
	tests := []struct {
		license, code, status, expire string
	}{
		{"RECEIVED", koogallery.CodeSuccess, license.MarketAlive, "20300102030405"},
		{"ACTIVE", koogallery.CodeSuccess, license.MarketAlive, "20300102030405"},
		{"EXPIRED", koogallery.CodeSuccess, license.MarketExpired, "20300102030405"},
		{"RELEASED", koogallery.CodeSuccess, license.MarketReleased, ""},
		{"NOTRECEIVED", koogallery.CodeNotActivated, "", ""},
		{"UNKNOWN", koogallery.CodeNotExist, "", ""},
	}
	for _, tt := range tests {
		got := postJSON(t, s, koogallery.PathQuery, koogallery.QueryRequest{License: tt.license})
		var ans koogallery.QueryAnswer
		json.Unmarshal(got.body, &ans)
		if got.code != tt.code {
			t.Errorf("query %s: code %s, want %s", tt.license, got.code, tt.code)
			continue
		}
		if tt.code != koogallery.CodeSuccess {
			continue
		}
		if ans.Data == nil || ans.Data.Status != tt.status || ans.Data.ExpireTime != tt.expire || ans.Data.ActivateTime == "" {
			t.Errorf("query %s: data %+v, want status %s, expiry %q, an activation time", tt.license, ans.Data, tt.status, tt.expire)
		}
	}

	// Renewal and release as the marketplace applies them.
	s.SetExpiry("RECEIVED", testExpiry.AddDate(1, 0, 0))
	s.SetState("RECEIVED", Released)
	var ans koogallery.QueryAnswer
	json.Unmarshal(postJSON(t, s, koogallery.PathQuery, koogallery.QueryRequest{License: "RECEIVED"}).body, &ans)
	if ans.Data == nil || ans.Data.Status != license.MarketReleased || ans.Data.ExpireTime != "20310102030405" {
		t.Errorf("after renewal and release: %+v, want RELEASED, 20310102030405", ans.Data)
	}
}

func TestQueryOrder(t *testing.T) {
	s := newTestServer(t)
	order := koogallery.OrderInfo{OrderID: "CS1", OrderType: "NEW", CreateTime: "20240101000000", OrderLine: []koogallery.OrderLine{
		{OrderLineID: "CS1-000001", ChargingMode: "PERIOD", PeriodType: "year", PeriodNumber: "1", ExpireTime: "20250101000000",
			ProductInfo: []koogallery.ProductInfo{{ProductID: "P1", SKUCode: "S1"}}},
		{OrderLineID: "CS1-000002", ChargingMode: "ONE_TIME"},
	}, BuyerInfo: &koogallery.BuyerInfo{CustomerID: "C1"}}
	if err := s.AddOrder(order); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		query  string
		status int
		code   string
		lines  int
	}{
		{"?orderId=CS1", 200, koogallery.OrderSuccess, 2},
		{"?orderId=CS1&orderLineId=CS1-000002", 200, koogallery.OrderSuccess, 1},
		{"?orderId=CS1&orderLineId=CS1-000009", 500, koogallery.OrderInstanceUnknown, 0},
		{"?orderId=CS9", 500, koogallery.OrderInstanceUnknown, 0},
	}
	for _, tt := range tests {
		got := call(t, s, testSK, http.MethodGet, koogallery.PathQueryOrder+tt.query, "application/json", nil)
		var ans koogallery.OrderAnswer
		json.Unmarshal(got.body, &ans)
		if got.status != tt.status || got.code != tt.code {
			t.Errorf("order %s: got %d %s, want %d %s", tt.query, got.status, got.code, tt.status, tt.code)
			continue
		}
		if tt.lines > 0 && (ans.OrderInfo == nil || len(ans.OrderInfo.OrderLine) != tt.lines || ans.OrderInfo.BuyerInfo.CustomerID != "C1") {
			t.Errorf("order %s: %+v, want %d lines and customer C1", tt.query, ans.OrderInfo, tt.lines)
		}
	}
}

// multipartBody builds an upload body with the request JSON and, when file is not nil, a file part.
func multipartBody(t testing.TB, meta string, file []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if file != nil {
		p, _ := w.CreateFormFile(koogallery.PartFile, "license.lic")
		p.Write(file)
	}
	if meta != "" {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="`+koogallery.PartRequest+`"`)
		h.Set("Content-Type", "application/json")
		p, _ := w.CreatePart(h)
		p.Write([]byte(meta))
	}
	w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

func TestUpload(t *testing.T) {
	s := newTestServer(t)
	file := []byte(strings.Repeat("L", 2000))
	sum := sha256.Sum256(file)
	sha := hex.EncodeToString(sum[:])
	tests := []struct {
		name, meta string
		file       []byte
		ctype      string
		status     int
		code       string
	}{
		{"characters", `{"type":"CHARACTERS","characters":"eyJ.code"}`, nil, "", 200, koogallery.UploadSuccess},
		{"file", `{"type":"FILE","file_name":"license.lic","sha256":"` + sha + `"}`, file, "", 200, koogallery.UploadSuccess},
		{"file sha mismatch", `{"type":"FILE","file_name":"license.lic","sha256":"` + strings.Repeat("0", 64) + `"}`, file, "", 200, koogallery.CodeInvalidParam},
		{"file without part", `{"type":"FILE","file_name":"x","sha256":"` + sha + `"}`, nil, "", 400, koogallery.CodeBadParam},
		{"characters too long", `{"type":"CHARACTERS","characters":"` + strings.Repeat("x", 1025) + `"}`, nil, "", 400, koogallery.CodeBadParam},
		{"unknown type", `{"type":"URL"}`, nil, "", 400, koogallery.CodeBadParam},
		{"no request part", ``, file, "", 400, koogallery.CodeUnreadable},
		{"not multipart", `{"type":"CHARACTERS","characters":"x"}`, nil, "application/json", 415, koogallery.CodeContentType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, ctype := multipartBody(t, tt.meta, tt.file)
			if tt.ctype != "" {
				body, ctype = []byte(tt.meta), tt.ctype
			}
			got := call(t, s, testSK, http.MethodPost, koogallery.EventFilePath("ev-"+tt.name), ctype, body)
			if got.status != tt.status || got.code != tt.code {
				t.Errorf("got %d %s, want %d %s", got.status, got.code, tt.status, tt.code)
			}
		})
	}
	ups := s.Uploads()
	if len(ups) != 2 {
		t.Fatalf("Uploads() = %d, want 2", len(ups))
	}
	if ups[0].EventID != "ev-characters" || ups[0].Type != koogallery.UploadCharacters || string(ups[0].Content) != "eyJ.code" {
		t.Errorf("upload 1 = %+v, want ev-characters CHARACTERS eyJ.code", ups[0])
	}
	if ups[1].Type != koogallery.UploadFile || ups[1].SHA256 != sha || !bytes.Equal(ups[1].Content, file) || ups[1].FileName != "license.lic" {
		t.Errorf("upload 2 = %+v, want the file with its sha256", ups[1].SHA256)
	}
}
