package server

import (
	"maps"
	"net/url"
	"strings"
	"testing"
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
