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
	if s.is == nil {
		return nil, false, ErrNoSigner
	}
	if l.Test {
		t := license.TestLicense(*l)
		if err := s.is.Sign(&t); err != nil {
			return nil, false, err
		}
		return &t, false, nil
	}
	if l.ID == "" {
		l.ID = uuid.NewString()
	}
	if d.OrderID == "" {
		d.OrderID, d.OrderLineID = l.OrderID, l.OrderLineID
	}
	for attempt := 0; ; attempt++ {
		if err := s.is.Sign(l); err != nil {
			return nil, false, err
		}
		ev := license.NewEvent(nil, *l, license.Outcome{Action: license.ActCreate, Applied: true}, d)
		stored, created, err = s.st.Create(ctx, l, &ev)
		if ids == AnyID && attempt < 3 && (errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrRefTaken)) {
			l.ID = uuid.NewString()
			continue
		}
		if err != nil {
			return nil, false, err
		}
		if created {
			s.obs.Issued(license.ActCreate)
			s.log.InfoContext(ctx, "license created", "license_id", stored.ID, "order_id", stored.OrderID,
				"source", d.Source, "generation", stored.Generation, "code_fp", verifier.Fingerprint(stored.Code))
		}
		return stored, created, nil
	}
}
