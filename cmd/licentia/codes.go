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
	RetryUsage(ctx context.Context, ref string, req support.ChangeRequest) (*support.UsageRetry, error)
	Unactivated(ctx context.Context, q support.UnactivatedQuery) (*support.UnactivatedPage, error)
	Seats(ctx context.Context, ref string) (*support.Seats, error)
	FreeSeat(ctx context.Context, ref, deployment string, req support.ChangeRequest) (*support.SeatsFreed, error)
	Policies(ctx context.Context) (*support.PolicyList, error)
	Policy(ctx context.Context, productID string) (*support.PolicyView, error)
	SetPolicy(ctx context.Context, productID string, req support.PolicyRequest) (*support.PolicyView, error)
	DeletePolicy(ctx context.Context, productID string, by licensing.Actor) (*support.PolicyView, error)
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
	tz        tzFlag
	l         lang
}

func (c *codesFlags) register(fs *cmdFlags, getenv func(string) string) {
	l := fs.l
	c.l = l
	c.data.register(fs.FlagSet, l, getenv)
	fs.StringVar(&c.server, "server", getenv("LICENTIA_SERVER"), l.T("flag.server"))
	c.token = newSecretFlag(fs.FlagSet, l, getenv, "token", "LICENTIA_TOKEN", l.T("flag.token"))
	fs.StringVar(&c.actor, "actor", getenv("LICENTIA_ACTOR"), l.T("flag.actor"))
	fs.BoolVar(&c.json, "json", false, l.T("flag.json"))
	c.tz.register(fs.FlagSet, l, getenv)
}

// clock returns the reader's clock (--tz, TZ or the system's zone) once the flags are parsed.
func (c *codesFlags) clock(l lang) (clock, error) {
	loc, err := c.tz.zone()
	return clock{loc: loc, l: l}, err
}

// backend opens the local database or the remote client; fs is the parsed flag set. The returned
// function releases the backend.
func (c *codesFlags) backend(ctx context.Context, fs *cmdFlags) (codesBackend, licensing.Actor, func(), error) {
	fs.Visit(func(f *flag.Flag) { c.actorFlag = c.actorFlag || f.Name == "actor" })
	if c.server != "" {
		if c.actorFlag {
			return nil, licensing.Actor{}, nil, &usageError{fs.l.T("actor_remote")}
		}
		token, onCommandLine, err := c.token.resolve(fs.FlagSet, fs.l)
		if err != nil {
			return nil, licensing.Actor{}, nil, err
		}
		if onCommandLine {
			fmt.Fprintln(fs.stderr, fs.l.T("warning"), c.token.warning(fs.l))
		}
		cl, err := adminclient.New(c.server, token)
		if err != nil {
			return nil, licensing.Actor{}, nil, &usageError{err.Error()}
		}
		return cl, licensing.Actor{}, func() {}, nil
	}
	if err := c.data.resolveDBTo(fs.l, fs.stderr); err != nil {
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

// codesCmd is one codes (or policy) command: its flag set, with the flags every one shares registered.
type codesCmd struct {
	fs *cmdFlags
	c  codesFlags
}

// newCodesCmd returns the command name, whose usage text is the message usageID; the caller adds its own flags.
func newCodesCmd(name string, l lang, usageID string, getenv func(string) string, stderr io.Writer) *codesCmd {
	cmd := &codesCmd{fs: quietFlagSet(name, l, usageID, stderr)}
	cmd.c.register(cmd.fs, getenv)
	return cmd
}

// codesRun is what an opened command works with.
type codesRun struct {
	pos   []string
	clk   clock
	b     codesBackend
	actor licensing.Actor
	done  func()
}

// open parses args (npos positional arguments, described by the message what), runs check (the command's
// own usage rules, nil for none), and opens the backend; the caller defers run.done().
func (cmd *codesCmd) open(ctx context.Context, args []string, npos int, what string, check func(pos []string) error) (*codesRun, error) {
	pos, err := cmd.fs.parseArgs(args, npos, what)
	if err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(pos); err != nil {
			return nil, err
		}
	}
	clk, err := cmd.c.clock(cmd.fs.l)
	if err != nil {
		return nil, err
	}
	b, actor, done, err := cmd.c.backend(ctx, cmd.fs)
	if err != nil {
		return nil, err
	}
	return &codesRun{pos: pos, clk: clk, b: b, actor: actor, done: done}, nil
}

// needsReason is the check of a command that changes something: a --reason is required.
func needsReason(l lang, op string, reason *string) func([]string) error {
	return func([]string) error {
		if *reason == "" {
			return &usageError{l.T("needs_reason", op)}
		}
		return nil
	}
}

// runCodes dispatches the codes subcommands.
func runCodes(ctx context.Context, l lang, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, l.T("usage.codes"))
		return &usageError{l.T("no_subcommand", "codes")}
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "list":
		return runCodesList(ctx, l, rest, getenv, stdout, stderr)
	case "show":
		return runCodesShow(ctx, l, rest, getenv, stdout, stderr)
	case "reissue", "revoke":
		return runCodesChange(ctx, l, sub, rest, getenv, stdout, stderr)
	case "history":
		return runCodesHistory(ctx, l, rest, getenv, stdout, stderr)
	case "retry-upload", "retry-usage":
		return runCodesRetry(ctx, l, sub, rest, getenv, stdout, stderr)
	case "seats":
		return runCodesSeats(ctx, l, rest, getenv, stdout, stderr)
	case "free-seat":
		return runCodesFreeSeat(ctx, l, rest, getenv, stdout, stderr)
	case "activate":
		return runCodesActivate(ctx, l, rest, getenv, nil, stdout, stderr)
	case "import":
		return runCodesImport(ctx, l, rest, getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, l.T("usage.codes"))
		return nil
	default:
		fmt.Fprint(stderr, l.T("usage.codes"))
		return &usageError{l.T("unknown_subcommand", "codes", sub)}
	}
}

// cmdFlags is a flag set whose errors come back as one-line usage errors, without the flag list the
// flag package prints; -h prints the usage text and the flags.
type cmdFlags struct {
	*flag.FlagSet
	usage  string
	stderr io.Writer
	l      lang
}

// quietFlagSet returns the flag set of command name, whose usage text is the message usageID in l. It
// takes --lang, which run has read already.
func quietFlagSet(name string, l lang, usageID string, stderr io.Writer) *cmdFlags {
	fs := flag.NewFlagSet("licentia "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.String(langFlag, "", l.T("flag.lang"))
	return &cmdFlags{FlagSet: fs, usage: l.T(usageID), stderr: stderr, l: l}
}

// parseArgs parses flags placed before, between or after the positional arguments, and returns those
// arguments. It wants exactly npos of them (-1: any number), described by the message what.
func (fs *cmdFlags) parseArgs(args []string, npos int, what string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs.FlagSet, fs.l, args); err != nil {
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
			return nil, &usageError{fs.l.T("no_argument", fs.Name(), pos)}
		}
		return nil, &usageError{fs.l.T("wants", fs.Name(), fs.l.T(what))}
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
		name, grace, err := c.issuer.resolve(c.l)
		if err != nil {
			return nil, err
		}
		opt.Issuer = support.NewIssuer(ring, name, grace)
	}
	return licensing.New(st, opt)
}
