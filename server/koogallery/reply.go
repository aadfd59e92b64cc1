package koogallery

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Lengths the marketplace allows in a seller's answer (§1.5, §2.4.4).
const (
	MaxResultMsgLen  = 255
	MaxInstanceIDLen = 64
)

// ErrMalformedReply is returned by Reply's checks when the answer's form is wrong.
var ErrMalformedReply = errors.New("malformed answer")

// Reply is a seller's answer to one marketplace call, as Caller received it.
type Reply struct {
	// Legacy is true for the answer to a License 1.0 GET call.
	Legacy bool
	// HTTPStatus is the HTTP status code; the marketplace expects 200.
	HTTPStatus int
	// Header holds the response headers.
	Header http.Header
	// Body is the response body as received.
	Body []byte
	// ResultCode, ResultMsg, InstanceID and License are the answer's fields, "" when absent.
	ResultCode, ResultMsg, InstanceID, License string
	// Problems lists what is wrong with the answer's form, whatever its result code: HTTP status, JSON shape,
	// field types and lengths, a missing or wrong Body-Sign header.
	Problems []string
	// Issues are Problems as Sentences, one for each.
	Issues []Sentence
}

// Sentence is an explanation this package writes of a seller's answer, kept as an English format (one of
// ReplyFormats) and its arguments, so that a report can show it in another language by translating the
// format and formatting the same arguments (licentia simulate does). The arguments are values — result
// codes, field names, the seller's resultMsg, numbers — the same in every language.
type Sentence struct {
	Format string
	Args   []any
}

func (s Sentence) String() string { return fmt.Sprintf(s.Format, s.Args...) }

// The formats of the Sentences this package writes.
const (
	fmtHTTPStatus  = "HTTP status %d, want 200"
	fmtNotObject   = "answer is not a JSON object: %q"
	fmtNotSix      = "resultCode %q is not six digits"
	fmtNoBodySign  = "no Body-Sign header (every License 1.0 answer must be signed)"
	fmtSignTwice   = "Body-Sign header repeated"
	fmtBadBodySign = "Body-Sign does not verify with the access key over the exact body: %v"
	fmtNoField     = "answer has no %s"
	fmtNotString   = "%s is %s, want a JSON string"
	fmtTooLong     = "%s is %d characters long, the marketplace allows %d"
	fmtNotOK       = "resultCode %s (%s), want %s"
	fmtAccepted    = "resultCode %s: the seller accepted a request it must refuse"
	// FormatMalformed is the format of a FormError: ErrMalformedReply's text and the answer's problems.
	FormatMalformed = "malformed answer: %v"
)

// ReplyFormats are the formats of every Sentence this package writes, FormatMalformed included.
var ReplyFormats = []string{fmtHTTPStatus, fmtNotObject, fmtNotSix, fmtNoBodySign, fmtSignTwice, fmtBadBodySign,
	fmtNoField, fmtNotString, fmtTooLong, fmtNotOK, fmtAccepted, FormatMalformed}

// ReplyError is the error of FormError, Accepted, Created and Rejected: one Sentence, or (FormError's, which
// wraps ErrMalformedReply) the answer's problems under FormatMalformed.
type ReplyError struct {
	// Sentences say what is wrong, in order.
	Sentences []Sentence
	// Malformed is true for FormError's: the Sentences are the answer's problems.
	Malformed bool
}

func (e *ReplyError) Error() string {
	parts := make([]string, len(e.Sentences))
	for i, s := range e.Sentences {
		parts[i] = s.String()
	}
	if e.Malformed {
		return fmt.Sprintf(FormatMalformed, strings.Join(parts, "; "))
	}
	return strings.Join(parts, "; ")
}

// Unwrap returns ErrMalformedReply for FormError's, nil otherwise.
func (e *ReplyError) Unwrap() error {
	if e.Malformed {
		return ErrMalformedReply
	}
	return nil
}

func replyError(format string, args ...any) error {
	return &ReplyError{Sentences: []Sentence{{Format: format, Args: args}}}
}

// Inspect parses a seller's answer to a call sent some other way than Do and records every problem with its
// form, as Do does.
func (c *Caller) Inspect(legacy bool, status int, header http.Header, body []byte) *Reply {
	return inspect(legacy, status, header, body, c.key)
}

// inspect parses a seller's answer and records every problem with its form. key is the access key that must
// have signed its Body-Sign header, which is mandatory for a License 1.0 (legacy) answer and checked on other
// answers when present.
func inspect(legacy bool, status int, header http.Header, body []byte, key string) *Reply {
	a := &Reply{Legacy: legacy, HTTPStatus: status, Header: header, Body: body}
	if a.Header == nil {
		a.Header = http.Header{}
	}
	if status != http.StatusOK {
		a.problem(fmtHTTPStatus, status)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		a.problem(fmtNotObject, abbrev(body))
	} else {
		a.ResultCode = a.field(m, "resultCode", true, 6)
		a.ResultMsg = a.field(m, "resultMsg", false, MaxResultMsgLen)
		a.InstanceID = a.field(m, "instanceId", false, MaxInstanceIDLen)
		a.License = a.field(m, "license", false, 0)
		if a.ResultCode != "" && !sixDigits(a.ResultCode) {
			a.problem(fmtNotSix, a.ResultCode)
		}
	}
	signs := a.Header.Values("Body-Sign")
	switch {
	case len(signs) == 0 && legacy:
		a.problem(fmtNoBodySign)
	case len(signs) > 1:
		a.problem(fmtSignTwice)
	case len(signs) == 1:
		if err := VerifyBodySign(key, body, signs[0]); err != nil {
			a.problem(fmtBadBodySign, err)
		}
	}
	return a
}

func (a *Reply) problem(format string, args ...any) {
	s := Sentence{Format: format, Args: args}
	a.Problems, a.Issues = append(a.Problems, s.String()), append(a.Issues, s)
}

// field returns the string member name of m, recording a problem when it is missing (and mandatory), not a
// string, or longer than max characters (max 0: no limit).
func (a *Reply) field(m map[string]json.RawMessage, name string, mandatory bool, max int) string {
	raw, ok := m[name]
	if !ok || string(raw) == "null" {
		if mandatory {
			a.problem(fmtNoField, name)
		}
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		a.problem(fmtNotString, name, abbrev(raw))
		return ""
	}
	if max > 0 && utf8.RuneCountInString(s) > max {
		a.problem(fmtTooLong, name, utf8.RuneCountInString(s), max)
	}
	return s
}

func sixDigits(s string) bool {
	if len(s) != 6 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func abbrev(b []byte) string {
	const max = 120
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}

// FormError returns an error wrapping ErrMalformedReply that lists the answer's problems, or nil.
func (a *Reply) FormError() error {
	if len(a.Problems) == 0 {
		return nil
	}
	return &ReplyError{Sentences: a.Issues, Malformed: true}
}

// Accepted checks that the seller accepted the call: a well-formed answer with resultCode 000000.
func (a *Reply) Accepted() error {
	if err := a.FormError(); err != nil {
		return err
	}
	if a.ResultCode != ResultOK {
		return replyError(fmtNotOK, a.ResultCode, a.ResultMsg, ResultOK)
	}
	return nil
}

// Created checks that the seller accepted a create and answered an instanceId and a license.
func (a *Reply) Created() error {
	if err := a.Accepted(); err != nil {
		return err
	}
	if a.InstanceID == "" {
		return replyError(fmtNoField, "instanceId")
	}
	if a.License == "" {
		return replyError(fmtNoField, "license")
	}
	return nil
}

// Rejected checks that the seller refused the call: a well-formed answer with any result code other than
// 000000.
func (a *Reply) Rejected() error {
	if err := a.FormError(); err != nil {
		return err
	}
	if a.ResultCode == ResultOK {
		return replyError(fmtAccepted, ResultOK)
	}
	return nil
}
