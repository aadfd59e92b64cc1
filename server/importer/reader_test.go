package importer

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/licentia/licentia/server/license"
)

const header = "instance_id,order_id,order_line_id,product_id,sku,customer_id,expires_at\n"

// readAll reads every row of r: the valid rows, the bad ones, and the error that ended the file (nil
// for io.EOF).
func readAll(t testing.TB, r *Reader) ([]*Row, []*RowError, error) {
	t.Helper()
	var rows []*Row
	var bad []*RowError
	for range MaxRows + 10 {
		row, err := r.Read()
		var re *RowError
		switch {
		case err == io.EOF:
			return rows, bad, nil
		case errors.As(err, &re):
			bad = append(bad, re)
		case err != nil:
			return rows, bad, err
		default:
			rows = append(rows, row)
		}
	}
	t.Fatal("Read() never ended")
	return nil, nil, nil
}

func TestReadValid(t *testing.T) {
	exp := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC).Unix()
	want := []Row{
		{Line: 2, InstanceID: "i-1", OrderID: "O-1", ProductID: "P1", SKU: "S1", CustomerID: "c-1", ExpiresAt: exp, Status: license.Active},
		{Line: 3, InstanceID: "i-2", OrderID: "O-2", OrderLineID: "L-1", ProductID: "P1", Status: license.Active},
		{Line: 5, InstanceID: "i-3", OrderID: "O-2", OrderLineID: "L-2", ProductID: "P,2", CustomerID: `c "q"`,
			ExpiresAt: exp, Status: license.Frozen, Quantity: 5},
		{Line: 6, InstanceID: "客户-4", OrderID: "O-4", ProductID: "P1", ExpiresAt: exp - 8*3600, Status: license.Revoked},
	}
	csvFile := "\xef\xbb\xbfexpires_at,instance_id,order_id,order_line_id,product_id,sku,customer_id,status,quantity\r\n" +
		"2027-03-01T00:00:00Z,i-1,O-1,,P1,S1,c-1,,\r\n" +
		",i-2,O-2,L-1,P1,,,active,\r\n" +
		"\r\n" +
		`2027-03-01T08:00:00+08:00,i-3,O-2,L-2,"P,2",,"c ""q""",frozen,5` + "\r\n" +
		"2027-03-01T00:00:00.9+08:00,客户-4,O-4,,P1,,,revoked,0" // no line end at the end
	jsonFile := "\n" + `{"instance_id":"i-1","order_id":"O-1","order_line_id":"","product_id":"P1","sku":"S1","customer_id":"c-1","expires_at":"2027-03-01T00:00:00Z"}
{"instance_id":"i-2","order_id":"O-2","order_line_id":"L-1","product_id":"P1","sku":null,"customer_id":"","expires_at":null,"status":"active"}

 {"instance_id":"i-3","order_id":"O-2","order_line_id":"L-2","product_id":"P,2","sku":"","customer_id":"c \"q\"","expires_at":"2027-03-01T08:00:00+08:00","status":"frozen","quantity":5}
{"quantity":"0","status":"revoked","expires_at":"2027-03-01T00:00:00.9+08:00","customer_id":"","sku":"","product_id":"P1","order_line_id":"","order_id":"O-4","instance_id":"客户-4"}
`
	tests := []struct {
		name   string
		file   string
		format Format
		want   Format
	}{
		{"csv", csvFile, CSV, CSV},
		{"csv detected", csvFile, Detect, CSV},
		{"json lines", jsonFile, JSONLines, JSONLines},
		{"json lines detected", jsonFile, Detect, JSONLines},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.file), tt.format)
			rows, bad, err := readAll(t, r)
			if err != nil || len(bad) != 0 {
				t.Fatalf("read: bad rows %v, err %v; want none", bad, err)
			}
			if r.Format() != tt.want {
				t.Errorf("Format() = %q, want %q", r.Format(), tt.want)
			}
			if len(rows) != len(want) {
				t.Fatalf("got %d rows, want %d", len(rows), len(want))
			}
			for i, row := range rows {
				if *row != want[i] {
					t.Errorf("row %d = %+v, want %+v", i, *row, want[i])
				}
			}
		})
	}
}

// TestReadBadRows: every kind of bad row is refused with its line number, and the rows around it stay.
func TestReadBadRows(t *testing.T) {
	long := strings.Repeat("x", MaxID+1)
	longCust := strings.Repeat("客", MaxCustomerID+1)
	tests := []struct {
		name string
		row  string // CSV data line (line 3, after the header and a good row)
		want string
	}{
		{"too few fields", "i-9,O-9,,P1,,", "6 fields, the header has 7"},
		{"too many fields", "i-9,O-9,,P1,,,,extra", "8 fields, the header has 7"},
		{"empty instance", ",O-9,,P1,,,", "instance_id is empty"},
		{"empty order", "i-9,,,P1,,,", "order_id is empty"},
		{"empty product", "i-9,O-9,,,,,", "product_id is empty"},
		{"long instance", long + ",O-9,,P1,,,", "instance_id is longer than 64 characters"},
		{"long order", "i-9," + long + ",,P1,,,", "order_id is longer than 64 characters"},
		{"long order line", "i-9,O-9," + long + ",P1,,,", "order_line_id is longer than 64 characters"},
		{"long product", "i-9,O-9,," + long + ",,,", "product_id is longer than 64 characters"},
		{"long sku", "i-9,O-9,,P1," + long + ",,", "sku is longer than 64 characters"},
		{"long customer", "i-9,O-9,,P1,," + longCust + ",", "customer_id is longer than 256 characters"},
		{"spaces", "i-9, O-9,,P1,,,", `order_id " O-9" has leading or trailing spaces`},
		{"control character", "i-9,O-9,,P1,\"S\t1\",,", `sku "S\t1" holds a control character`},
		{"not utf-8", "i-9,O-\xff,,P1,,,", "not valid UTF-8 (save the file as UTF-8)"},
		{"gbk", "i-9,O-9,,P1,,\xbf\xcd\xbb\xa7,", "not valid UTF-8"},
		{"bad time", "i-9,O-9,,P1,,,2027-13-01T00:00:00Z", `expires_at "2027-13-01T00:00:00Z" is not a time such as`},
		{"impossible date", "i-9,O-9,,P1,,,2027/2/30", `expires_at "2027/2/30" is not a time such as`},
		{"impossible hour", "i-9,O-9,,P1,,,2027/3/1 24:00", `expires_at "2027/3/1 24:00" is not a time such as`},
		{"day first", "i-9,O-9,,P1,,,01/03/2027", `expires_at "01/03/2027" is not a time such as`},
		{"marketplace time", "i-9,O-9,,P1,,,20270301000000", "is not a time such as"},
		{"before 1970", "i-9,O-9,,P1,,,1969-12-31T23:59:59Z", "is not after 1970-01-01T00:00:00Z"},
		{"bare quote", `i-9,O"9,,P1,,,`, "not valid CSV at column 6: a quote in a field that does not start with one"},
		{"text after quote", `i-9,"O-9"x,,P1,,,`, "not valid CSV at column 9: text after a quoted field's closing quote"},
		{"two problems", "i-9,,,P1,,,soon", `order_id is empty; expires_at "soon" is not a time such as`},
		{"duplicate row", "i-1,O-1,,P1,,,", "duplicate of line 2"},
		{"instance id twice", "i-1,O-9,,P1,,,", `instance_id "i-1" is also on line 2, with other data`},
		{"order twice", "i-9,O-1,,P1,,,", `order_id "O-1" with order_line_id "" is also on line 2, as instance "i-1"`},
		{"10 MB line", "i-9,O-9,,P1,,," + strings.Repeat("x", 10<<20), "line is longer than 64 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := header + "i-1,O-1,,P1,,,\n" + tt.row + "\n" + "i-2,O-2,L-1,P1,,,\n"
			rows, bad, err := readAll(t, NewReader(strings.NewReader(file), CSV))
			if err != nil {
				t.Fatalf("read err = %v, want only a bad row", err)
			}
			if len(bad) != 1 || bad[0].Line != 3 || !strings.Contains(bad[0].Msg, tt.want) {
				t.Fatalf("bad rows = %v, want one on line 3 saying %q", bad, tt.want)
			}
			if len(rows) != 2 || rows[0].Line != 2 || rows[1].Line != 4 {
				t.Errorf("valid rows = %v, want lines 2 and 4", rows)
			}
		})
	}
}

func TestReadBadRowsCSVOptional(t *testing.T) {
	tests := []struct{ row, want string }{
		{"i-9,O-9,,P1,,,,paused,", `status "paused" is not one of active, frozen, released, revoked`},
		{"i-9,O-9,,P1,,,,Active,", `status "Active" is not one of`},
		{"i-9,O-9,,P1,,,,,-1", `quantity "-1" is not a whole number from 0 to 1000000000`},
		{"i-9,O-9,,P1,,,,,1.5", `quantity "1.5" is not a whole number`},
		{"i-9,O-9,,P1,,,,,+3", `quantity "+3" is not a whole number`},
		{"i-9,O-9,,P1,,,,,1000000001", `quantity "1000000001" is not a whole number`},
	}
	h := strings.TrimSuffix(header, "\n") + ",status,quantity\n"
	for _, tt := range tests {
		t.Run(tt.row, func(t *testing.T) {
			_, bad, err := readAll(t, NewReader(strings.NewReader(h+tt.row+"\n"), Detect))
			if err != nil || len(bad) != 1 || bad[0].Line != 2 || !strings.Contains(bad[0].Msg, tt.want) {
				t.Errorf("bad rows = %v, err %v; want one on line 2 saying %q", bad, err, tt.want)
			}
		})
	}
}

func TestReadBadRowsJSON(t *testing.T) {
	good := `"instance_id":"i-9","order_id":"O-9","order_line_id":"","product_id":"P1","sku":"","customer_id":""`
	tests := []struct{ name, row, want string }{
		{"not an object", `["i-9"]`, "not a JSON object"},
		{"unknown field", `{` + good + `,"expires_at":"","expiry":""}`, `unknown field "expiry"`},
		{"field twice", `{` + good + `,"expires_at":"","order_id":"O-8"}`, `field "order_id" appears twice`},
		{"missing field", `{` + good + `}`, "missing field expires_at"},
		{"number", `{` + good + `,"expires_at":1790000000}`, `field "expires_at" must be a JSON string`},
		{"bool", `{` + good + `,"expires_at":"","status":true}`, `field "status" must be a JSON string`},
		{"nested", `{` + good + `,"expires_at":{"at":""}}`, `field "expires_at" must be a JSON string`},
		{"null id", `{"instance_id":null,"order_id":"O-9","order_line_id":"","product_id":"P1","sku":"","customer_id":"","expires_at":""}`,
			`field "instance_id" must not be null`},
		{"fraction", `{` + good + `,"expires_at":"","quantity":2.5}`, `quantity "2.5" is not a whole number`},
		{"syntax", `{` + good + `,"expires_at":""`, "the object is not closed on its line"},
		{"bad token", `{` + good + `,"expires_at":""]`, "not valid JSON at byte"},
		{"trailing", `{` + good + `,"expires_at":""} {}`, "more after the object's closing brace"},
		{"not utf-8", `{` + good + `,"expires_at":"` + "\xff" + `"}`, "not valid UTF-8"},
		{"bad time", `{` + good + `,"expires_at":"tomorrow"}`, `expires_at "tomorrow" is not a time such as`},
		{"long", `{` + strings.Replace(good, `"sku":""`, `"sku":"`+strings.Repeat("s", 65)+`"`, 1) + `,"expires_at":""}`,
			"sku is longer than 64 characters"},
	}
	first := `{"instance_id":"i-1","order_id":"O-1","order_line_id":"","product_id":"P1","sku":"","customer_id":"","expires_at":""}`
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := first + "\n" + tt.row + "\n"
			rows, bad, err := readAll(t, NewReader(strings.NewReader(file), JSONLines))
			if err != nil || len(bad) != 1 || bad[0].Line != 2 || !strings.Contains(bad[0].Msg, tt.want) {
				t.Errorf("bad rows = %v, err %v; want one on line 2 saying %q", bad, err, tt.want)
			}
			if len(rows) != 1 {
				t.Errorf("valid rows = %d, want 1", len(rows))
			}
		})
	}
}

// TestReadFileErrors: a file that cannot be read as a whole ends the reading with a FileError.
func TestReadFileErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString(header)
	for i := range MaxRows + 1 {
		fmt.Fprintf(&b, "i-%d,O-%d,,P1,,,\n", i, i)
	}
	tests := []struct {
		name string
		file string
		line int
		want string
	}{
		{"empty", "", 0, "the file is empty"},
		{"blank", "\n \n", 0, "the file is empty"},
		{"no header", "i-1,O-1,,P1,,,\n", 1, `header: unknown column "i-1"`},
		{"unknown column", "instance_id,order_id,order_line_id,product_id,sku,customer_id,expires_at,colour\n", 1, `unknown column "colour"`},
		{"missing column", "instance_id,order_id,product_id,sku,customer_id\n", 1, "missing column order_line_id, expires_at"},
		{"column twice", "instance_id,order_id,order_line_id,product_id,sku,customer_id,expires_at,sku\n", 1, `column "sku" appears twice`},
		{"too many columns", strings.TrimSuffix(header, "\n") + ",status,quantity,a\n", 1, "10 columns, at most 9 are known"},
		{"header not utf-8", "instance_id,order_id\xff\n", 1, "header: not valid UTF-8"},
		{"header bad csv", `instance_id,"order_id` + "\n", 1, "header: not valid CSV"},
		{"header too long", strings.Repeat("x", MaxLine+1) + "\n", 1, "line is longer than 64 KiB"},
		{"too many rows", b.String(), MaxRows + 2, "more than 100000 rows: split the file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.file), Detect)
			_, _, err := readAll(t, r)
			var fe *FileError
			if !errors.As(err, &fe) || fe.Line != tt.line || !strings.Contains(fe.Error(), tt.want) {
				t.Fatalf("read err = %v, want a FileError on line %d saying %q", err, tt.line, tt.want)
			}
			if _, again := r.Read(); again != err {
				t.Errorf("Read() after the end = %v, want %v again", again, err)
			}
		})
	}
}

func TestReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	r := NewReader(io.MultiReader(strings.NewReader(header+"i-1,O-1,,P1,,,\n"), iotest.ErrReader(boom)), CSV)
	rows, _, err := readAll(t, r)
	if len(rows) != 1 || !errors.Is(err, boom) {
		t.Errorf("read = %d rows, err %v; want 1 row and %v", len(rows), err, boom)
	}
}

func TestFormats(t *testing.T) {
	for name, want := range map[string]Format{"orders.csv": CSV, "a/b/ORDERS.CSV": CSV, "o.jsonl": JSONLines,
		"o.ndjson": JSONLines, "o.json": JSONLines, "orders.txt": Detect, "-": Detect} {
		if got := FormatOf(name); got != want {
			t.Errorf("FormatOf(%q) = %q, want %q", name, got, want)
		}
	}
	for s, want := range map[string]Format{"": Detect, "auto": Detect, "CSV": CSV, "jsonl": JSONLines, "ndjson": JSONLines} {
		if got, err := ParseFormat(s); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q", s, got, err, want)
		}
	}
	if _, err := ParseFormat("xlsx"); err == nil {
		t.Error("ParseFormat(xlsx) err = nil, want an error")
	}
}

func TestRowLicense(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	day := int64(24 * 3600)
	tests := []struct {
		name               string
		row                Row
		flow, status       string
		startsAt, expireAt int64
	}{
		{"license 1.0", Row{InstanceID: "i-1", OrderID: "O-1", ProductID: "P", ExpiresAt: now.Unix() + day, Status: license.Active},
			license.FlowLicense1, license.Active, now.Unix(), now.Unix() + day},
		{"instance, perpetual, frozen", Row{InstanceID: "i-2", OrderID: "O-2", OrderLineID: "L", ProductID: "P", Status: license.Frozen},
			license.FlowInstance, license.Frozen, now.Unix(), 0},
		{"expired before the import", Row{InstanceID: "i-3", OrderID: "O-3", ProductID: "P", ExpiresAt: now.Unix() - day, Status: license.Active},
			license.FlowLicense1, license.Active, now.Unix() - day - 1, now.Unix() - day},
		{"expiring as it is imported", Row{InstanceID: "i-4", OrderID: "O-4", ProductID: "P", ExpiresAt: now.Unix(), Status: license.Released},
			license.FlowLicense1, license.Released, now.Unix() - 1, now.Unix()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := tt.row.License(now)
			if err != nil {
				t.Fatalf("License() err = %v", err)
			}
			if l.Flow != tt.flow || l.Status != tt.status || l.StartsAt != tt.startsAt || l.ExpiresAt != tt.expireAt {
				t.Errorf("License() flow %s status %s start %d exp %d, want %s %s %d %d", l.Flow, l.Status, l.StartsAt,
					l.ExpiresAt, tt.flow, tt.status, tt.startsAt, tt.expireAt)
			}
			if l.Generation != 1 || l.ProofGen != 1 || l.ChangedAt != now.Unix() || l.CreatedAt != now.Unix() || l.ID != tt.row.InstanceID {
				t.Errorf("License() = %+v, want generation 1 of %s changed and created now", l, tt.row.InstanceID)
			}
		})
	}
}

// BenchmarkRead reads a 10,000-row CSV file.
func BenchmarkRead(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(header)
	for i := range 10_000 {
		fmt.Fprintf(&sb, "instance-%08d,ORDER-%08d,LINE-%d,PRODUCT-1,SKU-1,customer-%d,2027-03-01T00:00:00Z\n", i, i, i, i)
	}
	file := sb.String()
	b.SetBytes(int64(len(file)))
	for b.Loop() {
		rows, bad, err := readAll(b, NewReader(strings.NewReader(file), CSV))
		if err != nil || len(bad) != 0 || len(rows) != 10_000 {
			b.Fatalf("read %d rows, %d bad, err %v", len(rows), len(bad), err)
		}
	}
}

// TestReadSpreadsheet: the date forms spreadsheets export read in the Reader's zone (UTC unless set), and a
// quoted cell spanning lines is one record (encoding/csv), reported on the line it starts.
func TestReadSpreadsheet(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	tests := []struct {
		value string
		loc   *time.Location
		want  time.Time
	}{
		{"2027-03-01", nil, time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)},
		{"2027/03/01", nil, time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)},
		{"2027/3/1", shanghai, time.Date(2027, 3, 1, 0, 0, 0, 0, shanghai)},
		{"2027/3/1 8:05", shanghai, time.Date(2027, 3, 1, 8, 5, 0, 0, shanghai)},
		{"2027-03-01 08:05:09", nil, time.Date(2027, 3, 1, 8, 5, 9, 0, time.UTC)},
		{"2027-03-01T08:05", nil, time.Date(2027, 3, 1, 8, 5, 0, 0, time.UTC)},
		{"2027年3月1日", shanghai, time.Date(2027, 3, 1, 0, 0, 0, 0, shanghai)},
		{"2027-03-01T00:00:00Z", shanghai, time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)}, // a zone given wins
	}
	for _, tt := range tests {
		r := NewReader(strings.NewReader(header+"i-1,O-1,,P1,,,"+tt.value+"\n"), CSV)
		r.Location = tt.loc
		rows, bad, err := readAll(t, r)
		if err != nil || len(bad) != 0 || len(rows) != 1 || rows[0].ExpiresAt != tt.want.Unix() {
			t.Errorf("%q in %v: rows %v, bad %v, err %v; want expiry %v", tt.value, tt.loc, rows, bad, err, tt.want)
		}
	}

	file := header + "i-1,O-1,,P1,,,\n" + `i-2,"O-2",,P1,"S ` + "\n" + `two lines",,` + "\n" + "i-3,O-3,,P1,,,\n" +
		`i-4,"O-4,,P1,,,` + "\n" + "i-5,O-5,,P1,,,\n"
	rows, bad, err := readAll(t, NewReader(strings.NewReader(file), CSV))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Line != 2 || rows[1].Line != 5 {
		t.Errorf("valid rows = %v, want lines 2 and 5", rows)
	}
	if len(bad) != 2 || bad[0].Line != 3 || !strings.Contains(bad[0].Msg, `sku "S \ntwo lines" holds a control character`) ||
		bad[1].Line != 6 || !strings.Contains(bad[1].Msg, "a quoted field is not closed by the end of the file") {
		t.Errorf("bad rows = %v, want line 3 (a line break in the sku) and line 6 (a quote left open)", bad)
	}
}

// TestRowProblems: a row's bad fields come as Problems too, one per field in column order, for a program to
// say in its reader's language; a row that cannot be read at all has none.
func TestRowProblems(t *testing.T) {
	in := header + "i-1,o-1,, ,s,c,soon\n" + "i-2,o-2,,P,s,c,1969-12-31T00:00:00Z\n" + "\"i-3,o-3\n"
	_, bad, err := readAll(t, NewReader(strings.NewReader(in), CSV))
	if err != nil || len(bad) != 3 {
		t.Fatalf("readAll = %d bad rows, %v; want 3", len(bad), err)
	}
	want := [][]Problem{
		{{Field: "product_id", Value: " ", Kind: ProblemSpaces, Limit: MaxID}, {Field: "expires_at", Value: "soon", Kind: ProblemTime}},
		{{Field: "expires_at", Value: "1969-12-31T00:00:00Z", Kind: ProblemBefore1970}},
		nil,
	}
	for i, re := range bad {
		if fmt.Sprint(re.Problems) != fmt.Sprint(want[i]) {
			t.Errorf("line %d: Problems = %+v, want %+v", re.Line, re.Problems, want[i])
		}
		var msgs []string
		for _, p := range re.Problems {
			msgs = append(msgs, p.String())
		}
		if re.Problems != nil && re.Msg != strings.Join(msgs, "; ") {
			t.Errorf("line %d: Msg %q, want the Problems said in English, %q", re.Line, re.Msg, strings.Join(msgs, "; "))
		}
	}
}
