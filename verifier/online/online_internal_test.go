package online

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadAll(t *testing.T) {
	tests := []struct {
		name    string
		r       io.Reader
		want    int
		wantErr error
	}{
		{"empty", strings.NewReader(""), 0, nil},
		{"below the limit", strings.NewReader(strings.Repeat("a", 99)), 99, nil},
		{"at the limit", strings.NewReader(strings.Repeat("a", 100)), 100, nil},
		{"one byte over", strings.NewReader(strings.Repeat("a", 101)), 100, ErrTooLarge},
		{"far over, in small reads", iotest.OneByteReader(strings.NewReader(strings.Repeat("a", 5000))), 100, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAll(tt.r, 100)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) || len(got) != tt.want {
				t.Errorf("readAll() = %d bytes, %v; want %d, %v", len(got), err, tt.want, tt.wantErr)
			}
		})
	}
	if _, err := readAll(iotest.ErrReader(io.ErrUnexpectedEOF), 100); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("readAll(broken) err = %v, want %v", err, io.ErrUnexpectedEOF)
	}
}
