package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/licentia/licentia/keys"
)

const keysUsage = `usage: licentia keys <init|list|rotate|retire KID|public> [--data DIR]

  init     create the key ring with a first signing key (no-op when one exists)
  list     list key ids, their role (active, retired, withdrawn) and when each was made
  rotate   add a new signing key; older keys become retired: they sign no more but keep verifying
  retire   KID: withdraw a compromised old key for good: codes it signed stop verifying here, it leaves
           the JWKS and 'keys public', and refresh refuses its codes; its private key is deleted.
           The active key cannot be withdrawn: rotate first
  public   print every public key that verifies, as PEM (embed this in the buyer's software)
`

func runKeys(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, keysUsage)
		return &usageError{"keys: no subcommand given"}
	}
	sub := args[0]
	fs := quietFlagSet("keys "+sub, keysUsage, stderr)
	var d dataFlags
	d.register(fs.FlagSet, getenv)
	want, what := 0, ""
	if sub == "retire" {
		want, what = 1, "one key id KID (see 'licentia keys list')"
	}
	pos, err := fs.parseArgs(args[1:], want, what)
	if err != nil {
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
	case "list", "rotate", "retire", "public":
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
		for _, k := range append(ring.Keys(), ring.Withdrawn()...) {
			role := "retired"
			switch {
			case k.Active:
				role = "active"
			case k.Withdrawn:
				role = "withdrawn"
			}
			fmt.Fprintf(stdout, "%s  %-9s  %s\n", k.ID, role, k.Created.UTC().Format(time.RFC3339))
		}
	case "retire":
		kid := strings.TrimSpace(pos[0])
		if _, err := ring.Retire(kid); err != nil {
			if errors.Is(err, keys.ErrUnknownKey) || errors.Is(err, keys.ErrActiveKey) {
				return &usageError{err.Error()}
			}
			return err
		}
		fmt.Fprintf(stdout, "withdrew key %s: codes it signed no longer verify with this ring. Next: restart every server "+
			"(copy this keys directory to each replica first), ship 'licentia keys public' to verifiers that embed keys, "+
			"and reissue the licenses whose current code it signed\n", kid)
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
