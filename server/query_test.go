package server

import (
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/licentia/licentia/server/koogallery"
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
		got := map[string]string{}
		for _, p := range f {
			got[p.Name] = p.Value
		}
		if !maps.Equal(got, first) || len(got) != len(f) {
			t.Errorf("parseQuery(%q) = %v, want %v", tt.raw, f, first)
		}
		if !slices.IsSortedFunc(f, func(a, b koogallery.Param) int { return strings.Compare(a.Name, b.Name) }) {
			t.Errorf("parseQuery(%q) = %v, not sorted by name", tt.raw, f)
		}
	}
	if _, _, err := parseQuery(strings.Repeat("a=1&", 4*maxParams+1)); err == nil {
		t.Errorf("parseQuery(%d parameters) err = nil, want too many parameters", 4*maxParams+1)
	}
}

// TestCheckQueryUTF8: a query of ASCII escapes skips the per-parameter UTF-8 pass; any other query takes it,
// so an escaped invalid byte, in a name or a value, is refused and an escaped valid character is not.
func TestCheckQueryUTF8(t *testing.T) {
	for raw, ok := range map[string]bool{
		"a=1&authToken=x%2By%2Fz%3D&timeStamp=1": true, "a=%C3%A9&authToken=x&timeStamp=1": true,
		"a=%FF&authToken=x&timeStamp=1": false, "%FF=1&authToken=x&timeStamp=1": false,
		"a=%E9&authToken=x&timeStamp=1": false, "a=\xff&authToken=x&timeStamp=1": false,
	} {
		f, repeated, err := parseQuery(raw)
		if err != nil {
			t.Fatalf("parseQuery(%q) err = %v", raw, err)
		}
		if err := checkQuery(f, repeated, raw); (err == nil) != ok {
			t.Errorf("checkQuery(%q) err = %v, want ok %v", raw, err, ok)
		}
	}
	for raw, want := range map[string]bool{"": true, "a=%2B%7F": true, "a=%80": false, "a=%C3%A9": false, "a=%": false} {
		if got := asciiEscapes(raw); got != want {
			t.Errorf("asciiEscapes(%q) = %v, want %v", raw, got, want)
		}
	}
}
