package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/licentia/licentia/server/licensing"
)

// TestActivationFlags: each activation limit has a flag whose default comes from its environment variable
// (named in the usage), and out-of-range values are usage errors naming the flag.
func TestActivationFlags(t *testing.T) {
	var help bytes.Buffer
	run(context.Background(), []string{"serve", "-h"}, noEnv, &help, &help)
	for _, env := range []string{"LICENTIA_ACTIVATION_PER_ADDRESS", "LICENTIA_ACTIVATION_GLOBAL", "LICENTIA_ACTIVATION_UNKNOWN_TTL"} {
		if !strings.Contains(help.String(), env) {
			t.Errorf("serve -h does not name %s:\n%s", env, help.String())
		}
	}
	fs := newFlagSet("serve", langEN, &help)
	var a activationFlags
	a.register(fs, langEN, envMap(map[string]string{"LICENTIA_ACTIVATION_PER_ADDRESS": "7", "LICENTIA_ACTIVATION_UNKNOWN_TTL": "1h"}))
	if err := fs.Parse([]string{"--activation-global", "9"}); err != nil {
		t.Fatal(err)
	}
	got, err := a.limits(langEN)
	if want := (licensing.ActivationLimits{PerAddress: 7, Global: 9, UnknownTTL: time.Hour}); err != nil || got != want {
		t.Errorf("limits() = %+v, %v; want %+v", got, err, want)
	}
	for _, args := range [][]string{
		{"--activation-per-address", "0"}, {"--activation-global", "x"}, {"--activation-unknown-ttl", "48h"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), append([]string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0"}, args...),
			envMap(map[string]string{"LICENTIA_KOOGALLERY_KEY": "k"}), &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), args[0]) || exitCode(err) == 0 {
			t.Errorf("serve %v err = %v, want a usage error naming %s", args, err, args[0])
		}
	}
}
