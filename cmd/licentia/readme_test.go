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
