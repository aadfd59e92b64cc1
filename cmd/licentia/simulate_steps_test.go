package main

import (
	"bytes"
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/simulator"
	standin "github.com/licentia/licentia/server/simulator/market"
)

// simulatorFormats returns every format the simulator's source gives text, errorf and failure (the constructors of
// simulator.Text and *simulator.Error), with where each is; a format that is not a string constant is an error.
func simulatorFormats(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "server", "simulator", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("the simulator's source: %v (%d files)", err, len(files))
	}
	fset := token.NewFileSet()
	consts := map[string]ast.Expr{}
	var parsed []*ast.File
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || filepath.Base(f) == "text.go" { // text.go: the constructors themselves
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, af)
		for _, d := range af.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.CONST {
				for _, s := range g.Specs {
					vs := s.(*ast.ValueSpec)
					for i, n := range vs.Names {
						if i < len(vs.Values) {
							consts[n.Name] = vs.Values[i]
						}
					}
				}
			}
		}
	}
	var eval func(ast.Expr) (string, bool)
	eval = func(e ast.Expr) (string, bool) {
		switch e := e.(type) {
		case *ast.BasicLit:
			s, err := strconv.Unquote(e.Value)
			return s, err == nil
		case *ast.Ident:
			if v, ok := consts[e.Name]; ok {
				return eval(v)
			}
		case *ast.ParenExpr:
			return eval(e.X)
		case *ast.BinaryExpr:
			a, okA := eval(e.X)
			b, okB := eval(e.Y)
			return a + b, okA && okB && e.Op == token.ADD
		}
		return "", false
	}
	formats := map[string]string{}
	for _, af := range parsed {
		ast.Inspect(af, func(n ast.Node) bool {
			c, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			id, ok := c.Fun.(*ast.Ident)
			if !ok || id.Name != "text" && id.Name != "errorf" && id.Name != "failure" || len(c.Args) == 0 {
				return true
			}
			if s, ok := eval(c.Args[0]); ok {
				formats[s] = fset.Position(c.Pos()).String()
			} else {
				t.Errorf("%s: %s's format is not a string constant, so it cannot be translated", fset.Position(c.Pos()), id.Name)
			}
			return true
		})
	}
	return formats
}

// formatArgs returns the verb of each argument a format formats, by argument number (explicit indexes counted as
// fmt counts them; %w is %v).
func formatArgs(format string) map[int]string {
	args := map[int]string{}
	next := 1
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		for i < len(format) && strings.IndexByte("+-# 0", format[i]) >= 0 {
			i++
		}
		if i < len(format) && format[i] == '[' {
			end := strings.IndexByte(format[i:], ']')
			n, _ := strconv.Atoi(format[i+1 : i+end])
			next, i = n, i+end+1
		}
		for i < len(format) && (format[i] >= '0' && format[i] <= '9' || format[i] == '.') {
			i++
		}
		if i >= len(format) || format[i] == '%' {
			continue
		}
		verb := string(format[i])
		if verb == "w" {
			verb = "v"
		}
		args[next] = verb
		next++
	}
	return args
}

// TestSimulatorTextsZH: every sentence format in the simulator's source has a Chinese format taking the same
// arguments with the same verbs, and the Chinese catalog holds nothing else.
func TestSimulatorTextsZH(t *testing.T) {
	formats := simulatorFormats(t)
	if len(formats) < 150 {
		t.Fatalf("found %d formats in the simulator's source, want its steps and reasons (at least 150): is the parser stale?", len(formats))
	}
	for _, en := range slices.Sorted(maps.Keys(formats)) {
		zh, ok := simStepsZH[en]
		if !ok {
			t.Errorf("%s: %q has no Chinese in simStepsZH", formats[en], en)
			continue
		}
		if ea, za := formatArgs(en), formatArgs(zh); !maps.Equal(ea, za) {
			t.Errorf("%q formats arguments %v, its Chinese %q formats %v", en, ea, zh, za)
		}
		if zh == en && en != "%v" && en != "POST %s" { // a joined list and an endpoint are the same in every language
			t.Errorf("%q: its Chinese is the English", en)
		}
	}
	for _, en := range koogallery.ReplyFormats { // the sentences judging a seller's answer (simulator.TextOf)
		zh, ok := simStepsZH[en]
		if !ok {
			t.Errorf("koogallery.ReplyFormats: %q has no Chinese in simStepsZH", en)
		} else if ea, za := formatArgs(en), formatArgs(zh); !maps.Equal(ea, za) || zh == en {
			t.Errorf("%q formats arguments %v, its Chinese %q formats %v (and must differ)", en, ea, zh, za)
		}
	}
	for en := range simStepsZH {
		if _, ok := formats[en]; !ok && !slices.Contains(koogallery.ReplyFormats, en) {
			t.Errorf("simStepsZH has %q, which the simulator does not write", en)
		}
	}
}

// checkResultsZH checks that every step of rep is a sentence of the simulator with a Chinese translation, and so is
// every reason the simulator wrote; it returns how many reasons the simulator wrote.
func checkResultsZH(t *testing.T, rep *simulator.Report) (written int) {
	t.Helper()
	for _, r := range rep.Results {
		if r.StepText.Format == "" {
			t.Errorf("%s: step %q is not a simulator.Text", r.Scenario, r.Step)
		} else if _, ok := langZH.simText(r.StepText); !ok {
			t.Errorf("%s: step %q (format %q) has no Chinese", r.Scenario, r.Step, r.StepText.Format)
		}
		if en := langEN.simStep(r); en != r.Step {
			t.Errorf("%s: step in English %q, want the report's %q", r.Scenario, en, r.Step)
		}
		if r.ReasonText.Format == "" {
			continue
		}
		written++
		if _, ok := langZH.simText(r.ReasonText); !ok {
			t.Errorf("%s: %s: reason %q (format %q) has no Chinese", r.Scenario, r.Step, r.Reason, r.ReasonText.Format)
		}
		if en := langEN.simReason(r); en != r.Reason {
			t.Errorf("%s: reason in English %q, want the report's %q", r.Scenario, en, r.Reason)
		}
	}
	return written
}

// TestSimulateAllScenariosZH plays every scenario against a licentia server (with the OpenAPI stand-in, so nothing
// is skipped), then against sellers that fail, that have no stand-in and no licentia endpoints: every step and every
// explanation the simulator wrote has its Chinese, and the Chinese table says them.
func TestSimulateAllScenariosZH(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	m, err := standin.Start(standin.Config{AK: "zh-ak", SK: "zh-sk"})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	c := startChildEnv(t, t.TempDir(), []string{"LICENTIA_KOOGALLERY_AK=zh-ak", "LICENTIA_KOOGALLERY_SK=zh-sk"},
		"--koogallery-api", m.URL(), "--activation-per-address", "1000")
	play := func(t *testing.T, url string, market *standin.Server, names ...string) *simulator.Report {
		t.Helper()
		cfg := simulator.Config{URL: url + "/koogallery/license", Key: testKey, Concurrency: 5, RetryInterval: time.Millisecond,
			UploadWait: 15 * time.Second, HTTPClient: &http.Client{Timeout: 10 * time.Second}}
		if market != nil {
			cfg.Market = market
		}
		rep, err := simulator.Run(context.Background(), cfg, names...)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	t.Run("licentia", func(t *testing.T) {
		rep := play(t, c.url, m, "all")
		if !rep.OK() || rep.Skipped != 0 || len(rep.Results) < 100 {
			t.Fatalf("simulate all against licentia: %d steps, %d failed, %d skipped, want >100 passed", len(rep.Results), rep.Failed, rep.Skipped)
		}
		seen := map[string]bool{}
		for _, r := range rep.Results {
			seen[r.Scenario] = true
		}
		for _, sc := range simulator.Scenarios() {
			if !seen[sc.Name] {
				t.Errorf("scenario %s played no step", sc.Name)
			}
		}
		checkResultsZH(t, rep)
		var zh, en bytes.Buffer
		if err := writeReport(&zh, langZH, rep); err != nil {
			t.Fatal(err)
		}
		if err := writeReport(&en, langEN, rep); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"对虚构订单拨测 getLicense，第 1 次发送：受理，每次应答相同", "refreshInstance RENEWAL（续费）：受理",
			"以授权码为键的 updateLicenseCodeStatus FREEZE（冻结）：受理", "getLicense（损坏的 authToken）：被拒绝"} {
			if !strings.Contains(zh.String(), want) {
				t.Errorf("the Chinese table lacks %q", want)
			}
		}
		for _, r := range rep.Results {
			if !strings.Contains(en.String(), r.Step) {
				t.Errorf("the English table lacks the step %q", r.Step)
				break
			}
		}
	})
	t.Run("failing sellers", func(t *testing.T) {
		written := 0
		for _, seller := range []struct {
			url   string
			names []string
		}{
			{wrongSeller(t, c.url, true, func(_ *http.Request, a map[string]any) { a["resultCode"], a["resultMsg"] = "000000", "success." }),
				[]string{"purchase", "negative", "release"}},
			{wrongSeller(t, c.url, true, func(req *http.Request, a map[string]any) {
				if q := req.URL.Query(); q.Get("activity") == "getLicense" && a["resultCode"] == "000000" {
					a["instanceId"] = q.Get("businessId")
				}
			}), []string{"purchase", "retry-legacy-create"}},
		} {
			rep := play(t, seller.url, nil, seller.names...)
			if rep.OK() {
				t.Errorf("a failing seller passed %v", seller.names)
			}
			written += checkResultsZH(t, rep)
		}
		// No stand-in: the newInstance and License 2.0 steps are skipped with the simulator's reasons.
		rep := play(t, c.url, nil, "purchase", "activate")
		if rep.Skipped == 0 {
			t.Errorf("without the stand-in nothing was skipped")
		}
		written += checkResultsZH(t, rep)
		if written < 3 {
			t.Errorf("the simulator wrote %d reasons against failing sellers, want its explanations checked", written)
		}
		var zh bytes.Buffer
		if err := writeReport(&zh, langZH, rep); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(zh.String(), "本次运行没有云商店 OpenAPI 替身") || !strings.Contains(zh.String(), "newInstance 只带订单号") {
			t.Errorf("the Chinese table lacks the skip reasons:\n%s", zh.String())
		}
	})
}

// TestSimTextArguments: values are formatted as they are, sentences of the simulator in the argument list are
// translated in turn, %w and joined lists included; English is the simulator's own.
func TestSimTextArguments(t *testing.T) {
	mismatch := simulator.Text{Format: "claim %s = %v, want %v", Args: []any{"exp", simulator.Text{Format: "none"}, "2027-01-01T00:00:00Z"}}
	status := simulator.Text{Format: "status %q, want %q", Args: []any{"frozen", "active"}}
	tests := []struct {
		t      simulator.Text
		en, zh string
	}{
		{simulator.Text{Format: "%s with %v: refused", Args: []any{"getLicense", simulator.Text{Format: "a wrong key"}}},
			"getLicense with a wrong key: refused", "getLicense（错误的密钥）：被拒绝"},
		{simulator.Text{Format: "%v", Args: []any{simulator.Joined{Items: []any{mismatch, status}, Sep: "; "}}},
			`claim exp = none, want 2027-01-01T00:00:00Z; status "frozen", want "active"`,
			`声明 exp = 无，应为 2027-01-01T00:00:00Z；状态 "frozen"，应为 "active"`},
		{simulator.Text{Format: "%d of %d answers wrong; %w", Args: []any{2, 5, fmt.Errorf("resultCode 000001 (seller's own words)")}},
			"2 of 5 answers wrong; resultCode 000001 (seller's own words)", "5 个应答中 2 个错误；resultCode 000001 (seller's own words)"},
		{simulator.Text{Format: "no such format %d", Args: []any{1}}, "no such format 1", "no such format 1"},
	}
	for _, tc := range tests {
		if got, _ := langEN.simText(tc.t); got != tc.en || got != tc.t.String() {
			t.Errorf("%q in English = %q, want %q", tc.t.Format, got, tc.en)
		}
		got, ok := langZH.simText(tc.t)
		if got != tc.zh {
			t.Errorf("%q in Chinese = %q, want %q", tc.t.Format, got, tc.zh)
		}
		if wantOK := tc.zh != tc.en; ok != wantOK {
			t.Errorf("%q: translated = %v, want %v", tc.t.Format, ok, wantOK)
		}
	}
}
