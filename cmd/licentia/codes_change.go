package main

import (
	"context"
	"fmt"
	"io"

	"github.com/licentia/licentia/server/support"
)

func runCodesChange(ctx context.Context, l lang, op string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := quietFlagSet("codes "+op, l, "usage.codes."+op, stderr)
	var c codesFlags
	c.register(fs, getenv)
	var req support.ChangeRequest
	fs.StringVar(&req.Reason, "reason", "", l.T("flag.reason"))
	if op == "reissue" {
		fs.BoolVar(&req.Reveal, "reveal", false, l.T("flag.reveal_new"))
		fs.BoolVar(&req.FreeSeats, "free-seats", false, l.T("flag.free_seats"))
	}
	pos, err := fs.parseArgs(args, 1, "arg.ref")
	if err != nil {
		return err
	}
	if req.Reason == "" {
		return &usageError{l.T("needs_reason", op)}
	}
	clk, err := c.clock(l)
	if err != nil {
		return err
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
	li := ch.License
	switch {
	case !ch.Changed:
		fmt.Fprintln(stdout, l.T("change.unchanged", cell(li.ID), cell(l.value("status", li.Status)), li.Generation))
	case op == "reissue":
		fmt.Fprintln(stdout, l.T("change.reissued", cell(li.ID), ch.PreviousGeneration, li.Generation,
			cell(l.value("status", li.Status)), cell(clk.expiryZone(li.ExpiresAt)), cell(li.CodeFingerprint)))
	default:
		fmt.Fprintln(stdout, l.T("change.revoked", cell(li.ID), ch.PreviousGeneration, li.Generation))
	}
	if req.FreeSeats {
		fmt.Fprintln(stdout, l.T("change.seats_freed", ch.SeatsFreed))
	}
	if li.Code != "" {
		fmt.Fprintln(stdout, cell(li.Code))
	}
	return nil
}
