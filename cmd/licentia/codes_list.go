package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/licentia/licentia/server/support"
)

const codesListUsage = `usage: licentia codes list [--order ID] [--customer ID] [--product ID] [--status S]
                          [--expiring-within DUR] [--limit N] [--cursor C | --all] [--json]
       licentia codes list --unactivated [--older-than DUR] [--limit N] [--json]

Lists licenses ordered by id, one page at a time (--limit, default 50); the next page's --cursor is printed
on stderr. --all follows the cursors to the end. --expiring-within takes 30d, 72h and the like and includes
licenses already expired; perpetual licenses never match.

--unactivated lists instead what was paid for and never activated on this server, oldest first: the orders
KooGallery notified (orderNotify) that no license carries, and the License 2.0 codes KooGallery sent callbacks
for that no license is bound to. --older-than keeps what has waited at least that long (3d, 72h).

`

// maxListPages bounds --all.
const maxListPages = 1000

func runCodesList(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := quietFlagSet("codes list", codesListUsage, stderr)
	var c codesFlags
	c.register(fs, getenv)
	var q support.ListQuery
	var within string
	var all bool
	fs.StringVar(&q.Order, "order", "", "only the licenses of this order id")
	fs.StringVar(&q.Customer, "customer", "", "only the licenses of this customer id")
	fs.StringVar(&q.Product, "product", "", "only the licenses of this product id")
	fs.StringVar(&q.Status, "status", "", "only licenses in this status: active, frozen, released or revoked")
	fs.StringVar(&within, "expiring-within", "", "only licenses expiring within this time, e.g. 30d or 72h")
	fs.IntVar(&q.Limit, "limit", 0, "page size (default 50, at most 1000)")
	fs.StringVar(&q.Cursor, "cursor", "", "continue after a previous page")
	fs.BoolVar(&all, "all", false, "follow the pages to the end")
	var unactivated bool
	var olderThan string
	fs.BoolVar(&unactivated, "unactivated", false, "list paid orders and License 2.0 codes never activated instead")
	fs.StringVar(&olderThan, "older-than", "", "with --unactivated: only what has waited at least this long, e.g. 3d")
	if _, err := fs.parseArgs(args, 0, ""); err != nil {
		return err
	}
	if unactivated || olderThan != "" {
		return runCodesUnactivated(ctx, fs, &c, unactivated, olderThan, q, all, within, stdout, stderr)
	}
	if within != "" {
		d, err := support.ParseWithin(within)
		if err != nil {
			return &usageError{"--expiring-within: " + err.Error()}
		}
		q.ExpiringWithin = d
	}
	b, _, done, err := c.backend(ctx, fs)
	if err != nil {
		return err
	}
	defer done()
	page, err := b.List(ctx, q)
	if err != nil {
		return err
	}
	for n := 1; all && page.NextCursor != "" && n < maxListPages; n++ {
		q.Cursor = page.NextCursor
		next, err := b.List(ctx, q)
		if err != nil {
			return err
		}
		page.Licenses, page.NextCursor = append(page.Licenses, next.Licenses...), next.NextCursor
	}
	if c.json {
		return printJSON(stdout, page)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tORDER\tCUSTOMER\tPRODUCT\tSTATUS\tGEN\tEXPIRES")
	for _, l := range page.Licenses {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", cell(l.ID), cell(l.OrderID), cell(l.CustomerID),
			cell(l.ProductID), cell(l.Status), l.Generation, cell(expiry(l.ExpiresAt)))
	}
	tw.Flush()
	if page.NextCursor != "" {
		fmt.Fprintf(stderr, "more licenses: add --cursor %s (or --all)\n", cell(page.NextCursor))
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func expiry(exp *string) string {
	if exp == nil {
		return "never"
	}
	return *exp
}
