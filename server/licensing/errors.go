package licensing

import (
	"errors"
	"fmt"
	"time"

	"github.com/licentia/licentia/server/store"
)

// Errors of the Service. Package server maps them, with package license's and the store's, to HTTP answers
// (one table) and to marketplace result codes (another).
var (
	// ErrNoSigner means a write was asked of a Service that has no signing key.
	ErrNoSigner = errors.New("no signing key: reissue and revoke need the key ring (<data>/keys) or --server")
	// ErrMarketUnconfigured means the Service has no OpenAPI credentials (LICENTIA_KOOGALLERY_AK/SK).
	ErrMarketUnconfigured = errors.New("the marketplace OpenAPI is not configured on this server (LICENTIA_KOOGALLERY_AK, LICENTIA_KOOGALLERY_SK)")
	// ErrNotReceived means the buyer has not received (领取) the code in the marketplace yet.
	ErrNotReceived = errors.New("the buyer has not received this license code yet: receive it in KooGallery (买家中心 › 服务监管) first")
	// ErrMarketUnavailable means the marketplace could not be reached or refused licentia's credentials.
	ErrMarketUnavailable = errors.New("the marketplace could not be asked about this code just now")
	// ErrCodeInUse means the code is a license's id on this server, so it cannot be bound (store.ErrRefTaken).
	ErrCodeInUse = fmt.Errorf("this license code cannot be activated on this server; ask the seller's support to check it: %w", store.ErrRefTaken)
	// ErrUnknownMarketCode means the marketplace does not know the code.
	ErrUnknownMarketCode = fmt.Errorf("the marketplace does not know this license code: %w", store.ErrNotFound)
	// ErrNeedsMarket means a G1b call cannot be served without the marketplace OpenAPI (AK/SK); answering
	// success would count as delivered what was never delivered, so the marketplace is asked to retry.
	ErrNeedsMarket = errors.New("the marketplace OpenAPI credentials (AK/SK) are not configured")
	// ErrProcessing means a request was taken and finishes in the background (see ProcessingError).
	ErrProcessing = errors.New("processing")
	// ErrQuotaExhausted refuses a G1b getLicenseAsync from a new device when the order's seats are all
	// held by other devices (000900).
	ErrQuotaExhausted = errors.New("the order's license quota is used up: every seat is held by another device")
	// ErrFingerprintRequired refuses a G1b getLicenseAsync without a deviceFingerprint when the product's
	// policy requires one (000903).
	ErrFingerprintRequired = errors.New("this product's licenses are bound to devices: deviceFingerprint is required")
)

// RequestError is a request that cannot be acted on as asked: a bad parameter, a missing reason, a body
// that is not the expected JSON. The HTTP API answers it 400 bad_request, a marketplace callback 000002,
// each with its message.
type RequestError struct{ msg string }

// Error returns the message.
func (e *RequestError) Error() string { return e.msg }

// BadRequest returns a *RequestError with the message format and args make (fmt.Sprintf).
func BadRequest(format string, args ...any) error {
	return &RequestError{msg: fmt.Sprintf(format, args...)}
}

// ProcessingError means a G1b newInstance was taken and its order query finishes in the background: the
// marketplace is answered 000004 with InstanceID, which it then asks after with queryInstance. It matches
// ErrProcessing.
type ProcessingError struct{ InstanceID string }

func (e *ProcessingError) Error() string { return "processing instance " + e.InstanceID }

// Is reports whether target is ErrProcessing.
func (e *ProcessingError) Is(target error) bool { return target == ErrProcessing }

// RateLimitError means a rate limit was reached; RetryAfter says when the current window ends.
type RateLimitError struct {
	// RetryAfter is how long until the limit resets.
	RetryAfter time.Duration
}

// Error returns a message naming the wait.
func (e *RateLimitError) Error() string {
	return fmt.Sprintf("too many requests; retry in %s", e.RetryAfter)
}
