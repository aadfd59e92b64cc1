package koogallery

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"unicode/utf8"
)

// API names one call of the KooGallery OpenAPI (spec §2.6, §3, §4). The names are stable: they label metrics and
// logs, and the marketplace stand-in counts calls by them.
type API string

// The OpenAPI calls a License seller makes.
const (
	APIActivate      API = "activate"       // POST PathActivate, one code (v1)
	APIActivateBatch API = "activate_batch" // POST PathActivateBatch, up to MaxBatch codes (v2)
	APIQuery         API = "query"          // POST PathQuery, the daily query (formerly heartbeat, v1)
	APIQueryOrder    API = "query_order"    // GET PathQueryOrder?orderId=…[&orderLineId=…]
	APIUploadEvent   API = "upload_event"   // POST EventFilePath(eventID), multipart (G1b licence upload)
	APIUsage         API = "usage"          // POST PathUsage, the daily usage report (授权码软件使用统计, v2)
)

// Paths of the OpenAPI calls below a base URL such as https://mkt.myhuaweicloud.com.
const (
	PathPrefix        = "/api/mkp-openapi-public/global"
	PathActivate      = PathPrefix + "/v1/license/activate"
	PathActivateBatch = PathPrefix + "/v2/license/activate"
	PathQuery         = PathPrefix + "/v1/license/heartbeat"
	PathQueryOrder    = PathPrefix + "/v1/order/query"
	PathUsage         = PathPrefix + "/v2/license/software-usage-info"
	// PathEventPrefix starts the market-event upload path; EventFilePath builds the whole path.
	PathEventPrefix = PathPrefix + "/v1/market-event/"
	// PathEventSuffix ends the market-event upload path.
	PathEventSuffix = "/file"
)

// Limits of the OpenAPI requests.
const (
	MaxBatch      = 100  // codes in one v2 activate
	MaxCodeLen    = 64   // characters of a licence code (license, license_list entries)
	MaxEventIDLen = 64   // characters of a market event id
	MaxOrderIDLen = 64   // characters of an orderId or orderLineId
	MaxCharacters = 1024 // characters of an upload of type CHARACTERS

	// The usage report's bounds (topic 0000002290055385, Tables 1-3).
	MaxUsageCodes = 100       // usage_info entries (codes) in one report
	MaxUsageItems = 100       // software_usage_Info items of one code
	MaxUsageIDLen = 256       // characters of a software_usage_Info id
	MaxActiveNum  = 999999999 // active_num: an integer of at most 9 digits
)

// Query parameters of the order query.
const (
	ParamOrderID     = "orderId"
	ParamOrderLineID = "orderLineId"
)

// EventFilePath returns the path of the market-event file upload for eventID, escaping it as one path segment.
func EventFilePath(eventID string) string {
	return PathEventPrefix + url.PathEscape(eventID) + PathEventSuffix
}

// ActivateRequest is the body of the v1 activate call (spec §2.6.1).
type ActivateRequest struct {
	License string `json:"license"`
	// RealEffectTime is the software's start, yyyyMMddHHmmss UTC (FormatTime); empty omits it.
	RealEffectTime string `json:"real_effect_time,omitempty"`
}

// ActivateBatchRequest is the body of the v2 activate call: at most MaxBatch codes.
type ActivateBatchRequest struct {
	LicenseList    []string `json:"license_list"`
	RealEffectTime string   `json:"real_effect_time,omitempty"`
}

// QueryRequest is the body of the v1 query (heartbeat) call. The heartbeatInfo object is sunset and never sent.
type QueryRequest struct {
	License string `json:"license"`
}

// UsageRequest is the body of the usage report (授权码软件使用统计, topic 0000002290055385): at most
// MaxUsageCodes codes.
type UsageRequest struct {
	UsageInfo []Usage `json:"usage_info"`
}

// Usage is the usage of one licence code: at most MaxUsageItems items. The JSON name keeps the page's capital I
// (software_usage_Info).
type Usage struct {
	License           string              `json:"license"`
	SoftwareUsageInfo []SoftwareUsageInfo `json:"software_usage_Info"`
}

// SoftwareUsageInfo is one item of a code's usage: exactly one of ID (a client's login or device id, at most
// MaxUsageIDLen characters, so the marketplace counts distinct active clients) and ActiveNum (the day's total
// of active clients, at most MaxActiveNum).
type SoftwareUsageInfo struct {
	ID        string `json:"id,omitempty"`
	ActiveNum *int64 `json:"active_num,omitempty"`
}

// Answer is the envelope of every license and market-event answer, and of the API Gateway's own error answers
// (which add request_id): error_code is CodeSuccess on success.
type Answer struct {
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
	RequestID string `json:"request_id,omitempty"`
}

// ActivateAnswer is the answer to a v1 activate. The v2 answer is a bare Answer.
type ActivateAnswer struct {
	Answer
	Data *ActivateData `json:"data,omitempty"`
}

// ActivateData holds license_code_info, which the marketplace sends as a JSON string inside the JSON answer.
type ActivateData struct {
	LicenseCodeInfo string `json:"license_code_info"`
}

// LicenseCodeInfo is the content of license_code_info. Its expire_time is only an estimate; the query answer is
// authoritative (spec §2.6.1).
type LicenseCodeInfo struct {
	// Status is the code's status, ALIVE after a successful activation: the values of LicenseInfo.Status.
	Status     string `json:"status"`
	ExpireTime string `json:"expire_time,omitempty"`
	ProductID  string `json:"product_id,omitempty"`
	OrderID    string `json:"order_id,omitempty"`
	Amount     Number `json:"amount,omitempty"`
}

// Info decodes license_code_info; an empty string gives the zero LicenseCodeInfo. Unknown fields are ignored.
func (d ActivateData) Info() (LicenseCodeInfo, error) {
	var info LicenseCodeInfo
	if d.LicenseCodeInfo == "" {
		return info, nil
	}
	if err := json.Unmarshal([]byte(d.LicenseCodeInfo), &info); err != nil {
		return LicenseCodeInfo{}, fmt.Errorf("license_code_info: %w", err)
	}
	return info, nil
}

// NewActivateData encodes info as the JSON string the marketplace puts into license_code_info.
func NewActivateData(info LicenseCodeInfo) (*ActivateData, error) {
	b, err := json.Marshal(info)
	if err != nil {
		return nil, fmt.Errorf("license_code_info: %w", err)
	}
	return &ActivateData{LicenseCodeInfo: string(b)}, nil
}

// QueryAnswer is the answer to a v1 query (heartbeat).
type QueryAnswer struct {
	Answer
	Data *LicenseInfo `json:"data,omitempty"`
}

// LicenseInfo is the data of a query answer (spec §2.6.2). The marketplace may add fields; they are ignored here
// and kept by callers that need them from the raw answer.
type LicenseInfo struct {
	LicenseCode string `json:"license_code"`
	// Status is license.MarketAlive, MarketExpired or MarketReleased (ALIVE, EXPIRED, RELEASED), defined in
	// server/license, whose lifecycle decides on them and which imports no wire package. The list is
	// extensible: callers must treat any other value as "not usable" rather than fail.
	Status       string `json:"status"`
	ActivateTime string `json:"activate_time,omitempty"`
	// ExpireTime is the code's expiry, yyyyMMddHHmmss UTC. The docs we could read cut off after activate_time;
	// the name follows license_code_info.
	ExpireTime string `json:"expire_time,omitempty"`
}

// Result codes of the order query (resultCode), which uses its own envelope.
const (
	OrderSuccess = "MKT.0000"
)

// OrderAnswer is the answer to the order query (spec §4).
type OrderAnswer struct {
	ResultCode string     `json:"resultCode"`
	ResultMsg  string     `json:"resultMsg"`
	OrderInfo  *OrderInfo `json:"orderInfo,omitempty"`
}

// Order types of the order query (OrderInfo.OrderType).
const (
	OrderTypeNew           = "NEW"
	OrderTypeTrial         = "TRIAL"
	OrderTypeTrialToFormal = "TRIAL_TO_FORMAL"
	OrderTypeUnsubscribe   = "UNSUBSCRIBE"
	OrderTypeRenew         = "RENEW"
	OrderTypeChange        = "CHANGE"
)

// Charging modes of an order line (OrderLine.ChargingMode).
const (
	ChargingOnDemand    = "ON_DEMAND"
	ChargingOneTime     = "ONE_TIME"
	ChargingPeriod      = "PERIOD" // a subscription: the line has an expiry
	ChargingOnDemandPkg = "ON_DEMAND_PKG"
)

// OrderInfo describes one order. Times are yyyyMMddHHmmss UTC.
type OrderInfo struct {
	OrderID      string        `json:"orderId"`
	OrderType    string        `json:"orderType"` // OrderTypeNew, …
	CreateTime   string        `json:"createTime"`
	OrderLine    []OrderLine   `json:"orderLine"`
	BuyerInfo    *BuyerInfo    `json:"buyerInfo,omitempty"`
	ExtendParams []ExtendParam `json:"extendParams,omitempty"`
}

// OrderLine is one line of an order.
type OrderLine struct {
	OrderLineID  string        `json:"orderLineId"`
	ChargingMode string        `json:"chargingMode"` // ChargingPeriod, …
	ExpireTime   string        `json:"expireTime,omitempty"`
	PeriodType   string        `json:"periodType,omitempty"` // e.g. year, month, day
	PeriodNumber Number        `json:"periodNumber,omitempty"`
	ProductInfo  []ProductInfo `json:"productInfo,omitempty"`
}

// ProductInfo is a product of an order line.
type ProductInfo struct {
	ProductID   string `json:"productId"`
	SKUCode     string `json:"skuCode"`
	ProductName string `json:"productName,omitempty"`
	LinearValue Number `json:"linearValue,omitempty"`
}

// BuyerInfo identifies the customer of an order.
type BuyerInfo struct {
	CustomerID   string `json:"customerId"`
	CustomerName string `json:"customerName,omitempty"`
	UserID       string `json:"userId,omitempty"`
	UserName     string `json:"userName,omitempty"`
}

// ExtendParam is one key/value extension of an order.
type ExtendParam struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Upload types and multipart part names of the market-event file upload (spec §3).
const (
	UploadCharacters = "CHARACTERS"
	UploadFile       = "FILE"
	// PartRequest is the multipart part holding the UploadRequest JSON.
	PartRequest = "isvUpdateFileReq"
	// PartFile is the multipart part holding the file when the type is UploadFile.
	PartFile = "file"
)

// UploadRequest is the JSON part of a market-event upload: Characters for UploadCharacters; FileName and the
// file's lowercase hex SHA256 for UploadFile.
type UploadRequest struct {
	Type       string `json:"type"`
	FileName   string `json:"file_name,omitempty"`
	SHA256     string `json:"sha256,omitempty"`
	Characters string `json:"characters,omitempty"`
}

// CharacterCount returns the length of s as the marketplace counts characters: UTF-16 code units, as Java's
// String.length does, with each invalid byte counted as one.
func CharacterCount(s string) int {
	n := 0
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		n++
		if r > 0xFFFF {
			n++
		}
	}
	return n
}

// Number is a marketplace value documented as a number that some answers send as a string (amount, periodNumber,
// linearValue). It decodes a JSON number, a string or null, and encodes as a bare number when its text is one.
type Number string

// UnmarshalJSON accepts a JSON number, a JSON string or null.
func (n *Number) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*n = ""
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*n = Number(s)
		return nil
	}
	var num json.Number
	if err := json.Unmarshal(b, &num); err != nil {
		return fmt.Errorf("number: %w", errNotNumber)
	}
	*n = Number(num)
	return nil
}

var errNotNumber = errors.New("not a number or string")

// MarshalJSON encodes n as a bare number when it is a valid JSON number, otherwise as a string.
func (n Number) MarshalJSON() ([]byte, error) {
	if n != "" && json.Valid([]byte(n)) {
		if _, err := strconv.ParseFloat(string(n), 64); err == nil {
			return []byte(n), nil
		}
	}
	return json.Marshal(string(n))
}

// Int returns n as an integer; an empty Number is 0.
func (n Number) Int() (int64, error) {
	if n == "" {
		return 0, nil
	}
	v, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("number %q: %w", string(n), errNotNumber)
	}
	return v, nil
}
