package main

import (
	"context"
	"encoding/json"
	"io"
	"strconv"
	"strings"

	"github.com/licentia/licentia/server/support"
)

func runCodesShow(ctx context.Context, l lang, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := quietFlagSet("codes show", l, "usage.codes.show", stderr)
	var c codesFlags
	c.register(fs, getenv)
	reveal := fs.Bool("reveal", false, l.T("flag.reveal_current"))
	pos, err := fs.parseArgs(args, 1, "arg.ref_customer")
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
	clk, err := c.clock(l)
	if err != nil {
		return err
	}
	t := newTable(stdout)
	if p := d.Presented; p != nil {
		verdict := l.T("show.not_genuine")
		if p.Genuine {
			verdict = l.T("show.genuine")
			switch {
			case p.Current:
				verdict += l.T("show.current")
			case p.Superseded:
				verdict += l.T("show.superseded")
			}
		}
		t.row(l.T("show.presented"), l.T("show.presented_value", verdict, cell(p.Fingerprint), cell(p.KeyID)))
		t.row(l.T("show.offline_verdict"), cell(p.Verdict))
		if p.Claims != nil {
			t.row(l.T("show.presented_claims"), cell(compactJSON(p.Claims)))
		}
	}
	if d.License == nil {
		t.row(l.T("show.license"), l.T("show.not_here"))
		return t.flush()
	}
	li := d.License
	t.row(l.T("show.license"), cell(li.ID))
	t.row(l.T("show.order"), cell(join(li.OrderID, li.OrderLineID)))
	t.row(l.T("show.customer"), cell(join(li.CustomerID, li.CustomerName)))
	t.row(l.T("show.product"), cell(join(li.ProductID, li.SKU)))
	if li.Quantity != 0 {
		t.row(l.T("show.quantity"), strconv.FormatInt(li.Quantity, 10))
	}
	t.row(l.T("show.status"), cell(l.value("status", li.Status)))
	if d.Seats != nil {
		t.row(l.T("show.seats"), seatUseLine(l, d.Seats))
	}
	t.row(l.T("show.starts"), cell(clk.atZone(li.StartsAt)))
	t.row(l.T("show.expires"), cell(clk.expiryZone(li.ExpiresAt)))
	t.row(l.T("show.generation"), l.T("show.generation_value", li.Generation, cell(clk.atZone(li.ChangedAt))))
	t.row(l.T("show.created"), l.T("show.created_value", cell(clk.atZone(li.CreatedAt)), cell(li.Flow)))
	t.row(l.T("show.signing_key"), cell(li.KeyID))
	if li.Code != "" {
		t.row(l.T("show.code"), cell(li.Code))
	} else {
		t.row(l.T("show.code"), l.T("show.code_fingerprint", cell(li.CodeFingerprint)))
	}
	if d.Claims != nil {
		t.row(l.T("show.claims"), cell(compactJSON(d.Claims)))
	}
	for _, u := range d.Uploads {
		t.row(l.T("show.upload"), uploadLine(clk, u))
	}
	if d.Usage != nil {
		t.row(l.T("show.usage"), usageLine(l, *d.Usage))
	}
	return t.flush()
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
func uploadLine(clk clock, u support.UploadView) string {
	l := clk.l
	line := l.T("upload.state", cell(u.EventID), cell(l.value("upload", u.State)), u.Attempts)
	switch {
	case u.DoneAt != nil:
		line += l.T("upload.accepted", clk.atZone(*u.DoneAt))
	case u.State == support.UploadDead:
		line += l.T("upload.dead_hint")
	case u.NextAt != nil:
		line += l.T("upload.next", clk.atZone(*u.NextAt))
	}
	if u.LastError != "" {
		line += l.T("upload.last_error", cell(u.LastError))
	}
	return line
}

// usageLine describes the marketplace's daily usage report of the license's marketplace code: the last UTC day
// it accepted, and the uses waiting or dead-lettered.
func usageLine(l lang, u support.UsageView) string {
	line := l.T("usage.never")
	if u.LastReportedDay != "" {
		line = l.T("usage.last", u.LastReportedDay)
	}
	if u.Pending > 0 {
		line += l.T("usage.pending", u.Pending)
	}
	if u.Dead > 0 {
		line += l.T("usage.dead", u.Dead)
	}
	return line
}
