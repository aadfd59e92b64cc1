package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/server/support"
)

// The buyer page's seats: the holder of a code frees one of its license's seats with the button next to
// it, a form that posts the pasted code again with the seat's deployment hash (field "free"). The code must
// prove the license as a refresh's does, under the same rate limits; the page never sees or takes a raw
// deployment value, only the hashes it lists.

// buyerFreeReason is the audit log's reason for a seat freed on the buyer page.
const buyerFreeReason = "freed by the code's holder on the buyer page"

// Errors of freeing a seat on the buyer page.
var (
	// ErrCrossSite means a request to free a seat came from another site's page (Origin or
	// Sec-Fetch-Site say so): it is refused 403 cross_site, so that no other page can free a buyer's seats.
	ErrCrossSite = errors.New("the request to free a seat came from another site's page")
	// ErrNoSuchSeat means the deployment hash a buyer asked to free names no seat of the code's license
	// (freed already, of another license, or not a hash at all): 404 seat_not_found.
	ErrNoSuchSeat = errors.New("no seat of this license has that deployment hash")
)

// handleBuyerFree serves POST / with a "free" field: it frees the seat of that deployment hash of the
// pasted code's license, then shows the page with the license and a confirmation.
func (p *publicAPI) handleBuyerFree(w http.ResponseWriter, r *http.Request, code, hash string) {
	if err := p.origins.Check(r); err != nil {
		p.buyerFailed(w, r, fmt.Errorf("%w: %w", ErrCrossSite, err))
		return
	}
	l, err := p.freeSeat(r.Context(), code, hash, p.clientAddr(r))
	if err != nil {
		p.buyerFailed(w, r, err)
		return
	}
	res, err := p.buyerResult(r.Context(), l, code)
	if err != nil {
		p.buyerFailed(w, r, err)
		return
	}
	// The page answers no code after freeing: the pasted code may be bound to the seat just freed, and
	// its current code would take the seat again. Checking the code again shows it.
	res.Code = ""
	p.renderBuyer(w, r, http.StatusOK, buyerPageData{Result: res, Freed: shortHash(hash)})
}

// freeSeat frees the seat of deployment hash of the license code proves the holding of, after the checks
// and rate limits of a refresh (prove), and returns the license. It returns an error wrapping
// ErrNoSuchSeat when the license has no seat of that hash, and the errors of prove.
func (p *publicAPI) freeSeat(ctx context.Context, code, hash, addr string) (*store.License, error) {
	_, l, err := p.prove(ctx, code, addr)
	if err != nil {
		return nil, err
	}
	// Only a hash the page lists frees a seat: a deployment id typed into the form is not hashed (the page
	// takes no raw deployment value), and a hash of another license's seat names none of this one's.
	seats, err := p.sup.Seats(ctx, l.ID)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(seats.SeatHashes(), hash) {
		return nil, fmt.Errorf("license %s: %w", l.ID, ErrNoSuchSeat)
	}
	_, err = p.sup.FreeSeat(ctx, l.ID, hash, support.ChangeRequest{Reason: buyerFreeReason, Actor: buyerActor(ctx)})
	if errors.Is(err, store.ErrNotFound) { // freed by another request since the list was read
		return nil, fmt.Errorf("license %s: %w", l.ID, ErrNoSuchSeat)
	}
	if err != nil {
		return nil, err
	}
	p.s.log.InfoContext(ctx, "seat freed on the buyer page", "license_id", l.ID, "deployment", hash)
	return l, nil
}
