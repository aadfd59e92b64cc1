package server

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"unicode"

	"github.com/go-chi/chi/v5/middleware"
)

// LogHandler wraps h so that every record logged with a request's context carries that request's
// request_id attribute, and no message or value reaches the log with a character a terminal or an editor
// would act on: the JSON handler escapes only C0 controls, so C1 controls and bidirectional overrides (a
// client's path, a marketplace's field) are escaped here as \u{…}, in both formats.
func LogHandler(h slog.Handler) slog.Handler { return requestIDHandler{h} }

type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if dirty(r) {
		r = clean(r)
	}
	if id := middleware.GetReqID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

// dirty reports whether r's message or a string value holds an unprintable character; the common case
// allocates nothing.
func dirty(r slog.Record) bool {
	if unprintable(r.Message) {
		return true
	}
	found := false
	r.Attrs(func(a slog.Attr) bool {
		found = dirtyValue(a.Value)
		return !found
	})
	return found
}

func dirtyValue(v slog.Value) bool {
	switch v.Kind() {
	case slog.KindString:
		return unprintable(v.String())
	case slog.KindGroup:
		for _, a := range v.Group() {
			if dirtyValue(a.Value) {
				return true
			}
		}
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return unprintable(err.Error())
		}
	}
	return false
}

// clean returns r with its message and string values escaped (see escape).
func clean(r slog.Record) slog.Record {
	out := slog.NewRecord(r.Time, r.Level, escape(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(cleanAttr(a))
		return true
	})
	return out
}

func cleanAttr(a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindString:
		return slog.String(a.Key, escape(a.Value.String()))
	case slog.KindGroup:
		attrs := a.Value.Group()
		cleaned := make([]any, len(attrs))
		for i, g := range attrs {
			cleaned[i] = cleanAttr(g)
		}
		return slog.Group(a.Key, cleaned...)
	case slog.KindAny:
		if err, ok := a.Value.Any().(error); ok && unprintable(err.Error()) {
			return slog.String(a.Key, escape(err.Error()))
		}
	}
	return a
}

// unprintable reports whether s holds a character that is neither printable nor a plain space (C0 and C1
// controls, bidirectional overrides and isolates, other format characters, invalid UTF-8).
func unprintable(s string) bool {
	for _, r := range s {
		if r != ' ' && !unicode.IsPrint(r) {
			return true
		}
	}
	return false
}

// escape writes every character unprintable would report as \u{XXXX} (invalid UTF-8 as \u{FFFD}).
func escape(s string) string {
	if !unprintable(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r != ' ' && !unicode.IsPrint(r) {
			fmt.Fprintf(&b, "\\u{%04X}", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
