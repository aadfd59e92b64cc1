package licensing

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/verifier"
)

// IDPolicy says what Create does when the license's id is taken.
type IDPolicy int

const (
	// KeepID refuses an id that is another order's license or a License 2.0 code (store.ErrConflict,
	// store.ErrRefTaken): imports, whose ids are the seller's.
	KeepID IDPolicy = iota
	// AnyID gives the license a fresh random id instead (a marketplace businessId may collide with another
	// order's instanceId or a License 2.0 code); an empty id is always filled in.
	AnyID
)

// Create is the one way a license comes to be: it signs l (a license of package license's Create, or its
// equivalent), records it with its creation event described by d, and tells the Observer and the log —
// once per order: when the order (orderId, orderLineId) has a license already, that one is returned with
// created false and nothing is written. A test license (l.Test) is signed and returned, never stored: see
// license.TestLicense.
func (s *Service) Create(ctx context.Context, l *store.License, d license.Delivery, ids IDPolicy) (stored *store.License, created bool, err error) {
	if l.Test {
		if s.is == nil {
			return nil, false, ErrNoSigner
		}
		t := license.TestLicense(*l)
		if err := s.is.Sign(&t); err != nil {
			return nil, false, err
		}
		return &t, false, nil
	}
	if d.OrderID == "" {
		d.OrderID, d.OrderLineID = l.OrderID, l.OrderLineID
	}
	ev := license.NewEvent(nil, *l, license.Outcome{Action: license.ActCreate, Applied: true}, d)
	return s.create(ctx, l, []store.Event{ev}, 0, ids)
}

// create signs l and stores it with its audit events evs (the first records how it came to be: created or
// activated), consuming the callbacks kept for its marketplace code up to id consumed, and tells the Observer
// and the log when it wrote; see store.Create for what an existing license of the order line means.
func (s *Service) create(ctx context.Context, l *store.License, evs []store.Event, consumed int64, ids IDPolicy) (stored *store.License, created bool, err error) {
	if s.is == nil {
		return nil, false, ErrNoSigner
	}
	if l.ID == "" {
		l.ID = uuid.NewString()
	}
	for attempt := 0; ; attempt++ {
		if err := s.is.Sign(l); err != nil {
			return nil, false, err
		}
		stored, created, err = s.st.Create(ctx, l, evs, consumed)
		if ids == AnyID && attempt < 3 && (errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrRefTaken)) {
			l.ID = uuid.NewString()
			continue
		}
		if err != nil {
			return nil, false, err
		}
		if created {
			action := evs[0].Action
			s.obs.Issued(action)
			s.log.InfoContext(ctx, "license "+pastTense(action), "license_id", stored.ID, "order_id", stored.OrderID,
				"source", evs[0].Source, "generation", stored.Generation, "status", stored.Status,
				"events", len(evs), "code_fp", verifier.Fingerprint(stored.Code))
		}
		return stored, created, nil
	}
}

// pastTense names a creating action in the log: "license created", "license activated".
func pastTense(action string) string {
	if action == license.ActActivate {
		return "activated"
	}
	return "created"
}
