package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/licentia/licentia/server/support"
)

const codesShowUsage = `usage: licentia codes show ID|ORDER-ID|CUSTOMER-ID|CODE [--reveal] [--json]

Shows one license: status, expiry, generation and the decoded claims of its current code. A pasted code
(recognised by its shape) is checked too: whether it is genuine, current or superseded, and what an offline
verifier says about it now. The whole current code is printed only with --reveal.

`

func runCodesShow(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := quietFlagSet("codes show", codesShowUsage, stderr)
	var c codesFlags
	c.register(fs, getenv)
	reveal := fs.Bool("reveal", false, "print the whole current code (a bearer credential)")
	pos, err := fs.parseArgs(args, 1, "one license id, order id, customer id or code")
	if err != nil {
		return err
	}
	b, _, done, err := c.backend(ctx, fs)
	if err != nil {
		return err
	}
	defer done()
	d, err := b.Show(ctx, pos[0], *reveal)
	if err != nil {
		return err
	}
	if c.json {
		return printJSON(stdout, d)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	if p := d.Presented; p != nil {
		verdict := "NOT GENUINE: its signature does not verify with this server's keys"
		if p.Genuine {
			verdict = "genuine"
			switch {
			case p.Current:
				verdict += ", the current code"
			case p.Superseded:
				verdict += ", superseded by a newer generation"
			}
		}
		fmt.Fprintf(tw, "presented code\t%s (fingerprint %s, key %s)\n", verdict, cell(p.Fingerprint), cell(p.KeyID))
		fmt.Fprintf(tw, "offline verdict\t%s\n", cell(p.Verdict))
		if p.Claims != nil {
			fmt.Fprintf(tw, "presented claims\t%s\n", cell(compactJSON(p.Claims)))
		}
	}
	if d.License == nil {
		fmt.Fprintln(tw, "license\tnot in this database")
		return tw.Flush()
	}
	l := d.License
	fmt.Fprintf(tw, "license\t%s\n", cell(l.ID))
	fmt.Fprintf(tw, "order\t%s\n", cell(join(l.OrderID, l.OrderLineID)))
	fmt.Fprintf(tw, "customer\t%s\n", cell(join(l.CustomerID, l.CustomerName)))
	fmt.Fprintf(tw, "product\t%s\n", cell(join(l.ProductID, l.SKU)))
	if l.Quantity != 0 {
		fmt.Fprintf(tw, "quantity\t%d\n", l.Quantity)
	}
	fmt.Fprintf(tw, "status\t%s\n", cell(l.Status))
	fmt.Fprintf(tw, "starts\t%s\n", cell(l.StartsAt))
	fmt.Fprintf(tw, "expires\t%s\n", cell(expiry(l.ExpiresAt)))
	fmt.Fprintf(tw, "generation\t%d (since %s)\n", l.Generation, cell(l.ChangedAt))
	fmt.Fprintf(tw, "created\t%s (%s)\n", cell(l.CreatedAt), cell(l.Flow))
	fmt.Fprintf(tw, "signing key\t%s\n", cell(l.KeyID))
	if l.Code != "" {
		fmt.Fprintf(tw, "code\t%s\n", cell(l.Code))
	} else {
		fmt.Fprintf(tw, "code\tfingerprint %s (--reveal prints it)\n", cell(l.CodeFingerprint))
	}
	if d.Claims != nil {
		fmt.Fprintf(tw, "claims\t%s\n", cell(compactJSON(d.Claims)))
	}
	for _, u := range d.Uploads {
		fmt.Fprintf(tw, "upload\t%s\n", uploadLine(u))
	}
	return tw.Flush()
}

func join(a, b string) string {
	if b == "" {
		return a
	}
	return a + " / " + b
}

func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(b))
}

// uploadLine describes one upload of the code to the marketplace, times in the reader's zone.
func uploadLine(u support.UploadView) string {
	line := fmt.Sprintf("event %s: %s after %d attempt(s)", u.EventID, u.State, u.Attempts)
	switch {
	case u.DoneAt != nil:
		line += ", accepted " + localTime(*u.DoneAt)
	case u.State == support.UploadDead:
		line += " — codes retry-upload tries it again / 已停止重试,可用 codes retry-upload 重新上传"
	case u.NextAt != nil:
		line += ", next try " + localTime(*u.NextAt)
	}
	if u.LastError != "" {
		line += "; last error: " + u.LastError
	}
	return line
}

// localTime shows an RFC 3339 time of the admin API in the reader's time zone.
func localTime(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return t.Local().Format("2006-01-02 15:04:05 MST")
}
