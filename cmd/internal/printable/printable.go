// Package printable keeps text that licentia's command-line programs print from steering the terminal.
//
// Support staff read values that others chose: a buyer's deployment id, an admin's reason, a file name, a
// customer name the marketplace sent, an error echoing a command-line argument. Printed raw, such a value can
// move the cursor, erase the screen, retitle the window, write the clipboard (OSC 52) or, with bidi
// overrides, show text in another order than it is stored. Escape turns every such character into a visible
// escape; Writer applies it to whole outputs. JSON output needs neither: encoding/json escapes control
// characters itself, and the values must stay exact there.
package printable

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escape returns s with every character that could act on a terminal or hide what the text says written as
// a visible Go-style escape: the C0 controls (tab \t, line feed \n, carriage return \r, the others \xNN),
// DEL (\x7f), the C1 controls (\u0080 to \u009f), the Unicode format characters (category Cf: bidi
// embeddings, overrides and isolates, zero-width characters, the byte-order mark, tag characters, …), the line
// and paragraph separators U+2028 and U+2029, and each byte that is not valid UTF-8 (\xNN). Everything else,
// Chinese text included, is returned unchanged; a backslash is not escaped, so a value that already reads
// "\x1b" prints as it is. Escape returns s itself when there is nothing to escape.
func Escape(s string) string {
	i := unsafeIndex(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case !unsafeRune(r):
			b.WriteString(s[i : i+size])
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < utf8.RuneSelf:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r <= 0xFFFF:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
		i += size
	}
	return b.String()
}

// unsafeIndex returns the offset of the first character Escape would change, or -1.
func unsafeIndex(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || unsafeRune(r) {
			return i
		}
		i += size
	}
	return -1
}

// unsafeRune reports whether Escape writes r as an escape.
func unsafeRune(r rune) bool {
	return r < 0x20 || 0x7f <= r && r <= 0x9f || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Cf, r)
}

// Writer passes what is written to it on to an underlying writer through Escape, except for line feeds and
// tabs, which the programs' own line and column layout uses. Values that may hold those two (table cells,
// one-line fields) must go through Escape before they are written. A Write is escaped on its own: a
// character split across two Writes is written as escaped bytes, which the programs never do (fmt and
// text/tabwriter write whole strings).
type Writer struct {
	w io.Writer
}

// NewWriter returns a Writer over w; over a Writer it returns that Writer.
func NewWriter(w io.Writer) *Writer {
	if pw, ok := w.(*Writer); ok {
		return pw
	}
	return &Writer{w: w}
}

// Write escapes p (keeping line feeds and tabs) and writes it to the underlying writer. It reports len(p)
// when everything was written.
func (pw *Writer) Write(p []byte) (int, error) {
	if unsafeIndex(string(p)) < 0 {
		return pw.w.Write(p)
	}
	n := len(p)
	var out bytes.Buffer
	for len(p) > 0 {
		i := bytes.IndexAny(p, "\n\t")
		if i < 0 {
			i = len(p)
		}
		out.WriteString(Escape(string(p[:i])))
		if i < len(p) {
			out.WriteByte(p[i])
			i++
		}
		p = p[i:]
	}
	if _, err := pw.w.Write(out.Bytes()); err != nil {
		return 0, err
	}
	return n, nil
}

// Unwrap returns the writer under w when w is a Writer, and w otherwise: where the output must stay exact
// (JSON) or is the program's own terminal control (a progress line).
func Unwrap(w io.Writer) io.Writer {
	if pw, ok := w.(*Writer); ok {
		return pw.w
	}
	return w
}
