// Command licentia is the licentia server and its operator and support CLI.
//
//	licentia serve     run the server
//	licentia migrate   apply database migrations
//	licentia keys      manage the signing key ring (init, list, rotate, retire, public)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // --tz and TZ name zones on hosts without a zone database (Windows, minimal images)

	"github.com/licentia/licentia/cmd/internal/buildinfo"
	"github.com/licentia/licentia/cmd/internal/printable"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			l, _ := langOf(os.Args[1:], os.Getenv)
			printError(os.Stderr, l, err)
		}
		os.Exit(exitCode(err))
	}
}

// printError prints err as the program's last line, in l (lang.errorText): escaped (printable.Escape) onto
// one line, since error messages echo arguments, file names and what a server answered.
func printError(w io.Writer, l lang, err error) {
	fmt.Fprintln(w, "licentia:", printable.Escape(l.errorText(err)))
}

// usageError is a command line the program cannot run; it exits 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func exitCode(err error) int {
	var ue *usageError
	if errors.As(err, &ue) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

// run is the testable entry point: args without the program name, getenv for the environment.
// The language (--lang anywhere on the command line, else the locale) is settled first, so that usage
// texts and flag errors are in it too.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	l, err := langOf(args, getenv)
	if err != nil {
		return err
	}
	args = stripLeadingLang(args)
	if len(args) == 0 {
		fmt.Fprint(stderr, l.T("usage"))
		return &usageError{l.T("no_command")}
	}
	cmd, rest := args[0], args[1:]
	if cmd != "serve" {
		// Everything but the server's log stream is text for people at a terminal.
		stdout, stderr = printable.NewWriter(stdout), printable.NewWriter(stderr)
	}
	switch cmd {
	case "serve":
		return runServe(ctx, l, rest, getenv, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, l, rest, getenv, stdout, stderr)
	case "keys":
		return runKeys(ctx, l, rest, getenv, stdout, stderr)
	case "codes":
		return runCodes(ctx, l, rest, getenv, stdout, stderr)
	case "tokens":
		return runTokens(ctx, l, rest, getenv, stdout, stderr)
	case "policy":
		return runPolicy(ctx, l, rest, getenv, stdout, stderr)
	case "simulate":
		return runSimulate(ctx, l, rest, getenv, stdout, stderr)
	case "loadgen":
		return runLoadgen(ctx, l, rest, getenv, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, buildinfo.Line("licentia"))
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, l.T("usage"))
		return nil
	default:
		fmt.Fprint(stderr, l.T("usage"))
		return &usageError{l.T("unknown_command", cmd)}
	}
}

// envOr returns getenv(name), or def when it is empty.
func envOr(getenv func(string) string, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}

// newFlagSet returns a flag set that reports errors to stderr instead of exiting. It takes --lang, which
// run has read already.
func newFlagSet(name string, l lang, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("licentia "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.String(langFlag, "", l.T("flag.lang"))
	fs.Usage = func() { // commands with a usage text of their own replace it
		fmt.Fprint(stderr, l.T("flags_of", name))
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, turning a bad flag into a usage error.
func parseFlags(fs *flag.FlagSet, l lang, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{l.flagError(err)}
	}
	return nil
}
