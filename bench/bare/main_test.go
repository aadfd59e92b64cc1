package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandler(t *testing.T) {
	ts := httptest.NewServer(Handler())
	defer ts.Close()
	tests := []struct {
		name, method, path string
		body               string
		wantStatus         int
		wantField          string
	}{
		{"resend baseline", http.MethodGet, "/koogallery/license?activity=getLicense", "", 200, "resultCode"},
		{"refresh baseline", http.MethodPost, "/v1/codes/refresh", `{"code":"x"}`, 200, "code"},
		{"activation baseline", http.MethodPost, "/v1/activations", `{"code":"x"}`, 200, "code"},
		{"refresh needs POST", http.MethodGet, "/v1/codes/refresh", "", 405, ""},
		{"body too large", http.MethodPost, "/v1/codes/refresh", strings.Repeat("x", 65<<10), 413, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, ts.URL+tt.path, strings.NewReader(tt.body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d (%s)", resp.StatusCode, tt.wantStatus, body)
			}
			if tt.wantField == "" {
				return
			}
			var m map[string]any
			if err := json.Unmarshal(body, &m); err != nil || m[tt.wantField] == nil {
				t.Errorf("body %q: no %q (%v)", body, tt.wantField, err)
			}
		})
	}
}

func TestRunRefusesRemoteAddress(t *testing.T) {
	var stderr bytes.Buffer
	for _, addr := range []string{"0.0.0.0:0", "192.0.2.1:80", "nonsense"} {
		if err := run(context.Background(), []string{"--addr", addr}, &stderr); err == nil {
			t.Errorf("run(--addr %s) err = nil, want an error", addr)
		}
	}
}
