package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/licentia/licentia/cmd/internal/printable"
	"github.com/licentia/licentia/verifier"
)

// maxDeploymentFile bounds what is read of a --deployment FILE.
const maxDeploymentFile = 64 << 10

// readDeployment returns the deployment --deployment names: nil for "", this machine's for "auto", or
// the JSON deployment (an object, or a plain string for an id alone) in the file arg. Errors never
// quote the file's values.
func readDeployment(arg string) (*verifier.Deployment, error) {
	switch arg {
	case "":
		return nil, nil
	case "auto":
		d, err := verifier.LocalDeployment()
		if err != nil {
			return nil, fmt.Errorf("--deployment auto: %w", err)
		}
		return &d, nil
	}
	f, err := os.Open(arg)
	if err != nil {
		return nil, fmt.Errorf("read deployment: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxDeploymentFile+1))
	if err != nil {
		return nil, fmt.Errorf("read deployment: %w", err)
	}
	if len(data) > maxDeploymentFile {
		return nil, fmt.Errorf("deployment %s: %w: more than %d bytes", arg, verifier.ErrDeployment, maxDeploymentFile)
	}
	var d verifier.Deployment
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("deployment %s: %w: want {\"id\":\"…\",\"components\":{…}} or a JSON string: %w", arg, verifier.ErrDeployment, err)
	}
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("deployment %s: %w", arg, err)
	}
	return &d, nil
}

// printLocalDeployment prints this machine's deployment as JSON, the form --deployment FILE reads, and
// returns the exit status. The values are raw: the user asked to see their own machine's.
func printLocalDeployment(stdout, stderr io.Writer) int {
	d, err := verifier.LocalDeployment()
	if err != nil {
		warn(stderr, err)
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
