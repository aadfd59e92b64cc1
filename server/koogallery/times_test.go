package koogallery

import (
	"errors"
	"strconv"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Time
		wantErr error
	}{
		{"20250101000000", time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), nil},
		{"20230523201932", time.Date(2023, 5, 23, 20, 19, 32, 0, time.UTC), nil},
		{"20240229235959", time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC), nil},
		{"20240101080000123", time.Date(2024, 1, 1, 8, 0, 0, 123e6, time.UTC), nil},
		{"20241231235959999", time.Date(2024, 12, 31, 23, 59, 59, 999e6, time.UTC), nil},
		{"20240101080000000", time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC), nil},
		{"", time.Time{}, ErrTime},
		{"20241301000000", time.Time{}, ErrTime},
		{"20240001000000", time.Time{}, ErrTime},
		{"20240100000000", time.Time{}, ErrTime},
		{"20230229000000", time.Time{}, ErrTime},
		{"20240431000000", time.Time{}, ErrTime},
		{"20240101240000", time.Time{}, ErrTime},
		{"20240101006000", time.Time{}, ErrTime},
		{"20240101000060", time.Time{}, ErrTime},
		{"20241301000000123", time.Time{}, ErrTime},
		{"2024010100000", time.Time{}, ErrTime},
		{"202401010000001", time.Time{}, ErrTime},
		{"2024010100000012", time.Time{}, ErrTime},
		{"202401010000001234", time.Time{}, ErrTime},
		{"2024-01-01T0000", time.Time{}, ErrTime},
		{"2024010100000a", time.Time{}, ErrTime},
		{"+2024010100000", time.Time{}, ErrTime},
		{" 2024010100000", time.Time{}, ErrTime},
		{"20240101000000+12", time.Time{}, ErrTime},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTime(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParseTime(%q) err = %v, want %v", tt.in, err, tt.wantErr)
			}
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("ParseTime(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestFormatTime(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	tests := []struct {
		name       string
		in         time.Time
		want       string
		wantMillis string
	}{
		{"utc", time.Date(2024, 1, 1, 8, 0, 0, 123456789, time.UTC), "20240101080000", "20240101080000123"},
		{"converted to utc", time.Date(2024, 1, 1, 8, 0, 0, 5e6, shanghai), "20240101000000", "20240101000000005"},
		{"whole second", time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC), "20251231235959", "20251231235959000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatTime(tt.in); got != tt.want {
				t.Errorf("FormatTime() = %q, want %q", got, tt.want)
			}
			if got := FormatTimeMillis(tt.in); got != tt.wantMillis {
				t.Errorf("FormatTimeMillis() = %q, want %q", got, tt.wantMillis)
			}
			roundTrips := []struct {
				s    string
				want time.Time
			}{{tt.want, tt.in.Truncate(time.Second)}, {tt.wantMillis, tt.in.Truncate(time.Millisecond)}}
			for _, rt := range roundTrips {
				if back, err := ParseTime(rt.s); err != nil || !back.Equal(rt.want) {
					t.Errorf("ParseTime(%q) = %v, %v, want %v, nil", rt.s, back, err, rt.want)
				}
			}
		})
	}
}

// TestParseAnyTime: every form a marketplace page prints for a time field, read as UTC unless it names another
// zone, and garbage refused with ErrTime.
func TestParseAnyTime(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	tests := []struct {
		in      string
		want    time.Time
		wantErr error
	}{
		// getLicenseAsync (topic 0070649255): "effectiveTime":"2023-10-27 10:30:15 z", a UTC time.
		{"2023-10-27 10:30:15 z", utc(2023, 10, 27, 10, 30, 15, 0), nil},
		{"2024-10-27 10:30:15 z", utc(2024, 10, 27, 10, 30, 15, 0), nil},
		{"2023-10-27 10:30:15 Z", utc(2023, 10, 27, 10, 30, 15, 0), nil},
		{"2023-10-27 10:30:15Z", utc(2023, 10, 27, 10, 30, 15, 0), nil},
		{"2023-10-27 10:30:15 UTC", utc(2023, 10, 27, 10, 30, 15, 0), nil},
		{"2023-10-27 10:30:15 GMT", utc(2023, 10, 27, 10, 30, 15, 0), nil},
		{"2023-10-27 10:30:15", utc(2023, 10, 27, 10, 30, 15, 0), nil},
		{"2023-10-27 18:30:15 +08:00", utc(2023, 10, 27, 10, 30, 15, 0), nil},
		{"2023-10-27 18:30:15 +0800", utc(2023, 10, 27, 10, 30, 15, 0), nil},
		{"2023-10-27 18:30:15+08", utc(2023, 10, 27, 10, 30, 15, 0), nil},
		{"2023-10-27 05:30:15 -05:00", utc(2023, 10, 27, 10, 30, 15, 0), nil},
		{"2023-10-27 10:30:15.123 z", utc(2023, 10, 27, 10, 30, 15, 123e6), nil},
		// ISO 8601 / RFC 3339.
		{"2023-10-27T10:30:15Z", utc(2023, 10, 27, 10, 30, 15, 0), nil},
		{"2023-10-27T18:30:15+08:00", utc(2023, 10, 27, 10, 30, 15, 0), nil},
		{"2023-10-27T10:30:15.5Z", utc(2023, 10, 27, 10, 30, 15, 5e8), nil},
		{"2023-10-27T10:30:15.123456789Z", utc(2023, 10, 27, 10, 30, 15, 123456789), nil},
		{"2023-12-31T23:30:00-01:00", utc(2024, 1, 1, 0, 30, 0, 0), nil},
		// The fixed-width forms of the other activities (yyyyMMddHHmmss, yyyyMMddHHmmssSSS).
		{"20231027103015", utc(2023, 10, 27, 10, 30, 15, 0), nil},
		{"20231027103015123", utc(2023, 10, 27, 10, 30, 15, 123e6), nil},
		// Garbage.
		{"", time.Time{}, ErrTime},
		{"z", time.Time{}, ErrTime},
		{"2023-10-27", time.Time{}, ErrTime},
		{"2023-10-27 10:30", time.Time{}, ErrTime},
		{"2023-13-27 10:30:15 z", time.Time{}, ErrTime},
		{"2023-02-29 10:30:15 z", time.Time{}, ErrTime},
		{"2023-10-27 24:30:15 z", time.Time{}, ErrTime},
		{"2023-10-27 10:60:15 z", time.Time{}, ErrTime},
		{"2023/10/27 10:30:15 z", time.Time{}, ErrTime},
		{"2023-10-27X10:30:15 z", time.Time{}, ErrTime},
		{"2023-10-27 10:30:15 CST", time.Time{}, ErrTime},
		{"2023-10-27 10:30:15 +8", time.Time{}, ErrTime},
		{"2023-10-27 10:30:15 +15:00", time.Time{}, ErrTime},
		{"2023-10-27 10:30:15 +08:60", time.Time{}, ErrTime},
		{"2023-10-27 10:30:15.", time.Time{}, ErrTime},
		{"2023-10-27 10:30:15.1234567890Z", time.Time{}, ErrTime},
		{"2023-10-27 10:30:15 z trailing", time.Time{}, ErrTime},
		{"+2023-10-27 10:30:15", time.Time{}, ErrTime},
		{"2023-10-27 10:30:15 z" + string(make([]byte, 20)), time.Time{}, ErrTime},
		{"1698402615", time.Time{}, ErrTime},
		{"2023102710301", time.Time{}, ErrTime},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseAnyTime(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParseAnyTime(%q) err = %v, want %v", tt.in, err, tt.wantErr)
			}
			if !got.Equal(tt.want) || (err == nil && got.Location() != time.UTC) {
				t.Errorf("ParseAnyTime(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzParseTimeAsTimeParse: ParseTime reads digits itself; it must agree with time.Parse of the layouts
// (yyyyMMddHHmmss, then the milliseconds) on every input, valid or not.
func FuzzParseTimeAsTimeParse(f *testing.F) {
	for _, s := range []string{"20260301080000", "20260301080000123", "20240229000000", "20230229000000",
		"21000229000000", "20000229235959999", "20261331000000", "20260431000000", "20260101240000",
		"20260101006000", "20260101000060", "00000101000000", "99991231235959", "2026030108000", "2026-3-1080000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTime(s)
		var want time.Time
		ok := (len(s) == 14 || len(s) == 17) && allDigits(s)
		if ok {
			var perr error
			want, perr = time.Parse(layoutSeconds, s[:14])
			ok = perr == nil
			if ok && len(s) == 17 {
				ms, _ := strconv.Atoi(s[14:])
				want = want.Add(time.Duration(ms) * time.Millisecond)
			}
		}
		if (err == nil) != ok || ok && !got.Equal(want) {
			t.Fatalf("ParseTime(%q) = %v, %v; time.Parse reads %v (ok %v)", s, got, err, want, ok)
		}
	})
}
