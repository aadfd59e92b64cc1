package server

import (
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/licentia/licentia/server/licensing"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/server/support"
)

// seats serves GET /admin/v1/licenses/{ref}/seats: the license's seat limit, the seats in use, and its
// seats by deployment hash.
func (a *adminAPI) seats(w http.ResponseWriter, r *http.Request) {
	ref, err := refParam(r)
	var out *support.Seats
	if err == nil {
		out, err = a.sup.Seats(r.Context(), ref)
	}
	if err != nil {
		a.s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// freeSeat serves DELETE /admin/v1/licenses/{ref}/seats/{deployment} {"reason"} (support tokens): the seat
// of the deployment (its hash as seats lists it) is freed, recorded in the license's audit log.
func (a *adminAPI) freeSeat(w http.ResponseWriter, r *http.Request) {
	ref, err := refParam(r)
	var dep string
	if err == nil {
		dep, err = pathParam(r, "deployment", "deployment")
	}
	var req support.ChangeRequest
	if err == nil {
		err = decodeJSON(w, r, &req)
	}
	var out *support.SeatsFreed
	if err == nil {
		req.Actor = adminActor(r)
		out, err = a.sup.FreeSeat(r.Context(), ref, dep, req)
	}
	if err != nil {
		a.s.fail(w, r, err)
		return
	}
	a.s.log.InfoContext(r.Context(), "support freed a seat", "license_id", out.LicenseID, "deployment", out.Deployment,
		"actor", req.Actor.Name, "request_id", req.Actor.RequestID)
	writeJSON(w, http.StatusOK, out)
}

// policies serves GET /admin/v1/policies: the seat policies the seller set, by product.
func (a *adminAPI) policies(w http.ResponseWriter, r *http.Request) {
	out, err := a.sup.Policies(r.Context())
	if err != nil {
		a.s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// policy serves GET /admin/v1/policies/{product}: the product's seat policy, or the default.
func (a *adminAPI) policy(w http.ResponseWriter, r *http.Request) {
	product, err := pathParam(r, "product", "product id")
	var out *support.PolicyView
	if err == nil {
		out, err = a.sup.Policy(r.Context(), product)
	}
	if err != nil {
		a.s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// setPolicy serves PUT /admin/v1/policies/{product} (support tokens): the product's whole seat policy,
// recorded with the token's name and logged by the Service.
func (a *adminAPI) setPolicy(w http.ResponseWriter, r *http.Request) {
	product, err := pathParam(r, "product", "product id")
	var req support.PolicyRequest
	if err == nil {
		err = decodeJSON(w, r, &req)
	}
	var out *support.PolicyView
	if err == nil {
		req.Actor = adminActor(r)
		out, err = a.sup.SetPolicy(r.Context(), product, req)
	}
	if err != nil {
		a.s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// deletePolicy serves DELETE /admin/v1/policies/{product} (support tokens): the product's licenses follow
// the default policy again, which it answers.
func (a *adminAPI) deletePolicy(w http.ResponseWriter, r *http.Request) {
	product, err := pathParam(r, "product", "product id")
	var out *support.PolicyView
	if err == nil {
		out, err = a.sup.DeletePolicy(r.Context(), product, adminActor(r))
	}
	if err != nil {
		a.s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// adminActor is the actor of an admin request: its token's name.
func adminActor(r *http.Request) licensing.Actor {
	return licensing.Actor{Source: store.SourceAdmin, Name: tokenOf(r.Context()).Name, RequestID: middleware.GetReqID(r.Context())}
}

// pathParam returns the URL parameter name, unescaped; what names it in the error.
func pathParam(r *http.Request, name, what string) (string, error) {
	v, err := url.PathUnescape(chi.URLParam(r, name))
	if err != nil || v == "" {
		return "", badRequest("bad %s in the URL", what)
	}
	return v, nil
}
