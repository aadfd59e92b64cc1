package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/licentia/licentia/keys"
)

const keysUsage = `usage: licentia keys <init|list|rotate|public> [--data DIR]

  init     create the key ring with a first signing key (no-op when one exists)
  list     list key ids, which one signs, and when each was made
  rotate   add a new signing key; older keys keep verifying
  public   print every public key as PEM (embed this in the buyer's software)
`

func runKeys(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, keysUsage)
		return &usageError{"keys: no subcommand given"}
	}
	sub := args[0]
	fs := newFlagSet("keys "+sub, stderr)
	var d dataFlags
	d.register(fs, getenv)
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	switch sub {
	case "init":
		if err := d.ensureData(); err != nil {
			return err
		}
		ring, created, err := keys.InitRing(d.keyDir(), rand.Reader)
		if err != nil {
			return err
		}
		kid, _ := ring.Active()
		if created {
			fmt.Fprintf(stdout, "created signing key %s in %s\n", kid, ring.Dir())
		} else {
			fmt.Fprintf(stdout, "key ring exists; signing key %s\n", kid)
		}
		return nil
	case "list", "rotate", "public":
	default:
		fmt.Fprint(stderr, keysUsage)
		return &usageError{fmt.Sprintf("keys: unknown subcommand %q", sub)}
	}
	ring, err := keys.OpenRing(d.keyDir())
	if err != nil {
		if os.IsNotExist(err) {
			return fmt.Errorf("%w (run 'licentia keys init' or start the server once)", err)
		}
		return err
	}
	switch sub {
	case "list":
		for _, k := range ring.Keys() {
			role := "retired"
			if k.Active {
				role = "active"
			}
			fmt.Fprintf(stdout, "%s  %-7s  %s\n", k.ID, role, k.Created.UTC().Format(time.RFC3339))
		}
	case "rotate":
		ring, err = ring.Rotate(rand.Reader)
		if err != nil {
			return err
		}
		kid, _ := ring.Active()
		fmt.Fprintf(stdout, "new signing key %s; restart the servers to sign with it, and ship the new public key to verifiers\n", kid)
	case "public":
		pem, err := ring.PublicPEM()
		if err != nil {
			return err
		}
		stdout.Write(pem)
	}
	return nil
}
