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
			printError(os.Stderr, err)
		}
		os.Exit(exitCode(err))
	}
}

// printError prints err as the program's last line: escaped (printable.Escape) onto one line, since error
// messages echo arguments, file names and what a server answered.
func printError(w io.Writer, err error) {
	fmt.Fprintln(w, "licentia:", printable.Escape(err.Error()))
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

const usage = `usage: licentia <command> [flags]

commands:
  serve     run the license server (KooGallery callbacks, public endpoints, metrics)
  migrate   apply the database migrations and exit
  keys      manage the signing key ring: init, list, rotate, retire, public
  codes     support: list, show, reissue, revoke and history of licenses (locally or via --server)
  tokens    admin API tokens: create, list, revoke
  simulate  play KooGallery against a seller URL: the pre-registration self-test
  loadgen   drive bounded, signed load at a server on this machine
  version   print the version and the revision this binary was built from

Run 'licentia <command> -h' for the flags of a command.
`

// run is the testable entry point: args without the program name, getenv for the environment.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return &usageError{"no command given"}
	}
	cmd, rest := args[0], args[1:]
	if cmd != "serve" {
		// Everything but the server's log stream is text for people at a terminal.
		stdout, stderr = printable.NewWriter(stdout), printable.NewWriter(stderr)
	}
	switch cmd {
	case "serve":
		return runServe(ctx, rest, getenv, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, rest, getenv, stdout, stderr)
	case "keys":
		return runKeys(ctx, rest, getenv, stdout, stderr)
	case "codes":
		return runCodes(ctx, rest, getenv, stdout, stderr)
	case "tokens":
		return runTokens(ctx, rest, getenv, stdout, stderr)
	case "simulate":
		return runSimulate(ctx, rest, getenv, stdout, stderr)
	case "loadgen":
		return runLoadgen(ctx, rest, getenv, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, buildinfo.Line("licentia"))
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return &usageError{fmt.Sprintf("unknown command %q", cmd)}
	}
}

// envOr returns getenv(name), or def when it is empty.
func envOr(getenv func(string) string, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}

// newFlagSet returns a flag set that reports errors to stderr instead of exiting.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("licentia "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses args, turning a bad flag into a usage error.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{err.Error()}
	}
	return nil
}
