package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/licentia/licentia/server/support"
)

func (s *Server) routes() http.Handler {
	sup := support.New(s.svc, s.ring)
	pub := newPublicAPI(s, sup)
	adm := &adminAPI{s: s, sup: sup}

	r := chi.NewRouter()
	s.router = r
	r.Get(s.cfg.CallbackPath, s.handleLegacy)
	r.Post(s.cfg.CallbackPath, s.handleSigned)
	r.Get("/", pub.handleBuyerPage)
	r.Post("/", pub.handleBuyerSubmit)
	r.Post("/v1/codes/refresh", pub.handleRefresh)
	r.Post("/v1/usage", pub.handleUsage)
	r.Post("/v1/activations", pub.handleActivation)
	r.Get("/v1/revocations", pub.handleRevocations)
	r.Get("/.well-known/jwks.json", s.handleJWKS)
	r.Get("/openapi.json", s.handleOpenAPI)
	r.Get("/healthz", s.handleHealth)
	r.Get("/readyz", s.handleReady)
	if !s.cfg.SeparateMetrics {
		r.Get("/metrics", s.handleLocalMetrics)
	}
	r.Route("/admin", func(r chi.Router) {
		r.Use(adm.authenticate)
		r.Route("/v1", func(r chi.Router) {
			r.Get("/licenses", adm.list)
			r.Get("/licenses/{ref}", adm.get)
			r.Get("/licenses/{ref}/events", adm.events)
			r.Get("/licenses/{ref}/seats", adm.seats)
			r.Get("/policies", adm.policies)
			r.Get("/policies/{product}", adm.policy)
			r.Get("/unactivated", adm.unactivated)
			r.Post("/lookup", adm.lookup)
			r.With(adm.requireSupport).Post("/licenses/{ref}/reissue", adm.reissue)
			r.With(adm.requireSupport).Post("/licenses/{ref}/revoke", adm.revoke)
			r.With(adm.requireSupport).Post("/licenses/{ref}/uploads/retry", adm.retryUploads)
			r.With(adm.requireSupport).Post("/licenses/{ref}/usage/retry", adm.retryUsage)
			r.With(adm.requireSupport).Post("/activations", adm.activate)
			r.With(adm.requireSupport).Delete("/licenses/{ref}/seats/{deployment}", adm.freeSeat)
			r.With(adm.requireSupport).Put("/policies/{product}", adm.setPolicy)
			r.With(adm.requireSupport).Delete("/policies/{product}", adm.deletePolicy)
		})
	})
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such endpoint")
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed on this endpoint")
	})
	// Methods no route serves are answered before the router, the request id, the log and the metrics
	// (front).
	s.methods = newMethodGate(servedMethods(r), s.front(r))
	return s.methods
}
