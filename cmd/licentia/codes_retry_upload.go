package main

import (
	"context"
	"fmt"
	"io"

	"github.com/licentia/licentia/server/support"
)

func runCodesRetryUpload(ctx context.Context, l lang, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := quietFlagSet("codes retry-upload", l, "usage.codes.retry-upload", stderr)
	var c codesFlags
	c.register(fs, getenv)
	var req support.ChangeRequest
	fs.StringVar(&req.Reason, "reason", "", l.T("flag.reason"))
	pos, err := fs.parseArgs(args, 1, "arg.ref")
	if err != nil {
		return err
	}
	if req.Reason == "" {
		return &usageError{l.T("needs_reason", "retry-upload")}
	}
	b, actor, done, err := c.backend(ctx, fs)
	if err != nil {
		return err
	}
	defer done()
	req.Actor = actor
	out, err := b.RetryUploads(ctx, pos[0], req)
	if err != nil {
		return err
	}
	if c.json {
		return printJSON(stdout, out)
	}
	if out.Retried == 0 {
		fmt.Fprintln(stdout, l.T("retry.none", cell(out.LicenseID)))
		return nil
	}
	fmt.Fprintln(stdout, l.T("retry.done", cell(out.LicenseID), out.Retried))
	return nil
}
