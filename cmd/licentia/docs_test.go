package main

import (
	"bytes"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// The repository's root, seen from this package's directory.
const repoRoot = "../.."

// repoFiles returns the repository's files whose names end in one of exts (all files with none), relative
// to the root with forward slashes; hidden directories and the outputs of builds are not looked into.
func repoFiles(t *testing.T, exts ...string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(repoRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != repoRoot && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "dist" ||
				name == "target" || name == "licentia-data" || name == "__pycache__") {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if len(exts) > 0 && !slices.ContainsFunc(exts, func(e string) bool { return strings.HasSuffix(name, e) }) {
			return nil
		}
		rel, err := filepath.Rel(repoRoot, path)
		if err != nil {
			return err
		}
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

var (
	mdLink     = regexp.MustCompile(`!?\[([^\]]*)\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	codeSpan   = regexp.MustCompile("`[^`]*`")
	htmlAnchor = regexp.MustCompile(`<a (?:id|name)="([^"]+)"`)
)

// link is one Markdown link of a file, outside code.
type link struct {
	text, target string
	line         int
}

func mdLinks(t *testing.T, file string) []link {
	t.Helper()
	var links []link
	for _, l := range mdLines(t, filepath.Join(repoRoot, file)) {
		if l.code {
			continue
		}
		for _, m := range mdLink.FindAllStringSubmatch(codeSpan.ReplaceAllString(l.text, ""), -1) {
			links = append(links, link{m[1], m[2], l.num})
		}
	}
	return links
}

// slug is GitHub's anchor for a heading's text: lower case, punctuation dropped, spaces as hyphens.
func slug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsNumber(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// anchors returns the anchors a Markdown file defines: its headings' (with GitHub's -1, -2 for repeats)
// and explicit <a id> ones.
func anchors(t *testing.T, file string) map[string]bool {
	t.Helper()
	seen := map[string]int{}
	out := map[string]bool{}
	for _, l := range mdLines(t, filepath.Join(repoRoot, file)) {
		if l.code {
			continue
		}
		for _, m := range htmlAnchor.FindAllStringSubmatch(l.text, -1) {
			out[m[1]] = true
		}
		if headingLine.MatchString(l.text) {
			s := slug(strings.TrimSpace(strings.TrimLeft(l.text, "#")))
			if n := seen[s]; n > 0 {
				out[s+"-"+strconv.Itoa(n)] = true
			} else {
				out[s] = true
			}
			seen[s]++
		}
	}
	return out
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"License 2.0 end to end":                                     "license-20-end-to-end",
		"Verifying codes in the buyer's software":                    "verifying-codes-in-the-buyers-software",
		"G1b: getLicenseAsync and newInstance without order details": "g1b-getlicenseasync-and-newinstance-without-order-details",
		"4. License 2.0（授权码）接入":                                      "4-license-20授权码接入",
		"`POST /v1/codes/refresh`":                                   "post-v1codesrefresh",
	} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDocLinks: every relative link of every Markdown file of the repository names a file or directory of
// the repository, and every #anchor a heading or <a id> of its file.
func TestDocLinks(t *testing.T) {
	files := repoFiles(t, ".md")
	if !slices.Contains(files, "docs/zh-CN/support.md") {
		t.Fatalf("walked %d Markdown files, docs/zh-CN/support.md not among them: %q", len(files), files)
	}
	cache := map[string]map[string]bool{}
	for _, file := range files {
		for _, l := range mdLinks(t, file) {
			target := l.target
			if strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") ||
				strings.HasPrefix(target, "mailto:") {
				continue
			}
			path, anchor, _ := strings.Cut(target, "#")
			if p, err := url.PathUnescape(path); err == nil {
				path = p
			}
			if a, err := url.PathUnescape(anchor); err == nil {
				anchor = a
			}
			dest := file
			if path != "" {
				dest = filepath.ToSlash(filepath.Clean(filepath.Join(filepath.Dir(file), path)))
				if dest == ".." || strings.HasPrefix(dest, "../") || filepath.IsAbs(path) {
					t.Errorf("%s:%d: link %q leads out of the repository", file, l.line, target)
					continue
				}
				if _, err := os.Stat(filepath.Join(repoRoot, dest)); err != nil {
					t.Errorf("%s:%d: link %q: no %s in the repository", file, l.line, target, dest)
					continue
				}
			}
			if anchor == "" || !strings.HasSuffix(dest, ".md") {
				continue
			}
			if cache[dest] == nil {
				cache[dest] = anchors(t, dest)
			}
			if !cache[dest][anchor] {
				t.Errorf("%s:%d: link %q: %s has no heading or <a id> with anchor %q", file, l.line, target, dest, anchor)
			}
		}
	}
}

// TestDocsNameNoOutsideFile: the documentation names no file outside the repository (the project's design
// notes and marketplace spec live elsewhere; docs point to the repository's own pages instead).
func TestDocsNameNoOutsideFile(t *testing.T) {
	outside := map[string]*regexp.Regexp{}
	for _, name := range []string{"design.md", "koogallery-spec.md", "style.md", "../shared/"} {
		outside[name] = regexp.MustCompile(`(^|[^\w-])` + regexp.QuoteMeta(name))
	}
	for _, file := range repoFiles(t, ".md") {
		for _, l := range mdLines(t, filepath.Join(repoRoot, file)) {
			for name, re := range outside {
				if re.MatchString(l.text) {
					t.Errorf("%s:%d names %s, which is not in the repository: %s", file, l.num, name, strings.TrimSpace(l.text))
				}
			}
		}
	}
}

// zhDocs pairs each Chinese page with its English one.
var zhDocs = map[string]string{
	"README.zh-CN.md":              "README.md",
	"docs/zh-CN/support.md":        "docs/support.md",
	"docs/zh-CN/deployment.md":     "docs/deployment.md",
	"docs/zh-CN/image-products.md": "docs/image-products.md",
	"docs/zh-CN/koogallery.md":     "docs/koogallery.md",
	"docs/zh-CN/seats.md":          "docs/seats.md",
}

// TestDocsChineseLinked: each Chinese page links to its English page ("English") near its top, and the
// English page to it ("简体中文"); every page under docs/zh-CN is paired.
func TestDocsChineseLinked(t *testing.T) {
	for _, f := range repoFiles(t, ".md") {
		if strings.HasPrefix(f, "docs/zh-CN/") && zhDocs[f] == "" {
			t.Errorf("%s has no English page: add the pair to zhDocs in cmd/licentia/docs_test.go", f)
		}
	}
	links := func(from, to, text string) {
		t.Helper()
		rel, err := filepath.Rel(filepath.Dir(from), to)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range mdLinks(t, from) {
			if l.line <= 5 && l.text == text && l.target == filepath.ToSlash(rel) {
				return
			}
		}
		t.Errorf("%s has no link [%s](%s) in its first 5 lines", from, text, filepath.ToSlash(rel))
	}
	for zh, en := range zhDocs {
		links(zh, en, "English")
		links(en, zh, "简体中文")
	}
}

// TestChineseTerms: Chinese text says 商家 for the seller, as KooGallery does; 卖家 appears only in the
// name of KooGallery's console, 卖家中心, which the console itself still uses.
func TestChineseTerms(t *testing.T) {
	self := "cmd/licentia/docs_test.go"
	checked := 0
	for _, file := range repoFiles(t) {
		if file == self {
			continue
		}
		b, err := os.ReadFile(filepath.Join(repoRoot, file))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.IndexByte(b, 0) >= 0 || len(b) > 4<<20 {
			continue
		}
		checked++
		for i, line := range strings.Split(string(b), "\n") {
			if strings.Contains(strings.ReplaceAll(line, "卖家中心", ""), "卖家") {
				t.Errorf("%s:%d says 卖家 where KooGallery says 商家: %s", file, i+1, strings.TrimSpace(line))
			}
		}
	}
	if checked < 100 {
		t.Fatalf("checked only %d files", checked)
	}
}
