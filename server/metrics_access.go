package server

import (
	"net/http"
	"net/netip"

	"github.com/licentia/licentia/internal/loopback"
)

// forwardingHeaders are the headers by which a proxy names the client it forwards for.
var forwardingHeaders = []string{"X-Forwarded-For", "Forwarded", "X-Real-Ip"}

// handleLocalMetrics serves /metrics on the public listener (no --metrics-addr) to loopback clients only:
// it shows sales volume and failed authentications, which are nobody else's business. A request counts as
// local when it comes from a loopback address and, when that address is a trusted proxy, the client its
// X-Forwarded-For names is on loopback too; a loopback peer that is not a trusted proxy but sends a
// forwarding header is a proxy nobody declared, and is refused as well. Others get 403.
func (s *Server) handleLocalMetrics(w http.ResponseWriter, r *http.Request) {
	if !s.localClient(r) {
		s.fail(w, r, ErrLoopbackOnly)
		return
	}
	s.MetricsHandler().ServeHTTP(w, r)
}

// localClient reports whether r comes from a process on this host, as handleLocalMetrics describes.
func (s *Server) localClient(r *http.Request) bool {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil || !loopback.Addr(peer.Addr()) {
		return false
	}
	if !isTrusted(peer.Addr().Unmap().String(), s.cfg.TrustedProxies) {
		for _, h := range forwardingHeaders {
			if len(r.Header.Values(h)) > 0 {
				return false
			}
		}
		return true
	}
	client, err := netip.ParseAddr(clientAddr(r, s.cfg.TrustedProxies))
	return err == nil && loopback.Addr(client)
}
