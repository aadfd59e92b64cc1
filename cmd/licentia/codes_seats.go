package main

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/licentia/licentia/server/support"
)

func runCodesSeats(ctx context.Context, l lang, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := quietFlagSet("codes seats", l, "usage.codes.seats", stderr)
	var c codesFlags
	c.register(fs, getenv)
	pos, err := fs.parseArgs(args, 1, "arg.ref")
	if err != nil {
		return err
	}
	clk, err := c.clock(l)
	if err != nil {
		return err
	}
	b, _, done, err := c.backend(ctx, fs)
	if err != nil {
		return err
	}
	defer done()
	s, err := b.Seats(ctx, pos[0])
	if err != nil {
		return err
	}
	if c.json {
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
	fs := quietFlagSet("codes free-seat", l, "usage.codes.free-seat", stderr)
	var c codesFlags
	c.register(fs, getenv)
	var req support.ChangeRequest
	fs.StringVar(&req.Reason, "reason", "", l.T("flag.reason"))
	pos, err := fs.parseArgs(args, 2, "arg.ref_deployment")
	if err != nil {
		return err
	}
	if req.Reason == "" {
		return &usageError{l.T("needs_reason", "free-seat")}
	}
	if pos[1] == "" {
		return &usageError{l.T("wants", fs.Name(), l.T("arg.ref_deployment"))}
	}
	b, actor, done, err := c.backend(ctx, fs)
	if err != nil {
		return err
	}
	defer done()
	req.Actor = actor
	out, err := b.FreeSeat(ctx, pos[0], pos[1], req)
	if err != nil {
		return err
	}
	if c.json {
		return printJSON(stdout, out)
	}
	fmt.Fprintln(stdout, l.T("seats.freed", cell(out.LicenseID), cell(out.Deployment)))
	return nil
}
