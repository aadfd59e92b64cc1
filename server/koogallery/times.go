package koogallery

import (
	"fmt"
	"strings"
	"time"
)

// Layouts of the marketplace's fixed-width times.
const (
	layoutSeconds = "20060102150405"   // yyyyMMddHHmmss
	layoutSdkDate = "20060102T150405Z" // APIG X-Sdk-Date, yyyyMMddTHHmmssZ
)

// ParseTime parses a KooGallery time in UTC: yyyyMMddHHmmss (14 digits, e.g. expireTime) or yyyyMMddHHmmssSSS
// (17 digits, e.g. the License 1.0 timeStamp, and some SaaS V2 expireTime examples). The docs state UTC for
// timeStamp and SaaS V2 and are silent for License 2.0; UTC is assumed for all of them.
//
// Parsing is strict: only ASCII digits, exactly 14 or 17 of them, and a real calendar date and time (month 01–12,
// a day that exists in that month, hour 00–23, minute and second 00–59). It returns ErrTime otherwise.
func ParseTime(s string) (time.Time, error) {
	if (len(s) != 14 && len(s) != 17) || !allDigits(s) {
		return time.Time{}, fmt.Errorf("time %q: %w", s, ErrTime)
	}
	num := func(i, n int) int { // the n digits at s[i:]
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			v = v*10 + int(c-'0')
		}
		return v
	}
	year, month, day := num(0, 4), num(4, 2), num(6, 2)
	hour, minute, sec := num(8, 2), num(10, 2), num(12, 2)
	if month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, fmt.Errorf("time %q: %w", s, ErrTime)
	}
	ms := 0
	if len(s) == 17 {
		ms = num(14, 3)
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, ms*int(time.Millisecond), time.UTC), nil
}

// daysIn returns the number of days of month (1–12) in year, of the proleptic Gregorian calendar.
func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// MaxTimeLen is the longest time value a marketplace time field holds (the G1b tables: String, 32).
const MaxTimeLen = 32

// ParseAnyTime parses a time in any form the marketplace's pages print for a time field, and returns it in UTC:
//
//   - yyyyMMddHHmmss and yyyyMMddHHmmssSSS (ParseTime), e.g. expireTime of newInstance and refreshInstance;
//   - yyyy-MM-dd HH:mm:ss followed by a zone: "z" or "Z", "UTC", "GMT", or an offset such as +08:00, +0800 or
//     +08, e.g. "2023-10-27 10:30:15 z" of getLicenseAsync (topic 0070649255), which the page calls a UTC time;
//   - ISO 8601 / RFC 3339 with 'T' between date and time, e.g. 2023-10-27T10:30:15Z or 2023-10-27T18:30:15+08:00;
//
// optionally with a fraction of a second (.S to .SSSSSSSSS) after the seconds. A time without a zone is UTC, as
// every page that names a zone names UTC. Anything else, anything longer than MaxTimeLen and any impossible
// calendar date or time returns ErrTime.
func ParseAnyTime(s string) (time.Time, error) {
	if len(s) > MaxTimeLen {
		return time.Time{}, fmt.Errorf("time of %d bytes: %w", len(s), ErrTime)
	}
	if allDigits(s) {
		return ParseTime(s)
	}
	bad := fmt.Errorf("time %q: %w", s, ErrTime)
	// yyyy-MM-dd?HH:mm:ss: 19 bytes, the separator a space or 'T'.
	if len(s) < 19 || (s[10] != ' ' && s[10] != 'T') || !digitsAt(s, 0, 4) || s[4] != '-' || !digitsAt(s, 5, 2) ||
		s[7] != '-' || !digitsAt(s, 8, 2) || !digitsAt(s, 11, 2) || s[13] != ':' || !digitsAt(s, 14, 2) ||
		s[16] != ':' || !digitsAt(s, 17, 2) {
		return time.Time{}, bad
	}
	t, err := time.Parse("2006-01-02 15:04:05", s[:10]+" "+s[11:19])
	if err != nil {
		return time.Time{}, bad
	}
	rest := s[19:]
	if len(rest) > 1 && rest[0] == '.' {
		n := 1
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		frac := rest[1:n]
		if len(frac) == 0 || len(frac) > 9 {
			return time.Time{}, bad
		}
		ns := 0
		for i := range 9 {
			ns *= 10
			if i < len(frac) {
				ns += int(frac[i] - '0')
			}
		}
		t = t.Add(time.Duration(ns))
		rest = rest[n:]
	}
	offset, ok := zoneOffset(strings.TrimPrefix(rest, " "))
	if !ok {
		return time.Time{}, bad
	}
	return t.Add(-time.Duration(offset) * time.Second).UTC(), nil
}

// zoneOffset reads the zone that ends a time: none, z, Z, UTC or GMT (offset 0), or ±hh:mm, ±hhmm or ±hh, in
// seconds east of UTC.
func zoneOffset(z string) (int, bool) {
	switch z {
	case "", "z", "Z", "UTC", "GMT":
		return 0, true
	}
	if len(z) < 3 || (z[0] != '+' && z[0] != '-') || !digitsAt(z, 1, 2) {
		return 0, false
	}
	hh, mm := int(z[1]-'0')*10+int(z[2]-'0'), 0
	switch {
	case len(z) == 3:
	case len(z) == 5 && digitsAt(z, 3, 2):
		mm = int(z[3]-'0')*10 + int(z[4]-'0')
	case len(z) == 6 && z[3] == ':' && digitsAt(z, 4, 2):
		mm = int(z[4]-'0')*10 + int(z[5]-'0')
	default:
		return 0, false
	}
	if hh > 14 || mm > 59 {
		return 0, false
	}
	off := hh*3600 + mm*60
	if z[0] == '-' {
		off = -off
	}
	return off, true
}

// digitsAt reports whether s[i:i+n] is n ASCII digits.
func digitsAt(s string, i, n int) bool {
	return i+n <= len(s) && allDigits(s[i:i+n])
}

// FormatTime formats t in UTC as yyyyMMddHHmmss (14 digits), the form of expireTime and real_effect_time.
// Sub-second precision is truncated. The width is fixed for years 0000–9999 only.
func FormatTime(t time.Time) string {
	return t.UTC().Format(layoutSeconds)
}

// FormatTimeMillis formats t in UTC as yyyyMMddHHmmssSSS (17 digits), the form of the License 1.0 timeStamp.
// Sub-millisecond precision is truncated. The width is fixed for years 0000–9999 only.
func FormatTimeMillis(t time.Time) string {
	t = t.UTC()
	return fmt.Sprintf("%s%03d", t.Format(layoutSeconds), t.Nanosecond()/int(time.Millisecond))
}
