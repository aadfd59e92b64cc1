package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/licentia/licentia/server/importer"
	"github.com/licentia/licentia/server/loadgen"
	"github.com/licentia/licentia/server/simulator"
)

// TestSimulateReportLanguages renders one report of each step result in English and Chinese: the Chinese
// table against a golden file (go test -run TestSimulateReportLanguages -update rewrites it), its columns
// aligned by display width, the simulator's own skip reasons said in Chinese.
func TestSimulateReportLanguages(t *testing.T) {
	// Steps and reasons as the simulator writes them: formats with their arguments (simulator.Text).
	created := simulator.Text{Format: "%s %v: creates a license", Args: []any{"getLicense",
		simulator.Text{Format: "order %s", Args: []any{"O1"}}}}
	forged := simulator.Text{Format: "%s with %v: refused", Args: []any{"getLicense", simulator.Text{Format: "a wrong key"}}}
	observed := simulator.Text{Format: "after %s the code says %s", Args: []any{"updateInstanceStatus FREEZE", "frozen"}}
	mismatch := simulator.Text{Format: "%v", Args: []any{simulator.Joined{Sep: "; ", Items: []any{
		simulator.Text{Format: "claim %s = %v, want %v", Args: []any{"st", "active", "frozen"}},
		simulator.Text{Format: "claim %s = %v, want %v", Args: []any{"exp", simulator.Text{Format: "none"}, "2027-03-01T00:00:00Z"}}}}}}
	start, noMarket := simulator.Text{Format: "start"}, simulator.Text{Format: simulator.ReasonNoMarket}
	rep := &simulator.Report{URL: "http://127.0.0.1:8080/koogallery/license", Prefix: "SIMX", LicentiaFormat: true,
		LicentiaAPI: true, Passed: 1, Failed: 2, Skipped: 1, Results: []simulator.Result{
			{Scenario: "purchase", Step: created.String(), StepText: created, Status: simulator.Pass},
			// The seller's answer is quoted as it is.
			{Scenario: "negative", Step: forged.String(), StepText: forged, Status: simulator.Fail, Reason: "resultCode 000000"},
			{Scenario: "freeze-unfreeze", Step: observed.String(), StepText: observed, Status: simulator.Fail,
				Reason: mismatch.String(), ReasonText: mismatch},
			{Scenario: "activate", Step: start.String(), StepText: start, Status: simulator.Skip, Reason: noMarket.String(), ReasonText: noMarket},
		}}
	var zh bytes.Buffer
	if err := writeReport(&zh, langZH, rep); err != nil {
		t.Fatal(err)
	}
	golden(t, "simulate_zh.golden", zh.Bytes())
	lines := strings.Split(zh.String(), "\n")
	starts := columnStarts(lines[0])
	if len(starts) != 4 {
		t.Fatalf("header %q has %d columns, want 4", lines[0], len(starts))
	}
	for _, line := range lines[1:5] {
		if got := columnStarts(line); !equalInts(got[:3], starts[:3]) {
			t.Errorf("row %q starts its columns at %v, want %v (the header's)", line, got, starts)
		}
	}
	for _, want := range []string{"场景", "通过", "失败", "跳过", "本次运行没有云商店 OpenAPI 替身",
		"getLicense 订单 O1：创建许可证", "getLicense（错误的密钥）：被拒绝", "resultCode 000000",
		"updateInstanceStatus FREEZE 之后授权码的状态为 frozen", "声明 st = active，应为 frozen；声明 exp = 无，应为 2027-03-01T00:00:00Z",
		"共 4 步，1 步通过，2 步失败，1 步跳过（licentia 授权码：每次变更后都检查了声明；已演练 License 2.0 激活；订单号前缀 SIMX）"} {
		if !strings.Contains(zh.String(), want) {
			t.Errorf("Chinese report lacks %q:\n%s", want, zh.String())
		}
	}
	var en bytes.Buffer
	if err := writeReport(&en, langEN, rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"SCENARIO         STEP", "FAIL", "resultCode 000000", "no KooGallery OpenAPI stand-in in this run",
		"getLicense order O1: creates a license", "getLicense with a wrong key: refused", "after updateInstanceStatus FREEZE the code says frozen",
		"claim st = active, want frozen; claim exp = none, want 2027-03-01T00:00:00Z",
		": 4 steps, 1 passed, 2 failed, 1 skipped (licentia codes: claims checked after every change; License 2.0 activations played; order prefix SIMX)"} {
		if !strings.Contains(en.String(), want) {
			t.Errorf("English report lacks %q:\n%s", want, en.String())
		}
	}
}

// TestSimulateSpeaksTheLocale runs simulate against a seller that answers nothing (404): the table, the
// summary and the failure are in Chinese under LANG=zh_CN.UTF-8 and with --lang zh-CN, in English otherwise.
func TestSimulateSpeaksTheLocale(t *testing.T) {
	seller := httptest.NewServer(http.NotFoundHandler())
	defer seller.Close()
	args := []string{"simulate", "--url", seller.URL, "--key", testKey, "--scenario", "purchase,activate", "--retry-interval", "1ms"}
	cases := []struct {
		name  string
		extra []string
		env   map[string]string
		want  []string
	}{
		{"LANG", nil, map[string]string{"LANG": "zh_CN.UTF-8"}, []string{"场景", "步骤", "结果", "失败", "步失败", "跳过", "本次运行没有云商店 OpenAPI 替身"}},
		{"--lang", []string{"--lang", "zh-CN"}, map[string]string{"LANG": "en_US.UTF-8"}, []string{"场景", "失败", "步失败"}},
		{"default", nil, nil, []string{"SCENARIO", "FAIL", "steps failed", "no KooGallery OpenAPI stand-in"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), append(append([]string{}, args...), tc.extra...), envMap(tc.env), &stdout, &stderr)
			if exitCode(err) != 1 {
				t.Fatalf("simulate against a 404 seller = %v, want exit 1; output:\n%s", err, stdout.String())
			}
			got := stdout.String() + stderr.String() + langEN.errorText(err)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("output lacks %q:\n%s", w, got)
				}
			}
			if tc.name == "default" && strings.ContainsAny(got, "场景失败跳过") {
				t.Errorf("English output holds Chinese:\n%s", got)
			}
		})
	}
}

// TestLoadgenSpeaksTheLocale: loadgen's report (against the bare baseline handler) and its usage errors in
// Chinese under LANG=zh_CN.UTF-8 and with --lang zh-CN, in English by default.
func TestLoadgenSpeaksTheLocale(t *testing.T) {
	target := httptest.NewServer(loadgen.BareHandler())
	defer target.Close()
	args := []string{"loadgen", "--url", target.URL + "/koogallery/license", "--key", "k", "--mode", "create",
		"--duration", "50ms", "--concurrency", "1"}
	cases := []struct {
		name             string
		extra            []string
		env              map[string]string
		report, badUsage string
	}{
		{"LANG", nil, map[string]string{"LANG": "zh_CN.UTF-8"}, "模式 create，并发 1，", "--mode \"flood\"：请用 create、resend、renew 或 mixed"},
		{"--lang", []string{"--lang", "zh-CN"}, nil, "延迟（毫秒）：p50 ", "--mode \"flood\"：请用 create、resend、renew 或 mixed"},
		{"default", nil, nil, "mode create, concurrency 1, ", "--mode \"flood\": want create, resend, renew or mixed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if err := run(context.Background(), append(append([]string{}, args...), tc.extra...), envMap(tc.env), &stdout, &stderr); err != nil {
				t.Fatalf("loadgen = %v (%s)", err, stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.report) {
				t.Errorf("report %q lacks %q", stdout.String(), tc.report)
			}
			bad := append(append([]string{}, args...), append(tc.extra, "--mode", "flood")...)
			err := run(context.Background(), bad, envMap(tc.env), &stdout, &stderr)
			if exitCode(err) != 2 || !strings.Contains(errString(err), tc.badUsage) {
				t.Errorf("loadgen --mode flood = %v, want a usage error saying %q", err, tc.badUsage)
			}
		})
	}
}

// TestServeErrorsSpeakTheLocale: serve's start-up errors in Chinese under LANG=zh_CN.UTF-8 and with --lang
// zh-CN, the same text in English by default, the errors still wrapped (errors.Is).
func TestServeErrorsSpeakTheLocale(t *testing.T) {
	zh := map[string]string{"LANG": "zh_CN.UTF-8", "LICENTIA_KOOGALLERY_KEY": testKey}
	en := map[string]string{"LICENTIA_KOOGALLERY_KEY": testKey}
	data := t.TempDir()
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"log format", []string{"--log-format", "xml"}, zh, `--log-format "xml"：请用 json 或 text`},
		{"log format --lang", []string{"--lang", "zh-CN", "--log-format", "xml"}, en, `--log-format "xml"：请用 json 或 text`},
		{"log format English", []string{"--log-format", "xml"}, en, `--log-format "xml": want json or text`},
		{"metrics on addr", []string{"--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0"}, zh, "--metrics-addr 127.0.0.1:0 与 --addr 相同"},
		{"trusted proxy", []string{"--trusted-proxy", "10.0.0.0/8,somewhere"}, zh, `--trusted-proxy："somewhere" 既不是 IP 地址也不是 CIDR 前缀`},
		{"activation limit", []string{"--activation-global", "0"}, zh, `--activation-global "0"：请用 1 到`},
		{"db pool", []string{"--db-max-conns", "none"}, zh, `--db-max-conns "none"：请用正整数`},
		{"key file", []string{"--koogallery-key-file", filepath.Join(data, "absent")}, zh, "--koogallery-key-file：无法打开："},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, _ := langOf(append([]string{"serve"}, tc.args...), envMap(tc.env))
			err := run(context.Background(), append([]string{"serve", "--data", data}, tc.args...), envMap(tc.env), io.Discard, io.Discard)
			if got := l.errorText(err); exitCode(err) != 2 || !strings.Contains(got, tc.want) {
				t.Errorf("serve %q = %q (exit %d), want a usage error saying %q", tc.args, got, exitCode(err), tc.want)
			}
		})
	}

	// A key ring that cannot be made (its directory is a file): explained first in Chinese, the error kept.
	blocked := t.TempDir()
	if err := os.WriteFile(filepath.Join(blocked, "keys"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{zh, "签名密钥环无法使用（"},
		{en, ""},
	} {
		err := run(context.Background(), []string{"serve", "--data", blocked}, envMap(tc.env), io.Discard, io.Discard)
		l, _ := langOf(nil, envMap(tc.env))
		got := l.errorText(err)
		if err == nil || exitCode(err) != 1 || !strings.Contains(got, tc.want) || got == tc.want {
			t.Errorf("serve with a file for its key directory = %q, want an error saying %q", got, tc.want)
		}
		if l == langEN && got != err.Error() {
			t.Errorf("in English = %q, want the error as it is, %q", got, err.Error())
		}
	}
}

// TestImportErrorsSpeakTheLocale: codes import's bad rows and a missing file in Chinese under
// LANG=zh_CN.UTF-8, the --json report and the English text unchanged.
func TestImportErrorsSpeakTheLocale(t *testing.T) {
	data := t.TempDir()
	file := filepath.Join(t.TempDir(), "old.csv")
	csv := "instance_id,order_id,order_line_id,product_id,sku,customer_id,expires_at\n" +
		"i-1,o-1,,P1,s,c,2027/03/01\n" +
		"i-2,o-2,,,s,c,soon\n"
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		env      map[string]string
		args     []string
		row, end string
	}{
		{"LANG", map[string]string{"LANG": "zh_CN.UTF-8"}, nil,
			`old.csv:3: product_id 为空；expires_at "soon" 不是可识别的时间`, "1 行有误"},
		{"--lang", nil, []string{"--lang", "zh-CN"},
			`old.csv:3: product_id 为空；expires_at "soon" 不是可识别的时间`, "1 行有误"},
		{"default", nil, nil,
			`old.csv:3: product_id is empty; expires_at "soon" is not a time such as`, "1 bad rows"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"LICENTIA_DATA": data, "LICENTIA_ACTOR": "t"}
			for k, v := range tc.env {
				env[k] = v
			}
			var stdout, stderr bytes.Buffer
			args := append(append([]string{"codes", "import", "--dry-run"}, tc.args...), file)
			err := run(context.Background(), args, envMap(env), &stdout, &stderr)
			l, _ := langOf(args, envMap(env))
			if !strings.Contains(stderr.String(), tc.row) || !strings.Contains(l.errorText(err), tc.end) {
				t.Errorf("import = %q, stderr %q; want %q and %q", l.errorText(err), stderr.String(), tc.row, tc.end)
			}

			stdout.Reset()
			err = run(context.Background(), append(args[:len(args)-1:len(args)-1], "--json", file), envMap(env), &stdout, io.Discard)
			var rep importReport
			if jerr := json.Unmarshal(stdout.Bytes(), &rep); jerr != nil || len(rep.Rows) != 2 ||
				!strings.HasPrefix(rep.Rows[1].Error, `product_id is empty; expires_at "soon" is not a time`) {
				t.Errorf("--json = %s (%v, %v), want the bad row's error in English", stdout.String(), jerr, err)
			}

			err = run(context.Background(), append(args[:len(args)-1:len(args)-1], file+".missing"), envMap(env), io.Discard, io.Discard)
			if !errors.Is(err, os.ErrNotExist) || tc.name != "default" && !strings.HasPrefix(l.errorText(err), "无法打开导入文件（open ") {
				t.Errorf("a missing file = %q (%v), want a not-exist error, explained in Chinese", l.errorText(err), err)
			}
		})
	}
}

// TestRowProblemsInEnglish: the catalog says every importer.Problem in English exactly as the importer does
// (the --json report's text), and in Chinese differently.
func TestRowProblemsInEnglish(t *testing.T) {
	for _, kind := range []string{importer.ProblemEmpty, importer.ProblemTooLong, importer.ProblemSpaces, importer.ProblemControl,
		importer.ProblemTime, importer.ProblemBefore1970, importer.ProblemStatus, importer.ProblemQuantity} {
		p := importer.Problem{Field: "expires_at", Value: "x y", Kind: kind, Limit: 7}
		if got := rowProblems(langEN, []importer.Problem{p}); got != p.String() {
			t.Errorf("%s in English = %q, want %q", kind, got, p.String())
		}
		if got := rowProblems(langZH, []importer.Problem{p}); got == p.String() || !strings.Contains(got, "expires_at") {
			t.Errorf("%s in Chinese = %q, want a Chinese text naming the field", kind, got)
		}
	}
}

// TestScenarioSummariesZH: every simulate scenario is described in Chinese, with its topic ids, and nothing
// else is; English keeps the simulator's own summary.
func TestScenarioSummariesZH(t *testing.T) {
	seen := map[string]bool{}
	for _, sc := range simulator.Scenarios() {
		seen[sc.Name] = true
		zh := scenarioSummary(langZH, sc)
		if _, ok := scenarioSummariesZH[sc.Name]; !ok {
			t.Errorf("scenario %s has no Chinese summary", sc.Name)
		} else if len(sc.Topics()) > 0 && !strings.Contains(zh, "（主题 "+sc.Topics()[0]) {
			t.Errorf("scenario %s in Chinese = %q, want its topics", sc.Name, zh)
		}
		if en := scenarioSummary(langEN, sc); en != sc.Summary {
			t.Errorf("scenario %s in English = %q, want %q", sc.Name, en, sc.Summary)
		}
	}
	for name := range scenarioSummariesZH {
		if !seen[name] {
			t.Errorf("Chinese summary for %s, which is no scenario", name)
		}
	}
	var stderr bytes.Buffer
	run(context.Background(), []string{"simulate", "-h"}, envMap(map[string]string{"LANG": "zh_CN.UTF-8"}), io.Discard, &stderr)
	if !strings.Contains(stderr.String(), "getLicense 和 newInstance 创建许可证") || !strings.Contains(stderr.String(), "商家服务的基础 URL") {
		t.Errorf("simulate -h in Chinese:\n%s", stderr.String())
	}
}
