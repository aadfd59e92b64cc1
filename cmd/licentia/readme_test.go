package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// quickStart returns the commands of the first ```sh block after the heading of a README: comment and
// blank lines dropped, and every <placeholder> written as <…>, since only placeholders are translated.
func quickStart(t *testing.T, file, heading string) []string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("%s has no heading %q", file, heading)
	}
	_, rest, ok = strings.Cut(rest, "```sh\n")
	block, _, closed := strings.Cut(rest, "\n```")
	if !ok || !closed {
		t.Fatalf("%s: no ```sh block under %q", file, heading)
	}
	placeholder := regexp.MustCompile(`<[^<>]+>`)
	var cmds []string
	for line := range strings.SplitSeq(block, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cmds = append(cmds, placeholder.ReplaceAllString(line, "<…>"))
	}
	return cmds
}

// TestReadmeQuickStarts: the Chinese README's quick start runs exactly the English one's two commands.
func TestReadmeQuickStarts(t *testing.T) {
	en := quickStart(t, "../../README.md", "## Quick start")
	zh := quickStart(t, "../../README.zh-CN.md", "## 快速开始")
	if len(en) != 2 {
		t.Errorf("README.md quick start has %d commands, want 2 (one to run, one to test): %q", len(en), en)
	}
	if !slices.Equal(zh, en) {
		t.Errorf("README.zh-CN.md quick start = %q, want the commands of README.md: %q", zh, en)
	}
}

// readmeSections names, for every heading of README.md, its counterpart in README.zh-CN.md. A section added
// to README.md needs its Chinese name here and its translation in README.zh-CN.md, at the same place.
var readmeSections = map[string]string{
	"# licentia":                    "# licentia",
	"## Quick start":                "## 快速开始",
	"## What it does":               "## 功能",
	"## Commands":                   "## 命令",
	"## Secrets":                    "## 密钥与凭据",
	"## Signing keys":               "## 签名密钥",
	"## Deployment":                 "## 部署",
	"## Pre-registration self-test": "## 登记前自检",
	"## Endpoints":                  "## 接口",
	"## Support":                    "## 客服",
	"## Verifying codes in the buyer's software": "## 在买家的软件中校验授权码",
	"## Layout":         "## 代码结构",
	"## Security notes": "## 安全说明",
}

// mdLines returns the lines of a Markdown file with a flag telling which ones are inside a fenced code block
// (fence lines included) and, for each block, its info string.
type mdLine struct {
	text  string
	code  bool   // inside a fence, or a fence line
	fence string // the info string of the block the line is in ("sh", "go", "")
	num   int    // 1-based line number
}

func mdLines(t *testing.T, file string) []mdLine {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []mdLine
	in, info := false, ""
	for i, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") {
			if !in {
				in, info = true, strings.TrimSpace(strings.TrimPrefix(trimmed, "```"))
			} else {
				out = append(out, mdLine{line, true, info, i + 1})
				in, info = false, ""
				continue
			}
		}
		out = append(out, mdLine{line, in, info, i + 1})
	}
	return out
}

var headingLine = regexp.MustCompile(`^#{1,6} `)

// headings returns a Markdown file's headings ("## Secrets"), code blocks skipped.
func headings(t *testing.T, file string) []string {
	t.Helper()
	var hs []string
	for _, l := range mdLines(t, file) {
		if !l.code && headingLine.MatchString(l.text) {
			hs = append(hs, strings.TrimSpace(l.text))
		}
	}
	return hs
}

// TestReadmeSections: README.zh-CN.md has the sections of README.md, as many at each level, in the same order.
func TestReadmeSections(t *testing.T) {
	en := headings(t, "../../README.md")
	zh := headings(t, "../../README.zh-CN.md")
	var want []string
	for _, h := range en {
		c, ok := readmeSections[h]
		if !ok {
			t.Errorf("README.md section %q has no Chinese name: add it to readmeSections in cmd/licentia/readme_test.go "+
				"and its translation to README.zh-CN.md", h)
			continue
		}
		want = append(want, c)
	}
	if t.Failed() {
		return
	}
	for _, c := range want {
		if !slices.Contains(zh, c) {
			t.Errorf("README.zh-CN.md lacks section %q (README.md's %q)", c, english(c))
		}
	}
	for _, h := range zh {
		if !slices.Contains(want, h) {
			t.Errorf("README.zh-CN.md has section %q, which README.md does not have", h)
		}
	}
	if !t.Failed() && !slices.Equal(zh, want) {
		t.Errorf("README.zh-CN.md has README.md's sections in another order:\n got %q\nwant %q", zh, want)
	}
}

// english returns the README.md heading whose Chinese name is c.
func english(c string) string {
	for en, zh := range readmeSections {
		if zh == c {
			return en
		}
	}
	return "?"
}

// shCommands returns the command lines of every ```sh block of a Markdown file: comments (whole-line and
// trailing) and blank lines dropped, and every <placeholder> written as <…>, since only comments and
// placeholders are translated.
func shCommands(t *testing.T, file string) []string {
	t.Helper()
	placeholder := regexp.MustCompile(`<[^<>]+>`)
	var cmds []string
	for _, l := range mdLines(t, file) {
		if !l.code || l.fence != "sh" || strings.HasPrefix(strings.TrimSpace(l.text), "```") {
			continue
		}
		line := strings.TrimSpace(stripComment(l.text))
		if line == "" {
			continue
		}
		cmds = append(cmds, placeholder.ReplaceAllString(line, "<…>"))
	}
	return cmds
}

// stripComment drops a shell comment from a line: a # at the start of a word, outside quotes.
func stripComment(line string) string {
	var quote rune
	prev := ' '
	for i, r := range line {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '#' && (prev == ' ' || prev == '\t'):
			return line[:i]
		}
		prev = r
	}
	return line
}

func TestStripComment(t *testing.T) {
	for in, want := range map[string]string{
		"# run the server":                           "",
		"licentia codes show X   # or a pasted code": "licentia codes show X   ",
		`echo "a # b" # c`:                           `echo "a # b" `,
		`echo 'a # b'`:                               `echo 'a # b'`,
		`x=${y#z}`:                                   `x=${y#z}`,
	} {
		if got := stripComment(in); got != want {
			t.Errorf("stripComment(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestReadmeCommands: the ```sh blocks of README.zh-CN.md hold exactly the command lines of README.md's.
func TestReadmeCommands(t *testing.T) {
	en := shCommands(t, "../../README.md")
	zh := shCommands(t, "../../README.zh-CN.md")
	if len(en) == 0 {
		t.Fatal("README.md has no command in a ```sh block")
	}
	for _, c := range en {
		if !slices.Contains(zh, c) {
			t.Errorf("README.zh-CN.md lacks the command %q of README.md", c)
		}
	}
	for _, c := range zh {
		if !slices.Contains(en, c) {
			t.Errorf("README.zh-CN.md has the command %q, which README.md does not have", c)
		}
	}
}
