package desk

import (
	"context"
	"time"

	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/store"
)

// Transition is a rule of package license: the next state of cur at now.
type Transition func(cur license.License, now time.Time) (license.License, license.Outcome, error)

// Step applies t to the license ref names, in one write: an applied change is signed by issuerFor(cur) as
// the next generation and recorded with its audit event; an ignored one records an "ignored" event with its
// reason; a refused one writes nothing and returns t's error. Every event carries d (with its dedupe key: a
// delivery seen before returns store.ErrDuplicate and changes nothing). issued is called with the action
// once, after the commit, when a code was signed (the store may run t more than once). It returns the
// license as stored after the write and t's outcome, or the errors of store.Apply and of t.
func Step(ctx context.Context, st *store.Store, ref string, d license.Delivery, t Transition,
	now func() time.Time, issuerFor func(cur *license.License) *license.Issuer, issued func(action string)) (*store.License, license.Outcome, error) {
	return step(ctx, st, ref, d, t, now, issuerFor, issued, true)
}

// StepIfChanged is Step for changes worth recording only when they apply (a support change that would do
// nothing, a marketplace query that agrees): an ignored outcome writes no event and returns the license as
// it is, with the outcome, and no error.
func StepIfChanged(ctx context.Context, st *store.Store, ref string, d license.Delivery, t Transition,
	now func() time.Time, issuerFor func(cur *license.License) *license.Issuer, issued func(action string)) (*store.License, license.Outcome, error) {
	return step(ctx, st, ref, d, t, now, issuerFor, issued, false)
}

func step(ctx context.Context, st *store.Store, ref string, d license.Delivery, t Transition, now func() time.Time,
	issuerFor func(cur *license.License) *license.Issuer, issued func(action string), recordIgnored bool) (*store.License, license.Outcome, error) {
	var out license.Outcome
	l, err := st.Apply(ctx, ref, d.DedupeKey, func(cur *store.License) (*store.License, *store.Event, error) {
		next, o, err := t(*cur, now())
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
		if err := issuerFor(cur).Sign(&next); err != nil {
			return nil, nil, err
		}
		ev := license.NewEvent(cur, next, o, d)
		return &next, &ev, nil
	})
	if err == nil && out.Applied {
		issued(out.Action)
	}
	return l, out, err
}
