package main

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/licentia/licentia/server/support"
)

func runCodesSeats(ctx context.Context, l lang, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := newCodesCmd("codes seats", l, "usage.codes.seats", getenv, stderr)
	run, err := cmd.open(ctx, args, 1, "arg.ref", nil)
	if err != nil {
		return err
	}
	defer run.done()
	clk := run.clk
	s, err := run.b.Seats(ctx, run.pos[0])
	if err != nil {
		return err
	}
	if cmd.c.json {
		return printJSON(stdout, s)
	}
	fmt.Fprintln(stdout, l.T("seats.heading", cell(s.LicenseID), seatUseLine(l, &s.Use)))
	if len(s.Seats) == 0 {
		fmt.Fprintln(stdout, l.T("seats.none"))
		return nil
	}
	t := newTable(stdout)
	t.row(l.T("col.deployment"), l.T("col.components"), clk.header("col.taken"), clk.header("col.seen"),
		clk.header("col.lease"), clk.header("col.clone"), l.T("col.seat_code"))
	for _, v := range s.Seats {
		lease := l.T("seats.held")
		if v.LeaseUntil != nil {
			lease = clk.at(*v.LeaseUntil)
			if !v.Live {
				lease += " " + l.T("seats.lapsed")
			}
		}
		clone := "-"
		if v.CloneAt != nil {
			clone = clk.at(*v.CloneAt)
		}
		code := l.T("seats.code_current", v.CodeGeneration)
		switch {
		case v.CodeGeneration == 0:
			code = l.T("seats.code_none")
		case !v.Current:
			code = l.T("seats.code_older", v.CodeGeneration)
		}
		t.row(cell(v.Deployment), strconv.Itoa(v.Components), cell(clk.at(v.TakenAt)), cell(clk.at(v.SeenAt)),
			cell(lease), cell(clone), code)
	}
	return t.flush()
}

// seatUseLine says how many seats a license holds and may hold: "2 of 3 in use (policy quantity)".
func seatUseLine(l lang, u *support.SeatUse) string {
	policy := l.value("seats_policy", u.Policy)
	if u.Limit == nil {
		return l.T("seats.use_unlimited", u.Used, cell(policy))
	}
	return l.T("seats.use", u.Used, *u.Limit, cell(policy))
}

func runCodesFreeSeat(ctx context.Context, l lang, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := newCodesCmd("codes free-seat", l, "usage.codes.free-seat", getenv, stderr)
	var req support.ChangeRequest
	cmd.fs.StringVar(&req.Reason, "reason", "", l.T("flag.reason"))
	reason := needsReason(l, "free-seat", &req.Reason)
	run, err := cmd.open(ctx, args, 2, "arg.ref_deployment", func(pos []string) error {
		if pos[1] == "" {
			return &usageError{l.T("wants", cmd.fs.Name(), l.T("arg.ref_deployment"))}
		}
		return reason(pos)
	})
	if err != nil {
		return err
	}
	defer run.done()
	req.Actor = run.actor
	out, err := run.b.FreeSeat(ctx, run.pos[0], run.pos[1], req)
	if err != nil {
		return err
	}
	if cmd.c.json {
		return printJSON(stdout, out)
	}
	fmt.Fprintln(stdout, l.T("seats.freed", cell(out.LicenseID), cell(out.Deployment)))
	return nil
}
