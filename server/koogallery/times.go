package koogallery

import (
	"fmt"
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
	t, err := time.Parse(layoutSeconds, s[:14])
	if err != nil {
		return time.Time{}, fmt.Errorf("time %q: %w", s, ErrTime)
	}
	if len(s) == 17 {
		ms := int(s[14]-'0')*100 + int(s[15]-'0')*10 + int(s[16]-'0')
		t = t.Add(time.Duration(ms) * time.Millisecond)
	}
	return t, nil
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
