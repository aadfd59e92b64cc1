package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/licentia/licentia/keys"
)

func runKeys(ctx context.Context, l lang, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, l.T("usage.keys"))
		return &usageError{l.T("no_subcommand", "keys")}
	}
	sub := args[0]
	switch sub {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, l.T("usage.keys"))
		return nil
	}
	fs := quietFlagSet("keys "+sub, l, "usage.keys", stderr)
	var d dataFlags
	d.register(fs.FlagSet, l, getenv)
	var tz tzFlag
	tz.register(fs.FlagSet, l, getenv)
	want, what := 0, ""
	if sub == "retire" {
		want, what = 1, "arg.kid"
	}
	pos, err := fs.parseArgs(args[1:], want, what)
	if err != nil {
		return err
	}
	loc, err := tz.zone()
	if err != nil {
		return err
	}
	clk := clock{loc: loc, l: l}
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
			fmt.Fprintln(stdout, l.T("keys.created", kid, ring.Dir()))
		} else {
			fmt.Fprintln(stdout, l.T("keys.exists", kid))
		}
		return nil
	case "list", "rotate", "retire", "public":
	default:
		fmt.Fprint(stderr, l.T("usage.keys"))
		return &usageError{l.T("unknown_subcommand", "keys", sub)}
	}
	ring, err := keys.OpenRing(d.keyDir())
	if err != nil {
		if os.IsNotExist(err) {
			return fmt.Errorf("%w (%s)", err, l.T("keys.none"))
		}
		return err
	}
	switch sub {
	case "list":
		t := newTable(stdout)
		for _, k := range append(ring.Keys(), ring.Withdrawn()...) {
			role := "retired"
			switch {
			case k.Active:
				role = "active"
			case k.Withdrawn:
				role = "withdrawn"
			}
			t.row(k.ID, l.value("key", role), clk.atZone(k.Created.UTC().Format(time.RFC3339)))
		}
		return t.flush()
	case "retire":
		kid := strings.TrimSpace(pos[0])
		if _, err := ring.Retire(kid); err != nil {
			if errors.Is(err, keys.ErrUnknownKey) || errors.Is(err, keys.ErrActiveKey) {
				return &usageError{err.Error()}
			}
			return err
		}
		fmt.Fprint(stdout, l.T("keys.retired", kid, seconds(keys.DefaultFollowEvery)))
	case "rotate":
		ring, err = ring.Rotate(rand.Reader)
		if err != nil {
			return err
		}
		kid, _ := ring.Active()
		fmt.Fprint(stdout, l.T("keys.rotated", kid, seconds(keys.DefaultFollowEvery)))
	case "public":
		pem, err := ring.PublicPEM()
		if err != nil {
			return err
		}
		stdout.Write(pem)
	}
	return nil
}

// seconds formats d in whole seconds.
func seconds(d time.Duration) string { return strconv.Itoa(int(d / time.Second)) }
