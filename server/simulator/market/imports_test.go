package market

import (
	"go/parser"
	"go/token"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// allowedImports are the module's packages the stand-in may import: the marketplace's wire formats, the
// marketplace's code statuses (server/license holds them, and does no I/O), and the loopback check of its
// listen address.
var allowedImports = map[string]bool{
	"github.com/licentia/licentia/server/koogallery": true,
	"github.com/licentia/licentia/server/license":    true,
	"github.com/licentia/licentia/internal/loopback": true,
}

// TestImportsOnlyKoogalleryAndStdlib keeps the stand-in on the marketplace's side: it may import
// allowedImports and the standard library, never server, server/store or third-party packages.
func TestImportsOnlyKoogalleryAndStdlib(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			stdlib := !strings.Contains(strings.Split(path, "/")[0], ".")
			if !stdlib && !allowedImports[path] {
				t.Errorf("%s imports %s, want only the standard library and %v", name, path, slices.Sorted(maps.Keys(allowedImports)))
			}
		}
		checked++
	}
	if checked == 0 {
		t.Fatalf("no source files checked")
	}
}
