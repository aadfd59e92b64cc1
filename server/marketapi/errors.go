package marketapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/licentia/licentia/server/koogallery"
)

// Sentinels that every *Error unwraps to, one per kind of refusal. Test them with errors.Is.
var (
	// ErrAlreadyActive: 92020003, the code is already active (do not activate twice). With Error.Repeated it
	// may be the effect of this call's own earlier send.
	ErrAlreadyActive = errors.New("koogallery openapi: licence code already active")
	// ErrNotReceived: 92020004, the buyer has not received (领取) the code yet.
	ErrNotReceived = errors.New("koogallery openapi: licence code not yet received by the buyer")
	// ErrUnknownCode: 92020005, the marketplace does not know the licence code.
	ErrUnknownCode = errors.New("koogallery openapi: licence code does not exist")
	// ErrNotActivated: 92020011, the licence code has not been activated.
	ErrNotActivated = errors.New("koogallery openapi: licence code not activated")
	// ErrInvalidCodes: 92020020, a batch holds invalid licence codes.
	ErrInvalidCodes = errors.New("koogallery openapi: batch holds invalid licence codes")
	// ErrUnknownOrder: MKT.9001, the marketplace does not know the order or instance.
	ErrUnknownOrder = errors.New("koogallery openapi: order not found")
	// ErrInvalidParam: 92020002, 95000001–95000004, the upload's 91381033–91381038, MKT.0100/0101/0199 and other
	// gateway 4xx answers; also a
	// request refused before sending (empty or over-long code, order id or event id, too many codes).
	ErrInvalidParam = errors.New("koogallery openapi: invalid request parameter")
	// ErrInternal: 92020001, an internal error of the marketplace answered with HTTP 200.
	ErrInternal = errors.New("koogallery openapi: marketplace internal error")
	// ErrAuth: APIG.03xx (a signature or credential the gateway refuses, e.g. a wrong SK) and MKT.0150/0151/0154.
	ErrAuth = errors.New("koogallery openapi: credentials or signature refused")
	// ErrThrottled: APIG.0308 or MKT.0250, too many calls.
	ErrThrottled = errors.New("koogallery openapi: throttled")
	// ErrUnavailable: no base URL could be reached, or the answers were 5xx until the attempts ran out.
	ErrUnavailable = errors.New("koogallery openapi: marketplace unavailable")
	// ErrProtocol: an answer that cannot be read: not JSON, no or an unknown error code, a redirect, a success
	// without its data.
	ErrProtocol = errors.New("koogallery openapi: unreadable answer")
)

// Error is the failure of one OpenAPI call. Kind is one of the sentinels above; Err, when set, is the cause (a
// network error, a context error, a JSON error). Both are reachable through errors.Is and errors.As.
//
// Message is the marketplace's error_msg as received: it may echo request values, so Error() leaves it out
// and callers should not log it.
type Error struct {
	API     koogallery.API
	Status  int    // HTTP status of the last answer; 0 when none arrived
	Code    string // error_code, resultCode or APIG code of the last answer; "" when none
	Message string
	// Attempts counts the attempts made; each tries the base URLs in turn while they cannot be reached.
	Attempts int
	// Repeated reports that the request was sent again after an earlier send that may have reached the
	// marketplace and taken effect (its answer was lost, or was a 5xx): a 92020003 may then report this
	// call's own activation.
	Repeated bool
	Kind     error
	Err      error
}

// Error describes the failure without the marketplace's message.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "koogallery openapi %s:", e.API)
	if e.Code != "" {
		fmt.Fprintf(&b, " code %s", e.Code)
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, " http %d", e.Status)
	}
	fmt.Fprintf(&b, " after %d attempt(s)", e.Attempts)
	if e.Kind != nil {
		b.WriteString(": " + strings.TrimPrefix(e.Kind.Error(), "koogallery openapi: "))
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

// Unwrap returns Kind and Err.
func (e *Error) Unwrap() []error {
	var out []error
	for _, err := range []error{e.Kind, e.Err} {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}

var codeKinds = map[string]error{
	koogallery.CodeInternal:           ErrInternal,
	koogallery.CodeInvalidParam:       ErrInvalidParam,
	koogallery.CodeIllegalState:       ErrAlreadyActive,
	koogallery.CodeNotReceived:        ErrNotReceived,
	koogallery.CodeNotExist:           ErrUnknownCode,
	koogallery.CodeNotActivated:       ErrNotActivated,
	koogallery.CodeInvalidCodes:       ErrInvalidCodes,
	koogallery.CodeBadParam:           ErrInvalidParam,
	koogallery.CodeMethodNotSupported: ErrInvalidParam,
	koogallery.CodeContentType:        ErrInvalidParam,
	koogallery.CodeUnreadable:         ErrInvalidParam,
	koogallery.OrderInternal:          ErrInternal,
	koogallery.OrderInputInvalid:      ErrInvalidParam,
	koogallery.OrderInvalidParam:      ErrInvalidParam,
	koogallery.OrderParamError:        ErrInvalidParam,
	koogallery.OrderIllegalOp:         ErrAuth,
	koogallery.OrderNoAuthority:       ErrAuth,
	koogallery.OrderIllegalToken:      ErrAuth,
	koogallery.OrderThrottled:         ErrThrottled,
	koogallery.OrderInstanceUnknown:   ErrUnknownOrder,
	koogallery.GatewayThrottled:       ErrThrottled,
	koogallery.GatewayUnavailable:     ErrUnavailable,
	koogallery.GatewayTimeout:         ErrUnavailable,
}

// kindOf returns the sentinel of an error code answered with HTTP status, and whether another attempt may get
// a different answer (a 5xx that is not a definite refusal).
func kindOf(code string, status int) (kind error, retry bool) {
	kind, ok := codeKinds[code]
	switch {
	case ok:
	case koogallery.IsUploadError(code):
		kind = ErrInvalidParam
	case strings.HasPrefix(code, "APIG.03"):
		kind = ErrAuth
	case strings.HasPrefix(code, "APIG.") && status >= 400 && status < 500:
		kind = ErrInvalidParam
	case status >= http.StatusInternalServerError:
		kind = ErrUnavailable
	default:
		kind = ErrProtocol
	}
	retry = status >= http.StatusInternalServerError && (kind == ErrInternal || kind == ErrUnavailable)
	return kind, retry
}

// isSuccess reports whether code is a success code of the licence, market-event upload or order APIs.
func isSuccess(code string) bool {
	return code == koogallery.CodeSuccess || code == koogallery.UploadSuccess || code == koogallery.OrderSuccess
}
