package main

import (
	"errors"

	"github.com/licentia/licentia/cmd/internal/locale"

	"github.com/licentia/licentia/server/adminclient"
	"github.com/licentia/licentia/server/licensing"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/server/support"
)

// lang is the language the CLI speaks to the person reading it: usage texts, reports and error messages.
// Machine output (--json, serve's JSON log, exit codes) is the same in every language. It is settled by
// package locale, which licentia-verify shares.
type lang int

const (
	langEN = lang(locale.EN) // English, the default
	langZH = lang(locale.ZH) // Simplified Chinese, in KooGallery's own terms (商家, 云商店, 授权码, 续费, 退订, 冻结, 释放)
)

// catalogs holds every message of the CLI by id, one map per language (messages_en.go, messages_zh.go).
// TestCatalogs checks that both have the same ids with the same format verbs.
var catalogs = locale.Catalog{locale.EN: messagesEN, locale.ZH: messagesZH}

// T returns the message id in l, formatted with args as fmt.Sprintf does when args are given. A message
// missing in l is taken from English; an unknown id is returned as it is (TestCatalogs forbids both).
func (l lang) T(id string, args ...any) string { return catalogs.T(locale.Lang(l), id, args...) }

// langFlag is the flag that picks the language on any command line.
const langFlag = locale.Flag

// langOf returns the language args ask for with --lang (anywhere before a "--"), else the one the locale
// asks for (locale.Of: LC_ALL, LC_MESSAGES, LANG). A --lang value that names neither is a usage error.
func langOf(args []string, getenv func(string) string) (lang, error) {
	l, err := locale.Of(args, getenv)
	if err != nil {
		return langEN, &usageError{err.Error()}
	}
	return lang(l), nil
}

// stripLeadingLang removes a --lang flag given before the command (licentia --lang zh-CN codes list).
func stripLeadingLang(args []string) []string { return locale.StripLeading(args) }

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
	var ex *explained
	if errors.As(err, &ex) {
		return l.T("err.explained", l.T(ex.id, ex.args...), msg)
	}
	return msg
}

// explained is an error whose text stays as it is, which errorText explains first in Chinese with the
// message id (and its args): what serve was doing when it stopped, say. errors.Is and As see through it.
type explained struct {
	id   string
	args []any
	err  error
}

func (e *explained) Error() string { return e.err.Error() }
func (e *explained) Unwrap() error { return e.err }

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
