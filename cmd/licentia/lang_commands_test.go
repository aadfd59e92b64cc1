package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/licentia/licentia/server/loadgen"
	"github.com/licentia/licentia/server/simulator"
)

// TestSimulateReportLanguages renders one report of each step result in English and Chinese: the Chinese
// table against a golden file (go test -run TestSimulateReportLanguages -update rewrites it), its columns
// aligned by display width, the simulator's own skip reasons said in Chinese.
func TestSimulateReportLanguages(t *testing.T) {
	rep := &simulator.Report{URL: "http://127.0.0.1:8080/koogallery/license", Prefix: "SIMX", LicentiaFormat: true,
		LicentiaAPI: true, Passed: 1, Failed: 1, Skipped: 1, Results: []simulator.Result{
			{Scenario: "purchase", Step: "getLicense creates a license", Status: simulator.Pass},
			{Scenario: "negative", Step: "a wrong Body-Sign is refused", Status: simulator.Fail, Reason: "resultCode 000000"},
			{Scenario: "activate", Step: "start", Status: simulator.Skip, Reason: simulator.ReasonNoMarket},
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
	for _, line := range lines[1:4] {
		if got := columnStarts(line); !equalInts(got[:3], starts[:3]) {
			t.Errorf("row %q starts its columns at %v, want %v (the header's)", line, got, starts)
		}
	}
	for _, want := range []string{"场景", "通过", "失败", "跳过", "本次运行没有云商店 OpenAPI 替身",
		"共 3 步，1 步通过，1 步失败，1 步跳过（licentia 授权码：每次变更后都检查了声明；已演练 License 2.0 激活；订单号前缀 SIMX）"} {
		if !strings.Contains(zh.String(), want) {
			t.Errorf("Chinese report lacks %q:\n%s", want, zh.String())
		}
	}
	var en bytes.Buffer
	if err := writeReport(&en, langEN, rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"SCENARIO  STEP", "FAIL", "resultCode 000000", "no KooGallery OpenAPI stand-in in this run",
		": 3 steps, 1 passed, 1 failed, 1 skipped (licentia codes: claims checked after every change; License 2.0 activations played; order prefix SIMX)"} {
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
