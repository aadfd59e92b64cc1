package licensing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/verifier"
)

// Every change of an existing license goes through this file: Change and ChangeIfApplied (support, the
// daily query, kept callbacks) and ApplyMarket (the marketplace's callbacks).

// Transition is a rule of package license: the next state of cur at now.
type Transition func(cur license.License, now time.Time) (license.License, license.Outcome, error)

// Change applies t to the license with id id, in one write: an applied change is signed as the next
// generation and recorded with its audit event; an ignored one records an "ignored" event with its reason;
// a refused one writes nothing and returns t's error. Every event carries d (with its dedupe key: a
// delivery seen before returns store.ErrDuplicate and changes nothing). The Observer hears of a signed code
// once, after the commit (the store may run t more than once). It returns the license as stored after the
// write and t's outcome, or the errors of store.Apply and of t.
func (s *Service) Change(ctx context.Context, id string, d license.Delivery, t Transition) (*store.License, license.Outcome, error) {
	l, o, _, err := s.change(ctx, id, d, t, true, false)
	return l, o, err
}

// ChangeIfApplied is Change for changes worth recording only when they apply (a support change that would
// do nothing, a marketplace query that agrees): an ignored outcome writes no event and returns the license
// as it is, with the outcome, and no error.
func (s *Service) ChangeIfApplied(ctx context.Context, id string, d license.Delivery, t Transition) (*store.License, license.Outcome, error) {
	l, o, _, err := s.change(ctx, id, d, t, false, false)
	return l, o, err
}

// ChangeFreeingSeats is ChangeIfApplied that, in the same transaction, also frees every seat of the license
// (audit action ActSeatFreed, with d's actor and reason): a support reissue that frees the seats its
// superseded codes took can never leave one done without the other. It returns the seats freed.
func (s *Service) ChangeFreeingSeats(ctx context.Context, id string, d license.Delivery, t Transition) (*store.License, license.Outcome, int64, error) {
	return s.change(ctx, id, d, t, false, true)
}

func (s *Service) change(ctx context.Context, id string, d license.Delivery, t Transition, recordIgnored, freeSeats bool) (*store.License, license.Outcome, int64, error) {
	if s.is == nil {
		return nil, license.Outcome{}, 0, ErrNoSigner
	}
	var out license.Outcome
	fn := func(cur *store.License) (*store.License, *store.Event, error) {
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
	}
	var l *store.License
	var freed int64
	var err error
	if freeSeats {
		seatEv := store.Event{At: d.At, Source: d.Source, Actor: d.Actor, Action: ActSeatFreed, Reason: d.Reason,
			RequestID: d.RequestID}
		l, freed, err = s.st.ApplyFreeingSeats(ctx, id, fn, seatEv)
	} else {
		l, err = s.st.Apply(ctx, id, d.DedupeKey, fn)
	}
	if err == nil && out.Applied {
		s.obs.Issued(out.Action)
	}
	return l, out, freed, err
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

// MarketChange is a marketplace callback that changes a license: a renewal, unrenewal or other validity
// update, a freeze, an unfreeze or a release.
type MarketChange struct {
	// Ref names the license: its id (instanceId) for License 1.0 and G1b callbacks, the marketplace code it is
	// bound to for License 2.0 ones (ByCode). Neither is ever looked up as the other.
	Ref    string
	ByCode bool
	// Kind is license.PendingValidity, PendingFreeze, PendingUnfreeze or PendingRelease.
	Kind int
	// Scene, ExpiresAt and ProductID describe a validity update (Scene license.SceneRenewal when the
	// callback named none).
	Scene     string
	ExpiresAt int64
	ProductID string
	// Delivery describes the callback for the audit log, with its dedupe key when it has one.
	Delivery license.Delivery
}

func (c *MarketChange) pending() license.Pending {
	return license.Pending{Kind: c.Kind, Validity: license.Validity{Kind: license.KindOf(c.Scene), ExpiresAt: c.ExpiresAt,
		ProductID: c.ProductID}}
}

// ApplyMarket applies a marketplace callback to the license it names, once per delivery (a delivery seen
// before changes nothing and succeeds). A renewal never moves the expiry earlier, so a late or resent older
// renewal cannot roll back a newer state; asking for the state the license is in succeeds without a new
// generation (recorded as ignored).
//
// A License 2.0 callback for a code no license is bound to yet (the buyer has not activated it) is kept
// and folded into the license when the code is activated; it succeeds with a nil license. Releasing a
// license this server does not know also succeeds, since there is nothing left to stop. Otherwise it returns
// the license as stored, or an error wrapping store.ErrNotFound, license.ErrInvalid and the like.
func (s *Service) ApplyMarket(ctx context.Context, c MarketChange) (*store.License, error) {
	id := c.Ref
	var err error
	if c.ByCode {
		var l *store.License
		if l, err = s.st.LicenseByCode(ctx, c.Ref); err == nil {
			id = l.ID
		}
	}
	var l *store.License
	if err == nil {
		p := c.pending()
		l, _, err = s.Change(ctx, id, c.Delivery, func(cur license.License, now time.Time) (license.License, license.Outcome, error) {
			return license.ApplyPending(cur, p, now)
		})
	}
	switch {
	case errors.Is(err, store.ErrNotFound) && c.ByCode:
		return s.keepPending(ctx, c)
	case errors.Is(err, store.ErrNotFound) && c.Kind == license.PendingRelease:
		s.log.WarnContext(ctx, "release of an unknown license answered as done", "license_ref_fp", verifier.Fingerprint(c.Ref))
		return nil, nil
	case errors.Is(err, store.ErrDuplicate): // the current license, unchanged
	case err != nil:
		return nil, err
	}
	s.log.InfoContext(ctx, "license state", "license_id", l.ID, "status", l.Status, "generation", l.Generation,
		"expires_at", l.ExpiresAt, "code_fp", verifier.Fingerprint(l.Code))
	return l, nil
}

// keepPending keeps a License 2.0 callback for a code no license is bound to yet. It is answered as done
// (the marketplace would otherwise retry it 60 times and mail the seller) and folded into the license when
// the code is activated.
func (s *Service) keepPending(ctx context.Context, c MarketChange) (*store.License, error) {
	d := c.Delivery
	ev := &store.MarketEvent{Code: c.Ref, Activity: d.Activity, RequestID: d.RequestID, ReceivedAt: d.At,
		OrderID: d.OrderID, OrderLineID: d.OrderLineID, DedupeKey: d.DedupeKey}
	switch c.Kind {
	case license.PendingValidity:
		ev.Scene, ev.ProductID, ev.ExpiresAt = c.Scene, c.ProductID, c.ExpiresAt
	case license.PendingFreeze:
		ev.Status = koogallery.StatusFreeze
	case license.PendingUnfreeze:
		ev.Status = koogallery.StatusUnfreeze
	case license.PendingRelease:
		ev.DedupeKey = "release:" + c.Ref
	}
	err := s.st.SavePending(ctx, ev)
	switch {
	case errors.Is(err, store.ErrBound): // activated meanwhile: apply it now
		return s.ApplyMarket(ctx, c)
	case errors.Is(err, store.ErrDuplicate):
		return nil, nil
	case errors.Is(err, store.ErrRefTaken):
		// Never applied to the license of that id: answered as unknown (no such code here), which the seller
		// console lists among failed calls, and logged for the seller.
		s.log.ErrorContext(ctx, "callback for a marketplace code that is a license id here refused", "activity", d.Activity,
			"market_code_fp", verifier.Fingerprint(c.Ref))
		return nil, fmt.Errorf("marketplace code that is a license id here (%w): %w", err, store.ErrNotFound)
	case err != nil:
		return nil, err
	}
	s.log.InfoContext(ctx, "callback kept until the code is activated", "activity", d.Activity,
		"market_code_fp", verifier.Fingerprint(c.Ref))
	return nil, nil
}

// pendingChange turns a kept callback into its change, by the rule it was kept with (see keepPending).
func pendingChange(p store.MarketEvent) license.Pending {
	c := MarketChange{Scene: p.Scene, ExpiresAt: p.ExpiresAt, ProductID: p.ProductID}
	switch {
	case p.Activity == koogallery.ActivityRefreshLicenseCode:
		c.Kind = license.PendingValidity
	case p.Status == koogallery.StatusFreeze:
		c.Kind = license.PendingFreeze
	case p.Status == koogallery.StatusUnfreeze:
		c.Kind = license.PendingUnfreeze
	default:
		c.Kind = license.PendingRelease
	}
	return c.pending()
}
