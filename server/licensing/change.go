package licensing

import (
	"context"
	"time"

	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/verifier"
)

// Transition is a rule of package license: the next state of cur at now.
type Transition func(cur license.License, now time.Time) (license.License, license.Outcome, error)

// Change applies t to the license with id id, in one write: an applied change is signed as the next
// generation and recorded with its audit event; an ignored one records an "ignored" event with its reason;
// a refused one writes nothing and returns t's error. Every event carries d (with its dedupe key: a
// delivery seen before returns store.ErrDuplicate and changes nothing). The Observer hears of a signed code
// once, after the commit (the store may run t more than once). It returns the license as stored after the
// write and t's outcome, or the errors of store.Apply and of t.
func (s *Service) Change(ctx context.Context, id string, d license.Delivery, t Transition) (*store.License, license.Outcome, error) {
	return s.change(ctx, id, d, t, true)
}

// ChangeIfApplied is Change for changes worth recording only when they apply (a support change that would
// do nothing, a marketplace query that agrees): an ignored outcome writes no event and returns the license
// as it is, with the outcome, and no error.
func (s *Service) ChangeIfApplied(ctx context.Context, id string, d license.Delivery, t Transition) (*store.License, license.Outcome, error) {
	return s.change(ctx, id, d, t, false)
}

func (s *Service) change(ctx context.Context, id string, d license.Delivery, t Transition, recordIgnored bool) (*store.License, license.Outcome, error) {
	if s.is == nil {
		return nil, license.Outcome{}, ErrNoSigner
	}
	var out license.Outcome
	l, err := s.st.Apply(ctx, id, d.DedupeKey, func(cur *store.License) (*store.License, *store.Event, error) {
		next, o, err := t(*cur, s.now())
		if err != nil {
			return nil, nil, err
		}
		out = o
		if !o.Applied {
			if !recordIgnored {
				return nil, nil, nil
			}
			ev := license.NewEvent(cur, *cur, o, d)
			return nil, &ev, nil
		}
		if err := s.issuerFor(cur).Sign(&next); err != nil {
			return nil, nil, err
		}
		ev := license.NewEvent(cur, next, o, d)
		return &next, &ev, nil
	})
	if err == nil && out.Applied {
		s.obs.Issued(out.Action)
	}
	return l, out, err
}

// issuerFor returns the issuer that signs cur's next generation.
func (s *Service) issuerFor(cur *license.License) *license.Issuer {
	if !s.inherit {
		return s.is
	}
	u, err := verifier.Peek(cur.Code)
	if err != nil {
		return s.is
	}
	c, err := u.Claims()
	if err != nil {
		return s.is
	}
	return s.is.Inherit(c)
}
