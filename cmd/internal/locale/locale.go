// Package locale settles the language licentia's commands speak to the person reading them (licentia and
// licentia-verify alike): --lang on the command line, else the POSIX locale variables. Machine output
// (--json, logs, exit statuses, reason names) is the same in every language.
package locale

import (
	"errors"
	"fmt"
	"strings"
)

// Lang is a language of the commands' texts.
type Lang int

const (
	EN Lang = iota // English, the default
	ZH             // Simplified Chinese, in KooGallery's own terms (商家, 云商店, 授权码, 续费, 退订, 冻结, 释放)
)

// Flag is the name of the flag that picks the language on any command line: --lang en|zh-CN.
const Flag = "lang"

// ErrBadLang is what Of and Parse return for a --lang without a value or with one naming neither language;
// the error's text says so in both languages.
var ErrBadLang = errors.New("--lang: want en or zh-CN / 请用 en 或 zh-CN")

// Of returns the language args ask for with --lang (anywhere before a "--"), else the one the locale asks
// for: the first set of LC_ALL, LC_MESSAGES and LANG (POSIX's order) naming Chinese (zh…) gives Chinese,
// anything else English.
func Of(args []string, getenv func(string) string) (Lang, error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != Flag {
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return EN, fmt.Errorf("%w: --lang needs a value", ErrBadLang)
			}
			value = args[i+1]
		}
		return Parse(value)
	}
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(name); v != "" {
			if IsChinese(v) {
				return ZH, nil
			}
			return EN, nil
		}
	}
	return EN, nil
}

// Parse reads a --lang value: en (en-US, C, POSIX, …) or zh-CN (zh, zh_CN, zh-Hans, …).
func Parse(v string) (Lang, error) {
	switch low := strings.ToLower(v); {
	case IsChinese(low):
		return ZH, nil
	case low == "en" || strings.HasPrefix(low, "en-") || strings.HasPrefix(low, "en_") || low == "c" || low == "posix":
		return EN, nil
	}
	return EN, fmt.Errorf("%w: %q", ErrBadLang, v)
}

// IsChinese reports whether a locale or language tag names Chinese (zh, zh_CN.UTF-8, zh-Hans, …).
func IsChinese(v string) bool {
	v = strings.ToLower(v)
	return v == "zh" || strings.HasPrefix(v, "zh_") || strings.HasPrefix(v, "zh-") || strings.HasPrefix(v, "zh.")
}

// StripLeading removes --lang flags given before the command (licentia --lang zh-CN codes list).
func StripLeading(args []string) []string {
	for len(args) > 0 {
		name, _, hasValue := strings.Cut(strings.TrimLeft(args[0], "-"), "=")
		if !strings.HasPrefix(args[0], "-") || name != Flag {
			return args
		}
		if hasValue || len(args) < 2 {
			args = args[1:]
		} else {
			args = args[2:]
		}
	}
	return args
}

// Catalog holds a command's messages by id, one map per language.
type Catalog [2]map[string]string

// T returns the message id in l, formatted with args as fmt.Sprintf does when args are given. A message
// missing in l is taken from English; an unknown id is returned as it is (each command's catalog test
// forbids both).
func (c *Catalog) T(l Lang, id string, args ...any) string {
	msg, ok := c[l][id]
	if !ok {
		if msg, ok = c[EN][id]; !ok {
			msg = id
		}
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}
