package server

import (
	"bytes"
	"context"
	"errors"
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

// TestLogEscapesControls: C1 controls and bidirectional overrides in a message, a value, a group or an error
// reach neither the JSON nor the text log raw; printable text (Chinese included) is untouched.
func TestLogEscapesControls(t *testing.T) {
	for _, format := range []string{"json", "text"} {
		var buf bytes.Buffer
		var h slog.Handler = slog.NewJSONHandler(&buf, nil)
		if format == "text" {
			h = slog.NewTextHandler(&buf, nil)
		}
		log := slog.New(LogHandler(h))
		log.Info("path \u202egnp.exe", "path", "/a\u202e\u0085b", "who", "张三",
			slog.Group("g", "v", "x\u2066y"), "err", errors.New("bad \u009b[2J"))
		out := buf.String()
		for _, raw := range []string{"\u202e", "\u0085", "\u2066", "\u009b"} {
			if strings.Contains(out, raw) {
				t.Errorf("%s log holds %q raw: %s", format, raw, out)
			}
		}
		for _, want := range []string{`\u{202E}`, `\u{0085}`, `\u{2066}`, `\u{009B}`, "张三"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s log lacks %s: %s", format, want, out)
			}
		}
	}
}
