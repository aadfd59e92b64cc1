// Package importer reads the files of `licentia codes import`: the orders a seller issued before it ran
// licentia, one license per row, so that the marketplace's later callbacks for them find their licenses.
//
// A file is CSV with a header row naming the columns
//
//	instance_id,order_id,order_line_id,product_id,sku,customer_id,expires_at[,status,quantity]
//
// (in any order; the first seven are required, status and quantity optional), or JSON lines: one object a
// line with the same names as keys, every value a string (quantity may also be a number; order_line_id,
// expires_at, sku, customer_id, status and quantity may also be null). One row is one line: CSV fields may be
// quoted, but no field holds a line break. Blank lines are skipped; a UTF-8 byte-order mark and CRLF line
// ends are accepted.
//
// Each row is checked on its own: a bad row comes back as a *RowError naming its line, and the rows around it
// are unaffected. A file that cannot be read as a whole (no or a wrong header, more than MaxRows rows, a read
// error) ends with a *FileError. The package does no I/O beyond the io.Reader it is given.
package importer

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/licentia/licentia/server/license"
)

// Limits on a file and its fields.
const (
	// MaxRows is the most data rows one file may hold; split bigger files (importing is idempotent).
	MaxRows = 100_000
	// MaxLine is the longest line, in bytes, a file may hold.
	MaxLine = 64 << 10
	// MaxID is the longest instance, order, order line, product and SKU id, in characters (the marketplace's
	// and the database's limit).
	MaxID = 64
	// MaxCustomerID is the longest customer id, in characters (the limit callbacks accept).
	MaxCustomerID = 256
	// MaxQuantity is the largest quantity.
	MaxQuantity = 1_000_000_000
)

// Format is a file format.
type Format string

// File formats.
const (
	// Detect picks the format from the first non-blank line: JSON lines when it starts with "{", else CSV.
	Detect    Format = ""
	CSV       Format = "csv"
	JSONLines Format = "jsonl"
)

// FormatOf returns the format a file name's extension names: CSV for .csv, JSON lines for .jsonl, .ndjson
// and .json, and Detect for any other name.
func FormatOf(name string) Format {
	switch strings.ToLower(path.Ext(name)) {
	case ".csv":
		return CSV
	case ".jsonl", ".ndjson", ".json":
		return JSONLines
	}
	return Detect
}

// ParseFormat returns the format named s: "csv", "jsonl" (also "json", "ndjson"), or "auto" and "" for
// Detect.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "", "auto":
		return Detect, nil
	case "csv":
		return CSV, nil
	case "jsonl", "json", "ndjson":
		return JSONLines, nil
	}
	return "", fmt.Errorf("format %q: want csv, jsonl or auto", s)
}

// Column names, as in the CSV header and the JSON keys.
const (
	ColInstanceID  = "instance_id"
	ColOrderID     = "order_id"
	ColOrderLineID = "order_line_id"
	ColProductID   = "product_id"
	ColSKU         = "sku"
	ColCustomerID  = "customer_id"
	ColExpiresAt   = "expires_at"
	ColStatus      = "status"
	ColQuantity    = "quantity"
)

// columns in the order of the design's header; the first nRequired must be present.
var columns = [...]string{ColInstanceID, ColOrderID, ColOrderLineID, ColProductID, ColSKU, ColCustomerID,
	ColExpiresAt, ColStatus, ColQuantity}

const nRequired = 7

const (
	colInstance = iota
	colOrder
	colOrderLine
	colProduct
	colSKU
	colCustomer
	colExpires
	colStatus
	colQuantity
	nColumns
)

func columnIndex(name string) int {
	for i, c := range columns {
		if c == name {
			return i
		}
	}
	return -1
}

// Row is one valid row: an existing order's license as the seller issued it.
type Row struct {
	// Line is the row's line number in the file, from 1.
	Line        int
	InstanceID  string
	OrderID     string
	OrderLineID string
	ProductID   string
	SKU         string
	CustomerID  string
	// ExpiresAt is the end in unix seconds; 0 for a perpetual license.
	ExpiresAt int64
	// Status is one of license.Active (the default), Frozen, Released or Revoked.
	Status   string
	Quantity int64
}

// same reports whether r and o describe the same license (their lines aside).
func (r *Row) same(o *Row) bool {
	a, b := *r, *o
	a.Line, b.Line = 0, 0
	return a == b
}

// Flow returns the marketplace flow the row's license belongs to: License 1.0 (keyed on the order alone)
// when the row has no order line, else the instance flow.
func (r *Row) Flow() string {
	if r.OrderLineID == "" {
		return license.FlowLicense1
	}
	return license.FlowInstance
}

// License returns the generation-1 license the row describes, imported at now (unsigned): created and
// changed now, starting now, or, when it had already expired by now, one second before its expiry (the
// start it had is unknown, and a code's start must precede its end). It returns an error wrapping
// license.ErrInvalid when the row cannot be a license.
func (r *Row) License(now time.Time) (license.License, error) {
	l := license.License{
		ID: r.InstanceID, OrderID: r.OrderID, OrderLineID: r.OrderLineID, Flow: r.Flow(),
		ProductID: r.ProductID, SKU: r.SKU, CustomerID: r.CustomerID, Quantity: r.Quantity, ExpiresAt: r.ExpiresAt,
	}
	created, _, err := license.Import(l, r.Status, now)
	if err != nil {
		return license.License{}, fmt.Errorf("line %d: %w", r.Line, err)
	}
	return created, nil
}

// RowError is a bad row: it is refused, and the rest of the file goes on.
type RowError struct {
	// Line is the row's line number, from 1.
	Line int
	// Msg says what is wrong, naming the fields.
	Msg string
	// Problems are the bad fields when the row was read but its fields are wrong (Msg says them in English);
	// nil when the row itself could not be read (not CSV, not JSON, not UTF-8).
	Problems []Problem
}

func (e *RowError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// FileError is a file that cannot be imported as a whole: no or a wrong header, too many rows, a read
// error. Line is the line it stopped at (0 when none applies).
type FileError struct {
	Line int
	Msg  string
	Err  error // the read error, if any
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// Unwrap returns the read error, if any.
func (e *FileError) Unwrap() error { return e.Err }

// IsRowError reports whether err is a bad row (the file goes on) rather than the end of the file.
func IsRowError(err error) bool {
	var re *RowError
	return errors.As(err, &re)
}
