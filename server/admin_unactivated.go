package server

import (
	"net/http"

	"github.com/licentia/licentia/server/support"
)

// unactivated serves GET /admin/v1/unactivated?older_than=3d&limit=: the paid entitlements waiting for an
// activation (orders the marketplace notified that no license here carries, License 2.0 codes with kept
// callbacks), oldest first.
func (a *adminAPI) unactivated(w http.ResponseWriter, r *http.Request) {
	q, err := support.ParseUnactivatedQuery(r.URL.Query())
	var page *support.UnactivatedPage
	if err == nil {
		page, err = a.sup.Unactivated(r.Context(), q)
	}
	if err != nil {
		a.s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}
