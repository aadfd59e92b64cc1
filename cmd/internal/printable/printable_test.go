package printable

import (
	"bytes"
	"errors"
	"testing"
)

func TestEscape(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "license L-1 / order CS-1", "license L-1 / order CS-1"},
		{"chinese and full-width text", "华为云 张三 有限公司，续费（退订）", "华为云 张三 有限公司，续费（退订）"},
		{"emoji and accents", "café ☕ 🚀", "café ☕ 🚀"},
		{"cursor move and erase", "a\x1b[2J\x1b[1;1Hb", `a\x1b[2J\x1b[1;1Hb`},
		{"window title (OSC 0, BEL)", "\x1b]0;owned\x07", `\x1b]0;owned\x07`},
		{"clipboard write (OSC 52, ST)", "\x1b]52;c;ZWNobyBvd25lZA==\x1b\\", `\x1b]52;c;ZWNobyBvd25lZA==\x1b\`},
		{"tab, newline, carriage return", "a\tb\nc\rd", `a\tb\nc\rd`},
		{"NUL and DEL", "a\x00b\x7fc", `a\x00b\x7fc`},
		{"C1 CSI and OSC as UTF-8", "a\u009b2Jb\u009d0;x\u009c", `a\u009b2Jb\u009d0;x\u009c`},
		{"C1 as raw bytes", "a\x9b2J", `a\x9b2J`},
		{"invalid UTF-8", "a\xff\xfeb", `a\xff\xfeb`},
		{"right-to-left override", "invoice\u202Efdp.exe", `invoice\u202efdp.exe`},
		{"bidi isolates and marks", "\u2066a\u2069\u200e\u200f\u061c", `\u2066a\u2069\u200e\u200f\u061c`},
		{"zero-width and BOM", "a\u200bb\ufeffc\u00adD", `a\u200bb\ufeffc\u00adD`},
		{"line and paragraph separators", "a\u2028b\u2029c", `a\u2028b\u2029c`},
		{"tag characters", "a\U000E0041b", `a\U000e0041b`},
		{"backslash stays", `C:\data\x1b.csv`, `C:\data\x1b.csv`},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Escape(tt.in); got != tt.want {
				t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got := Escape(Escape(tt.in)); got != tt.want {
				t.Errorf("Escape(Escape(%q)) = %q, want %q (escaping twice changes nothing)", tt.in, got, tt.want)
			}
		})
	}
}

func TestWriter(t *testing.T) {
	var b bytes.Buffer
	w := NewWriter(&b)
	if NewWriter(w) != w {
		t.Errorf("NewWriter(Writer) wraps again, want the same Writer")
	}
	in := "ID\tREASON\n1\t退订 \x1b]52;c;eA==\x07\u202e\n"
	n, err := w.Write([]byte(in))
	if err != nil || n != len(in) {
		t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(in))
	}
	if want := "ID\tREASON\n1\t退订 \\x1b]52;c;eA==\\x07\\u202e\n"; b.String() != want {
		t.Errorf("Writer wrote %q, want %q", b.String(), want)
	}
	if Unwrap(w) != &b || Unwrap(&b) != &b {
		t.Errorf("Unwrap did not return the underlying writer")
	}
	if _, err := NewWriter(failing{}).Write([]byte("a\x1b")); err == nil {
		t.Errorf("Write to a failing writer: err = nil, want the error")
	}
}

type failing struct{}

func (failing) Write([]byte) (int, error) { return 0, errors.New("closed") }
