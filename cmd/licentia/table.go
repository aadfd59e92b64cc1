package main

import (
	"flag"
	"io"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/width"
)

// table lays rows out in columns aligned by display width, as a terminal shows them: a CJK character
// (East Asian Wide or Fullwidth) takes two columns, a combining mark none, everything else one (East Asian
// Ambiguous characters such as → included, as terminals show them outside CJK legacy modes). Columns are
// separated by two spaces; a row ends with its last non-empty cell, unpadded. text/tabwriter counts characters instead,
// so a customer name in Chinese pushed the rest of its row out of line.
type table struct {
	w    io.Writer
	rows [][]string
}

func newTable(w io.Writer) *table { return &table{w: w} }

// row adds a row; cells must be one-line text (see cell).
func (t *table) row(cells ...string) { t.rows = append(t.rows, cells) }

// flush writes the rows.
func (t *table) flush() error {
	var widths []int
	for _, r := range t.rows {
		for i, c := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	var b strings.Builder
	for _, r := range t.rows {
		var line strings.Builder
		for i, c := range r {
			line.WriteString(c)
			if i < len(r)-1 {
				line.WriteString(strings.Repeat(" ", widths[i]-displayWidth(c)+2))
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ")) // an empty last cell leaves no padding behind
		b.WriteByte('\n')
	}
	t.rows = nil
	_, err := io.WriteString(t.w, b.String())
	return err
}

// displayWidth is the number of terminal columns s takes.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		n += runeWidth(r)
	}
	return n
}

func runeWidth(r rune) int {
	switch {
	case unicode.In(r, unicode.Mn, unicode.Me) || r == '\u200b':
		return 0
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}

// tzFlag is --tz, the reader's zone for the times a command prints: an IANA name such as Asia/Shanghai, or
// UTC. Without it the zone is TZ's, else the system's.
type tzFlag struct {
	name   string
	getenv func(string) string
	l      lang
}

func (z *tzFlag) register(fs *flag.FlagSet, l lang, getenv func(string) string) {
	z.getenv, z.l = getenv, l
	fs.StringVar(&z.name, "tz", "", l.T("flag.tz"))
}

// zone returns the reader's zone: --tz (a usage error when it names no zone), else TZ (ignored when it
// names no zone, as the Go runtime does), else the system's local zone.
func (z *tzFlag) zone() (*time.Location, error) {
	if z.name != "" {
		return loadZone(z.l, z.name)
	}
	if z.getenv != nil {
		if tz := z.getenv("TZ"); tz != "" {
			if loc, err := loadZone(z.l, tz); err == nil {
				return loc, nil
			}
		}
	}
	return time.Local, nil
}

// clock shows the times of the admin API's views (RFC 3339, UTC) in the reader's zone.
type clock struct {
	loc *time.Location
	l   lang
}

// timeLayout is how a time is shown in tables and reports; the zone is named in the column header or after
// the value.
const timeLayout = "2006-01-02 15:04:05"

// at shows the RFC 3339 time s in the reader's zone without naming it (for table columns whose header
// names it); a value that is not a time is returned as it is.
func (c clock) at(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return t.In(c.loc).Format(timeLayout)
}

// atZone is at with the zone named after the value.
func (c clock) atZone(s string) string {
	if _, err := time.Parse(time.RFC3339, s); err != nil {
		return s
	}
	return c.at(s) + " " + c.zoneName()
}

// expiry shows an expiry: never (perpetual) or its time in the reader's zone, without naming it.
func (c clock) expiry(exp *string) string {
	if exp == nil {
		return c.l.T("never")
	}
	return c.at(*exp)
}

// expiryZone is expiry with the zone named after a time.
func (c clock) expiryZone(exp *string) string {
	if exp == nil {
		return c.l.T("never")
	}
	return c.atZone(*exp)
}

// header is a column title naming the reader's zone: "EXPIRES (Asia/Shanghai)".
func (c clock) header(id string) string { return c.l.T("col.zone", c.l.T(id), c.zoneName()) }

// zoneName names the reader's zone: its IANA name, or for the system's zone (Local) its abbreviation or
// UTC offset now.
func (c clock) zoneName() string {
	if n := c.loc.String(); n != "Local" {
		return n
	}
	abbr := time.Now().In(c.loc).Format("MST")
	if strings.HasPrefix(abbr, "+") || strings.HasPrefix(abbr, "-") {
		return "UTC" + abbr
	}
	return abbr
}
