package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/licentia/licentia/server/support"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestDisplayWidth(t *testing.T) {
	tests := []struct {
		s    string
		want int
	}{
		{"", 0},
		{"lic-a", 5},
		{"张三", 4},      // CJK ideographs: East Asian Wide
		{"客户 A", 6},    // mixed
		{"ＡＢ", 4},      // fullwidth Latin
		{"ｱｲ", 2},      // halfwidth katakana
		{"한국", 4},      // Hangul syllables
		{"→—", 2},      // East Asian Ambiguous: one column, as terminals show it
		{"e\u0301", 1}, // a combining acute accent takes none
		{"，。：", 6},     // fullwidth punctuation
		{"2027-03-01 08:00:00", 19},
	}
	for _, tt := range tests {
		if got := displayWidth(tt.s); got != tt.want {
			t.Errorf("displayWidth(%q) = %d, want %d", tt.s, got, tt.want)
		}
	}
}

// TestTableAlignsChinese renders codes list in Chinese, with Chinese customer names, against a golden file
// (go test -run TestTableAlignsChinese -update rewrites it), and checks that every column starts at the same
// display column on every row.
func TestTableAlignsChinese(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	exp1, exp2 := "2027-03-01T00:00:00Z", "2026-12-31T16:00:00Z"
	licenses := []support.LicenseView{
		{ID: "lic-a", OrderID: "CS-0001", CustomerID: "c1", CustomerName: "张三", ProductID: "P1", Status: "active", Generation: 1, ExpiresAt: &exp1},
		{ID: "lic-b", OrderID: "CS-0002", CustomerID: "c2", CustomerName: "北京云杉科技有限公司", ProductID: "P1", Status: "frozen", Generation: 3, ExpiresAt: &exp2},
		{ID: "lic-c", OrderID: "CS-0003", CustomerID: "c3", ProductID: "专业版", Status: "released", Generation: 12},
		{ID: "lic-d", OrderID: "CS-0004", CustomerID: "c4", CustomerName: "Ｌｉ 李", ProductID: "P2", Status: "revoked", Generation: 2, ExpiresAt: &exp1},
	}
	var buf bytes.Buffer
	if err := printLicenses(&buf, clock{loc: shanghai, l: langZH}, licenses); err != nil {
		t.Fatal(err)
	}
	golden(t, "list_zh.golden", buf.Bytes())

	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	starts := columnStarts(lines[0])
	if len(starts) != 7 {
		t.Fatalf("header %q has %d columns, want 7", lines[0], len(starts))
	}
	for _, line := range lines[1:] {
		if got := columnStarts(line); !equalInts(got, starts) {
			t.Errorf("row %q starts its columns at %v, want %v (the header's)", line, got, starts)
		}
	}
	for _, want := range []string{"到期时间（Asia/Shanghai）", "2027-03-01 08:00:00", "2027-01-01 00:00:00", "永久", "冻结"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, buf.String())
		}
	}
}

// columnStarts returns the display column where each cell of a table line starts: after a run of two or
// more spaces (cells hold no such run here).
func columnStarts(line string) []int {
	starts := []int{0}
	col, spaces := 0, 0
	for _, r := range line {
		if r == ' ' {
			spaces++
		} else {
			if spaces >= 2 {
				starts = append(starts, col)
			}
			spaces = 0
		}
		col += runeWidth(r)
	}
	return starts
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// golden compares got with testdata/name, or writes it there with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s:\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestClock(t *testing.T) {
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	exp := "2027-03-01T00:00:00Z"
	tests := []struct {
		clk  clock
		at   string
		zone string
		exp  *string
		want string
	}{
		{clock{time.UTC, langEN}, "2027-03-01T00:00:00Z", "2027-03-01 00:00:00 UTC", nil, "never"},
		{clock{shanghai, langEN}, "2027-03-01T00:00:00Z", "2027-03-01 08:00:00 Asia/Shanghai", &exp, "2027-03-01 08:00:00"},
		{clock{shanghai, langZH}, "not a time", "not a time", nil, "永久"},
	}
	for _, tt := range tests {
		if got := tt.clk.atZone(tt.at); got != tt.zone {
			t.Errorf("atZone(%q) in %s = %q, want %q", tt.at, tt.clk.loc, got, tt.zone)
		}
		if got := tt.clk.expiry(tt.exp); got != tt.want {
			t.Errorf("expiry(%v) in %s = %q, want %q", tt.exp, tt.clk.loc, got, tt.want)
		}
	}
	if got := (clock{shanghai, langZH}).header("col.expires"); got != "到期时间（Asia/Shanghai）" {
		t.Errorf("header = %q, want 到期时间（Asia/Shanghai）", got)
	}
}

func TestTZFlag(t *testing.T) {
	env := func(tz string) func(string) string {
		return func(k string) string {
			if k == "TZ" {
				return tz
			}
			return ""
		}
	}
	tests := []struct {
		flag, env string
		want      string
		usage     bool
	}{
		{"Asia/Shanghai", "Europe/Berlin", "Asia/Shanghai", false}, // --tz before TZ
		{"", "Europe/Berlin", "Europe/Berlin", false},
		{"", ":Asia/Tokyo", "Asia/Tokyo", false},
		{"", "", time.Local.String(), false},          // the system's zone (named by the process's own TZ, if set)
		{"", "Not/AZone", time.Local.String(), false}, // a TZ Go cannot load is ignored, as the runtime does
		{"Mars/Olympus", "", "", true},                // a bad --tz is a usage error
	}
	for _, tt := range tests {
		z := tzFlag{name: tt.flag, getenv: env(tt.env), l: langEN}
		loc, err := z.zone()
		if tt.usage {
			if exitCode(err) != 2 || !strings.Contains(err.Error(), "Mars/Olympus") {
				t.Errorf("zone(--tz %q) = %v, %v; want a usage error naming it", tt.flag, loc, err)
			}
			continue
		}
		if err != nil || loc.String() != tt.want {
			t.Errorf("zone(--tz %q, TZ %q) = %v, %v; want %s", tt.flag, tt.env, loc, err, tt.want)
		}
	}
}
