package importer

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/licentia/licentia/server/license"
)

// check validates a row's fields and returns the row (without its line). It names every bad field.
func check(vals *[nColumns]*string) (*Row, error) {
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
		exp, err := parseTime(v)
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

// parseTime parses an RFC 3339 time into unix seconds (a fraction of a second is dropped). The time must
// be after 1970-01-01T00:00:00Z.
func parseTime(v string) (int64, error) {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return 0, errors.New("is not an RFC 3339 time such as 2027-03-01T00:00:00Z or 2027-03-01T08:00:00+08:00")
	}
	if t.Unix() <= 0 {
		return 0, errors.New("is not after 1970-01-01T00:00:00Z")
	}
	return t.Unix(), nil
}
