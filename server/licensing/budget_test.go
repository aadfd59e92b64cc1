package licensing

import (
	"fmt"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// TestUnknownCodesBounded: the memory of unknown codes holds at most its size, forgetting the oldest.
func TestUnknownCodesBounded(t *testing.T) {
	u := newUnknownCodes(time.Hour, 4)
	for i := range 10 {
		u.add(fmt.Sprint("code-", i), t0)
	}
	if n := u.len(); n != 4 {
		t.Fatalf("len = %d, want 4", n)
	}
	for i := range 10 {
		if got, want := u.known(fmt.Sprint("code-", i), t0), i >= 6; got != want {
			t.Errorf("known(code-%d) = %v, want %v", i, got, want)
		}
	}
	if u.known("code-9", t0.Add(time.Hour)) {
		t.Error("known(code-9) an hour later = true, want forgotten")
	}
	u.add("code-9", t0.Add(time.Hour)) // remembered again: no second slot
	if n := u.len(); n != 4 {
		t.Errorf("len after a repeat = %d, want 4", n)
	}
}

// TestActivationLimitsValidate: out-of-range limits are refused; zero takes the defaults.
func TestActivationLimitsValidate(t *testing.T) {
	var a ActivationLimits
	if err := a.Validate(); err != nil || a.PerAddress != DefaultActivationPerAddress || a.Global != DefaultActivationGlobal ||
		a.UnknownTTL != DefaultUnknownTTL {
		t.Errorf("Validate(zero) = %+v, %v; want the defaults", a, err)
	}
	for _, bad := range []ActivationLimits{{PerAddress: -1}, {Global: MaxActivationLimit + 1}, {UnknownTTL: time.Millisecond},
		{UnknownTTL: 25 * time.Hour}} {
		if err := bad.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil, want an error", bad)
		}
	}
}
