package server

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5/middleware"
)

// TestParseQuery checks parseQuery against url.ParseQuery: the same first values, the same refusals, and
// the first repeated name.
func TestParseQuery(t *testing.T) {
	tests := []struct {
		raw, repeated string
	}{
		{"", ""}, {"a=1", ""}, {"a=1&b=2", ""}, {"a=1&a=2", "a"}, {"a", ""}, {"a=&b", ""}, {"&&a=1&&", ""},
		{"a=%E5%BC%A0%E4%B8%89+%26+Co", ""}, {"a%20b=c", ""}, {"authToken=ab+cd%2B%3D&timeStamp=20260301080000000", ""},
		{"a=1;b=2", ""}, {"a=%zz", ""}, {"%zz=1", ""}, {"a=1&b=%", ""}, {"=1", ""}, {"a=1&b=2&b=3&a=4", "b"},
	}
	for _, tt := range tests {
		want, wantErr := url.ParseQuery(tt.raw)
		f, repeated, err := parseQuery(tt.raw)
		if (err != nil) != (wantErr != nil) {
			t.Errorf("parseQuery(%q) err = %v, want %v", tt.raw, err, wantErr)
			continue
		}
		if repeated != tt.repeated {
			t.Errorf("parseQuery(%q) repeated = %q, want %q", tt.raw, repeated, tt.repeated)
		}
		first := map[string]string{}
		for k, v := range want {
			first[k] = v[0]
		}
		if !maps.Equal(map[string]string(f), first) {
			t.Errorf("parseQuery(%q) = %v, want %v", tt.raw, f, first)
		}
	}
	if _, _, err := parseQuery(strings.Repeat("a=1&", 4*maxParams+1)); err == nil {
		t.Errorf("parseQuery(%d parameters) err = nil, want too many parameters", 4*maxParams+1)
	}
}

// TestRequestID checks the request-id middleware: the caller's X-Request-Id is kept, else an id of this
// process's prefix and a counter of at least six digits, different for each request.
func TestRequestID(t *testing.T) {
	var got []string
	h := requestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, middleware.GetReqID(r.Context()))
	}))
	for _, hdr := range []string{"caller-42", "", ""} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if hdr != "" {
			r.Header.Set("X-Request-Id", hdr)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	if got[0] != "caller-42" {
		t.Errorf("id with X-Request-Id = %q, want caller-42", got[0])
	}
	for _, id := range got[1:] {
		n, ok := strings.CutPrefix(id, reqIDPrefix)
		if !ok || len(n) < 6 || strings.Trim(n, "0123456789") != "" {
			t.Errorf("id = %q, want %s and at least six digits", id, reqIDPrefix)
		}
	}
	if got[1] == got[2] {
		t.Errorf("two requests got the same id %q", got[1])
	}
}
