package adminclient

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/licentia/licentia/server/support"
)

func TestNewURLs(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"https://licentia.example.com", true},
		{"https://10.0.0.5:8443/", true},
		{"http://127.0.0.1:8080", true},
		{"http://127.5.6.7:8080", true},
		{"http://localhost:8080", true},
		{"http://LOCALHOST", true},
		{"http://[::1]:8080", true},
		{"http://[::ffff:127.0.0.1]:8080", true},
		{"http://licentia.example.com", false},
		{"http://10.0.0.5:8080", false},
		{"http://0.0.0.0:8080", false},
		{"http://localhost.example.com", false},
		{"http://127.0.0.1.nip.io", false},
		{"ftp://127.0.0.1", false},
		{"127.0.0.1:8080", false},
		{"https://", false},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			_, err := New(tt.url, "lct_x")
			if (err == nil) != tt.ok {
				t.Errorf("New(%q) err = %v, want ok %v", tt.url, err, tt.ok)
			}
		})
	}
	if _, err := New("https://licentia.example.com", ""); err == nil || !strings.Contains(err.Error(), "LICENTIA_TOKEN") {
		t.Errorf("New(no token) err = %v, want one naming LICENTIA_TOKEN", err)
	}
}

// TestNoRedirect checks that the token is not carried along a redirect.
func TestNoRedirect(t *testing.T) {
	var leaked atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			leaked.Add(1)
		}
		w.Write([]byte(`{"licenses":[]}`))
	}))
	defer target.Close()
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}))
	defer redirector.Close()
	c, err := New(redirector.URL, "lct_secret")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.List(context.Background(), support.ListQuery{}); err == nil || !strings.Contains(err.Error(), "not followed") {
		t.Errorf("List() through a redirect err = %v, want the redirect refused", err)
	}
	if n := leaked.Load(); n != 0 {
		t.Errorf("the redirect target got the token %d times, want 0", n)
	}
}
