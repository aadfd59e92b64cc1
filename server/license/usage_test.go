package license

import (
	"testing"
	"time"
)

func TestUsageDay(t *testing.T) {
	for _, tt := range []struct {
		at   time.Time
		want int64
		date string
	}{
		{time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), 0, "1970-01-01"},
		{time.Date(2026, 12, 3, 23, 59, 59, 0, time.UTC), 20790, "2026-12-03"},
		{time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC), 20791, "2026-12-04"},
		// 07:30 in Beijing on 4 December is still 3 December in UTC.
		{time.Date(2026, 12, 4, 7, 30, 0, 0, time.FixedZone("CST", 8*3600)), 20790, "2026-12-03"},
		{time.Date(1969, 12, 31, 23, 0, 0, 0, time.UTC), -1, "1969-12-31"},
	} {
		got := UsageDay(tt.at)
		if got != tt.want || DayDate(got) != tt.date {
			t.Errorf("UsageDay(%s) = %d (%s), want %d (%s)", tt.at, got, DayDate(got), tt.want, tt.date)
		}
	}
}
