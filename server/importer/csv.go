package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxRecordLines bounds how many lines one CSV record may span (a quoted cell holding line breaks).
const maxRecordLines = 32

// errOpenQuote is a record whose quoted cell is not closed by the end of the line: it goes on on the next.
var errOpenQuote = errors.New(`not valid CSV: a quoted field is not closed`)

// splitCSV parses text, one or more lines, as one CSV record with encoding/csv (RFC 4180: fields separated
// by commas; a field in double quotes may hold commas, doubled quotes and line breaks). It returns
// errOpenQuote when a quoted field is still open at the end of text, and otherwise says what is wrong and
// where.
func splitCSV(text []byte) ([]string, error) {
	cr := csv.NewReader(bytes.NewReader(text))
	cr.FieldsPerRecord = -1
	rec, err := cr.Read()
	if err == io.EOF {
		return []string{""}, nil
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		switch {
		case errors.Is(pe.Err, csv.ErrQuote) && bytes.Count(text, []byte{'"'})%2 == 1:
			return nil, errOpenQuote
		case errors.Is(pe.Err, csv.ErrBareQuote):
			return nil, fmt.Errorf(`not valid CSV at column %d: a quote in a field that does not start with one`, pe.Column)
		case errors.Is(pe.Err, csv.ErrQuote):
			return nil, fmt.Errorf(`not valid CSV at column %d: text after a quoted field's closing quote`, pe.Column)
		}
		return nil, fmt.Errorf("not valid CSV at column %d: %v", pe.Column, pe.Err)
	}
	if err != nil {
		return nil, err
	}
	if _, err := cr.Read(); err != io.EOF { // a line break outside quotes: never, as records are lines
		return nil, errors.New("not valid CSV: more than one record")
	}
	return rec, nil
}

// header reads the CSV header row (names, from line): known column names, each once, the required ones all
// present.
func (r *Reader) header(names []string, line int) error {
	fail := func(format string, args ...any) error {
		return &FileError{Line: line, Msg: "header: " + fmt.Sprintf(format, args...) + "; want " + headerHint()}
	}
	if len(names) > nColumns {
		return fail("%d columns, at most %d are known", len(names), nColumns)
	}
	seen := [nColumns]bool{}
	cols := make([]int, len(names))
	for i, n := range names {
		c := columnIndex(strings.TrimSpace(n))
		switch {
		case c < 0:
			return fail("unknown column %q", n)
		case seen[c]:
			return fail("column %q appears twice", n)
		}
		seen[c], cols[i] = true, c
	}
	var missing []string
	for c := range nRequired {
		if !seen[c] {
			missing = append(missing, columns[c])
		}
	}
	if len(missing) > 0 {
		return fail("missing column %s", strings.Join(missing, ", "))
	}
	r.cols = cols
	return nil
}

// csvFields parses a data record into vals, by the header's columns.
func (r *Reader) csvFields(rec []string, vals *[nColumns]*string) error {
	if len(rec) != len(r.cols) {
		return fmt.Errorf("%d fields, the header has %d", len(rec), len(r.cols))
	}
	for i, c := range r.cols {
		vals[c] = &rec[i]
	}
	return nil
}
