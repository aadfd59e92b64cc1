package server

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/licentia/licentia/server/koogallery"
)

// paramError is a bad or missing marketplace parameter; it is answered with resultCode 000002.
type paramError struct{ msg string }

func (e *paramError) Error() string { return e.msg }

func badParam(format string, args ...any) error {
	return &paramError{msg: fmt.Sprintf(format, args...)}
}

// Field length limits from the marketplace's tables; free-text fields get a generous limit of their own.
const (
	maxID   = 64
	maxText = 256
)

// fields are the decoded parameters of one marketplace request (query string or flat JSON body).
type fields map[string]string

func (f fields) get(name string) string { return f[name] }

// required returns the field, or a paramError when it is missing, empty, too long or not UTF-8.
func (f fields) required(name string, max int) (string, error) {
	v, ok := f[name]
	if !ok || v == "" {
		return "", badParam("missing parameter %s", name)
	}
	return f.optional(name, max)
}

// optional returns the field ("" when absent), or a paramError when it is too long or not UTF-8.
func (f fields) optional(name string, max int) (string, error) {
	v := f[name]
	if !utf8.ValidString(v) {
		return "", badParam("parameter %s is not valid UTF-8", name)
	}
	if utf8.RuneCountInString(v) > max {
		return "", badParam("parameter %s is longer than %d characters", name, max)
	}
	return v, nil
}

// optTime parses a yyyyMMddHHmmss (or 17-digit) UTC time; 0 when absent.
func (f fields) optTime(name string) (int64, error) {
	v := f[name]
	if v == "" {
		return 0, nil
	}
	t, err := koogallery.ParseTime(v)
	if err != nil {
		return 0, badParam("parameter %s is not a yyyyMMddHHmmss time", name)
	}
	return t.Unix(), nil
}

// reqTime is optTime for a mandatory time.
func (f fields) reqTime(name string) (int64, error) {
	if f[name] == "" {
		return 0, badParam("missing parameter %s", name)
	}
	return f.optTime(name)
}

// optCount parses a non-negative integer; 0 when absent.
func (f fields) optCount(name string) (int64, error) {
	v := f[name]
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > 1_000_000_000 {
		return 0, badParam("parameter %s is not a non-negative integer", name)
	}
	return n, nil
}

// test reports whether the request is a marketplace probe (testFlag=1).
func (f fields) test() bool { return f["testFlag"] == "1" }
