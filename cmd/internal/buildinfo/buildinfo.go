// Package buildinfo tells which build of licentia's commands is running: the module version and the VCS
// revision the binary was built from, as the Go toolchain records them (runtime/debug.ReadBuildInfo).
//
// A release build stamps its version with
//
//	go build -ldflags "-X github.com/licentia/licentia/cmd/internal/buildinfo.Version=v1.2.3" ./cmd/...
//
// which overrides the module version; the revision and the dirty flag still come from the toolchain.
package buildinfo

import (
	"runtime/debug"
	"strings"
)

// Version, when set at link time (see the package documentation), is the version reported instead of
// the module version the toolchain recorded.
var Version string

// Info is what a binary knows of its own build.
type Info struct {
	// Version is the release version ("v1.2.3"), the module's pseudo-version, or "devel" when none is
	// known.
	Version string
	// Revision is the VCS revision (a full commit hash), "" when the build did not record one.
	Revision string
	// Modified is true when the work tree had uncommitted changes at build time.
	Modified bool
}

// Read returns the running binary's build information.
func Read() Info {
	bi, _ := debug.ReadBuildInfo()
	return fromBuildInfo(bi, Version)
}

// fromBuildInfo derives Info from bi (nil when the binary carries none) and the link-time override.
func fromBuildInfo(bi *debug.BuildInfo, override string) Info {
	var in Info
	if bi != nil {
		in.Version = bi.Main.Version
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				in.Revision = s.Value
			case "vcs.modified":
				in.Modified = s.Value == "true"
			}
		}
	}
	if override != "" {
		in.Version = override
	}
	// A version the toolchain derived from a dirty tree says so itself ("…+dirty"); the flag says it
	// once, below.
	in.Version = strings.TrimSuffix(in.Version, "+dirty")
	if in.Version == "" || in.Version == "(devel)" {
		in.Version = "devel"
	}
	return in
}

// Line formats in for a command named name, e.g. "licentia v1.2.3 (rev 2b470ec, dirty)".
func (in Info) Line(name string) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte(' ')
	b.WriteString(in.Version)
	if in.Revision != "" || in.Modified {
		b.WriteString(" (")
		if in.Revision != "" {
			b.WriteString("rev ")
			b.WriteString(in.Revision[:min(7, len(in.Revision))])
		}
		if in.Modified {
			if in.Revision != "" {
				b.WriteString(", ")
			}
			b.WriteString("dirty")
		}
		b.WriteByte(')')
	}
	return b.String()
}

// Line returns the running binary's version line for the command name (see Info.Line).
func Line(name string) string { return Read().Line(name) }
