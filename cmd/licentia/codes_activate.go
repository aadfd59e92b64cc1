package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/server"
	"github.com/licentia/licentia/server/desk"
	"github.com/licentia/licentia/server/openapi"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/verifier/online"
)

const codesActivateUsage = `usage: licentia codes activate CODE|- [--deployment ID] [--reveal] [--actor NAME] [--json]

Activates a KooGallery License 2.0 code for a buyer, as POST /v1/activations does for their software: the
code is activated with the marketplace once, bound to a license, and licentia's offline code for it is
answered (again: the same license and code, no second activation). --reveal prints the offline code, to hand
to the buyer. CODE - reads the code from standard input.

Locally the marketplace OpenAPI is reached with LICENTIA_KOOGALLERY_AK / LICENTIA_KOOGALLERY_SK (environment
only) and --koogallery-api (env LICENTIA_KOOGALLERY_API); through --server it is the server's, and the token
must have the support role.

`

func runCodesActivate(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := quietFlagSet("codes activate", codesActivateUsage, stderr)
	var c codesFlags
	c.register(fs, getenv)
	var deployment, api string
	var reveal bool
	fs.StringVar(&deployment, "deployment", "", "the buyer's installation, recorded in the audit log")
	fs.BoolVar(&reveal, "reveal", false, "print the offline code (a bearer credential)")
	fs.StringVar(&api, "koogallery-api", getenv(openapi.EnvAPI), "local mode: the OpenAPI base URLs (env "+openapi.EnvAPI+")")
	pos, err := fs.parseArgs(args, 1, "one KooGallery license code, or - for standard input")
	if err != nil {
		return err
	}
	code, err := codeArg(pos[0], stdin)
	if err != nil {
		return err
	}
	var ans *online.CodeResponse
	if c.server != "" {
		b, _, done, err := c.backend(ctx, fs)
		if err != nil {
			return err
		}
		defer done()
		ans, err = b.(*server.AdminClient).Activate(ctx, code, deployment)
		if err != nil {
			return err
		}
	} else if ans, err = activateLocally(ctx, &c, fs, api, code, deployment, getenv); err != nil {
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

// activateLocally activates through a Server built over the local database, key ring and OpenAPI
// credentials; it serves nothing.
func activateLocally(ctx context.Context, c *codesFlags, fs *cmdFlags, api, code, deployment string, getenv func(string) string) (*online.CodeResponse, error) {
	if err := c.data.resolveDBTo(fs.stderr); err != nil {
		return nil, err
	}
	bases, err := openapi.ParseBaseURLs(api)
	if err != nil {
		return nil, &usageError{fmt.Sprintf("--koogallery-api: %v", err)}
	}
	log := slog.New(slog.NewTextHandler(fs.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg := server.Config{}
	if ak, sk := getenv(openapi.EnvAK), getenv(openapi.EnvSK); ak != "" || sk != "" {
		if cfg.Market, err = openapi.New(openapi.Config{AK: ak, SK: sk, BaseURLs: bases, Logger: log}); err != nil {
			return nil, &usageError{fmt.Sprintf("marketplace OpenAPI (%s, %s): %v", openapi.EnvAK, openapi.EnvSK, err)}
		}
	}
	if err := cfg.ValidateLocal(); err != nil {
		return nil, err
	}
	ring, err := keys.OpenRing(c.data.keyDir())
	if err != nil {
		return nil, fmt.Errorf("key ring %s (activation signs a code): %w", c.data.keyDir(), err)
	}
	st, err := c.data.openStore(ctx)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	actor := desk.Actor{Source: store.SourceCLI, Name: c.actor, RequestID: "cli-" + randomHex(8)}
	if actor.Name == "" {
		actor.Name = osUser()
	}
	srv := server.New(cfg, st, ring, desk.NewIssuer(ring, "licentia", 0), log)
	l, err := srv.Activate(ctx, code, deployment, actor)
	if err != nil {
		return nil, err
	}
	ans := server.ActivationAnswer(l)
	return &ans, nil
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
	return desk.CleanCode(string(b)), nil
}
