package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestCatalogs checks that both catalogs hold the same ids, each with the same format verbs, and that
// every id the code names is in them.
func TestCatalogs(t *testing.T) {
	verbs := regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z]`)
	for id, en := range messagesEN {
		zh, ok := messagesZH[id]
		if !ok {
			t.Errorf("%s: in English, not in Chinese", id)
			continue
		}
		if strings.HasPrefix(id, "usage") && id != "usage" {
			continue // printed as they are, never formatted
		}
		ev, zv := verbs.FindAllString(strings.ReplaceAll(en, "%%", ""), -1), verbs.FindAllString(strings.ReplaceAll(zh, "%%", ""), -1)
		if !slices.Equal(ev, zv) {
			t.Errorf("%s: verbs %q in English, %q in Chinese", id, ev, zv)
		}
	}
	for id := range messagesZH {
		if _, ok := messagesEN[id]; !ok {
			t.Errorf("%s: in Chinese, not in English", id)
		}
	}

	// Ids the code names: arguments of T, header and value, usage ids and parseArgs' descriptions.
	used := regexp.MustCompile(`(?:\.T|\.header)\("([a-z_.-]+)"|"((?:usage|arg|col|err)\.[a-z_.-]*[a-z_])"`)
	files, _ := filepath.Glob("*.go")
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || strings.HasPrefix(f, "messages_") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range used.FindAllStringSubmatch(string(src), -1) {
			id := m[1] + m[2]
			n++
			if _, ok := messagesEN[id]; !ok {
				t.Errorf("%s names message %q, which the catalogs lack", f, id)
			}
		}
	}
	if n < 100 {
		t.Errorf("found %d message ids in the code, want the CLI's (at least 100): is the pattern stale?", n)
	}
}

func TestLangOf(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
		want lang
		bad  bool
	}{
		{nil, nil, langEN, false},
		{nil, map[string]string{"LANG": "zh_CN.UTF-8"}, langZH, false},
		{nil, map[string]string{"LANG": "zh_TW.UTF-8"}, langZH, false},
		{nil, map[string]string{"LANG": "en_US.UTF-8"}, langEN, false},
		{nil, map[string]string{"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "C"}, langEN, false},       // LC_MESSAGES before LANG
		{nil, map[string]string{"LC_MESSAGES": "zh_CN.UTF-8", "LC_ALL": "en_GB"}, langEN, false}, // LC_ALL before both
		{nil, map[string]string{"LC_ALL": "zh_CN.GB18030"}, langZH, false},
		{[]string{"codes", "list", "--lang", "zh-CN"}, nil, langZH, false},
		{[]string{"--lang=zh", "codes", "list"}, nil, langZH, false},
		{[]string{"codes", "-lang", "zh-Hans"}, nil, langZH, false},
		{[]string{"codes", "list", "--lang", "en"}, map[string]string{"LANG": "zh_CN.UTF-8"}, langEN, false}, // the flag wins
		{[]string{"codes", "--", "--lang", "zh-CN"}, nil, langEN, false},                                     // after --: an argument
		{[]string{"codes", "--lang", "fr"}, nil, langEN, true},
		{[]string{"codes", "--lang"}, nil, langEN, true},
	}
	for _, tt := range tests {
		got, err := langOf(tt.args, envMap(tt.env))
		if tt.bad {
			if exitCode(err) != 2 {
				t.Errorf("langOf(%q, %v) = %v, %v; want a usage error", tt.args, tt.env, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("langOf(%q, %v) = %v, %v; want %v", tt.args, tt.env, got, err, tt.want)
		}
	}
}

// TestChineseCLI runs the support commands with a Chinese locale (LANG=zh_CN.UTF-8) and with --lang zh-CN:
// usage texts, usage errors, tables, reports and known errors come in Chinese, English stays the default,
// --tz changes the times shown and JSON keeps UTC.
func TestChineseCLI(t *testing.T) {
	data := t.TempDir()
	en := map[string]string{"LICENTIA_DATA": data, "LICENTIA_ACTOR": "desk", "TZ": "UTC"}
	zh := map[string]string{"LICENTIA_DATA": data, "LICENTIA_ACTOR": "desk", "TZ": "UTC", "LANG": "zh_CN.UTF-8"}
	cli := func(env map[string]string, args ...string) (string, string, error) {
		t.Helper()
		var out, errb bytes.Buffer
		err := run(context.Background(), args, envMap(env), &out, &errb)
		return out.String(), errb.String(), err
	}

	file := filepath.Join(t.TempDir(), "legacy.csv")
	writeFile(t, file, []byte("instance_id,order_id,order_line_id,product_id,sku,customer_id,expires_at,status\n"+
		"lic-zh,CS-ZH,,P1,,张三,2027-03-01T00:00:00Z,active\n"+
		"lic-zh2,CS-ZH2,,P1,,北京云杉科技,,frozen\n"))
	out, _, err := cli(zh, "codes", "import", file)
	if err != nil || !strings.Contains(out, "已导入 2 行，跳过 0 行，有误 0 行") {
		t.Fatalf("codes import in Chinese = %v\n%s", err, out)
	}

	// codes list: Chinese headers and values, the zone in the header; English without the locale.
	out, _, err = cli(zh, "codes", "list")
	if err != nil || !strings.Contains(out, "许可证ID") || !strings.Contains(out, "到期时间（UTC）") ||
		!strings.Contains(out, "2027-03-01 00:00:00") || !strings.Contains(out, "永久") || !strings.Contains(out, "冻结") {
		t.Errorf("codes list with LANG=zh_CN.UTF-8 = %v\n%s", err, out)
	}
	if out2, _, err := cli(en, "codes", "list", "--lang", "zh-CN"); err != nil || out2 != out {
		t.Errorf("codes list --lang zh-CN = %v\n%s\nwant what LANG=zh_CN.UTF-8 prints:\n%s", err, out2, out)
	}
	out, _, err = cli(en, "codes", "list")
	if err != nil || !strings.Contains(out, "EXPIRES (UTC)") || !strings.Contains(out, "never") || strings.Contains(out, "许可") {
		t.Errorf("codes list without a Chinese locale = %v\n%s\nwant English", err, out)
	}
	if out, _, _ := cli(zh, "codes", "list", "--lang", "en"); !strings.Contains(out, "EXPIRES (UTC)") {
		t.Errorf("codes list --lang en under LANG=zh_CN.UTF-8:\n%s\nwant English", out)
	}

	// --tz moves the times shown and names the zone, TZ is the default; JSON stays UTC.
	out, _, _ = cli(en, "codes", "list", "--tz", "Asia/Shanghai")
	if !strings.Contains(out, "EXPIRES (Asia/Shanghai)") || !strings.Contains(out, "2027-03-01 08:00:00") {
		t.Errorf("codes list --tz Asia/Shanghai:\n%s\nwant the expiry at 08:00 Shanghai time", out)
	}
	tokyo := map[string]string{"LICENTIA_DATA": data, "TZ": "Asia/Tokyo"}
	if out, _, _ := cli(tokyo, "codes", "show", "lic-zh"); !strings.Contains(out, "2027-03-01 09:00:00 Asia/Tokyo") {
		t.Errorf("codes show with TZ=Asia/Tokyo:\n%s\nwant the expiry at 09:00 Tokyo time", out)
	}
	jsonUTC, _, _ := cli(en, "codes", "list", "--json")
	jsonTZ, _, _ := cli(zh, "codes", "list", "--json", "--tz", "Asia/Shanghai")
	if jsonUTC != jsonTZ || !strings.Contains(jsonUTC, `"expires_at": "2027-03-01T00:00:00Z"`) || !json.Valid([]byte(jsonUTC)) {
		t.Errorf("codes list --json differs by language or zone, or is not UTC:\n%s\n%s", jsonUTC, jsonTZ)
	}

	// codes show, history, reissue: Chinese labels and reports.
	out, _, err = cli(zh, "codes", "show", "lic-zh")
	for _, want := range []string{"许可证", "lic-zh", "客户", "张三", "状态", "有效", "2027-03-01 00:00:00 UTC", "指纹"} {
		if err != nil || !strings.Contains(out, want) {
			t.Errorf("codes show in Chinese = %v, lacks %q:\n%s", err, want, out)
		}
	}
	out, _, err = cli(zh, "codes", "reissue", "lic-zh", "--reason", "买家重装了虚拟机")
	if err != nil || !strings.Contains(out, "已补发 lic-zh：代数 1 → 2，状态为有效，到期 2027-03-01 00:00:00 UTC") {
		t.Errorf("codes reissue in Chinese = %v\n%s", err, out)
	}
	out, _, err = cli(zh, "codes", "history", "lic-zh")
	if err != nil || !strings.Contains(out, "时间（UTC）") || !strings.Contains(out, "补发") || !strings.Contains(out, "买家重装了虚拟机") ||
		!strings.Contains(out, "命令行") {
		t.Errorf("codes history in Chinese = %v\n%s", err, out)
	}

	// Usage texts, usage errors and known errors in Chinese.
	_, errOut, err := cli(zh, "codes", "list", "-h")
	if !strings.Contains(errOut, "用法：licentia codes list") || !strings.Contains(errOut, "只列出该订单ID的许可证") || exitCode(err) != 2 {
		t.Errorf("codes list -h in Chinese = %v\n%s", err, errOut)
	}
	if out, _, _ := cli(zh, "help"); !strings.Contains(out, "用法：licentia <命令>") || !strings.Contains(out, "--lang") {
		t.Errorf("help in Chinese:\n%s", out)
	}
	if _, _, err := cli(zh, "codes", "reissue", "lic-zh"); exitCode(err) != 2 || !strings.Contains(err.Error(), "需要 --reason") {
		t.Errorf("codes reissue without a reason in Chinese = %v, want a Chinese usage error", err)
	}
	if _, _, err := cli(zh, "codes", "melt"); exitCode(err) != 2 || !strings.Contains(err.Error(), "未知子命令") {
		t.Errorf("codes melt in Chinese = %v, want a Chinese usage error", err)
	}
	if _, _, err := cli(zh, "codes", "list", "--tz", "Mars/Olympus"); exitCode(err) != 2 || !strings.Contains(err.Error(), "IANA 时区名称") {
		t.Errorf("codes list --tz Mars/Olympus in Chinese = %v, want a Chinese usage error", err)
	}
	_, _, err = cli(zh, "codes", "show", "nobody")
	var line bytes.Buffer
	printError(&line, langZH, err)
	if !strings.HasPrefix(line.String(), "licentia: 未找到（") || !strings.Contains(line.String(), `"nobody"`) {
		t.Errorf("codes show nobody in Chinese prints %q, want 未找到 and the original error", line.String())
	}
	line.Reset()
	printError(&line, langEN, err)
	if strings.Contains(line.String(), "未找到") {
		t.Errorf("codes show nobody in English prints %q", line.String())
	}

	_, _, err = cli(zh, "policy", "set", "P-ZH", "--seats", "0")
	line.Reset()
	printError(&line, langZH, err)
	if !strings.HasPrefix(line.String(), "licentia: 请求不正确（") || !strings.Contains(line.String(), `seats "0"`) {
		t.Errorf("policy set --seats 0 in Chinese prints %q, want 请求不正确 and the original error", line.String())
	}
	if out, _, err := cli(zh, "policy", "list"); err != nil || !strings.Contains(out, "没有商品设置席位策略") {
		t.Errorf("policy list in Chinese = %v\n%s", err, out)
	}

	// tokens list: Chinese headers and the zone.
	if _, _, err := cli(zh, "tokens", "create", "desk-wang", "--role", "support"); err != nil {
		t.Fatal(err)
	}
	out, _, err = cli(zh, "tokens", "list", "--tz", "Asia/Shanghai")
	if err != nil || !strings.Contains(out, "创建时间（Asia/Shanghai）") || !strings.Contains(out, "desk-wang") || !strings.Contains(out, "客服") {
		t.Errorf("tokens list in Chinese = %v\n%s", err, out)
	}
}
