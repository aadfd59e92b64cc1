package loopback

import (
	"net/netip"
	"testing"
)

func TestHost(t *testing.T) {
	tests := []struct {
		host string
		want bool
	}{
		{"localhost", true},
		{"LocalHost", true},
		{"127.0.0.1", true},
		{"127.255.255.254", true},
		{"::1", true},
		{"0:0:0:0:0:0:0:1", true},
		{"::ffff:127.0.0.1", true},       // IPv4-mapped: its IPv4 address decides
		{"::ffff:7f00:1", true},          // the same, in hex
		{"", false},                      // no host at all
		{"localhost.", false},            // a name other than "localhost": not resolved
		{"localhost.example.com", false}, // a name that merely starts like it
		{"foo.localhost", false},
		{"127.0.0.1.nip.io", false}, // resolves to loopback through DNS: not resolved, so remote
		{"example.com", false},
		{"0.0.0.0", false}, // every interface, not loopback
		{"::", false},
		{"10.0.0.1", false},
		{"128.0.0.1", false},
		{"::ffff:10.0.0.1", false}, // IPv4-mapped, not loopback
		{"::2", false},
		{"fe80::1", false},
		{"::1%lo", false},                // a zone: a loopback literal needs none
		{"::ffff:127.0.0.1%eth0", false}, // nor does a mapped one
		{"[::1]", false},                 // brackets belong to a URL, not to a host
		{"127.0.0.1:8080", false},        // a port is not part of the host
		{"127.1", false},                 // the short forms inet_aton accepts are not IP literals here
		{"0x7f.0.0.1", false},
		{"0177.0.0.1", false},
		{"127.000.000.001", false},
		{"2130706433", false}, // 127.0.0.1 as one decimal number
		{" 127.0.0.1", false},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			if got := Host(tt.host); got != tt.want {
				t.Errorf("Host(%q) = %v, want %v", tt.host, got, tt.want)
			}
		})
	}
}

func TestAddr(t *testing.T) {
	tests := []struct {
		addr netip.Addr
		want bool
	}{
		{netip.MustParseAddr("127.0.0.1"), true},
		{netip.MustParseAddr("127.9.8.7"), true},
		{netip.IPv6Loopback(), true},
		{netip.MustParseAddr("::ffff:127.0.0.1"), true},
		{netip.MustParseAddr("::1%lo"), false},
		{netip.MustParseAddr("192.0.2.1"), false},
		{netip.MustParseAddr("::ffff:192.0.2.1"), false},
		{netip.IPv6Unspecified(), false},
		{netip.Addr{}, false}, // the zero Addr: no address at all
	}
	for _, tt := range tests {
		t.Run(tt.addr.String(), func(t *testing.T) {
			if got := Addr(tt.addr); got != tt.want {
				t.Errorf("Addr(%v) = %v, want %v", tt.addr, got, tt.want)
			}
		})
	}
}
