package license

import "time"

// UsageDay is the UTC day of t, in days since 1970-01-01: the day a use counts for in the usage report.
func UsageDay(t time.Time) int64 {
	u := t.Unix()
	d := u / 86400
	if u < 0 && u%86400 != 0 {
		d-- // floor, for times before 1970
	}
	return d
}

// DayDate returns the date (YYYY-MM-DD, UTC) of day, in days since 1970-01-01.
func DayDate(day int64) string {
	return time.Unix(day*86400, 0).UTC().Format(time.DateOnly)
}
