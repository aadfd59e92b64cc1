package server

import (
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"
)

// standardMethods are the methods HTTP defines (RFC 9110 §9, RFC 5789). A request with one that no route
// serves is answered 405; any other method is answered 501.
var standardMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace}

// servedMethods returns the methods some route of r serves, sorted.
func servedMethods(r chi.Routes) []string {
	var out []string
	chi.Walk(r, func(method, _ string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if !slices.Contains(out, method) {
			out = append(out, method)
		}
		return nil
	})
	slices.Sort(out)
	return out
}

// methodGate answers a request whose method no route serves before any other work — no routing,
// logging, metrics or body read: 405 with an Allow header for a method HTTP defines, 501 for any other
// (a made-up method, of any length). The method is never echoed. Everything else goes to next.
type methodGate struct {
	served []string
	allow  string
	next   http.Handler
}

func newMethodGate(served []string, next http.Handler) *methodGate {
	return &methodGate{served: served, allow: strings.Join(served, ", "), next: next}
}

func (g *methodGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if slices.Contains(g.served, r.Method) {
		g.next.ServeHTTP(w, r)
		return
	}
	w.Header().Set("Allow", g.allow)
	if slices.Contains(standardMethods, r.Method) {
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed; this server serves "+g.allow)
		return
	}
	writeError(w, http.StatusNotImplemented, "method_not_implemented", "unknown HTTP method; this server serves "+g.allow)
}

// label returns the metric label of method: the method itself when a route serves it, "other" for any
// other, so that the label takes a fixed set of values whatever clients send.
func (g *methodGate) label(method string) string {
	if slices.Contains(g.served, method) {
		return method
	}
	return "other"
}
