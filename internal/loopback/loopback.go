// Package loopback decides whether a host or an address names this machine, for the checks that keep a
// credential or a test run on it: the admin client's plain-http rule, the OpenAPI client's plain-http rule,
// the simulator's and the load generator's targets, the marketplace stand-in's listen address, and /metrics
// on the public listener.
//
// A host is on loopback when it is the name "localhost" (any case) or an IP literal in 127.0.0.0/8 or ::1,
// an IPv4-mapped IPv6 address (::ffff:127.0.0.1) counting as its IPv4 address. Other names are not resolved:
// the answer would depend on DNS and /etc/hosts at the moment of the check, not at the moment of the
// connection, and a name that resolves to loopback today may not tomorrow; such a name counts as remote. A
// zoned literal (::1%lo) is refused too: a loopback address needs no zone.
package loopback

import (
	"net/netip"
	"strings"
)

// Host reports whether host, a host name or IP literal without port or brackets (url.URL.Hostname,
// net.SplitHostPort), names this machine: "localhost" in any case, or a loopback IP address. It resolves
// nothing.
func Host(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && Addr(a)
}

// Addr reports whether a is a loopback address: 127.0.0.0/8 or ::1, with an IPv4-mapped IPv6 address taken as
// its IPv4 address. An address with a zone is not.
func Addr(a netip.Addr) bool {
	return a.Zone() == "" && a.Unmap().IsLoopback()
}
