package koogallery

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// APIG App-signing constants (Huawei API Gateway SDK-HMAC-SHA256).
const (
	apigAlgorithm  = "SDK-HMAC-SHA256"
	headerSdkDate  = "X-Sdk-Date"
	headerAuthz    = "Authorization"
	headerHostName = "host"
)

// SignAPIG signs req for the KooGallery OpenAPI (activate, query/heartbeat, …) with Huawei API Gateway App
// authentication, SDK-HMAC-SHA256 (spec §2.6), and sets the Authorization header to
//
//	SDK-HMAC-SHA256 Access=<ak>, SignedHeaders=<h1;h2;…>, Signature=<lowercase hex>
//
// body must be the exact bytes the request will send (SignAPIG does not read req.Body); nil means empty.
//
// If X-Sdk-Date (yyyyMMddTHHmmssZ, UTC) is absent it is set from now; if present it is used as is. The canonical
// request is built as the official APIG Go SDK does:
//   - URI: each segment of the decoded path percent-encoded (RFC 3986 unreserved characters kept, upper-case hex),
//     with a "/" appended if the path does not already end with one;
//   - query: parameters sorted by name and then by value, names and values encoded the same way, joined by '&';
//     req.URL.RawQuery is rewritten to exactly this string so that what is sent is what was signed (a '+' in the
//     original query means a space, as in url.ParseQuery, and is sent as %20);
//   - headers: every header in req.Header except Authorization, plus host (from req.Host, else req.URL.Host),
//     lower-cased and sorted; each value trimmed, several values of one header sorted, one "name:value" line each.
//
// It returns ErrMissing if ak or sk is empty or the request has no host, ErrTime if an existing X-Sdk-Date is
// malformed, and a non-sentinel error if req or req.URL is nil or the query string cannot be parsed.
func SignAPIG(req *http.Request, body []byte, ak, sk string, now time.Time) error {
	if req == nil || req.URL == nil {
		return errors.New("sign apig: nil request or URL")
	}
	if ak == "" || sk == "" {
		return fmt.Errorf("sign apig: ak/sk: %w", ErrMissing)
	}
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	if host == "" {
		return fmt.Errorf("sign apig: host: %w", ErrMissing)
	}
	query, err := url.ParseQuery(req.URL.RawQuery)
	if err != nil {
		return fmt.Errorf("sign apig: query: %w", err)
	}
	if req.Header == nil {
		req.Header = make(http.Header)
	}
	date := req.Header.Get(headerSdkDate)
	if date == "" {
		date = now.UTC().Format(layoutSdkDate)
		req.Header.Set(headerSdkDate, date)
	} else if _, err := time.Parse(layoutSdkDate, date); err != nil {
		return fmt.Errorf("sign apig: %s %q: %w", headerSdkDate, date, ErrTime)
	}

	canonicalQuery := apigQuery(query)
	req.URL.RawQuery = canonicalQuery
	canonical, signedList := apigCanonicalRequest(req, host, canonicalQuery, body)

	canonicalHash := sha256.Sum256([]byte(canonical))
	stringToSign := apigAlgorithm + "\n" + date + "\n" + hex.EncodeToString(canonicalHash[:])
	mac := hmac.New(sha256.New, []byte(sk))
	mac.Write([]byte(stringToSign))
	req.Header.Set(headerAuthz, fmt.Sprintf("%s Access=%s, SignedHeaders=%s, Signature=%s",
		apigAlgorithm, ak, signedList, hex.EncodeToString(mac.Sum(nil))))
	return nil
}

// apigCanonicalRequest returns the APIG canonical request of req and its SignedHeaders list:
//
//	Method \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n SignedHeaders \n hex(SHA256(body))
func apigCanonicalRequest(req *http.Request, host, canonicalQuery string, body []byte) (string, string) {
	headers := apigHeaders(req.Header, host)
	signed := make([]string, 0, len(headers))
	for name := range headers {
		signed = append(signed, name)
	}
	slices.Sort(signed)
	signedList := strings.Join(signed, ";")

	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	bodyHash := sha256.Sum256(body)
	canonical := strings.Join([]string{
		method,
		apigURI(req.URL.Path),
		canonicalQuery,
		apigHeaderBlock(headers, signed),
		signedList,
		hex.EncodeToString(bodyHash[:]),
	}, "\n")
	return canonical, signedList
}

// apigHeaders returns the headers to sign keyed by lower-case name: all of h except Authorization (and any Host
// entry, which Go's client ignores), plus host.
func apigHeaders(h http.Header, host string) map[string][]string {
	out := make(map[string][]string, len(h)+1)
	for name, values := range h {
		lower := strings.ToLower(name)
		if lower == "authorization" || lower == headerHostName {
			continue
		}
		out[lower] = append(out[lower], values...)
	}
	out[headerHostName] = []string{host}
	return out
}

// apigHeaderBlock returns the canonical headers: one "name:value" line per value, each followed by '\n'.
func apigHeaderBlock(headers map[string][]string, signed []string) string {
	var b strings.Builder
	for _, name := range signed {
		values := make([]string, len(headers[name]))
		for i, v := range headers[name] {
			values[i] = strings.TrimSpace(v)
		}
		slices.Sort(values)
		for _, v := range values {
			b.WriteString(name + ":" + v + "\n")
		}
	}
	return b.String()
}

// apigURI returns the canonical URI: each path segment escaped, with a trailing "/".
func apigURI(path string) string {
	segments := strings.Split(path, "/")
	for i, s := range segments {
		segments[i] = apigEscape(s)
	}
	uri := strings.Join(segments, "/")
	if !strings.HasSuffix(uri, "/") {
		uri += "/"
	}
	return uri
}

// apigQuery returns the canonical query string: names sorted, each name's values sorted, all escaped.
func apigQuery(q url.Values) string {
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	slices.Sort(names)
	var pairs []string
	for _, name := range names {
		values := append([]string(nil), q[name]...)
		slices.Sort(values)
		for _, v := range values {
			pairs = append(pairs, apigEscape(name)+"="+apigEscape(v))
		}
	}
	return strings.Join(pairs, "&")
}

// apigEscape percent-encodes every byte of s except the RFC 3986 unreserved characters, with upper-case hex.
func apigEscape(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&0xF])
	}
	return b.String()
}
