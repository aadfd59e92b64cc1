package koogallery

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/licentia/licentia/server/license"
)

// The v1 activate success example of the marketplace docs [S21]: license_code_info is a JSON string.
const docActivateAnswer = `{
    "error_code": "92020000",
    "error_msg": "success",
    "new_top_level_field": {"x": 1},
    "data": {
        "license_code_info": "{\"status\":\"ALIVE\",\"expire_time\":\"20230726121646\",\"product_id\":\"12345\",\"amount\":2,\"order_id\":\"CS123\",\"future\":true}"
    }
}`

func TestActivateAnswerDecodesDocExample(t *testing.T) {
	var a ActivateAnswer
	if err := json.Unmarshal([]byte(docActivateAnswer), &a); err != nil {
		t.Fatalf("Unmarshal() err = %v, want nil", err)
	}
	if a.ErrorCode != CodeSuccess || a.Data == nil {
		t.Fatalf("answer = %+v, want code %s with data", a, CodeSuccess)
	}
	info, err := a.Data.Info()
	if err != nil {
		t.Fatalf("Info() err = %v, want nil", err)
	}
	want := LicenseCodeInfo{Status: license.MarketAlive, ExpireTime: "20230726121646", ProductID: "12345", OrderID: "CS123", Amount: "2"}
	if info != want {
		t.Errorf("Info() = %+v, want %+v", info, want)
	}
	if n, err := info.Amount.Int(); err != nil || n != 2 {
		t.Errorf("Amount.Int() = %d, %v, want 2, nil", n, err)
	}
}

func TestActivateDataRoundTrip(t *testing.T) {
	in := LicenseCodeInfo{Status: license.MarketAlive, ExpireTime: "20300101000000", ProductID: "P1", OrderID: "CS1", Amount: "3"}
	d, err := NewActivateData(in)
	if err != nil {
		t.Fatalf("NewActivateData() err = %v", err)
	}
	if want := `"amount":3`; !strings.Contains(d.LicenseCodeInfo, want) {
		t.Errorf("license_code_info = %s, want it to contain %s (a number, as the docs show)", d.LicenseCodeInfo, want)
	}
	b, err := json.Marshal(ActivateAnswer{Answer: Answer{ErrorCode: CodeSuccess}, Data: d})
	if err != nil {
		t.Fatalf("Marshal() err = %v", err)
	}
	var back ActivateAnswer
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("Unmarshal() err = %v", err)
	}
	out, err := back.Data.Info()
	if err != nil || out != in {
		t.Errorf("round trip = %+v, %v, want %+v", out, err, in)
	}
}

func TestActivateDataInfoErrors(t *testing.T) {
	if info, err := (ActivateData{}).Info(); err != nil || info != (LicenseCodeInfo{}) {
		t.Errorf("empty Info() = %+v, %v, want zero, nil", info, err)
	}
	for _, s := range []string{"{", `{"status":1}`, `"ALIVE"`, `{"amount":{}}`} {
		if _, err := (ActivateData{LicenseCodeInfo: s}).Info(); err == nil {
			t.Errorf("Info(%q) err = nil, want an error", s)
		}
	}
}

func TestNumber(t *testing.T) {
	tests := []struct {
		in      string
		want    Number
		wantErr bool
	}{
		{`2`, "2", false},
		{`"2"`, "2", false},
		{`null`, "", false},
		{`1.5`, "1.5", false},
		{`""`, "", false},
		{`true`, "", true},
		{`{}`, "", true},
		{`[1]`, "", true},
	}
	for _, tt := range tests {
		var n Number
		err := json.Unmarshal([]byte(tt.in), &n)
		if (err != nil) != tt.wantErr || n != tt.want {
			t.Errorf("Unmarshal(%s) = %q, %v, want %q, err %v", tt.in, n, err, tt.want, tt.wantErr)
		}
	}
	marshal := []struct {
		n    Number
		want string
	}{{"2", `2`}, {"", `""`}, {"abc", `"abc"`}, {"1e3", `1e3`}, {"0x1", `"0x1"`}, {"Inf", `"Inf"`}}
	for _, tt := range marshal {
		b, err := json.Marshal(tt.n)
		if err != nil || string(b) != tt.want {
			t.Errorf("Marshal(%q) = %s, %v, want %s", tt.n, b, err, tt.want)
		}
	}
	if _, err := Number("1.5").Int(); err == nil {
		t.Errorf("Number(1.5).Int() err = nil, want an error")
	}
}

func TestQueryAnswerToleratesUnknownFields(t *testing.T) {
	body := `{"error_code":"92020000","error_msg":"success","data":{"license_code":"PL1","status":"EXPIRED",
		"activate_time":"20240101000000","expire_time":"20250101000000","new_field":[1,2]}}`
	var a QueryAnswer
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatalf("Unmarshal() err = %v, want nil", err)
	}
	want := LicenseInfo{LicenseCode: "PL1", Status: license.MarketExpired, ActivateTime: "20240101000000", ExpireTime: "20250101000000"}
	if a.Data == nil || *a.Data != want {
		t.Errorf("Data = %+v, want %+v", a.Data, want)
	}
}

// The order-query success example of the marketplace docs [S61], with an extra field.
func TestOrderAnswerDecodesDocExample(t *testing.T) {
	body := `{"resultCode":"MKT.0000","resultMsg":"Success","orderInfo":{"orderId":"CS2207261447AUY4H","orderType":"NEW",
		"createTime":"20220726064736","orderLine":[{"orderLineId":"CS2207261447AUY4H-000001","chargingMode":"PERIOD",
		"periodType":"year","periodNumber":1,"expireTime":"20230726155959","productInfo":[{"productId":"OFFI758576",
		"skuCode":"sku1","linearValue":"10","productName":"p"}],"currency":"CNY"}],
		"buyerInfo":{"customerId":"c1","customerName":"n","userId":"u","userName":"un","mobilePhone":"x"}}}`
	var a OrderAnswer
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatalf("Unmarshal() err = %v, want nil", err)
	}
	if a.ResultCode != OrderSuccess || a.OrderInfo == nil || len(a.OrderInfo.OrderLine) != 1 {
		t.Fatalf("answer = %+v, want MKT.0000 with one order line", a)
	}
	line := a.OrderInfo.OrderLine[0]
	if line.PeriodNumber != "1" || line.ExpireTime != "20230726155959" || line.ProductInfo[0].SKUCode != "sku1" ||
		line.ProductInfo[0].LinearValue != "10" {
		t.Errorf("order line = %+v, want periodNumber 1, expiry 20230726155959, sku1, linearValue 10", line)
	}
	if a.OrderInfo.BuyerInfo == nil || a.OrderInfo.BuyerInfo.CustomerID != "c1" {
		t.Errorf("buyerInfo = %+v, want customerId c1", a.OrderInfo.BuyerInfo)
	}
}

func TestEventFilePath(t *testing.T) {
	tests := []struct{ id, want string }{
		{"87b94795-0603-4e24-8ae5-69420d60e3c8", "/api/mkp-openapi-public/global/v1/market-event/87b94795-0603-4e24-8ae5-69420d60e3c8/file"},
		{"a/b c", "/api/mkp-openapi-public/global/v1/market-event/a%2Fb%20c/file"},
	}
	for _, tt := range tests {
		if got := EventFilePath(tt.id); got != tt.want {
			t.Errorf("EventFilePath(%q) = %q, want %q", tt.id, got, tt.want)
		}
	}
}

func TestCharacterCount(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{{"", 0}, {"abc", 3}, {"授权码", 3}, {"😀", 2}, {"a\xffb", 3}, {strings.Repeat("x", 1024), 1024}}
	for _, tt := range tests {
		if got := CharacterCount(tt.in); got != tt.want {
			t.Errorf("CharacterCount(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestLookupCode(t *testing.T) {
	tests := []struct {
		code   string
		status int
	}{
		{CodeSuccess, http.StatusOK}, {CodeInternal, http.StatusOK}, {CodeInvalidParam, http.StatusOK},
		{CodeIllegalState, http.StatusOK}, {CodeNotReceived, http.StatusOK}, {CodeNotExist, http.StatusOK},
		{CodeNotActivated, http.StatusOK}, {CodeInvalidCodes, http.StatusOK},
		{CodeBadParam, http.StatusBadRequest}, {CodeMethodNotSupported, http.StatusMethodNotAllowed},
		{CodeContentType, http.StatusUnsupportedMediaType}, {CodeUnreadable, http.StatusBadRequest},
		{OrderSuccess, http.StatusOK}, {OrderInternal, http.StatusInternalServerError},
		{OrderInvalidParam, http.StatusBadRequest}, {OrderThrottled, http.StatusNotAcceptable},
		{GatewayAppAuth, http.StatusUnauthorized}, {GatewayIAMAuth, http.StatusUnauthorized},
		{GatewayThrottled, http.StatusTooManyRequests}, {GatewayUnavailable, http.StatusBadGateway},
	}
	for _, tt := range tests {
		c, ok := LookupCode(tt.code)
		if !ok || c.Status != tt.status || c.Message == "" {
			t.Errorf("LookupCode(%s) = %+v, %v, want status %d with a message", tt.code, c, ok, tt.status)
		}
	}
	if _, ok := LookupCode("92029999"); ok {
		t.Errorf("LookupCode(92029999) ok = true, want false")
	}
	seen := map[string]bool{}
	for _, c := range Codes() {
		if seen[c.Code] {
			t.Errorf("Codes() lists %s twice", c.Code)
		}
		seen[c.Code] = true
	}
}
