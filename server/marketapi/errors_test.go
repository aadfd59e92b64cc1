package marketapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/licentia/licentia/server/koogallery"
)

// testMessage is the marketplace's message in the scripted answers; it must never reach Error().
const testMessage = "marketplace message with PLCODE-echo"

// documentedCodes lists every documented code but success with the sentinel it must map to and whether it
// is retried.
var documentedCodes = []struct {
	code    string
	want    error
	retried bool
}{
	{koogallery.CodeInternal, ErrInternal, false},
	{koogallery.CodeInvalidParam, ErrInvalidParam, false},
	{koogallery.CodeIllegalState, ErrAlreadyActive, false},
	{koogallery.CodeNotReceived, ErrNotReceived, false},
	{koogallery.CodeNotExist, ErrUnknownCode, false},
	{koogallery.CodeNotActivated, ErrNotActivated, false},
	{koogallery.CodeInvalidCodes, ErrInvalidCodes, false},
	{koogallery.CodeBadParam, ErrInvalidParam, false},
	{koogallery.CodeMethodNotSupported, ErrInvalidParam, false},
	{koogallery.CodeContentType, ErrInvalidParam, false},
	{koogallery.CodeUnreadable, ErrInvalidParam, false},
	{koogallery.OrderInternal, ErrUnavailable, true},
	{koogallery.OrderInputInvalid, ErrInvalidParam, false},
	{koogallery.OrderInvalidParam, ErrInvalidParam, false},
	{koogallery.OrderParamError, ErrInvalidParam, false},
	{koogallery.OrderIllegalOp, ErrAuth, false},
	{koogallery.OrderNoAuthority, ErrAuth, false},
	{koogallery.OrderIllegalToken, ErrAuth, false},
	{koogallery.OrderThrottled, ErrThrottled, false},
	{koogallery.OrderInstanceUnknown, ErrUnknownOrder, false},
	{koogallery.GatewayNoAPI, ErrInvalidParam, false},
	{koogallery.GatewayIAMAuth, ErrAuth, false},
	{koogallery.GatewayAppAuth, ErrAuth, false},
	{koogallery.GatewayThrottled, ErrThrottled, false},
	{koogallery.GatewayUnavailable, ErrUnavailable, true},
	{koogallery.GatewayTimeout, ErrUnavailable, true},
}

// TestEveryDocumentedCode answers each documented error code with its documented HTTP status and checks the
// sentinel, the *Error fields and whether the call was retried.
func TestEveryDocumentedCode(t *testing.T) {
	covered := map[string]bool{koogallery.CodeSuccess: true, koogallery.OrderSuccess: true, koogallery.UploadSuccess: true}
	for _, tt := range documentedCodes {
		covered[tt.code] = true
		t.Run(tt.code, func(t *testing.T) {
			info, ok := koogallery.LookupCode(tt.code)
			if !ok {
				t.Fatalf("LookupCode(%s) not documented", tt.code)
			}
			body := fmt.Sprintf(`{"error_code":%q,"error_msg":%q}`, tt.code, testMessage)
			if strings.HasPrefix(tt.code, "MKT.") {
				body = fmt.Sprintf(`{"resultCode":%q,"resultMsg":%q}`, tt.code, testMessage)
			}
			f := newFake(t, fakeAnswer{status: info.Status, body: body})
			env := newTestClient(t, []string{f.URL()}, nil)
			var err error
			if strings.HasPrefix(tt.code, "MKT.") {
				_, err = env.client.QueryOrder(context.Background(), "CS1", "")
			} else {
				_, err = env.client.Activate(context.Background(), testCode, time.Time{})
			}
			checkCodeError(t, err, tt.want, tt.code, info.Status)
			wantAttempts := 1
			if tt.retried {
				wantAttempts = DefaultMaxAttempts
			}
			if got := f.hits(); got != wantAttempts {
				t.Errorf("requests = %d, want %d", got, wantAttempts)
			}
		})
	}
	for _, c := range koogallery.Codes() {
		if !covered[c.Code] {
			t.Errorf("documented code %s has no test", c.Code)
		}
	}
}

func checkCodeError(t *testing.T, err error, want error, code string, status int) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
	var oe *Error
	if !errors.As(err, &oe) {
		t.Fatalf("err = %T, want *Error", err)
	}
	if oe.Code != code || oe.Status != status || oe.Message != testMessage {
		t.Errorf("Error = code %s status %d message %q, want %s %d %q", oe.Code, oe.Status, oe.Message, code, status, testMessage)
	}
	if strings.Contains(err.Error(), testMessage) {
		t.Errorf("Error() = %q, want it without the marketplace message", err)
	}
}

func TestUnknownAndMalformedAnswers(t *testing.T) {
	tests := []struct {
		name     string
		answer   fakeAnswer
		want     error
		attempts int
	}{
		{"unknown code", fakeAnswer{200, `{"error_code":"92029999","error_msg":"?"}`, 0}, ErrProtocol, 1},
		{"unknown gateway auth code", fakeAnswer{401, `{"error_code":"APIG.0305","error_msg":"?"}`, 0}, ErrAuth, 1},
		{"other gateway 4xx", fakeAnswer{400, `{"error_code":"APIG.0201","error_msg":"?"}`, 0}, ErrInvalidParam, 1},
		{"not JSON", fakeAnswer{200, `<html>`, 0}, ErrProtocol, 1},
		{"JSON without code", fakeAnswer{200, `{"data":{}}`, 0}, ErrProtocol, 1},
		{"4xx without code", fakeAnswer{404, `not found`, 0}, ErrProtocol, 1},
		{"5xx without code", fakeAnswer{503, `busy`, 0}, ErrUnavailable, DefaultMaxAttempts},
		{"unknown code with 5xx", fakeAnswer{500, `{"error_code":"X.1"}`, 0}, ErrUnavailable, DefaultMaxAttempts},
		{"success with 500", fakeAnswer{500, `{"error_code":"92020000"}`, 0}, ErrProtocol, 1},
		{"redirect", fakeAnswer{302, ``, 0}, ErrProtocol, 1},
		{"bad license_code_info", fakeAnswer{200, `{"error_code":"92020000","data":{"license_code_info":"{"}}`, 0}, ErrProtocol, 1},
		{"oversized", fakeAnswer{200, `{"error_code":"92020000","x":"` + strings.Repeat("a", maxAnswerBytes) + `"}`, 0}, ErrProtocol, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, tt.answer)
			env := newTestClient(t, []string{f.URL()}, nil)
			_, err := env.client.Activate(context.Background(), testCode, time.Time{})
			if !errors.Is(err, tt.want) {
				t.Errorf("Activate() err = %v, want %v", err, tt.want)
			}
			if got := f.hits(); got != tt.attempts {
				t.Errorf("requests = %d, want %d", got, tt.attempts)
			}
		})
	}
}

func TestErrorUnwrapsCause(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	f := newFake(t, fakeAnswer{status: http.StatusOK, body: okActivate, delay: time.Minute})
	env := newTestClient(t, []string{f.URL()}, nil)
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	_, err := env.client.Activate(ctx, testCode, time.Time{})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrUnavailable) {
		t.Errorf("Activate(canceled) err = %v, want %v and %v", err, context.Canceled, ErrUnavailable)
	}
	if got := f.hits(); got != 1 {
		t.Errorf("requests = %d, want 1 (no retry once the caller gave up)", got)
	}
	e := &Error{API: koogallery.APIQuery, Status: 200, Code: "92020011", Attempts: 1, Kind: ErrNotActivated}
	if got, want := e.Error(), "koogallery openapi query: code 92020011 http 200 after 1 attempt(s): licence code not activated"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// TestUploadCodes: the market-event upload follows the G1b guide's common error codes (topic 0070649352), which
// its page (topic 0070649351) points to: CBC.0000 is success, 91381033–91381038 are refusals, each sent once.
func TestUploadCodes(t *testing.T) {
	tests := []struct {
		code string
		want error
	}{
		{koogallery.UploadSuccess, nil},
		{koogallery.CodeSuccess, nil},
		{"91381033", ErrInvalidParam},
		{"91381034", ErrInvalidParam},
		{"91381035", ErrInvalidParam},
		{"91381036", ErrInvalidParam},
		{"91381037", ErrInvalidParam},
		{"91381038", ErrInvalidParam},
		{"91381032", ErrProtocol},
		{"91381039", ErrProtocol},
		{"CBC.0001", ErrProtocol},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			f := newFake(t, fakeAnswer{status: http.StatusOK, body: fmt.Sprintf(`{"error_code":%q,"error_msg":%q}`, tt.code, testMessage)})
			env := newTestClient(t, []string{f.URL()}, nil)
			err := env.client.UploadEvent(context.Background(), "EV-1", "", []byte(testCode))
			if !errors.Is(err, tt.want) {
				t.Fatalf("UploadEvent() err = %v, want %v", err, tt.want)
			}
			if tt.want != nil {
				checkCodeError(t, err, tt.want, tt.code, http.StatusOK)
			}
			if got := f.hits(); got != 1 {
				t.Errorf("requests = %d, want 1", got)
			}
		})
	}
}
