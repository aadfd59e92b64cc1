package server

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/licensing"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/server/support"
)

// handleActivation serves POST /v1/activations.
func (p *publicAPI) handleActivation(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	var req support.ActivationRequest
	err := decodeJSON(w, r, &req)
	if err == nil { // what cannot be a code is refused before it costs the address an attempt
		err = licensing.CheckMarketCode(strings.TrimSpace(req.Code), "")
	}
	if err == nil && req.Deployment != nil {
		err = licensing.CheckDeployment(*req.Deployment)
	}
	if err == nil {
		err = allowKey(p.lim.activateAddr, addrKey(p.clientAddr(r)))
	}
	var l *store.License
	if err == nil {
		l, err = p.s.svc.ActivateFor(r.Context(), req.Code, req.Deployment, licensing.Actor{Source: license.SourceAPI, Name: "buyer",
			RequestID: middleware.GetReqID(r.Context())})
	}
	if err != nil {
		p.s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, support.CodeAnswer(l))
}
