package main

import (
	"context"
	"io"
	"strconv"
	"strings"

	"github.com/licentia/licentia/cmd/internal/printable"
)

func runCodesHistory(ctx context.Context, l lang, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := newCodesCmd("codes history", l, "usage.codes.history", getenv, stderr)
	run, err := cmd.open(ctx, args, 1, "arg.ref", nil)
	if err != nil {
		return err
	}
	defer run.done()
	clk := run.clk
	h, err := run.b.History(ctx, run.pos[0])
	if err != nil {
		return err
	}
	if cmd.c.json {
		return printJSON(stdout, h)
	}
	t := newTable(stdout)
	t.row(clk.header("col.time"), l.T("col.source"), l.T("col.actor"), l.T("col.action"), l.T("col.gen"), l.T("col.status"),
		clk.header("col.expires"), l.T("col.reason"), l.T("col.request"))
	for _, e := range h.Events {
		action := l.value("action", e.Action)
		if e.Activity != "" {
			action += " (" + strings.TrimSpace(e.Activity+" "+e.Scene) + ")"
		}
		status := l.value("status", e.AfterStatus)
		if e.BeforeStatus != "" && e.BeforeStatus != e.AfterStatus {
			status = l.value("status", e.BeforeStatus) + "→" + status
		}
		exp := clk.expiry(e.AfterExpires)
		if e.BeforeStatus != "" && clk.expiry(e.BeforeExpires) != exp {
			exp = clk.expiry(e.BeforeExpires) + "→" + exp
		}
		t.row(cell(clk.at(e.At)), cell(l.value("source", e.Source)), cell(e.Actor), cell(action),
			strconv.FormatInt(e.Generation, 10), cell(status), cell(exp), cell(oneLine(e.Reason)), cell(e.RequestID))
	}
	return t.flush()
}

// oneLine keeps a free-text field on one table row.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// cell is s as a table cell or one-line field: "-" when empty, control and format characters escaped
// (printable.Escape), so that stored text can neither steer the terminal nor break the table's rows and
// columns.
func cell(s string) string { return printable.Escape(orDash(s)) }
