package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"

	"github.com/licentia/licentia/cmd/internal/printable"
	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/server/adminclient"
	"github.com/licentia/licentia/server/licensing"
	"github.com/licentia/licentia/server/marketapi"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/server/support"
	"github.com/licentia/licentia/verifier/online"
)

const codesUsage = `usage: licentia codes <command> [flags] [ARG]

commands:
  list      list licenses: --order, --customer, --product, --status, --expiring-within DUR, --limit, --cursor, --all
  show      show a license by ID, ORDER-ID, CUSTOMER-ID or a pasted CODE (--reveal prints the whole code)
  reissue   ID --reason TEXT: sign a new generation with the same entitlement; older codes are superseded
  revoke    ID --reason TEXT: revoke the license for good; every code of it stops verifying
  history   ID: every event of the license, oldest first
  retry-upload ID --reason TEXT: upload again the code uploads the marketplace refused until their attempts ran out
  activate  CODE: activate a KooGallery License 2.0 code for a buyer and bind it to a license
  import    FILE: bring in licenses issued before licentia (CSV or JSON lines; local database only)

Every command takes --json, and works on the local database (--data, --db; same flags and environment as
serve) or on a remote server through its admin API (--server URL with LICENTIA_TOKEN or --token-file FILE;
https://, or http:// to a loopback address only). Locally the actor recorded in the audit log is --actor (env LICENTIA_ACTOR) or the OS
user; remotely it is the token's name.
`

// codesBackend is the support desk the codes commands talk to: support.Desk over licensing.Service on the
// local database, or adminclient.Client on a remote server. Both return the same views.
type codesBackend interface {
	Activate(ctx context.Context, req support.ActivationRequest) (*online.CodeResponse, error)
	List(ctx context.Context, q support.ListQuery) (*support.LicensePage, error)
	Show(ctx context.Context, ref string, reveal bool) (*support.Detail, error)
	History(ctx context.Context, ref string) (*support.History, error)
	Reissue(ctx context.Context, ref string, req support.ChangeRequest) (*support.Change, error)
	Revoke(ctx context.Context, ref string, req support.ChangeRequest) (*support.Change, error)
	RetryUploads(ctx context.Context, ref string, req support.ChangeRequest) (*support.UploadRetry, error)
	Unactivated(ctx context.Context, q support.UnactivatedQuery) (*support.UnactivatedPage, error)
}

// codesFlags are the flags every codes command shares.
type codesFlags struct {
	data   dataFlags
	server string
	token  *secretFlag
	actor  string
	json   bool
	// issuer and market configure the Service of local changes that sign new licenses (codes activate).
	issuer issuerFlags
	market *marketapi.Client
	// actorFlag is true when --actor was given on the command line (not only through the environment).
	actorFlag bool
}

func (c *codesFlags) register(fs *cmdFlags, getenv func(string) string) {
	c.data.register(fs.FlagSet, getenv)
	fs.StringVar(&c.server, "server", getenv("LICENTIA_SERVER"),
		"base URL of a licentia server to work on through its admin API instead of the local database (env LICENTIA_SERVER)")
	c.token = newSecretFlag(fs.FlagSet, getenv, "token", "LICENTIA_TOKEN", "admin API token for --server")
	fs.StringVar(&c.actor, "actor", getenv("LICENTIA_ACTOR"),
		"name recorded as the actor of local changes; default the OS user (env LICENTIA_ACTOR)")
	fs.BoolVar(&c.json, "json", false, "print JSON")
}

// backend opens the local database or the remote client; fs is the parsed flag set. The returned
// function releases the backend.
func (c *codesFlags) backend(ctx context.Context, fs *cmdFlags) (codesBackend, licensing.Actor, func(), error) {
	fs.Visit(func(f *flag.Flag) { c.actorFlag = c.actorFlag || f.Name == "actor" })
	if c.server != "" {
		if c.actorFlag {
			return nil, licensing.Actor{}, nil, &usageError{"--actor is for local changes; through --server the token's name is the actor"}
		}
		token, onCommandLine, err := c.token.resolve(fs.FlagSet)
		if err != nil {
			return nil, licensing.Actor{}, nil, err
		}
		if onCommandLine {
			fmt.Fprintln(fs.stderr, "licentia: warning:", c.token.warning())
		}
		cl, err := adminclient.New(c.server, token)
		if err != nil {
			return nil, licensing.Actor{}, nil, &usageError{err.Error()}
		}
		return cl, licensing.Actor{}, func() {}, nil
	}
	if err := c.data.resolveDBTo(fs.stderr); err != nil {
		return nil, licensing.Actor{}, nil, err
	}
	ring, err := keys.OpenRing(c.data.keyDir())
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, licensing.Actor{}, nil, err
	}
	st, err := c.data.openStore(ctx)
	if err != nil {
		return nil, licensing.Actor{}, nil, err
	}
	svc, err := c.service(st, ring, fs.stderr)
	if err != nil {
		st.Close()
		return nil, licensing.Actor{}, nil, err
	}
	sup := support.New(svc, ring)
	actor := licensing.Actor{Source: store.SourceCLI, Name: c.actor, RequestID: "cli-" + randomHex(8)}
	if actor.Name == "" {
		actor.Name = osUser()
	}
	return sup, actor, func() { st.Close() }, nil
}

// runCodes dispatches the codes subcommands.
func runCodes(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, codesUsage)
		return &usageError{"codes: no subcommand given"}
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "list":
		return runCodesList(ctx, rest, getenv, stdout, stderr)
	case "show":
		return runCodesShow(ctx, rest, getenv, stdout, stderr)
	case "reissue", "revoke":
		return runCodesChange(ctx, sub, rest, getenv, stdout, stderr)
	case "history":
		return runCodesHistory(ctx, rest, getenv, stdout, stderr)
	case "retry-upload":
		return runCodesRetryUpload(ctx, rest, getenv, stdout, stderr)
	case "activate":
		return runCodesActivate(ctx, rest, getenv, nil, stdout, stderr)
	case "import":
		return runCodesImport(ctx, rest, getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, codesUsage)
		return nil
	default:
		fmt.Fprint(stderr, codesUsage)
		return &usageError{fmt.Sprintf("codes: unknown subcommand %q", sub)}
	}
}

// cmdFlags is a flag set whose errors come back as one-line usage errors, without the flag list the
// flag package prints; -h prints the usage text and the flags.
type cmdFlags struct {
	*flag.FlagSet
	usage  string
	stderr io.Writer
}

func quietFlagSet(name, usage string, stderr io.Writer) *cmdFlags {
	fs := flag.NewFlagSet("licentia "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &cmdFlags{FlagSet: fs, usage: usage, stderr: stderr}
}

// parseArgs parses flags placed before, between or after the positional arguments, and returns those
// arguments. It wants exactly npos of them (-1: any number), described by what.
func (fs *cmdFlags) parseArgs(args []string, npos int, what string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs.FlagSet, args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(fs.stderr, fs.usage)
				fs.SetOutput(fs.stderr)
				fs.PrintDefaults()
			}
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos, args = append(pos, args[0]), args[1:]
	}
	if npos >= 0 && len(pos) != npos {
		if npos == 0 {
			return nil, &usageError{fmt.Sprintf("%s takes no argument, got %q", fs.Name(), pos)}
		}
		return nil, &usageError{fmt.Sprintf("%s wants %s", fs.Name(), what)}
	}
	return pos, nil
}

// printJSON writes v as indented JSON, exactly: encoding/json escapes control characters itself, so it
// bypasses the printable.Writer the text output goes through.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(printable.Unwrap(w))
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if n := os.Getenv("USER"); n != "" {
		return n
	}
	return "unknown"
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// service returns the Service of local changes over st: each new generation of a license is signed with the
// issuer name and grace of its current code (so a run without serve's --issuer and --grace cannot change
// them), a new license with --issuer and --grace (env LICENTIA_ISSUER, LICENTIA_GRACE, as serve's). Without a
// key ring, changes fail with licensing.ErrNoSigner.
func (c *codesFlags) service(st *store.Store, ring *keys.Ring, stderr io.Writer) (*licensing.Service, error) {
	opt := licensing.Options{InheritIssuer: true, Market: c.market,
		Log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	if ring != nil {
		name, grace, err := c.issuer.resolve()
		if err != nil {
			return nil, err
		}
		opt.Issuer = support.NewIssuer(ring, name, grace)
	}
	return licensing.New(st, opt)
}
