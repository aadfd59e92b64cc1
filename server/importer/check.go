package importer

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/licentia/licentia/server/license"
)

// check validates a row's fields and returns the row (without its line). It names every bad field.
func check(vals *[nColumns]*string, loc *time.Location) (*Row, error) {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	str := func(c, max int, required bool) string {
		v := ""
		if vals[c] != nil {
			v = *vals[c]
		}
		if msg := textProblem(v, max, required); msg != "" {
			bad("%s %s", columns[c], msg)
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
		exp, err := parseTime(v, loc)
		if err != nil {
			bad("expires_at %q %v", v, err)
		}
		row.ExpiresAt = exp
	}
	switch v := str(colStatus, MaxID, false); v {
	case "":
	case license.Active, license.Frozen, license.Released, license.Revoked:
		row.Status = v
	default:
		bad("status %q is not one of active, frozen, released, revoked", v)
	}
	if v := str(colQuantity, MaxID, false); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || n > MaxQuantity || v[0] == '+' {
			bad("quantity %q is not a whole number from 0 to %d", v, MaxQuantity)
		}
		row.Quantity = n
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	return row, nil
}

// textProblem says what is wrong with a text field ("" when nothing).
func textProblem(v string, max int, required bool) string {
	switch {
	case v == "" && required:
		return "is empty"
	case utf8.RuneCountInString(v) > max:
		return fmt.Sprintf("is longer than %d characters", max)
	case strings.TrimSpace(v) != v:
		return fmt.Sprintf("%q has leading or trailing spaces", v)
	case strings.ContainsFunc(v, unicode.IsControl):
		return fmt.Sprintf("%q holds a control character", v)
	}
	return ""
}

// spreadsheetTime is a date as spreadsheets export it — 2027-03-01, 2027/03/01, 2027/3/1 or 2027年3月1日 —
// optionally followed by a time of day, H:mm or H:mm:ss, after a space or a T, and no zone.
var spreadsheetTime = regexp.MustCompile(`^(\d{4})(?:-(\d{1,2})-(\d{1,2})|/(\d{1,2})/(\d{1,2})|年(\d{1,2})月(\d{1,2})日)(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$`)

// parseTime parses an expiry into unix seconds: an RFC 3339 time (a fraction of a second is dropped), or a
// spreadsheet's date (see spreadsheetTime) in loc — a date alone is its first second. The time must be
// after 1970-01-01T00:00:00Z.
func parseTime(v string, loc *time.Location) (int64, error) {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		var ok bool
		if t, ok = parseSpreadsheetTime(v, loc); !ok {
			return 0, errors.New("is not a time such as 2027-03-01T00:00:00Z, 2027-03-01T08:00:00+08:00, 2027/03/01 or " +
				"2027/3/1 8:00 (a time without a zone is in --tz)")
		}
	}
	if t.Unix() <= 0 {
		return 0, errors.New("is not after 1970-01-01T00:00:00Z")
	}
	return t.Unix(), nil
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
