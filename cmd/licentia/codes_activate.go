package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/licentia/licentia/server/marketapi"
	"github.com/licentia/licentia/server/support"
)

const codesActivateUsage = `usage: licentia codes activate CODE|- [--deployment ID] [--reveal] [--actor NAME] [--issuer ISS] [--grace DUR] [--json]

Activates a KooGallery License 2.0 code for a buyer, as POST /v1/activations does for their software: the
code is activated with the marketplace once, bound to a license, and licentia's offline code for it is
answered (again: the same license and code, no second activation). --reveal prints the offline code, to hand
to the buyer. CODE - reads the code from standard input.

Locally the marketplace OpenAPI is reached with LICENTIA_KOOGALLERY_AK / LICENTIA_KOOGALLERY_SK (environment
only) and --koogallery-api (env LICENTIA_KOOGALLERY_API); through --server it is the server's, and the token
must have the support role. Locally the new license's code is signed with --issuer and --grace (env
LICENTIA_ISSUER, LICENTIA_GRACE): give serve's, so that it matches the codes serve signs.

`

func runCodesActivate(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := quietFlagSet("codes activate", codesActivateUsage, stderr)
	var c codesFlags
	c.register(fs, getenv)
	c.issuer.register(fs.FlagSet, getenv)
	var deployment, api string
	var reveal bool
	fs.StringVar(&deployment, "deployment", "", "the buyer's installation, recorded in the audit log")
	fs.BoolVar(&reveal, "reveal", false, "print the offline code (a bearer credential)")
	fs.StringVar(&api, "koogallery-api", getenv(marketapi.EnvAPI), "local mode: the OpenAPI base URLs (env "+marketapi.EnvAPI+")")
	pos, err := fs.parseArgs(args, 1, "one KooGallery license code, or - for standard input")
	if err != nil {
		return err
	}
	code, err := codeArg(pos[0], stdin)
	if err != nil {
		return err
	}
	if c.server == "" {
		if err := c.localMarket(api, getenv, fs.stderr); err != nil {
			return err
		}
	}
	b, actor, done, err := c.backend(ctx, fs)
	if err != nil {
		return err
	}
	defer done()
	ans, err := b.Activate(ctx, support.ActivationRequest{Code: code, Deployment: deployment, Actor: actor})
	if err != nil {
		return err
	}
	if !reveal {
		ans.Code = ""
	}
	if c.json {
		return printJSON(stdout, ans)
	}
	fmt.Fprintf(stdout, "activated: license %s, generation %d, status %s, expires %s\n", cell(ans.LicenseID), ans.Generation,
		cell(ans.Status), cell(expiry(ans.ExpiresAt)))
	if ans.Code != "" {
		fmt.Fprintln(stdout, cell(ans.Code))
	}
	return nil
}

// localMarket sets up the marketplace's OpenAPI client for a local activation, from LICENTIA_KOOGALLERY_AK
// and _SK (none: activation fails with marketplace_unconfigured) and --koogallery-api.
func (c *codesFlags) localMarket(api string, getenv func(string) string, stderr io.Writer) error {
	bases, err := marketapi.ParseBaseURLs(api)
	if err != nil {
		return &usageError{fmt.Sprintf("--koogallery-api: %v", err)}
	}
	ak, sk := getenv(marketapi.EnvAK), getenv(marketapi.EnvSK)
	if ak == "" && sk == "" {
		return nil
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if c.market, err = marketapi.New(marketapi.Config{AK: ak, SK: sk, BaseURLs: bases, Logger: log}); err != nil {
		return &usageError{fmt.Sprintf("marketplace OpenAPI (%s, %s): %v", marketapi.EnvAK, marketapi.EnvSK, err)}
	}
	return nil
}

// codeArg returns the code given as an argument, or read from stdin for "-".
func codeArg(arg string, stdin io.Reader) (string, error) {
	if arg != "-" {
		return arg, nil
	}
	if stdin == nil {
		stdin = os.Stdin
	}
	b, err := io.ReadAll(io.LimitReader(stdin, 4096))
	if err != nil {
		return "", fmt.Errorf("read the code from standard input: %w", err)
	}
	return support.CleanCode(string(b)), nil
}
