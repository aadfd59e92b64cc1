package market

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// The stand-in checks App signatures (SDK-HMAC-SHA256) with this implementation of its own, written from the API
// Gateway's signing description and checked against the published test values of Huawei Cloud's Go SDK
// (conformance.LoadSDKVectors), not with licentia's signer: a seller whose signer departs from the gateway's
// rules fails here as it would at the gateway.

// Outcomes of an App signature check other than success.
var (
	errSigExpired  = errors.New("signature expired")
	errSigApp      = errors.New("app not found")
	errSigMismatch = errors.New("verify signature fail")
)

// checkAppSignature checks req (with its body) against the App key ak and secret sk at now, X-Sdk-Date within
// window either way. It returns nil, errSigExpired, errSigApp or errSigMismatch (also for anything malformed).
func checkAppSignature(req *http.Request, body []byte, ak, sk string, now time.Time, window time.Duration) error {
	authz := req.Header.Values("Authorization")
	dates := req.Header.Values("X-Sdk-Date")
	if ak == "" || sk == "" || len(authz) != 1 || len(dates) != 1 {
		return errSigMismatch
	}
	access, signed, sig, ok := parseAuthorization(authz[0])
	if !ok {
		return errSigMismatch
	}
	t, err := time.Parse("20060102T150405Z", dates[0])
	if err != nil {
		return errSigMismatch
	}
	if d := now.Sub(t); d > window || d < -window {
		return errSigExpired
	}
	if subtle.ConstantTimeCompare([]byte(access), []byte(ak)) != 1 {
		return errSigApp
	}
	var lines []string
	for _, h := range signed {
		var v []string
		if h == "host" {
			v = []string{req.Host}
		} else {
			v = req.Header.Values(h)
		}
		if len(v) == 0 {
			return errSigMismatch
		}
		sort.Strings(v)
		for _, x := range v {
			lines = append(lines, h+":"+strings.TrimSpace(x))
		}
	}
	query, err := canonicalQuery(req.URL.RawQuery)
	if err != nil {
		return errSigMismatch
	}
	bodyHash := sha256.Sum256(body)
	canonical := strings.Join([]string{req.Method, canonicalURI(req.URL.Path), query, strings.Join(lines, "\n") + "\n",
		strings.Join(signed, ";"), hex.EncodeToString(bodyHash[:])}, "\n")
	canonicalHash := sha256.Sum256([]byte(canonical))
	mac := hmac.New(sha256.New, []byte(sk))
	mac.Write([]byte("SDK-HMAC-SHA256\n" + dates[0] + "\n" + hex.EncodeToString(canonicalHash[:])))
	if !hmac.Equal(mac.Sum(nil), sig) {
		return errSigMismatch
	}
	return nil
}

// parseAuthorization reads "SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex".
func parseAuthorization(v string) (access string, signed []string, sig []byte, ok bool) {
	rest, found := strings.CutPrefix(v, "SDK-HMAC-SHA256 ")
	if !found {
		return "", nil, nil, false
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, val, found := strings.Cut(strings.TrimSpace(part), "=")
		if !found || fields[k] != "" {
			return "", nil, nil, false
		}
		fields[k] = val
	}
	sig, err := hex.DecodeString(fields["Signature"])
	if len(fields) != 3 || fields["Access"] == "" || fields["SignedHeaders"] == "" || err != nil || len(sig) != sha256.Size {
		return "", nil, nil, false
	}
	signed = strings.Split(fields["SignedHeaders"], ";")
	if !sort.StringsAreSorted(signed) {
		return "", nil, nil, false
	}
	for _, h := range signed {
		if h == "" || h != strings.ToLower(h) {
			return "", nil, nil, false
		}
	}
	return fields["Access"], signed, sig, true
}

// canonicalURI is the path with each segment escaped, ending with '/'.
func canonicalURI(path string) string {
	segments := strings.Split(path, "/")
	for i, s := range segments {
		segments[i] = escapeRFC3986(s)
	}
	uri := strings.Join(segments, "/")
	if !strings.HasSuffix(uri, "/") {
		uri += "/"
	}
	return uri
}

// canonicalQuery is the query's parameters sorted by name, then value, each escaped, joined with '&'.
func canonicalQuery(raw string) (string, error) {
	values, err := url.ParseQuery(raw)
	if err != nil {
		return "", err
	}
	names := make([]string, 0, len(values))
	for n := range values {
		names = append(names, n)
	}
	sort.Strings(names)
	var parts []string
	for _, n := range names {
		vs := append([]string(nil), values[n]...)
		sort.Strings(vs)
		for _, v := range vs {
			parts = append(parts, escapeRFC3986(n)+"="+escapeRFC3986(v))
		}
	}
	return strings.Join(parts, "&"), nil
}

// escapeRFC3986 percent-encodes every byte but the unreserved characters A–Z a–z 0–9 - _ . ~, in upper-case hex.
func escapeRFC3986(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte("0123456789ABCDEF"[c>>4])
		b.WriteByte("0123456789ABCDEF"[c&15])
	}
	return b.String()
}
