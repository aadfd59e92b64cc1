package locale

import (
	"errors"
	"testing"
)

func TestOf(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tests := []struct {
		args []string
		env  map[string]string
		want Lang
		bad  bool
	}{
		{nil, nil, EN, false},
		{nil, map[string]string{"LANG": "zh_CN.UTF-8"}, ZH, false},
		{nil, map[string]string{"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "C"}, EN, false},
		{nil, map[string]string{"LC_MESSAGES": "zh_CN.UTF-8", "LC_ALL": "en_GB"}, EN, false},
		{[]string{"--keys", "k", "--lang", "zh-CN"}, nil, ZH, false},
		{[]string{"-lang=zh-Hans"}, map[string]string{"LANG": "en_US.UTF-8"}, ZH, false},
		{[]string{"--lang", "en"}, map[string]string{"LANG": "zh_CN.UTF-8"}, EN, false},
		{[]string{"--", "--lang", "zh-CN"}, nil, EN, false}, // after "--": an argument
		{[]string{"--lang", "fr"}, nil, EN, true},
		{[]string{"--lang"}, nil, EN, true},
	}
	for _, tt := range tests {
		got, err := Of(tt.args, env(tt.env))
		if got != tt.want || (err != nil) != tt.bad || err != nil && !errors.Is(err, ErrBadLang) {
			t.Errorf("Of(%q, %v) = %v, %v; want %v (error: %v)", tt.args, tt.env, got, err, tt.want, tt.bad)
		}
	}
}

func TestCatalog(t *testing.T) {
	c := Catalog{EN: {"a": "A %d", "b": "B"}, ZH: {"a": "甲 %d"}}
	for _, tt := range []struct {
		l    Lang
		id   string
		args []any
		want string
	}{
		{ZH, "a", []any{1}, "甲 1"},
		{EN, "a", []any{1}, "A 1"},
		{ZH, "b", nil, "B"}, // missing in Chinese: English
		{ZH, "c", nil, "c"}, // unknown: the id
	} {
		if got := c.T(tt.l, tt.id, tt.args...); got != tt.want {
			t.Errorf("T(%v, %q) = %q, want %q", tt.l, tt.id, got, tt.want)
		}
	}
}
