package main

import (
	"context"
	"fmt"
	"io"

	"github.com/licentia/licentia/server/support"
)

// runCodesUnactivated is `licentia codes list --unactivated [--older-than DUR] [--limit N] [--json]`: what was
// paid for and never activated on this server, oldest first. The license filters of codes list do not apply.
func runCodesUnactivated(ctx context.Context, l lang, fs *cmdFlags, c *codesFlags, unactivated bool, olderThan string,
	lq support.ListQuery, all bool, within string, stdout, stderr io.Writer) error {
	switch {
	case !unactivated:
		return &usageError{l.T("older_than_alone")}
	case lq.Order != "" || lq.Customer != "" || lq.Product != "" || lq.Status != "" || lq.Cursor != "" || all || within != "":
		return &usageError{l.T("unactivated_flags")}
	}
	q := support.UnactivatedQuery{Limit: lq.Limit}
	if olderThan != "" {
		d, err := support.ParseWithin(olderThan)
		if err != nil {
			return &usageError{"--older-than: " + l.T("bad_within", err)}
		}
		q.OlderThan = d
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
	page, err := b.Unactivated(ctx, q)
	if err != nil {
		return err
	}
	if c.json {
		return printJSON(stdout, page)
	}
	t := newTable(stdout)
	t.row(l.T("col.kind"), l.T("col.order"), l.T("col.line"), l.T("col.type"), l.T("col.code"), l.T("col.customer"),
		l.T("col.product"), clk.header("col.waiting_since"))
	for _, e := range page.Entries {
		t.row(cell(l.value("kind", e.Kind)), cell(e.OrderID), cell(e.OrderLineID), cell(e.OrderType), cell(e.CodeFingerprint),
			cell(e.CustomerID), cell(e.ProductID), cell(clk.at(e.Since)))
	}
	if err := t.flush(); err != nil {
		return err
	}
	if n := int64(len(page.Entries)); page.Total > n {
		fmt.Fprintln(stderr, l.T("more_unactivated", page.Total-n))
	}
	return nil
}
