package marketapi

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestCheckBaseURL(t *testing.T) {
	tests := []struct {
		raw, want string
		ok        bool
	}{
		{"https://mkt.myhuaweicloud.com", "https://mkt.myhuaweicloud.com", true},
		{"https://mkt.myhuaweicloud.cn:8443/base/", "https://mkt.myhuaweicloud.cn:8443/base", true},
		{"http://127.0.0.1:8081", "http://127.0.0.1:8081", true},
		{"http://127.9.9.9", "http://127.9.9.9", true},
		{"http://[::1]:80", "http://[::1]:80", true},
		{"http://localhost:1", "http://localhost:1", true},
		{"http://mkt.myhuaweicloud.com", "", false},
		{"http://10.0.0.1", "", false},
		{"http://127.0.0.1.example.com", "", false},
		{"http://[::1%25lo]:80", "", false},
		{"http://[::ffff:127.0.0.1]:80", "http://[::ffff:127.0.0.1]:80", true},
		{"ftp://127.0.0.1", "", false},
		{"https://", "", false},
		{"mkt.myhuaweicloud.com", "", false},
		{"https://user:pw@mkt.myhuaweicloud.com", "", false},
		{"https://mkt.myhuaweicloud.com?x=1", "", false},
		{"https://mkt.myhuaweicloud.com#f", "", false},
		{"https://%zz", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		u, err := CheckBaseURL(tt.raw)
		if tt.ok {
			if err != nil || u.String() != tt.want {
				t.Errorf("CheckBaseURL(%q) = %v, %v, want %s", tt.raw, u, err, tt.want)
			}
			continue
		}
		if !errors.Is(err, ErrBaseURL) {
			t.Errorf("CheckBaseURL(%q) err = %v, want %v", tt.raw, err, ErrBaseURL)
		}
	}
}

func TestParseBaseURLs(t *testing.T) {
	got, err := ParseBaseURLs("")
	if err != nil || strings.Join(got, ",") != DefaultBaseURLs {
		t.Errorf("ParseBaseURLs(\"\") = %v, %v, want the defaults", got, err)
	}
	got, err = ParseBaseURLs(" http://127.0.0.1:1 , https://a.example ")
	if err != nil || len(got) != 2 || got[0] != "http://127.0.0.1:1" || got[1] != "https://a.example" {
		t.Errorf("ParseBaseURLs(two) = %v, %v, want both trimmed", got, err)
	}
	if _, err := ParseBaseURLs("https://a.example,http://b.example"); !errors.Is(err, ErrBaseURL) {
		t.Errorf("ParseBaseURLs(http public) err = %v, want %v", err, ErrBaseURL)
	}
}

func TestNewRefuses(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want error
	}{
		{"no credentials", Config{}, ErrUnconfigured},
		{"no sk", Config{AK: "a"}, ErrUnconfigured},
		{"no ak", Config{SK: "s"}, ErrUnconfigured},
		{"http base", Config{AK: "a", SK: "s", BaseURLs: []string{"http://mkt.myhuaweicloud.com"}}, ErrBaseURL},
	}
	for _, tt := range tests {
		if _, err := New(tt.cfg); !errors.Is(err, tt.want) {
			t.Errorf("New(%s) err = %v, want %v", tt.name, err, tt.want)
		}
	}
	c, err := New(Config{AK: "a", SK: "s"})
	if err != nil || len(c.bases) != 2 || c.bases[0].Host != "mkt.myhuaweicloud.com" || c.bases[1].Host != "mkt.myhuaweicloud.cn" {
		t.Errorf("New(defaults) = %v, want the two marketplace hosts", err)
	}
}

func TestConfigHidesSecret(t *testing.T) {
	cfg := Config{AK: testAK, SK: testSK, BaseURLs: []string{"https://a.example"}}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "cfg", cfg)
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprintf("%v", &cfg), logged.String()} {
		if strings.Contains(s, testSK) {
			t.Errorf("printed config %q contains the SK", s)
		}
		if !strings.Contains(s, testAK) {
			t.Errorf("printed config %q lacks the AK", s)
		}
	}
}
