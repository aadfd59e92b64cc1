package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/licentia/licentia/cmd/internal/locale"
	"github.com/licentia/licentia/cmd/internal/printable"
	"github.com/licentia/licentia/verifier"
)

// maxDeploymentFile bounds what is read of a --deployment FILE.
const maxDeploymentFile = 64 << 10

// readDeployment returns the deployment --deployment names: nil for "", this machine's for "auto", or
// the JSON deployment (an object, or a plain string for an id alone) in the file arg. Errors never
// quote the file's values.
func readDeployment(l locale.Lang, arg string) (*verifier.Deployment, error) {
	switch arg {
	case "":
		return nil, nil
	case "auto":
		d, err := verifier.LocalDeployment()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", catalog.T(l, "dep_auto"), err)
		}
		return &d, nil
	}
	f, err := os.Open(arg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", catalog.T(l, "read_dep"), err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxDeploymentFile+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", catalog.T(l, "read_dep"), err)
	}
	if len(data) > maxDeploymentFile {
		return nil, fmt.Errorf("%s: %w: %s", catalog.T(l, "dep", arg), verifier.ErrDeployment, catalog.T(l, "dep_large", maxDeploymentFile))
	}
	var d verifier.Deployment
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("%s: %w: %s: %w", catalog.T(l, "dep", arg), verifier.ErrDeployment, catalog.T(l, "dep_json"), err)
	}
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", catalog.T(l, "dep", arg), err)
	}
	return &d, nil
}

// printLocalDeployment prints this machine's deployment as JSON, the form --deployment FILE reads, and
// returns the exit status. The values are raw: the user asked to see their own machine's.
func printLocalDeployment(l locale.Lang, stdout, stderr io.Writer) int {
	d, err := verifier.LocalDeployment()
	if err != nil {
		warn(stderr, catalog.T(l, "dep_auto")+":", err)
		return exitNoInput
	}
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		warn(stderr, err)
		return exitNoInput
	}
	fmt.Fprintf(printable.Unwrap(stdout), "%s\n", b) // encoding/json escapes control characters itself
	return exitValid
}
