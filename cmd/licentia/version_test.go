package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	for _, arg := range []string{"version", "--version"} {
		t.Run(arg, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if err := run(t.Context(), []string{arg}, noEnv, &out, &errOut); err != nil {
				t.Fatalf("run(%s) err = %v, want nil", arg, err)
			}
			if got := out.String(); !strings.HasPrefix(got, "licentia ") || strings.Count(got, "\n") != 1 {
				t.Errorf("run(%s) printed %q, want one line starting \"licentia \"", arg, got)
			}
		})
	}
	var out, errOut bytes.Buffer
	if err := run(t.Context(), []string{"help"}, noEnv, &out, &errOut); err != nil || !strings.Contains(out.String(), "\n  version ") {
		t.Errorf("help = %v, %q, want the version command listed", err, out.String())
	}
}
