package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/licentia/licentia/cmd/internal/printable"
)

const codesHistoryUsage = `usage: licentia codes history ID|ORDER-ID|CODE [--json]

Lists every event that touched the license, oldest first: marketplace callbacks, CLI and admin API
actions, with time, source, actor, action, generation, status and expiry before → after, reason and
request id.

`

func runCodesHistory(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := quietFlagSet("codes history", codesHistoryUsage, stderr)
	var c codesFlags
	c.register(fs, getenv)
	pos, err := fs.parseArgs(args, 1, "one license id, order id or code")
	if err != nil {
		return err
	}
	b, _, done, err := c.backend(ctx, fs)
	if err != nil {
		return err
	}
	defer done()
	h, err := b.History(ctx, pos[0])
	if err != nil {
		return err
	}
	if c.json {
		return printJSON(stdout, h)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tSOURCE\tACTOR\tACTION\tGEN\tSTATUS\tEXPIRES\tREASON\tREQUEST")
	for _, e := range h.Events {
		action := e.Action
		if e.Activity != "" {
			action += " (" + strings.TrimSpace(e.Activity+" "+e.Scene) + ")"
		}
		status := e.AfterStatus
		if e.BeforeStatus != "" && e.BeforeStatus != e.AfterStatus {
			status = e.BeforeStatus + "→" + e.AfterStatus
		}
		exp := expiry(e.AfterExpires)
		if e.BeforeStatus != "" && expiry(e.BeforeExpires) != exp {
			exp = expiry(e.BeforeExpires) + "→" + exp
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", cell(e.At), cell(e.Source), cell(e.Actor), cell(action),
			e.Generation, cell(status), cell(exp), cell(oneLine(e.Reason)), cell(e.RequestID))
	}
	return tw.Flush()
}

// oneLine keeps a free-text field on one table row.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// cell is s as a table cell or one-line field: "-" when empty, control and format characters escaped
// (printable.Escape), so that stored text can neither steer the terminal nor break the table's rows and
// columns.
func cell(s string) string { return printable.Escape(orDash(s)) }
