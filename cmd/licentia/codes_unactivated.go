package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/licentia/licentia/server/support"
)

// runCodesUnactivated is `licentia codes list --unactivated [--older-than DUR] [--limit N] [--json]`: what was
// paid for and never activated on this server, oldest first. The license filters of codes list do not apply.
func runCodesUnactivated(ctx context.Context, fs *cmdFlags, c *codesFlags, unactivated bool, olderThan string,
	lq support.ListQuery, all bool, within string, stdout, stderr io.Writer) error {
	switch {
	case !unactivated:
		return &usageError{"--older-than goes with --unactivated"}
	case lq.Order != "" || lq.Customer != "" || lq.Product != "" || lq.Status != "" || lq.Cursor != "" || all || within != "":
		return &usageError{"--unactivated takes only --older-than, --limit and --json"}
	}
	q := support.UnactivatedQuery{Limit: lq.Limit}
	if olderThan != "" {
		d, err := support.ParseWithin(olderThan)
		if err != nil {
			return &usageError{"--older-than: " + err.Error()}
		}
		q.OlderThan = d
	}
	b, _, done, err := c.backend(ctx, fs)
	if err != nil {
		return err
	}
	defer done()
	page, err := b.Unactivated(ctx, q)
	if err != nil {
		return err
	}
	if c.json {
		return printJSON(stdout, page)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tORDER\tLINE\tTYPE\tCODE\tCUSTOMER\tPRODUCT\tWAITING SINCE")
	for _, e := range page.Entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", cell(e.Kind), cell(e.OrderID), cell(e.OrderLineID),
			cell(e.OrderType), cell(e.CodeFingerprint), cell(e.CustomerID), cell(e.ProductID), cell(localTime(e.Since)))
	}
	tw.Flush()
	if n := int64(len(page.Entries)); page.Total > n {
		fmt.Fprintf(stderr, "%d more not shown: raise --limit (at most 1000) or narrow with --older-than\n", page.Total-n)
	}
	return nil
}
