package server

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/server/support"
	"github.com/licentia/licentia/verifier"
	"github.com/licentia/licentia/verifier/online"
)

// adminAPI serves /admin/v1/: the support desk over HTTP, behind bearer tokens. Read tokens may list,
// show and read history; support tokens may also reissue, revoke and reveal whole codes.
type adminAPI struct {
	s   *Server
	sup *support.Desk
}

// list serves GET /admin/v1/licenses?order=&customer=&product=&status=&expiring_within=&limit=&cursor=.
func (a *adminAPI) list(w http.ResponseWriter, r *http.Request) {
	q, err := support.ParseListQuery(r.URL.Query())
	if err != nil {
		a.s.fail(w, r, err)
		return
	}
	page, err := a.sup.List(r.Context(), q)
	if err != nil {
		a.s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

// get serves GET /admin/v1/licenses/{ref}[?reveal=true]: ref is a license id, bound marketplace code,
// or an order or customer id naming one license. Whole codes go to POST /admin/v1/lookup instead, so
// they stay out of URLs and access logs.
func (a *adminAPI) get(w http.ResponseWriter, r *http.Request) {
	ref, err := refParam(r)
	var reveal bool
	if err == nil {
		reveal, err = revealParam(r)
	}
	a.show(w, r, ref, reveal, err)
}

// lookup serves POST /admin/v1/lookup {"ref","reveal"}: like get, and ref may be a whole code.
func (a *adminAPI) lookup(w http.ResponseWriter, r *http.Request) {
	var req support.LookupRequest
	err := decodeJSON(w, r, &req)
	a.show(w, r, req.Ref, req.Reveal, err)
}

func (a *adminAPI) show(w http.ResponseWriter, r *http.Request, ref string, reveal bool, err error) {
	if err == nil && reveal {
		err = allow(r.Context(), store.RoleSupport)
	}
	var d *support.Detail
	if err == nil {
		d, err = a.sup.Show(r.Context(), ref, reveal)
	}
	if err != nil {
		a.s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// events serves GET /admin/v1/licenses/{ref}/events.
func (a *adminAPI) events(w http.ResponseWriter, r *http.Request) {
	ref, err := refParam(r)
	var h *support.History
	if err == nil {
		h, err = a.sup.History(r.Context(), ref)
	}
	if err != nil {
		a.s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h)
}

// reissue serves POST /admin/v1/licenses/{ref}/reissue {"reason","reveal"} (support tokens).
func (a *adminAPI) reissue(w http.ResponseWriter, r *http.Request) {
	a.change(w, r, "reissue", a.sup.Reissue)
}

// revoke serves POST /admin/v1/licenses/{ref}/revoke {"reason"} (support tokens).
func (a *adminAPI) revoke(w http.ResponseWriter, r *http.Request) {
	a.change(w, r, "revoke", a.sup.Revoke)
}

// activate serves POST /admin/v1/activations {"code","deployment"} (support tokens): a License 2.0 code
// activated for a buyer, answered as POST /v1/activations is, the token's name recorded as the actor.
func (a *adminAPI) activate(w http.ResponseWriter, r *http.Request) {
	var req support.ActivationRequest
	err := decodeJSON(w, r, &req)
	var ans *online.CodeResponse
	if err == nil {
		req.Actor = adminActor(r)
		ans, err = a.sup.Activate(r.Context(), req)
	}
	if err != nil {
		a.s.fail(w, r, err)
		return
	}
	a.s.log.InfoContext(r.Context(), "support activation", "license_id", ans.LicenseID, "actor", req.Actor.Name,
		"generation", ans.Generation, "code_fp", verifier.Fingerprint(ans.Code))
	writeJSON(w, http.StatusOK, ans)
}

type changeFunc func(ctx context.Context, ref string, req support.ChangeRequest) (*support.Change, error)

func (a *adminAPI) change(w http.ResponseWriter, r *http.Request, action string, op changeFunc) {
	c, req, ok := supportCall(a, w, r, op)
	if !ok {
		return
	}
	a.s.log.InfoContext(r.Context(), "support change", "license_id", c.License.ID, "action", action,
		"actor", req.Actor.Name, "changed", c.Changed, "generation", c.License.Generation,
		"code_fp", c.License.CodeFingerprint, "request_id", req.Actor.RequestID)
	writeJSON(w, http.StatusOK, c)
}

// supportCall runs op on the license the URL names with the request's body ({"reason"} and the like), as
// the admin token's: its outcome and the request, or false once it answered the error.
func supportCall[T any](a *adminAPI, w http.ResponseWriter, r *http.Request,
	op func(ctx context.Context, ref string, req support.ChangeRequest) (T, error)) (out T, req support.ChangeRequest, ok bool) {
	ref, err := refParam(r)
	if err == nil {
		err = decodeJSON(w, r, &req)
	}
	if err == nil {
		req.Actor = adminActor(r)
		out, err = op(r.Context(), ref, req)
	}
	if err != nil {
		a.s.fail(w, r, err)
		return out, req, false
	}
	return out, req, true
}

// refParam returns the {ref} of the URL. Whole codes are refused: they are bearer credentials, and URLs
// end up in access logs; POST them to /admin/v1/lookup to find their license.
func refParam(r *http.Request) (string, error) {
	ref, err := url.PathUnescape(chi.URLParam(r, "ref"))
	switch {
	case err != nil || ref == "":
		return "", badRequest("bad license reference in the URL")
	case support.LooksLikeCode(ref):
		return "", badRequest("codes do not go in URLs: POST {\"ref\":\"<code>\"} to /admin/v1/lookup for the license id")
	}
	return ref, nil
}

func revealParam(r *http.Request) (bool, error) {
	s := r.URL.Query().Get("reveal")
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, badRequest("reveal %q: want true or false", s)
	}
	return b, nil
}
