package main

import (
	"context"
	"fmt"
	"io"

	"github.com/licentia/licentia/server/support"
)

func runCodesChange(ctx context.Context, l lang, op string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := newCodesCmd("codes "+op, l, "usage.codes."+op, getenv, stderr)
	var req support.ChangeRequest
	cmd.fs.StringVar(&req.Reason, "reason", "", l.T("flag.reason"))
	if op == "reissue" {
		cmd.fs.BoolVar(&req.Reveal, "reveal", false, l.T("flag.reveal_new"))
		cmd.fs.BoolVar(&req.FreeSeats, "free-seats", false, l.T("flag.free_seats"))
	}
	run, err := cmd.open(ctx, args, 1, "arg.ref", needsReason(l, op, &req.Reason))
	if err != nil {
		return err
	}
	defer run.done()
	clk := run.clk
	req.Actor = run.actor
	var ch *support.Change
	if op == "reissue" {
		ch, err = run.b.Reissue(ctx, run.pos[0], req)
	} else {
		ch, err = run.b.Revoke(ctx, run.pos[0], req)
	}
	if err != nil {
		return err
	}
	if cmd.c.json {
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
