package main

import (
	"context"
	"fmt"
	"io"

	"github.com/licentia/licentia/server/support"
)

const codesReissueUsage = `usage: licentia codes reissue ID|ORDER-ID|CODE --reason TEXT [--reveal] [--actor NAME] [--json]

Signs a new generation of the license with the same entitlement. Every older code of it is superseded: it
appears in the revocation list, and POST /v1/codes/refresh (or the buyer page at /) hands the buyer the new
code. --reveal prints the new code.

`

const codesRevokeUsage = `usage: licentia codes revoke ID|ORDER-ID|CODE --reason TEXT [--actor NAME] [--json]

Revokes the license for good: a new generation with status revoked, so every code of it fails wherever the
revocation list reaches. Marketplace callbacks cannot bring it back.

`

func runCodesChange(ctx context.Context, op string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	usage := codesReissueUsage
	if op == "revoke" {
		usage = codesRevokeUsage
	}
	fs := quietFlagSet("codes "+op, usage, stderr)
	var c codesFlags
	c.register(fs, getenv)
	var req support.ChangeRequest
	fs.StringVar(&req.Reason, "reason", "", "why; recorded in the audit log (required)")
	if op == "reissue" {
		fs.BoolVar(&req.Reveal, "reveal", false, "print the new code (a bearer credential)")
	}
	pos, err := fs.parseArgs(args, 1, "one license id, order id or code")
	if err != nil {
		return err
	}
	if req.Reason == "" {
		return &usageError{op + " needs --reason TEXT (it goes into the audit log)"}
	}
	b, actor, done, err := c.backend(ctx, fs)
	if err != nil {
		return err
	}
	defer done()
	req.Actor = actor
	var ch *support.Change
	if op == "reissue" {
		ch, err = b.Reissue(ctx, pos[0], req)
	} else {
		ch, err = b.Revoke(ctx, pos[0], req)
	}
	if err != nil {
		return err
	}
	if c.json {
		return printJSON(stdout, ch)
	}
	l := ch.License
	switch {
	case !ch.Changed:
		fmt.Fprintf(stdout, "%s is already %s at generation %d; nothing changed\n", cell(l.ID), cell(l.Status), l.Generation)
	case op == "reissue":
		fmt.Fprintf(stdout, "reissued %s: generation %d → %d, status %s, expires %s, code fingerprint %s\n",
			cell(l.ID), ch.PreviousGeneration, l.Generation, cell(l.Status), cell(expiry(l.ExpiresAt)), cell(l.CodeFingerprint))
	default:
		fmt.Fprintf(stdout, "revoked %s: generation %d → %d; every code of it now fails where the revocation list reaches\n",
			cell(l.ID), ch.PreviousGeneration, l.Generation)
	}
	if l.Code != "" {
		fmt.Fprintln(stdout, cell(l.Code))
	}
	return nil
}
