package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/licentia/licentia/server/adminclient"
	"github.com/licentia/licentia/server/licensing"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/server/support"
)

// lang is the language the CLI speaks to the person reading it: usage texts, reports and error messages.
// Machine output (--json, serve's JSON log, exit codes) is the same in every language.
type lang int

const (
	langEN lang = iota // English, the default
	langZH             // Simplified Chinese, in KooGallery's own terms (商家, 云商店, 授权码, 续费, 退订, 冻结, 释放)
)

// catalogs holds every message of the CLI by id, one map per language (messages_en.go, messages_zh.go).
// TestCatalogs checks that both have the same ids with the same format verbs.
var catalogs = [...]map[string]string{langEN: messagesEN, langZH: messagesZH}

// T returns the message id in l, formatted with args as fmt.Sprintf does when args are given. A message
// missing in l is taken from English; an unknown id is returned as it is (TestCatalogs forbids both).
func (l lang) T(id string, args ...any) string {
	msg, ok := catalogs[l][id]
	if !ok {
		if msg, ok = messagesEN[id]; !ok {
			msg = id
		}
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}

// langFlag is the flag that picks the language on any command line.
const langFlag = "lang"

// langOf returns the language args ask for with --lang (anywhere before a "--"), else the one the locale
// asks for: the first set of LC_ALL, LC_MESSAGES and LANG (POSIX's order) naming Chinese (zh…) gives
// Chinese, anything else English. A --lang value that names neither is a usage error.
func langOf(args []string, getenv func(string) string) (lang, error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != langFlag {
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return langEN, &usageError{"--lang needs a value: en or zh-CN"}
			}
			value = args[i+1]
		}
		return parseLang(value)
	}
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(name); v != "" {
			if isChinese(v) {
				return langZH, nil
			}
			return langEN, nil
		}
	}
	return langEN, nil
}

// parseLang reads a --lang value: en (en-US, …) or zh-CN (zh, zh_CN, zh-Hans, …).
func parseLang(v string) (lang, error) {
	switch low := strings.ToLower(v); {
	case isChinese(low):
		return langZH, nil
	case low == "en" || strings.HasPrefix(low, "en-") || strings.HasPrefix(low, "en_") || low == "c" || low == "posix":
		return langEN, nil
	}
	return langEN, &usageError{fmt.Sprintf("--lang %q: want en or zh-CN / 请用 en 或 zh-CN", v)}
}

// isChinese reports whether a locale or language tag names Chinese (zh, zh_CN.UTF-8, zh-Hans, …).
func isChinese(v string) bool {
	v = strings.ToLower(v)
	return v == "zh" || strings.HasPrefix(v, "zh_") || strings.HasPrefix(v, "zh-") || strings.HasPrefix(v, "zh.")
}

// stripLeadingLang removes a --lang flag given before the command (licentia --lang zh-CN codes list).
func stripLeadingLang(args []string) []string {
	for len(args) > 0 {
		name, _, hasValue := strings.Cut(strings.TrimLeft(args[0], "-"), "=")
		if !strings.HasPrefix(args[0], "-") || name != langFlag {
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

// errorText is err as the program's last line says it in l: in Chinese, the errors support staff meet
// every day are explained first, the original text (which names what was looked up) following.
func (l lang) errorText(err error) string {
	msg := err.Error()
	if l == langEN {
		return msg
	}
	var ue *usageError
	if errors.As(err, &ue) {
		return msg // usage errors are written in the reader's language already
	}
	var ae *adminclient.APIError
	if errors.As(err, &ae) {
		if id, ok := apiErrors[ae.Code]; ok {
			return l.T("err.explained", l.T(id), msg)
		}
		return msg
	}
	for _, e := range knownErrors {
		if errors.Is(err, e.err) {
			return l.T("err.explained", l.T(e.id), msg)
		}
	}
	var re *licensing.RequestError
	if errors.As(err, &re) {
		return l.T("err.explained", l.T("err.bad_request"), msg)
	}
	return msg
}

// apiErrors are the admin API's error codes errorText explains, for commands run through --server.
var apiErrors = map[string]string{
	"not_found":                "err.not_found",
	"ambiguous":                "err.ambiguous",
	"invalid_code":             "err.invalid_code",
	"code_superseded":          "err.superseded",
	"unauthorized":             "err.unauthorized",
	"forbidden":                "err.forbidden",
	"conflict":                 "err.conflict",
	"not_received":             "err.not_received",
	"marketplace_unavailable":  "err.market_unavailable",
	"marketplace_unconfigured": "err.market_unconfigured",
	"license_released":         "err.released",
	"license_revoked":          "err.revoked",
	"rate_limited":             "err.rate_limited",
	"test_code":                "err.test_code",
	"bad_request":              "err.bad_request",
}

// knownErrors are the sentinel errors errorText explains, most specific first.
var knownErrors = []struct {
	err error
	id  string
}{
	{support.ErrAmbiguous, "err.ambiguous"},
	{support.ErrInvalidCode, "err.invalid_code"},
	{support.ErrSupersededProof, "err.superseded"},
	{support.ErrUnauthorized, "err.unauthorized"},
	{licensing.ErrNoSigner, "err.no_signer"},
	{licensing.ErrMarketUnconfigured, "err.market_unconfigured"},
	{licensing.ErrNeedsMarket, "err.market_unconfigured"},
	{licensing.ErrNotReceived, "err.not_received"},
	{licensing.ErrMarketUnavailable, "err.market_unavailable"},
	{licensing.ErrCodeInUse, "err.code_in_use"},
	{licensing.ErrUnknownMarketCode, "err.unknown_market_code"},
	{store.ErrNoSQLite, "err.no_sqlite"},
	{store.ErrNotFound, "err.not_found"},
	{store.ErrConflict, "err.conflict"},
}

// flagError is an error of the flag package in l.
func (l lang) flagError(err error) string { return l.T("bad_flag", err.Error()) }
