package server

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5/middleware"
)

func TestLogHandlerAddsRequestID(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(LogHandler(slog.NewJSONHandler(&buf, nil))).With("component", "test")
	ctx := context.WithValue(context.Background(), middleware.RequestIDKey, "host/abc-000001")
	log.InfoContext(ctx, "hello")
	log.Info("no request")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d log lines, want 2", len(lines))
	}
	if !strings.Contains(lines[0], `"request_id":"host/abc-000001"`) || !strings.Contains(lines[0], `"component":"test"`) {
		t.Errorf("first line = %s, want request_id and component", lines[0])
	}
	if strings.Contains(lines[1], "request_id") {
		t.Errorf("second line = %s, want no request_id", lines[1])
	}
}
