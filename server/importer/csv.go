package importer

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// splitCSV parses one line as one CSV record (RFC 4180: fields separated by commas, a field in double
// quotes may hold commas and doubled quotes).
func splitCSV(line []byte) ([]string, error) {
	var fields []string
	for i := 0; ; {
		if i < len(line) && line[i] == '"' {
			var b []byte
			for i++; ; {
				j := bytes.IndexByte(line[i:], '"')
				if j < 0 {
					return nil, errors.New(`not valid CSV: a quoted field is not closed on its line (fields cannot hold line breaks)`)
				}
				b, i = append(b, line[i:i+j]...), i+j+1
				if i < len(line) && line[i] == '"' {
					b, i = append(b, '"'), i+1
					continue
				}
				break
			}
			fields = append(fields, string(b))
			if i < len(line) && line[i] != ',' {
				return nil, fmt.Errorf(`not valid CSV at column %d: text after a quoted field's closing quote`, i+1)
			}
		} else {
			j := bytes.IndexByte(line[i:], ',')
			if j < 0 {
				j = len(line) - i
			}
			f := line[i : i+j]
			if q := bytes.IndexByte(f, '"'); q >= 0 {
				return nil, fmt.Errorf(`not valid CSV at column %d: a quote in a field that does not start with one`, i+q+1)
			}
			fields, i = append(fields, string(f)), i+j
		}
		if i >= len(line) {
			return fields, nil
		}
		i++ // the comma
	}
}

// header reads the CSV header row: known column names, each once, the required ones all present.
func (r *Reader) header(line []byte) error {
	fail := func(format string, args ...any) error {
		return &FileError{Line: r.line, Msg: "header: " + fmt.Sprintf(format, args...) + "; want " + headerHint()}
	}
	if !utf8.Valid(line) {
		return fail("not valid UTF-8 (save the file as UTF-8)")
	}
	names, err := splitCSV(line)
	if err != nil {
		return fail("%v", err)
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

// csvFields parses a data line into vals, by the header's columns.
func (r *Reader) csvFields(line []byte, vals *[nColumns]*string) error {
	rec, err := splitCSV(line)
	if err != nil {
		return err
	}
	if len(rec) != len(r.cols) {
		return fmt.Errorf("%d fields, the header has %d", len(rec), len(r.cols))
	}
	for i, c := range r.cols {
		vals[c] = &rec[i]
	}
	return nil
}
