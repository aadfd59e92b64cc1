package importer

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Reader reads the rows of one import file.
type Reader struct {
	br     *bufio.Reader
	format Format
	cols   []int // CSV: the column index of each header field
	line   int
	rows   int
	err    error // sticky: the FileError or io.EOF that ended the file
	byID   map[string]*Row
	byOrd  map[[2]string]*Row
	// Location is the zone of times written without one (a spreadsheet's 2027/03/01); nil is UTC.
	Location *time.Location
}

func (r *Reader) loc() *time.Location {
	if r.Location == nil {
		return time.UTC
	}
	return r.Location
}

// NewReader returns a Reader of r in format f (Detect: decided by the first non-blank line).
func NewReader(r io.Reader, f Format) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, MaxLine), format: f, byID: map[string]*Row{}, byOrd: map[[2]string]*Row{}}
}

// Format returns the file's format; Detect until the first non-blank line was read.
func (r *Reader) Format() Format { return r.format }

// Line returns the number of the last line read.
func (r *Reader) Line() int { return r.line }

// Read returns the next valid row. A bad row returns a *RowError, after which Read goes on with the next
// row; the end of the file returns io.EOF; a file that cannot be read on returns a *FileError, and so does
// every later call. A row is bad when a field is missing, empty where it is required, too long, not UTF-8,
// holds control characters or surrounding spaces, has a bad time, status or quantity, or repeats the
// instance id or the order and order line of an earlier valid row.
func (r *Reader) Read() (*Row, error) {
	if r.err != nil {
		return nil, r.err
	}
	for {
		line, err := r.next()
		if err == io.EOF {
			err = r.eof()
		}
		var re *RowError
		if errors.As(err, &re) && r.format != JSONLines && r.cols == nil {
			err = &FileError{Line: re.Line, Msg: re.Msg + "; want a CSV header row (" + headerHint() + ") or JSON lines"}
		}
		if err != nil {
			if !IsRowError(err) {
				r.err = err
			}
			return nil, err
		}
		text := bytes.TrimSpace(line)
		if len(text) == 0 {
			continue
		}
		if r.format == Detect {
			r.format = CSV
			if text[0] == '{' {
				r.format = JSONLines
			}
		}
		start := r.line
		var rec []string
		if r.format == CSV {
			if rec, err = r.record(line); err != nil {
				if r.cols == nil && IsRowError(err) {
					re := err.(*RowError)
					err = &FileError{Line: re.Line, Msg: "header: " + re.Msg + "; want " + headerHint()}
				}
				if !IsRowError(err) {
					r.err = err
				}
				return nil, err
			}
		}
		if r.format == CSV && r.cols == nil {
			if err := r.header(rec, start); err != nil {
				r.err = err
				return nil, err
			}
			continue
		}
		if r.rows++; r.rows > MaxRows {
			r.err = &FileError{Line: r.line, Msg: fmt.Sprintf("more than %d rows: split the file (importing is idempotent, so the parts may come in any order)", MaxRows)}
			return nil, r.err
		}
		return r.row(line, rec, start)
	}
}

// record reads the CSV record that starts with line: the line itself, or with the lines that follow while a
// quoted field holding line breaks is open (at most maxRecordLines lines, MaxLine bytes). A record that
// cannot be parsed is a *RowError on its first line.
func (r *Reader) record(line []byte) ([]string, error) {
	start := r.line
	text := line
	for n := 1; ; n++ {
		if !utf8.Valid(text) {
			return nil, &RowError{Line: start, Msg: "not valid UTF-8 (save the file as UTF-8)"}
		}
		rec, err := splitCSV(text)
		if err == nil {
			return rec, nil
		}
		if err != errOpenQuote {
			return nil, &RowError{Line: start, Msg: err.Error()}
		}
		if n == maxRecordLines {
			return nil, &RowError{Line: start, Msg: fmt.Sprintf("%s within %d lines", errOpenQuote, maxRecordLines)}
		}
		next, err := r.next()
		if err == io.EOF {
			return nil, &RowError{Line: start, Msg: errOpenQuote.Error() + " by the end of the file"}
		}
		if err != nil {
			return nil, err
		}
		if len(text)+1+len(next) > MaxLine {
			return nil, &RowError{Line: start, Msg: fmt.Sprintf("record is longer than %d KiB", MaxLine>>10)}
		}
		text = append(append(append([]byte{}, text...), '\n'), next...)
	}
}

// next returns the next line without its line end. A line longer than MaxLine is skipped whole and
// returned as a *RowError; the end of the file is io.EOF.
func (r *Reader) next() ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	if len(line) == 0 && err == io.EOF {
		return nil, io.EOF
	}
	r.line++
	if errors.Is(err, bufio.ErrBufferFull) {
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = r.br.ReadSlice('\n')
		}
		if err != nil && err != io.EOF {
			return nil, &FileError{Line: r.line, Msg: "read: " + err.Error(), Err: err}
		}
		return nil, &RowError{Line: r.line, Msg: fmt.Sprintf("line is longer than %d KiB", MaxLine>>10)}
	}
	if err != nil && err != io.EOF {
		return nil, &FileError{Line: r.line, Msg: "read: " + err.Error(), Err: err}
	}
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	if r.line == 1 {
		line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
	}
	return line, nil
}

func (r *Reader) eof() error {
	if r.format != JSONLines && r.cols == nil {
		return &FileError{Msg: "the file is empty: want a CSV header row (" + headerHint() + ") or JSON lines"}
	}
	return io.EOF
}

func headerHint() string {
	h := columns[0]
	for _, c := range columns[1:nRequired] {
		h += "," + c
	}
	return h + "[,status,quantity]"
}

// row parses and checks one data row: a JSON line, or a CSV record (rec) that started on line start.
func (r *Reader) row(line []byte, rec []string, start int) (*Row, error) {
	var vals [nColumns]*string
	var err error
	if r.format == CSV {
		err = r.csvFields(rec, &vals)
	} else if !utf8.Valid(line) {
		err = errors.New("not valid UTF-8 (save the file as UTF-8)")
	} else {
		err = jsonFields(line, &vals)
	}
	if err != nil {
		return nil, &RowError{Line: start, Msg: err.Error()}
	}
	row, problems := check(&vals, r.loc())
	if problems != nil {
		msgs := make([]string, len(problems))
		for i, p := range problems {
			msgs[i] = p.String()
		}
		return nil, &RowError{Line: start, Msg: strings.Join(msgs, "; "), Problems: problems}
	}
	row.Line = start
	if err := r.unique(row); err != nil {
		return nil, err
	}
	return row, nil
}

// unique refuses a row whose instance id or order and order line an earlier valid row has, and records
// the row otherwise.
func (r *Reader) unique(row *Row) error {
	ord := [2]string{row.OrderID, row.OrderLineID}
	if prev := r.byID[row.InstanceID]; prev != nil {
		if prev.same(row) {
			return &RowError{Line: row.Line, Msg: fmt.Sprintf("duplicate of line %d", prev.Line)}
		}
		return &RowError{Line: row.Line, Msg: fmt.Sprintf("instance_id %q is also on line %d, with other data", row.InstanceID, prev.Line)}
	}
	if prev := r.byOrd[ord]; prev != nil {
		return &RowError{Line: row.Line, Msg: fmt.Sprintf("order_id %q with order_line_id %q is also on line %d, as instance %q",
			row.OrderID, row.OrderLineID, prev.Line, prev.InstanceID)}
	}
	r.byID[row.InstanceID], r.byOrd[ord] = row, row
	return nil
}
