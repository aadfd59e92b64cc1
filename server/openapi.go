package server

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
)

// openAPIDoc is the OpenAPI 3.1 description of the buyer API (/v1/*, the JWKS) and the admin API
// (/admin/v1/*). TestOpenAPIRoutes checks that it describes every route and only those, and
// TestOpenAPIAnswers that the real handlers' answers match it.
//
//go:embed openapi.json
var openAPIDoc []byte

// openAPIETag is the entity tag of openAPIDoc: the description changes only with the binary.
var openAPIETag = func() string {
	sum := sha256.Sum256(openAPIDoc)
	return `"` + hex.EncodeToString(sum[:12]) + `"`
}()

// handleOpenAPI serves GET /openapi.json: the description, public and cacheable, with an ETag for
// conditional requests.
func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("ETag", openAPIETag)
	if etagMatch(r.Header.Get("If-None-Match"), openAPIETag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(openAPIDoc)
}
