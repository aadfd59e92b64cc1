package buildinfo

import (
	"runtime/debug"
	"testing"
)

func settings(kv ...string) []debug.BuildSetting {
	var out []debug.BuildSetting
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
	}
	return out
}

func TestLine(t *testing.T) {
	const rev = "2b470ec0d1c6a0f4b8b8c2f6e1e0a9d3c4b5a6f7"
	tests := []struct {
		name     string
		bi       *debug.BuildInfo
		override string
		want     string
	}{
		{"no build info", nil, "", "licentia devel"},
		{"source tree, no vcs", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "", "licentia devel"},
		{"release tag", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}, Settings: settings("vcs.revision", rev, "vcs.modified", "false")},
			"", "licentia v1.2.3 (rev 2b470ec)"},
		{"dirty pseudo-version", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261201184800-2b470ec0d1c6+dirty"},
			Settings: settings("vcs.revision", rev, "vcs.modified", "true")}, "", "licentia v0.0.0-20261201184800-2b470ec0d1c6 (rev 2b470ec, dirty)"},
		{"ldflags override", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: settings("vcs.revision", rev, "vcs.modified", "true")},
			"v1.2.3", "licentia v1.2.3 (rev 2b470ec, dirty)"},
		{"override, no vcs", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "v2.0.0", "licentia v2.0.0"},
		{"dirty without revision", &debug.BuildInfo{Settings: settings("vcs.modified", "true")}, "", "licentia devel (dirty)"},
		{"short revision", &debug.BuildInfo{Settings: settings("vcs.revision", "abc")}, "", "licentia devel (rev abc)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fromBuildInfo(tt.bi, tt.override).Line("licentia"); got != tt.want {
				t.Errorf("Line() = %q, want %q", got, tt.want)
			}
		})
	}
}
