package importer

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/licentia/licentia/server/license"
)

// Kinds of Problem.
const (
	ProblemEmpty      = "empty"       // a required field is empty
	ProblemTooLong    = "too_long"    // longer than Limit characters
	ProblemSpaces     = "spaces"      // leading or trailing spaces
	ProblemControl    = "control"     // a control character
	ProblemTime       = "time"        // expires_at is no time licentia reads
	ProblemBefore1970 = "before_1970" // expires_at is not after 1970-01-01T00:00:00Z
	ProblemStatus     = "status"      // status is none of active, frozen, released, revoked
	ProblemQuantity   = "quantity"    // quantity is not a whole number from 0 to Limit
)

// Problem is one bad field of a row, for a program to say in its reader's language; String says it in
// English.
type Problem struct {
	Field string // the column
	Value string // the value as given
	Kind  string // one of the Problem kinds
	Limit int    // the bound of ProblemTooLong and ProblemQuantity
}

func (p Problem) String() string {
	switch p.Kind {
	case ProblemEmpty:
		return p.Field + " is empty"
	case ProblemTooLong:
		return fmt.Sprintf("%s is longer than %d characters", p.Field, p.Limit)
	case ProblemSpaces:
		return fmt.Sprintf("%s %q has leading or trailing spaces", p.Field, p.Value)
	case ProblemControl:
		return fmt.Sprintf("%s %q holds a control character", p.Field, p.Value)
	case ProblemTime:
		return fmt.Sprintf("%s %q is not a time such as 2027-03-01T00:00:00Z, 2027-03-01T08:00:00+08:00, 2027/03/01 or "+
			"2027/3/1 8:00 (a time without a zone is in --tz)", p.Field, p.Value)
	case ProblemBefore1970:
		return fmt.Sprintf("%s %q is not after 1970-01-01T00:00:00Z", p.Field, p.Value)
	case ProblemStatus:
		return fmt.Sprintf("%s %q is not one of active, frozen, released, revoked", p.Field, p.Value)
	case ProblemQuantity:
		return fmt.Sprintf("%s %q is not a whole number from 0 to %d", p.Field, p.Value, p.Limit)
	}
	return fmt.Sprintf("%s %q: %s", p.Field, p.Value, p.Kind)
}

// check validates a row's fields and returns the row (without its line), or every bad field.
func check(vals *[nColumns]*string, loc *time.Location) (*Row, []Problem) {
	var problems []Problem
	str := func(c, max int, required bool) string {
		v := ""
		if vals[c] != nil {
			v = *vals[c]
		}
		if kind := textProblem(v, max, required); kind != "" {
			problems = append(problems, Problem{Field: columns[c], Value: v, Kind: kind, Limit: max})
			return ""
		}
		return v
	}
	row := &Row{
		InstanceID:  str(colInstance, MaxID, true),
		OrderID:     str(colOrder, MaxID, true),
		OrderLineID: str(colOrderLine, MaxID, false),
		ProductID:   str(colProduct, MaxID, true),
		SKU:         str(colSKU, MaxID, false),
		CustomerID:  str(colCustomer, MaxCustomerID, false),
		Status:      license.Active,
	}
	if v := str(colExpires, MaxID, false); v != "" {
		exp, kind := parseTime(v, loc)
		if kind != "" {
			problems = append(problems, Problem{Field: columns[colExpires], Value: v, Kind: kind})
		}
		row.ExpiresAt = exp
	}
	switch v := str(colStatus, MaxID, false); v {
	case "":
	case license.Active, license.Frozen, license.Released, license.Revoked:
		row.Status = v
	default:
		problems = append(problems, Problem{Field: columns[colStatus], Value: v, Kind: ProblemStatus})
	}
	if v := str(colQuantity, MaxID, false); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || n > MaxQuantity || v[0] == '+' {
			problems = append(problems, Problem{Field: columns[colQuantity], Value: v, Kind: ProblemQuantity, Limit: MaxQuantity})
		}
		row.Quantity = n
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return row, nil
}

// textProblem says what is wrong with a text field: a Problem kind, "" when nothing.
func textProblem(v string, max int, required bool) string {
	switch {
	case v == "" && required:
		return ProblemEmpty
	case utf8.RuneCountInString(v) > max:
		return ProblemTooLong
	case strings.TrimSpace(v) != v:
		return ProblemSpaces
	case strings.ContainsFunc(v, unicode.IsControl):
		return ProblemControl
	}
	return ""
}

// spreadsheetTime is a date as spreadsheets export it — 2027-03-01, 2027/03/01, 2027/3/1 or 2027年3月1日 —
// optionally followed by a time of day, H:mm or H:mm:ss, after a space or a T, and no zone.
var spreadsheetTime = regexp.MustCompile(`^(\d{4})(?:-(\d{1,2})-(\d{1,2})|/(\d{1,2})/(\d{1,2})|年(\d{1,2})月(\d{1,2})日)(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$`)

// parseTime parses an expiry into unix seconds: an RFC 3339 time (a fraction of a second is dropped), or a
// spreadsheet's date (see spreadsheetTime) in loc — a date alone is its first second. The time must be
// after 1970-01-01T00:00:00Z; kind is the Problem otherwise.
func parseTime(v string, loc *time.Location) (sec int64, kind string) {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		var ok bool
		if t, ok = parseSpreadsheetTime(v, loc); !ok {
			return 0, ProblemTime
		}
	}
	if t.Unix() <= 0 {
		return 0, ProblemBefore1970
	}
	return t.Unix(), ""
}

// parseSpreadsheetTime parses a spreadsheet's date and time in loc; ok is false for anything else, an
// impossible date (2027/2/30) or time (24:00) included.
func parseSpreadsheetTime(v string, loc *time.Location) (time.Time, bool) {
	m := spreadsheetTime.FindStringSubmatch(v)
	if m == nil {
		return time.Time{}, false
	}
	num := func(s string) int { n, _ := strconv.Atoi(s); return n }
	y, mo, d := num(m[1]), num(m[2]+m[4]+m[6]), num(m[3]+m[5]+m[7])
	h, mi, sec := num(m[8]), num(m[9]), num(m[10])
	t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, loc)
	if t.Year() != y || int(t.Month()) != mo || t.Day() != d || t.Hour() != h || t.Minute() != mi || t.Second() != sec {
		return time.Time{}, false // normalized: the date or time does not exist
	}
	return t, true
}
