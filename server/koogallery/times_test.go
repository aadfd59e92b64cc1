package koogallery

import (
	"errors"
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
