// Command revdelta computes what a revocation-list poller downloads in one day, polling every 60 s, by
// whole lists (GET /v1/revocations) and by deltas (GET /v1/revocations?since=, online.Client's rules),
// for the figure in BENCHMARKS.md. It runs the real server (server.New over a SQLite store, on a
// simulated clock) and counts the bytes of the answers; it measures no time.
//
//	go run ./bench/revdelta [--listed 55000] [--changes 10000] [--data DIR]
//
// What it assumes (the defaults, for 1,000,000 licenses):
//
//   - At the start of the day the list holds --listed entries: 55,000, what the list of the million of
//     bench/populate holds (10,000 frozen, 10,000 revoked, 5,000 reissued, 30,000 unrenewed), with license
//     ids of the same length ("pop-POP-00000000"). The 945,000 licenses that are not listed change neither
//     the list nor a delta, so they are not created.
//   - 1% of the licenses change that day (--changes 10,000), every change one that adds an entry to the
//     list (a freeze, a revoke or a reissue in turn; a plain renewal changes nothing and would make the
//     deltas smaller still). The changes are spread evenly over the day (one every 8.64 s) and made
//     through licensing.Service, as the server makes them.
//   - No entry ends during the day (an ending entry costs a delta about as much as a change: its id in
//     "removed").
//   - The poller asks once a minute, at the same second, for 1,440 polls. The whole-list poller sends
//     If-None-Match with the ETag it holds (a 304 costs no body); the delta poller keeps a revocation
//     document and fetches the whole list again when the deltas outgrow it (verifier.RevocationsCompactDue),
//     as online.Client.UpdateRevocations does. Bytes are those of the bodies; headers are left out of both.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/server"
	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/licensing"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/server/support"
	"github.com/licentia/licentia/verifier"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "revdelta:", err)
		os.Exit(1)
	}
}

type config struct {
	data    string
	listed  int
	changes int
	polls   int
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("revdelta", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	fs.StringVar(&c.data, "data", "", "data `DIR` (default: a temporary directory, removed afterwards)")
	fs.IntVar(&c.listed, "listed", 55000, "entries on the list at the start of the day")
	fs.IntVar(&c.changes, "changes", 10000, "licenses whose change adds an entry during the day")
	fs.IntVar(&c.polls, "polls", 1440, "polls, one a minute (1,440: a day)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.listed < 0 || c.changes < 0 || c.listed+c.changes > 10_000_000 || c.polls < 1 || c.polls > 100_000 {
		return errors.New("want --listed, --changes >= 0 (together at most 10,000,000) and 1 <= --polls <= 100,000")
	}
	if c.data == "" {
		dir, err := os.MkdirTemp("", "revdelta-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		c.data = dir
	}
	r, err := simulate(ctx, c, stderr)
	if err != nil {
		return err
	}
	return r.print(stdout, c)
}

// result is what the two pollers downloaded.
type result struct {
	wholeBytes, wholeBodies, wholeNotModified int64
	deltaBytes, deltaBodies, deltaWholes      int64
	firstList, lastList                       int64 // bytes of the whole list at the first and last poll
	lastEntries                               int
	largestDelta                              int64
}

// clock is the simulated time every part reads.
type clock struct{ unix atomic.Int64 }

func (c *clock) now() time.Time { return time.Unix(c.unix.Load(), 0).UTC() }

func simulate(ctx context.Context, c config, stderr io.Writer) (*result, error) {
	ring, _, err := keys.InitRing(filepath.Join(c.data, "keys"), rand.Reader)
	if err != nil {
		return nil, err
	}
	var clk clock
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).Unix()
	clk.unix.Store(start - 3600) // the list is made an hour before the day starts
	st, err := store.Open(ctx, filepath.Join(c.data, "licentia.db"), store.Options{Synchronous: "NORMAL", Now: clk.now})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	is := support.NewIssuer(ring, "licentia", 0)
	svc, err := licensing.New(st, licensing.Options{Issuer: is, Now: clk.now})
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "creating %d licenses (%d listed, %d to change during the day)\n", c.listed+c.changes, c.listed, c.changes)
	if err := populate(ctx, svc, c.listed+c.changes, func(i int) bool { return i < c.listed }, clk.now); err != nil {
		return nil, err
	}
	cfg := server.Config{KooGalleryKeys: []string{"revdelta-unused-key"}, Now: clk.now}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	h := server.New(cfg, st, ring, is, slog.New(slog.NewTextHandler(io.Discard, nil))).Handler()
	kr, err := verifier.NewKeyring(ring.Keys()[0].Public)
	if err != nil {
		return nil, err
	}

	var r result
	clk.unix.Store(start)
	whole, etag := get(h, "/v1/revocations", "")
	doc, held, err := verifier.AppendRevocations(kr, nil, whole.Body.Bytes())
	if err != nil {
		return nil, err
	}
	r.firstList = int64(whole.Body.Len())
	changed := 0
	period := int64(86400) * int64(c.polls) / 1440 // the simulated span
	for p := 1; p <= c.polls; p++ {
		at := start + int64(p)*60
		// The changes due by this poll, each at its own second.
		for ; changed < c.changes; changed++ {
			t := start + int64(changed)*period/int64(max(c.changes, 1))
			if t > at {
				break
			}
			clk.unix.Store(t)
			if err := change(ctx, svc, c.listed+changed, t); err != nil {
				return nil, err
			}
		}
		clk.unix.Store(at)
		// The whole-list poller.
		rec, tag := get(h, "/v1/revocations", etag)
		switch rec.Code {
		case http.StatusOK:
			r.wholeBytes += int64(rec.Body.Len())
			r.wholeBodies++
			etag = tag
			r.lastList = int64(rec.Body.Len())
		case http.StatusNotModified:
			r.wholeNotModified++
		default:
			return nil, fmt.Errorf("GET /v1/revocations: %d", rec.Code)
		}
		// The delta poller, by online.Client.UpdateRevocations's rules.
		rec, _ = get(h, "/v1/revocations?since="+strconv.FormatInt(held.IssuedAt, 10), "")
		if rec.Code != http.StatusOK {
			return nil, fmt.Errorf("GET /v1/revocations?since=: %d", rec.Code)
		}
		r.deltaBytes += int64(rec.Body.Len())
		r.deltaBodies++
		r.largestDelta = max(r.largestDelta, int64(rec.Body.Len()))
		next, l, err := verifier.AppendRevocations(kr, doc, rec.Body.Bytes())
		if err != nil || verifier.RevocationsCompactDue(next) {
			rec, _ = get(h, "/v1/revocations", "")
			r.deltaBytes += int64(rec.Body.Len())
			r.deltaWholes++
			if next, l, err = verifier.AppendRevocations(kr, doc, rec.Body.Bytes()); err != nil {
				return nil, err
			}
		}
		doc, held = next, l
		if p%240 == 0 {
			fmt.Fprintf(stderr, "poll %d of %d: whole lists %d bytes, deltas %d bytes\n", p, c.polls, r.wholeBytes, r.deltaBytes)
		}
	}
	// Both pollers end with the same list, the server's.
	final, _ := get(h, "/v1/revocations", "")
	want, err := verifier.ParseRevocations(kr, final.Body.Bytes())
	if err != nil {
		return nil, err
	}
	if want.IssuedAt != held.IssuedAt || len(want.MinGen) != len(held.MinGen) {
		return nil, fmt.Errorf("the delta poller's list (iat %d, %d entries) is not the server's (iat %d, %d entries)",
			held.IssuedAt, len(held.MinGen), want.IssuedAt, len(want.MinGen))
	}
	for id, g := range want.MinGen {
		if held.MinGen[id] != g {
			return nil, fmt.Errorf("the delta poller's list says %s → %d, the server's %d", id, held.MinGen[id], g)
		}
	}
	r.lastEntries = len(want.MinGen)
	return &r, nil
}

// get serves one GET on h and returns the answer and its ETag.
func get(h http.Handler, path, etag string) (*httptest.ResponseRecorder, string) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec, rec.Header().Get("ETag")
}

// id is the license id of license i, the length of bench/populate's.
func id(i int) string { return fmt.Sprintf("pop-POP-%08d", i) }

// transitions are the changes that list a license, in turn.
var transitions = []licensing.Transition{license.Freeze, license.Revoke, license.Reissue}

// populate creates n licenses, changing those for which listed is true so that they are on the list.
func populate(ctx context.Context, svc *licensing.Service, n int, listed func(int) bool, now func() time.Time) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	var next atomic.Int64
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				at := now().Unix()
				l := &store.License{ID: id(i), OrderID: id(i)[4:], Flow: store.FlowLicense1, ProductID: "P1", SKU: "S1",
					CustomerID: fmt.Sprintf("c-%07d", i/4), Status: "active", StartsAt: at - 86400, ExpiresAt: at + 365*86400,
					Generation: 1, ChangedAt: at, CreatedAt: at}
				d := license.Delivery{At: at, Source: store.SourceKooGallery, Actor: "revdelta", Activity: "getLicense"}
				if _, _, err := svc.Create(ctx, l, d, licensing.KeepID); err != nil {
					cancel(err)
					return
				}
				if listed(i) {
					if err := change(ctx, svc, i, at); err != nil {
						cancel(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	return context.Cause(ctx)
}

// change lists license i by the transition of its turn, at unix time at.
func change(ctx context.Context, svc *licensing.Service, i int, at int64) error {
	d := license.Delivery{At: at, Source: store.SourceCLI, Actor: "revdelta"}
	_, _, err := svc.Change(ctx, id(i), d, transitions[i%len(transitions)])
	return err
}

func (r *result) print(w io.Writer, c config) error {
	ratio := float64(r.wholeBytes) / float64(max(r.deltaBytes, 1))
	_, err := fmt.Fprintf(w, `revocation list poller, one GET every 60 s, %d polls; %d entries listed at the start, %d changes spread over the polls
whole lists:  %d bytes (%.1f MB) in %d bodies (%d answered 304); the list grew from %d to %d bytes (%d entries)
deltas:       %d bytes (%.2f MB) in %d deltas (largest %d bytes) and %d whole lists (the first not counted: %d bytes)
whole / delta: %.0f×
`, c.polls, c.listed, c.changes,
		r.wholeBytes, float64(r.wholeBytes)/1e6, r.wholeBodies, r.wholeNotModified, r.firstList, r.lastList, r.lastEntries,
		r.deltaBytes, float64(r.deltaBytes)/1e6, r.deltaBodies, r.largestDelta, r.deltaWholes, r.firstList,
		ratio)
	return err
}
