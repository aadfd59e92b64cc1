package koogallery

import (
	"net/http"
	"time"
)

// Error codes of the licence-code and market-event OpenAPI (error_code), spec §2.6.3 [S23]. The HTTP status each
// comes with is in CodeInfo.
const (
	CodeSuccess            = "92020000" // success
	CodeInternal           = "92020001" // other internal error of the marketplace
	CodeInvalidParam       = "92020002" // invalid request parameter
	CodeIllegalState       = "92020003" // illegal state: the code is already active (do not activate twice)
	CodeNotReceived        = "92020004" // the buyer has not received (领取) the code yet
	CodeNotExist           = "92020005" // the licence code does not exist
	CodeNotActivated       = "92020011" // the licence code has not been activated
	CodeInvalidCodes       = "92020020" // a batch holds invalid licence codes
	CodeBadParam           = "95000001" // request parameter fails its pattern, presence or length rule (HTTP 400)
	CodeMethodNotSupported = "95000002" // request method not supported (HTTP 405)
	CodeContentType        = "95000003" // Content-Type is not application/json (HTTP 415)
	CodeUnreadable         = "95000004" // the body cannot be read as JSON (HTTP 400)
)

// Result codes of the market-event upload (error_code). The upload's page (topic 0070649351) points to the G1b
// guide's common error codes (topic 0070649352): CBC.0000 is success, 91381033–91381038 are errors.
const (
	UploadSuccess    = "CBC.0000"
	UploadErrorFirst = "91381033"
	UploadErrorLast  = "91381038"
)

// IsUploadError reports whether code is one of the upload's documented errors, 91381033–91381038.
func IsUploadError(code string) bool {
	return len(code) == len(UploadErrorFirst) && allDigits(code) && code >= UploadErrorFirst && code <= UploadErrorLast
}

// Result codes of the order query (resultCode), spec §4, from the order-query error table of the marketplace docs
// (support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649350.html and its error-code page).
const (
	OrderInternal        = "MKT.0999" // system internal error (HTTP 500)
	OrderInputInvalid    = "MKT.0100" // input parameter check failed: out of range, illegal value or format (HTTP 500)
	OrderInvalidParam    = "MKT.0101" // a parameter not in the interface, or a required one missing (HTTP 400)
	OrderParamError      = "MKT.0199" // other request parameter error (HTTP 400)
	OrderIllegalOp       = "MKT.0150" // operation not allowed for these credentials (HTTP 401)
	OrderNoAuthority     = "MKT.0151" // no API access: the credentials are not a seller's (HTTP 401)
	OrderIllegalToken    = "MKT.0154" // authentication failed (HTTP 401)
	OrderThrottled       = "MKT.0250" // access frequency over the limit (HTTP 406)
	OrderInstanceUnknown = "MKT.9001" // instance id not found (HTTP 500)
)

// Error codes of Huawei API Gateway (APIG), which fronts the OpenAPI and answers before the marketplace sees a
// request. Sources: the APIG error-code table (support.huaweicloud.com/intl/en-us/usermanual-apig/apig_03_0048.html)
// and the APIG FAQ "Incorrect app authentication information" (support.huaweicloud.com/apig_faq/apig-faq-0009.html),
// whose examples show APIG.0303 for an unknown key ("app not found"), a signature that does not match ("verify
// signature fail") and an X-Sdk-Date more than 15 minutes off ("signature expired"); the same gateway family's table
// (ROMA Connect APIC.0303) gives HTTP 401 for it.
const (
	GatewayNoAPI       = "APIG.0101" // the API does not exist or has not been published (HTTP 404)
	GatewayIAMAuth     = "APIG.0301" // incorrect IAM authentication information (HTTP 401)
	GatewayAppAuth     = "APIG.0303" // incorrect app authentication information (HTTP 401)
	GatewayThrottled   = "APIG.0308" // the throttling threshold has been reached (HTTP 429)
	GatewayUnavailable = "APIG.0202" // backend unavailable (HTTP 502)
	GatewayTimeout     = "APIG.0203" // backend timeout (HTTP 504)
)

// APIGDateWindow is how far X-Sdk-Date may lie from the gateway's clock, either way (APIG FAQ: 15 minutes).
const APIGDateWindow = 15 * time.Minute

// CodeInfo is a documented OpenAPI error code with the HTTP status the marketplace sends it with and its message.
type CodeInfo struct {
	Code    string
	Status  int
	Message string
}

var openAPICodes = []CodeInfo{
	{CodeSuccess, http.StatusOK, "Success"},
	{CodeInternal, http.StatusOK, "internal error"},
	{CodeInvalidParam, http.StatusOK, "invalid param"},
	{CodeIllegalState, http.StatusOK, "illegal state"},
	{CodeNotReceived, http.StatusOK, "can not active before user received."},
	{CodeNotExist, http.StatusOK, "license code notexist"},
	{CodeNotActivated, http.StatusOK, "license code has been not activated."},
	{CodeInvalidCodes, http.StatusOK, "Invalid license code exists."},
	{CodeBadParam, http.StatusBadRequest, "req param is invalid"},
	{CodeMethodNotSupported, http.StatusMethodNotAllowed, "Request method not supported"},
	{CodeContentType, http.StatusUnsupportedMediaType, "Content type not supported"},
	{CodeUnreadable, http.StatusBadRequest, "req message is not readable"},

	{UploadSuccess, http.StatusOK, "Success."},

	{OrderSuccess, http.StatusOK, "Success."},
	{OrderInternal, http.StatusInternalServerError, "System internal error."},
	{OrderInputInvalid, http.StatusInternalServerError, "Failure of input parameter"},
	{OrderInvalidParam, http.StatusBadRequest, "Invalid parameter"},
	{OrderParamError, http.StatusBadRequest, "Request parameter error"},
	{OrderIllegalOp, http.StatusUnauthorized, "Illegal operation"},
	{OrderNoAuthority, http.StatusUnauthorized, "No authority"},
	{OrderIllegalToken, http.StatusUnauthorized, "Illegal token"},
	{OrderThrottled, http.StatusNotAcceptable, "Access frequency overlimit"},
	{OrderInstanceUnknown, http.StatusInternalServerError, "Instance ID not found."},

	{GatewayNoAPI, http.StatusNotFound, "The API does not exist or has not been published in the environment"},
	{GatewayIAMAuth, http.StatusUnauthorized, "Incorrect IAM authentication information"},
	{GatewayAppAuth, http.StatusUnauthorized, "Incorrect app authentication information"},
	{GatewayThrottled, http.StatusTooManyRequests, "The throttling threshold has been reached"},
	{GatewayUnavailable, http.StatusBadGateway, "Backend unavailable"},
	{GatewayTimeout, http.StatusGatewayTimeout, "Backend timeout"},
}

// LookupCode returns the documented HTTP status and message of an OpenAPI error code, result code or API Gateway
// code, and whether it is documented.
func LookupCode(code string) (CodeInfo, bool) {
	for _, c := range openAPICodes {
		if c.Code == code {
			return c, true
		}
	}
	return CodeInfo{}, false
}

// Codes returns every documented code, in the order of the docs' tables: licence codes, upload, order results,
// gateway. The upload's errors 91381033–91381038 are not listed (IsUploadError).
func Codes() []CodeInfo {
	return append([]CodeInfo(nil), openAPICodes...)
}
