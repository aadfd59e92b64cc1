package main

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/licentia/licentia/server/support"
)

// maxListPages bounds --all.
const maxListPages = 1000

func runCodesList(ctx context.Context, l lang, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := quietFlagSet("codes list", l, "usage.codes.list", stderr)
	var c codesFlags
	c.register(fs, getenv)
	var q support.ListQuery
	var within string
	var all bool
	fs.StringVar(&q.Order, "order", "", l.T("flag.order"))
	fs.StringVar(&q.Customer, "customer", "", l.T("flag.customer"))
	fs.StringVar(&q.Product, "product", "", l.T("flag.product"))
	fs.StringVar(&q.Status, "status", "", l.T("flag.status"))
	fs.StringVar(&within, "expiring-within", "", l.T("flag.expiring_within"))
	fs.IntVar(&q.Limit, "limit", 0, l.T("flag.limit"))
	fs.StringVar(&q.Cursor, "cursor", "", l.T("flag.cursor"))
	fs.BoolVar(&all, "all", false, l.T("flag.all"))
	var unactivated bool
	var olderThan string
	fs.BoolVar(&unactivated, "unactivated", false, l.T("flag.unactivated"))
	fs.StringVar(&olderThan, "older-than", "", l.T("flag.older_than"))
	if _, err := fs.parseArgs(args, 0, ""); err != nil {
		return err
	}
	if unactivated || olderThan != "" {
		return runCodesUnactivated(ctx, l, fs, &c, unactivated, olderThan, q, all, within, stdout, stderr)
	}
	if within != "" {
		d, err := support.ParseWithin(within)
		if err != nil {
			return &usageError{"--expiring-within: " + l.T("bad_within", err)}
		}
		q.ExpiringWithin = d
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
	if err := printLicenses(stdout, clk, page.Licenses); err != nil {
		return err
	}
	if page.NextCursor != "" {
		fmt.Fprintln(stderr, l.T("more_licenses", cell(page.NextCursor)))
	}
	return nil
}

// printLicenses writes the table of codes list: a license a row, expiry in the reader's zone.
func printLicenses(w io.Writer, clk clock, licenses []support.LicenseView) error {
	l := clk.l
	t := newTable(w)
	t.row(l.T("col.id"), l.T("col.order"), l.T("col.customer"), l.T("col.product"), l.T("col.status"),
		l.T("col.gen"), clk.header("col.expires"))
	for _, li := range licenses {
		t.row(cell(li.ID), cell(li.OrderID), cell(customer(li.CustomerID, li.CustomerName)), cell(li.ProductID),
			cell(l.value("status", li.Status)), strconv.FormatInt(li.Generation, 10), cell(clk.expiry(li.ExpiresAt)))
	}
	return t.flush()
}

// customer is a customer id with the customer's name, when the marketplace sent one.
func customer(id, name string) string {
	if name == "" || name == id {
		return id
	}
	return id + " " + name
}

// value is a fixed value of a kind (status, kind, source, action) as the reader says it: the message
// kind.value, or the value itself where l has none. The value itself stays the same where it is input or
// machine output (--status, JSON).
func (l lang) value(kind, v string) string {
	if t, ok := catalogs[l][kind+"."+v]; ok && v != "" {
		return t
	}
	return v
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
