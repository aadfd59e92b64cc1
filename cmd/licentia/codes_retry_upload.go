package main

import (
	"context"
	"fmt"
	"io"

	"github.com/licentia/licentia/server/support"
)

func runCodesRetryUpload(ctx context.Context, l lang, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := newCodesCmd("codes retry-upload", l, "usage.codes.retry-upload", getenv, stderr)
	var req support.ChangeRequest
	cmd.fs.StringVar(&req.Reason, "reason", "", l.T("flag.reason"))
	run, err := cmd.open(ctx, args, 1, "arg.ref", needsReason(l, "retry-upload", &req.Reason))
	if err != nil {
		return err
	}
	defer run.done()
	req.Actor = run.actor
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
