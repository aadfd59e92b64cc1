package koogallery

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// APIGAuthorization is a parsed API Gateway Authorization header:
//
//	SDK-HMAC-SHA256 Access=<ak>, SignedHeaders=<h1;h2;…>, Signature=<64 hex digits>
type APIGAuthorization struct {
	Access        string
	SignedHeaders []string
	Signature     []byte
}

// ParseAPIGAuthorization parses an Authorization header value strictly: the algorithm SDK-HMAC-SHA256, then exactly
// Access, SignedHeaders and Signature in that order, separated by ", ". Access must be non-empty without spaces or
// commas; SignedHeaders lower-case header names, sorted, without duplicates and without authorization; Signature
// 64 hex digits. It returns ErrMissing for an empty value and ErrAuth for anything else malformed.
func ParseAPIGAuthorization(value string) (APIGAuthorization, error) {
	if value == "" {
		return APIGAuthorization{}, fmt.Errorf("apig authorization: %w", ErrMissing)
	}
	rest, ok := strings.CutPrefix(value, apigAlgorithm+" ")
	if !ok {
		return APIGAuthorization{}, fmt.Errorf("apig authorization: not %s: %w", apigAlgorithm, ErrAuth)
	}
	parts := strings.Split(rest, ", ")
	keys := []string{"Access=", "SignedHeaders=", "Signature="}
	if len(parts) != len(keys) {
		return APIGAuthorization{}, fmt.Errorf("apig authorization: want %d fields, got %d: %w", len(keys), len(parts), ErrAuth)
	}
	values := make([]string, len(keys))
	for i, key := range keys {
		v, ok := strings.CutPrefix(parts[i], key)
		if !ok || v == "" || strings.ContainsAny(v, " \t,=") {
			return APIGAuthorization{}, fmt.Errorf("apig authorization: field %d is not %s<value>: %w", i+1, key, ErrAuth)
		}
		values[i] = v
	}
	signed, err := parseSignedHeaders(values[1])
	if err != nil {
		return APIGAuthorization{}, err
	}
	sig, err := hex.DecodeString(values[2])
	if err != nil || len(sig) != sha256.Size {
		return APIGAuthorization{}, fmt.Errorf("apig authorization: signature is not %d hex digits: %w", 2*sha256.Size, ErrAuth)
	}
	return APIGAuthorization{Access: values[0], SignedHeaders: signed, Signature: sig}, nil
}

// parseSignedHeaders checks a SignedHeaders list: lower-case tokens, strictly ascending, including host and
// x-sdk-date (the gateway requires both), never authorization.
func parseSignedHeaders(list string) ([]string, error) {
	names := strings.Split(list, ";")
	for i, name := range names {
		if name == "" || name != strings.ToLower(name) || strings.ContainsAny(name, " \t:") {
			return nil, fmt.Errorf("apig authorization: signed header %q malformed: %w", name, ErrAuth)
		}
		if i > 0 && names[i-1] >= name {
			return nil, fmt.Errorf("apig authorization: signed headers not sorted and unique: %w", ErrAuth)
		}
		if name == "authorization" {
			return nil, fmt.Errorf("apig authorization: authorization cannot be signed: %w", ErrAuth)
		}
	}
	for _, must := range []string{headerHostName, strings.ToLower(headerSdkDate)} {
		if !slices.Contains(names, must) {
			return nil, fmt.Errorf("apig authorization: %s not signed: %w", must, ErrAuth)
		}
	}
	return names, nil
}

// VerifyAPIG is the server side of SignAPIG: it checks the API Gateway App signature (SDK-HMAC-SHA256) of an
// incoming request as the gateway in front of the KooGallery OpenAPI does, so that a stand-in refuses exactly what
// the gateway refuses. body must be the exact bytes of the request body (VerifyAPIG does not read req.Body).
//
// It parses the Authorization header with ParseAPIGAuthorization, requires exactly one X-Sdk-Date within window of
// now either way (window ≤ 0 means APIGDateWindow, the gateway's 15 minutes), rebuilds the canonical request from
// the method, the decoded path, the query string, the signed headers as received (host from req.Host) and
// SHA256(body), and compares the access key and the HMAC-SHA256 under sk in constant time.
//
// It returns ErrMissing when ak or sk is empty (a misconfigured verifier refuses everything) or the request has no
// Authorization or X-Sdk-Date header; ErrTime when X-Sdk-Date is malformed; ErrTimestamp when it is outside the
// window; and ErrAuth for a malformed Authorization header, another access key, a signed header that is absent, an
// unparseable query string, or a signature that does not match. The body hash is always computed over body: an
// X-Sdk-Content-Sha256 header, which some APIG SDKs use to sign an unsigned payload, is not honoured (SignAPIG
// never sends one).
func VerifyAPIG(req *http.Request, body []byte, ak, sk string, now time.Time, window time.Duration) error {
	if req == nil || req.URL == nil {
		return fmt.Errorf("verify apig: nil request or URL: %w", ErrMissing)
	}
	if ak == "" || sk == "" {
		return fmt.Errorf("verify apig: ak/sk: %w", ErrMissing)
	}
	authz, err := singleHeader(req.Header, headerAuthz)
	if err != nil {
		return err
	}
	auth, err := ParseAPIGAuthorization(authz)
	if err != nil {
		return fmt.Errorf("verify apig: %w", err)
	}
	date, err := apigCheckDate(req.Header, now, window)
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare([]byte(auth.Access), []byte(ak)) != 1 {
		return fmt.Errorf("verify apig: unknown access key: %w", ErrAuth)
	}
	canonical, err := apigVerifyCanonical(req, auth.SignedHeaders, body)
	if err != nil {
		return err
	}
	canonicalHash := sha256.Sum256([]byte(canonical))
	mac := hmac.New(sha256.New, []byte(sk))
	mac.Write([]byte(apigAlgorithm + "\n" + date + "\n" + hex.EncodeToString(canonicalHash[:])))
	if !hmac.Equal(mac.Sum(nil), auth.Signature) {
		return fmt.Errorf("verify apig: signature mismatch: %w", ErrAuth)
	}
	return nil
}

// singleHeader returns the one value of header name, ErrMissing when there is none and ErrAuth when it is repeated.
func singleHeader(h http.Header, name string) (string, error) {
	values := h.Values(name)
	switch {
	case len(values) == 0 || values[0] == "":
		return "", fmt.Errorf("verify apig: %s: %w", name, ErrMissing)
	case len(values) > 1:
		return "", fmt.Errorf("verify apig: %s repeated: %w", name, ErrAuth)
	}
	return values[0], nil
}

// apigCheckDate returns the X-Sdk-Date value after checking its form and that it lies within window of now.
func apigCheckDate(h http.Header, now time.Time, window time.Duration) (string, error) {
	date, err := singleHeader(h, headerSdkDate)
	if err != nil {
		return "", err
	}
	t, err := time.Parse(layoutSdkDate, date)
	if err != nil {
		return "", fmt.Errorf("verify apig: %s %q: %w", headerSdkDate, date, ErrTime)
	}
	if window <= 0 {
		window = APIGDateWindow
	}
	if d := now.Sub(t); d > window || d < -window {
		return "", fmt.Errorf("verify apig: %s %s is %s from now: %w", headerSdkDate, date, d.Round(time.Second), ErrTimestamp)
	}
	return date, nil
}

// apigVerifyCanonical rebuilds the canonical request of an incoming request over the headers the client signed.
func apigVerifyCanonical(req *http.Request, signed []string, body []byte) (string, error) {
	query, err := url.ParseQuery(req.URL.RawQuery)
	if err != nil {
		return "", fmt.Errorf("verify apig: query: %w: %w", err, ErrAuth)
	}
	all := apigHeaders(req.Header, req.Host)
	headers := make(map[string][]string, len(signed))
	for _, name := range signed {
		values, ok := all[name]
		if !ok || (name == headerHostName && req.Host == "") {
			return "", fmt.Errorf("verify apig: signed header %q absent: %w", name, ErrAuth)
		}
		headers[name] = values
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	bodyHash := sha256.Sum256(body)
	return strings.Join([]string{
		method,
		apigURI(req.URL.Path),
		apigQuery(query),
		apigHeaderBlock(headers, signed),
		strings.Join(signed, ";"),
		hex.EncodeToString(bodyHash[:]),
	}, "\n"), nil
}
