package main

import (
	"context"
	"fmt"
	"io"

	"github.com/licentia/licentia/server/support"
)

// runCodesRetry runs codes retry-upload and codes retry-usage: the license's dead-lettered uploads, or its
// dead-lettered uses of today (UTC), tried again now.
func runCodesRetry(ctx context.Context, l lang, op string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := newCodesCmd("codes "+op, l, "usage.codes."+op, getenv, stderr)
	var req support.ChangeRequest
	cmd.fs.StringVar(&req.Reason, "reason", "", l.T("flag.reason"))
	run, err := cmd.open(ctx, args, 1, "arg.ref", needsReason(l, op, &req.Reason))
	if err != nil {
		return err
	}
	defer run.done()
	req.Actor = run.actor
	if op == "retry-usage" {
		out, err := run.b.RetryUsage(ctx, run.pos[0], req)
		if err != nil {
			return err
		}
		if cmd.c.json {
			return printJSON(stdout, out)
		}
		if out.Retried == 0 {
			fmt.Fprintln(stdout, l.T("retry_usage.none", cell(out.LicenseID), out.Day))
		} else {
			fmt.Fprintln(stdout, l.T("retry_usage.done", cell(out.LicenseID), out.Retried, out.Day))
		}
		if out.Older > 0 {
			fmt.Fprintln(stdout, l.T("retry_usage.older", out.Older))
		}
		return nil
	}
	out, err := run.b.RetryUploads(ctx, run.pos[0], req)
	if err != nil {
		return err
	}
	if cmd.c.json {
		return printJSON(stdout, out)
	}
	if out.Retried == 0 {
		fmt.Fprintln(stdout, l.T("retry.none", cell(out.LicenseID)))
		return nil
	}
	fmt.Fprintln(stdout, l.T("retry.done", cell(out.LicenseID), out.Retried))
	return nil
}
