package server

import (
	"net/http"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/licentia/licentia/server/licensing"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/server/support"
)

// retryUploads serves POST /admin/v1/licenses/{ref}/uploads/retry {"reason"} (support tokens): the license's
// dead-lettered uploads are tried again at once, recorded in its audit log.
func (a *adminAPI) retryUploads(w http.ResponseWriter, r *http.Request) {
	ref, err := refParam(r)
	var req support.ChangeRequest
	if err == nil {
		err = decodeJSON(w, r, &req)
	}
	var out *support.UploadRetry
	if err == nil {
		req.Actor = licensing.Actor{Source: store.SourceAdmin, Name: tokenOf(r.Context()).Name, RequestID: middleware.GetReqID(r.Context())}
		out, err = a.sup.RetryUploads(r.Context(), ref, req)
	}
	if err != nil {
		a.s.fail(w, r, err)
		return
	}
	a.s.log.InfoContext(r.Context(), "support retry of dead-lettered uploads", "license_id", out.LicenseID,
		"retried", out.Retried, "actor", req.Actor.Name, "request_id", req.Actor.RequestID)
	writeJSON(w, http.StatusOK, out)
}
