package ratelimit

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/maphash"
	"net/netip"
	"strings"
)

// ErrBadAddress is returned by ParseAddrKey for a string that is not an IP address.
var ErrBadAddress = errors.New("not an IP address")

// Key names what one bucket counts: a client address (AddrKey) or a license (LicenseKey). Keys are
// small comparable values without pointers; building one allocates nothing.
type Key struct {
	kind uint8
	b    [16]byte // the address (IPv6 form, an IPv6 key cut to its /64), or a 128-bit hash of a license id
}

const (
	kindNone uint8 = iota
	kindAddr4
	kindAddr6
	kindLicense
)

// licenseSeeds key the hash of license ids: fixed for the life of the process, unknown outside it, so
// nobody can choose ids whose keys collide.
var licenseSeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

// AddrKey returns the key of a client address. An IPv4 address, also when written IPv4-mapped
// (::ffff:192.0.2.1), is its own key; IPv6 addresses are grouped by their /64 prefix, the smallest block
// a provider hands to one subscriber, so one buyer cannot multiply its allowance by rotating through
// its own prefix. A zone (fe80::1%eth0) is dropped. The zero Addr has a key of its own.
func AddrKey(a netip.Addr) Key {
	a = a.Unmap()
	switch {
	case a.Is4():
		return Key{kind: kindAddr4, b: a.As16()}
	case a.Is6():
		k := Key{kind: kindAddr6, b: a.As16()}
		clear(k.b[8:])
		return k
	default:
		return Key{kind: kindNone}
	}
}

// ParseAddrKey parses s, an IPv4 or IPv6 address as net/http and X-Forwarded-For give it (no port, IPv6
// optionally in brackets), and returns its AddrKey. It returns an error wrapping ErrBadAddress when s is
// not an address.
func ParseAddrKey(s string) (Key, error) {
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
	if err != nil {
		return Key{}, fmt.Errorf("client address %q: %w", truncate(s, 64), ErrBadAddress)
	}
	return AddrKey(a), nil
}

// LicenseKey returns the key of the license with id id: a 128-bit keyed hash of it, so the table holds
// no strings (and no pointers for the garbage collector to follow) whatever the ids look like.
func LicenseKey(id string) Key {
	k := Key{kind: kindLicense}
	binary.LittleEndian.PutUint64(k.b[:8], maphash.String(licenseSeeds[0], id))
	binary.LittleEndian.PutUint64(k.b[8:], maphash.String(licenseSeeds[1], id))
	return k
}

// String returns the key as logs may show it: "addr:192.0.2.1", "addr:2001:db8::/64", or "license:#"
// and the hash (the id itself is not kept).
func (k Key) String() string {
	switch k.kind {
	case kindAddr4:
		return "addr:" + netip.AddrFrom16(k.b).Unmap().String()
	case kindAddr6:
		return "addr:" + netip.AddrFrom16(k.b).String() + "/64"
	case kindLicense:
		return "license:#" + hex.EncodeToString(k.b[:8])
	default:
		return "addr:invalid"
	}
}

// hash spreads keys over the shards.
func (k Key) hash() uint64 {
	h := binary.LittleEndian.Uint64(k.b[:8])*0x9e3779b97f4a7c15 ^ binary.LittleEndian.Uint64(k.b[8:]) ^ uint64(k.kind)
	h *= 0xbf58476d1ce4e5b9
	return h ^ h>>31
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
