package store

import (
	"context"
	"testing"
)

func TestRevocations(t *testing.T) {
	forEachDialect(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		state := func() RevocationState {
			t.Helper()
			s, err := st.RevocationState(ctx)
			if err != nil {
				t.Fatalf("RevocationState() err = %v", err)
			}
			return s
		}
		if s := state(); s != (RevocationState{}) {
			t.Errorf("empty database state = %+v, want zero", s)
		}
		for _, id := range []string{"a", "b", "c"} {
			if _, _, err := st.Create(ctx, testLicense(id, "O-"+id), createEvent()); err != nil {
				t.Fatal(err)
			}
		}
		s0 := state()
		if s0 != (RevocationState{}) {
			t.Errorf("state with only first generations = %+v, want zero", s0)
		}
		bump := func(id, status string) {
			t.Helper()
			_, err := st.Apply(ctx, id, "", func(cur *License) (*License, *Event, error) {
				next := *cur
				next.Generation++
				next.Status = status
				return &next, &Event{At: testNow.Unix(), Source: SourceCLI, Action: "x", AfterStatus: status, Generation: next.Generation}, nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		bump("b", "active")
		bump("c", "revoked")
		s1 := state()
		bump("b", "active")
		s2 := state()
		if s1 == s0 || s2 == s1 {
			t.Errorf("states %+v, %+v, %+v: want every generation change to move the state", s0, s1, s2)
		}
		rows, s, err := st.Revocations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []Revocation{{LicenseID: "b", Generation: 3, Status: "active"}, {LicenseID: "c", Generation: 2, Status: "revoked"}}
		if len(rows) != len(want) || rows[0] != want[0] || rows[1] != want[1] {
			t.Errorf("Revocations() = %+v, want %+v", rows, want)
		}
		if s != s2 {
			t.Errorf("Revocations() state = %+v, want %+v", s, s2)
		}
	})
}
