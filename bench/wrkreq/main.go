// Command wrkreq writes the signed KooGallery requests that bench/wrk/lines.lua sends: one request path
// (with its query) per line, signed at the moment it runs, so every benchmark run sends fresh
// timeStamps. The access key comes from LICENTIA_KOOGALLERY_KEY, never from the command line.
//
//	wrkreq --kind resend --orders 1000 --n 20000 --out FILE  # getLicense resends of POP-00000000 …
//	wrkreq --kind create --run R1 --n 100000 --out FILE      # getLicense of new orders R1-000000000 …
//
// A resend names an order bench/populate created (POP-%08d) with a new businessId each line, as the
// marketplace resends; a create names an order nobody has seen, so each line is one durable create the
// first time it is sent (and a resend after that: give --n more lines than a run can send).
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"time"

	"github.com/licentia/licentia/server/koogallery"
)

func main() {
	if err := run(os.Args[1:], os.Getenv, time.Now, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "wrkreq:", err)
		os.Exit(1)
	}
}

func run(args []string, getenv func(string) string, now func() time.Time, stderr io.Writer) error {
	fs := flag.NewFlagSet("wrkreq", flag.ContinueOnError)
	fs.SetOutput(stderr)
	kind := fs.String("kind", "resend", "resend (orders bench/populate created) or create (new orders)")
	orders := fs.Int("orders", 1000, "resend: cycle through the orders POP-00000000 … of this many licenses")
	n := fs.Int("n", 20000, "lines to write")
	runID := fs.String("run", "R", "create: order id prefix, unique per run")
	path := fs.String("path", "/koogallery/license", "production URL path")
	out := fs.String("out", "", "output `FILE` (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	key := getenv("LICENTIA_KOOGALLERY_KEY")
	switch {
	case key == "":
		return errors.New("LICENTIA_KOOGALLERY_KEY is not set: the access key the server checks authToken with")
	case *out == "":
		return errors.New("--out FILE is required")
	case *n < 1 || *n > 10_000_000:
		return errors.New("want 1 <= --n <= 10000000")
	case *kind == "resend" && *orders < 1:
		return errors.New("want --orders >= 1")
	case *kind != "resend" && *kind != "create":
		return fmt.Errorf("--kind %q: want resend or create", *kind)
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	t := now()
	ts, exp := koogallery.FormatTimeMillis(t), koogallery.FormatTime(t.AddDate(1, 0, 0))
	for i := range *n {
		q := url.Values{}
		q.Set("activity", "getLicense")
		q.Set("customerId", "wrk")
		q.Set("productId", "P1")
		q.Set("skuCode", "S1")
		q.Set("expireTime", exp)
		q.Set("timeStamp", ts)
		if *kind == "resend" {
			q.Set("orderId", fmt.Sprintf("POP-%08d", i%*orders))
			q.Set("businessId", fmt.Sprintf("%s-b%09d", *runID, i))
		} else {
			order := fmt.Sprintf("%s-%09d", *runID, i)
			q.Set("orderId", order)
			q.Set("businessId", order+"-b")
		}
		q.Set("authToken", koogallery.AuthToken(key, q))
		fmt.Fprintf(w, "%s?%s\n", *path, q.Encode())
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
