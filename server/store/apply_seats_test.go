package store

import (
	"context"
	"fmt"
	"testing"

	"github.com/licentia/licentia/verifier"
)

// takeTestSeat gives license id a seat for deployment, as a refresh with a deployment does.
func takeTestSeat(t *testing.T, st *Store, id, deployment string) {
	t.Helper()
	_, err := st.TakeSeat(context.Background(), id, deployment, testNow.Unix(), func(l *License, held *Seat, live int64) (SeatWrite, error) {
		return SeatWrite{Seat: &Seat{Deployment: deployment, Binding: &verifier.DeploymentClaim{ID: deployment},
			TakenAt: testNow.Unix(), SeenAt: testNow.Unix(), Code: l.Code, CodeGen: l.Generation}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// bumpGeneration is a Mutation that signs nothing but moves the license one generation on, with its event.
func bumpGeneration(cur *License) (*License, *Event, error) {
	next := *cur
	next.Generation++
	next.Code = fmt.Sprintf("code-%s-%d", cur.ID, next.Generation)
	return &next, &Event{At: testNow.Unix(), Source: SourceCLI, Action: "reissue", BeforeStatus: cur.Status,
		AfterStatus: next.Status, Generation: next.Generation}, nil
}

// ApplyFreeingSeats changes the license and frees its seats in one transaction, recording the seat event at
// the new generation.
func TestApplyFreeingSeats(t *testing.T) {
	forEachDialect(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		if _, _, err := st.Create(ctx, testLicense("lic-s", "O-S"), []Event{*createEvent()}, 0); err != nil {
			t.Fatal(err)
		}
		takeTestSeat(t, st, "lic-s", "dep-a")
		takeTestSeat(t, st, "lic-s", "dep-b")
		seatEv := Event{At: testNow.Unix(), Source: SourceCLI, Actor: "alice", Action: "seat_freed", Reason: "code leaked"}
		l, freed, err := st.ApplyFreeingSeats(ctx, "lic-s", bumpGeneration, seatEv)
		if err != nil || freed != 2 || l.Generation != 2 {
			t.Fatalf("ApplyFreeingSeats() = %+v, %d, %v; want generation 2 and 2 seats freed", l, freed, err)
		}
		if seats, err := st.Seats(ctx, "lic-s"); err != nil || len(seats) != 0 {
			t.Errorf("seats after = %+v, %v; want none", seats, err)
		}
		evs, err := st.Events(ctx, "lic-s")
		if err != nil || len(evs) != 3 || evs[1].Action != "reissue" || evs[2].Action != "seat_freed" ||
			evs[2].Generation != 2 || evs[2].Reason != "code leaked" || evs[2].Actor != "alice" || evs[2].AfterStatus != "active" {
			t.Errorf("events = %+v, %v; want create, reissue, seat_freed at generation 2", evs, err)
		}
		if _, freed, err := st.ApplyFreeingSeats(ctx, "lic-s", bumpGeneration, seatEv); err != nil || freed != 0 {
			t.Errorf("ApplyFreeingSeats() without seats = %d, %v; want 0 freed", freed, err)
		}
	})
}

// When freeing the seats fails (here a trigger refuses the deletion), the change is undone with them: no new
// generation, no event, the seat still held.
func TestApplyFreeingSeatsAtomic(t *testing.T) {
	st := openTestStore(t, sqliteDialect)
	ctx := context.Background()
	if _, _, err := st.Create(ctx, testLicense("lic-s", "O-S"), []Event{*createEvent()}, 0); err != nil {
		t.Fatal(err)
	}
	takeTestSeat(t, st, "lic-s", "dep-a")
	st.db.MustExec(`CREATE TRIGGER seats_stay BEFORE DELETE ON seats BEGIN SELECT RAISE(ABORT, 'seats cannot be freed'); END`)
	seatEv := Event{At: testNow.Unix(), Source: SourceCLI, Actor: "alice", Action: "seat_freed", Reason: "code leaked"}
	if _, _, err := st.ApplyFreeingSeats(ctx, "lic-s", bumpGeneration, seatEv); err == nil {
		t.Fatal("ApplyFreeingSeats() with seats that cannot be freed succeeded")
	}
	if l, err := st.LicenseByID(ctx, "lic-s"); err != nil || l.Generation != 1 {
		t.Errorf("license after the failure = %+v, %v; want generation 1: the change undone with the seats", l, err)
	}
	if evs, _ := st.Events(ctx, "lic-s"); len(evs) != 1 {
		t.Errorf("events after the failure = %+v, want the creation alone", evs)
	}
	if seats, _ := st.Seats(ctx, "lic-s"); len(seats) != 1 {
		t.Errorf("seats after the failure = %+v, want dep-a's", seats)
	}
}
