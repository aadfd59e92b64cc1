package server

import (
	"net/http"
)

// retryUploads serves POST /admin/v1/licenses/{ref}/uploads/retry {"reason"} (support tokens): the license's
// dead-lettered uploads are tried again at once, recorded in its audit log.
func (a *adminAPI) retryUploads(w http.ResponseWriter, r *http.Request) {
	out, req, ok := supportCall(a, w, r, a.sup.RetryUploads)
	if !ok {
		return
	}
	a.s.log.InfoContext(r.Context(), "support retry of dead-lettered uploads", "license_id", out.LicenseID,
		"retried", out.Retried, "actor", req.Actor.Name, "request_id", req.Actor.RequestID)
	writeJSON(w, http.StatusOK, out)
}

// retryUsage serves POST /admin/v1/licenses/{ref}/usage/retry {"reason"} (support tokens): the license's
// dead-lettered uses of today (UTC) are reported again at once, recorded in its audit log; earlier days'
// stay (see support.Desk.RetryUsage).
func (a *adminAPI) retryUsage(w http.ResponseWriter, r *http.Request) {
	out, req, ok := supportCall(a, w, r, a.sup.RetryUsage)
	if !ok {
		return
	}
	a.s.log.InfoContext(r.Context(), "support retry of dead-lettered usage", "license_id", out.LicenseID,
		"day", out.Day, "retried", out.Retried, "older", out.Older, "actor", req.Actor.Name,
		"request_id", req.Actor.RequestID)
	writeJSON(w, http.StatusOK, out)
}
