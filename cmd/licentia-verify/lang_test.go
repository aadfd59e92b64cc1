package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/licentia/licentia/cmd/internal/locale"
)

// TestCatalog checks that both languages hold the same ids with the same format verbs, and that every id the
// code names is in them.
func TestCatalog(t *testing.T) {
	verbs := regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z]`)
	for id, en := range messagesEN {
		zh, ok := messagesZH[id]
		if !ok {
			t.Errorf("%s: in English, not in Chinese", id)
			continue
		}
		if ev, zv := verbs.FindAllString(en, -1), verbs.FindAllString(zh, -1); !slices.Equal(ev, zv) {
			t.Errorf("%s: verbs %q in English, %q in Chinese", id, ev, zv)
		}
		// flag's PrintDefaults takes a back-quoted word as the value's name: both languages need one or none.
		if strings.Count(en, "`") != strings.Count(zh, "`") {
			t.Errorf("%s: back quotes differ between English and Chinese", id)
		}
	}
	for id := range messagesZH {
		if _, ok := messagesEN[id]; !ok {
			t.Errorf("%s: in Chinese, not in English", id)
		}
	}
	used := regexp.MustCompile(`(?:\bT|cfg\.T|catalog\.T\((?:l|e\.l|cfg\.l)),? ?\(?"([a-z_.]*[a-z_])"`) // ids ending in "." are prefixes, checked below
	files, _ := filepath.Glob("*.go")
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "messages.go" {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range used.FindAllStringSubmatch(string(src), -1) {
			n++
			if _, ok := messagesEN[m[1]]; !ok {
				t.Errorf("%s names message %q, which the catalog lacks", f, m[1])
			}
		}
	}
	if n < 40 {
		t.Errorf("found %d message ids in the code, want at least 40: is the pattern stale?", n)
	}
	// Every reason the verifier names, and every activation error, is explained.
	for _, r := range []string{"no_binding", "wrong_type", "malformed", "wrong_algorithm", "unknown_key", "bad_signature",
		"expired", "not_yet_valid", "wrong_issuer", "wrong_sku", "wrong_product", "test_code", "wrong_deployment", "superseded",
		"revoked", "inactive", "stale_list", "clock_rollback", "state_error", "keyring_error", "deployment_error", "error"} {
		if _, ok := messagesZH["reason."+r]; !ok {
			t.Errorf("reason %s is not explained", r)
		}
	}
	for code := range activationErrors {
		if _, ok := messagesZH["activate."+code]; !ok {
			t.Errorf("activation error %s is not explained", code)
		}
	}
}

// TestChineseOutput: under LANG=zh_CN.UTF-8 or with --lang zh-CN the verdict is a Chinese sentence with the
// expiry in the reader's zone, usage errors and help are Chinese, and --json stays as it is (UTC); English
// stays the default.
func TestChineseOutput(t *testing.T) {
	vf := loadVectors(t)
	keys := writeFile(t, t.TempDir(), "keys.pem", vf.PublicKeyPEM)
	code := vf.Vectors[0].Code
	shanghai := map[string]string{"LANG": "zh_CN.UTF-8", "TZ": "Asia/Shanghai"}
	valid := "授权码有效：许可证 inst-0001，第 2 代，状态 active，商品 OFFI001，规格 sku-std，到期时间 2027-01-01 08:00:00 Asia/Shanghai，已过期，处于宽限期内"
	for name, r := range map[string]result{
		"LANG":         runEnv(t, shanghai, "", "--keys", keys, "--sku", "sku-std", "--at", "2027-01-03T00:00:00Z", code),
		"--lang --tz":  runEnv(t, map[string]string{"LANG": "C.UTF-8"}, "", "--lang", "zh-CN", "--tz", "Asia/Shanghai", "--keys", keys, "--sku", "sku-std", "--at", "2027-01-03T00:00:00Z", code),
		"LC_MESSAGES":  runEnv(t, map[string]string{"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8", "TZ": "Asia/Shanghai"}, "", "--keys", keys, "--sku", "sku-std", "--at", "2027-01-03T00:00:00Z", code),
		"--lang=zh-CN": runEnv(t, map[string]string{"TZ": "Asia/Shanghai"}, "", code, "--keys", keys, "--lang=zh-CN", "--sku", "sku-std", "--at", "2027-01-03T00:00:00Z"),
	} {
		if r.exit != exitValid || !strings.HasPrefix(r.stdout, valid) {
			t.Errorf("%s: run() = %d, %q; want 0 and %q", name, r.exit, r.stdout, valid)
		}
	}

	r := runEnv(t, shanghai, "", "--keys", keys, "--any-product", "--at", "2030-01-01T00:00:00Z", code)
	if want := "授权码无效：授权码已过期：请在云商店续费后刷新授权码（原因 expired："; r.exit != exitExpired || !strings.HasPrefix(r.stdout, want) {
		t.Errorf("expired in Chinese: run() = %d, %q; want 2 and %q", r.exit, r.stdout, want)
	}
	noCode(t, r, code)

	r = runEnv(t, shanghai, "", "--keys", keys, code)
	if want := "需要 --product 商品ID 或 --sku 规格"; r.exit != exitUsage || !strings.Contains(r.stderr, want) {
		t.Errorf("no binding in Chinese: run() = %d, %q; want 64 and %q", r.exit, r.stderr, want)
	}
	r = runEnv(t, shanghai, "", "-h")
	if !strings.HasPrefix(r.stderr, "用法：licentia-verify --keys 文件") || !strings.Contains(r.stderr, "受信任公钥的文件") {
		t.Errorf("help in Chinese = %q", r.stderr)
	}
	r = runEnv(t, nil, "", "--lang", "fr", "--keys", keys, "--any-product", code)
	if r.exit != exitUsage || !strings.Contains(r.stderr, "zh-CN") {
		t.Errorf("--lang fr: run() = %d, %q; want 64 naming the languages", r.exit, r.stderr)
	}
	r = runEnv(t, shanghai, "", "--tz", "Mars/Olympus", "--keys", keys, "--any-product", code)
	if r.exit != exitUsage || !strings.Contains(r.stderr, "不是时区") {
		t.Errorf("--tz Mars/Olympus: run() = %d, %q; want 64 in Chinese", r.exit, r.stderr)
	}

	// --json: the same object in every language and zone, its times in UTC; the reason explained on stderr.
	r = runEnv(t, shanghai, "", "--keys", keys, "--any-product", "--json", "--at", "2030-01-01T00:00:00Z", code)
	var rep report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || rep.Reason != "expired" || rep.ExpiresAt == nil || *rep.ExpiresAt != "2027-01-01T00:00:00Z" {
		t.Errorf("--json in Chinese = %q (%v), want reason expired and expires_at in UTC", r.stdout, err)
	}
	if !strings.Contains(r.stderr, "授权码已过期") {
		t.Errorf("--json in Chinese: stderr %q, want the reason explained", r.stderr)
	}

	// English by default: key=value, the expiry in RFC 3339 in the reader's zone.
	r = runEnv(t, map[string]string{"TZ": "Asia/Shanghai"}, "", "--keys", keys, "--sku", "sku-std", "--at", "2027-01-03T00:00:00Z", code)
	if want := "valid license=inst-0001 gen=2 status=active product=OFFI001 sku=sku-std expires=2027-01-01T08:00:00+08:00 in_grace=true"; !strings.HasPrefix(r.stdout, want) {
		t.Errorf("English in Shanghai = %q, want %q", r.stdout, want)
	}
	if l, err := locale.Of(nil, envOf(nil)); l != locale.EN || err != nil {
		t.Errorf("locale.Of with no locale = %v, %v; want English", l, err)
	}
}
