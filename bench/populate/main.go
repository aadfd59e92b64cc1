// Command populate fills a licentia data directory with N licenses in the mix of a mature deployment
// (mix.go: 90% renewed once, 3% unrenewed, 1% frozen, 1% revoked, 0.5% reissued, the rest never
// changed), signed and audited as the server writes them, for the scale figures in BENCHMARKS.md.
//
//	go run ./bench/populate --data DIR --n 1000000 [--codes FILE --codes-max 50000]
//
// --codes writes one genuine code per line (the first code of each license, or for a reissued or revoked
// one the code of that change: later generations supersede it, and refresh accepts it), for load tests of
// POST /v1/codes/refresh. The file is a list of
// bearer credentials of test licenses; it is created 0600.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/licensing"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/server/support"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "populate:", err)
		os.Exit(1)
	}
}

type config struct {
	data     string
	n        int
	codes    string
	codesMax int
	workers  int
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("populate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	fs.StringVar(&c.data, "data", "", "licentia data `DIR` (created when missing)")
	fs.IntVar(&c.n, "n", 100000, "licenses to create")
	fs.StringVar(&c.codes, "codes", "", "write a genuine code of each of the first --codes-max licenses to `FILE`")
	fs.IntVar(&c.codesMax, "codes-max", 50000, "at most this many codes in --codes")
	fs.IntVar(&c.workers, "workers", 64, "concurrent writers (the store commits them in groups)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case c.data == "" || c.n < 1 || c.n > 10_000_000:
		return errors.New("want --data DIR and 1 <= --n <= 10000000")
	case c.workers < 1 || c.workers > 1024:
		return errors.New("want 1 <= --workers <= 1024")
	case c.codesMax < 0:
		return errors.New("want --codes-max >= 0")
	}
	start := time.Now()
	counts, err := populate(ctx, c, newProgress(stderr, c.n))
	if err != nil {
		return err
	}
	return report(stdout, c, counts, time.Since(start))
}

// populate creates the licenses and applies their changes with c.workers writers.
func populate(ctx context.Context, c config, prog *progress) (*[len(lifeOf)]atomic.Int64, error) {
	if err := os.MkdirAll(c.data, 0o700); err != nil {
		return nil, err
	}
	ring, _, err := keys.InitRing(filepath.Join(c.data, "keys"), rand.Reader)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, filepath.Join(c.data, "licentia.db"), store.Options{Synchronous: "NORMAL"})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	var codes *codeFile
	if c.codes != "" {
		if codes, err = createCodeFile(c.codes, min(c.n, c.codesMax)); err != nil {
			return nil, err
		}
	}
	now := time.Now().Unix()
	svc, err := licensing.New(st, licensing.Options{Issuer: support.NewIssuer(ring, "licentia", 0), Now: func() time.Time { return time.Unix(now, 0) }})
	if err != nil {
		return nil, err
	}
	p := &populator{svc: svc, now: now, codes: codes}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	var next atomic.Int64
	for range c.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= c.n {
					return
				}
				if err := p.license(ctx, i); err != nil {
					cancel(fmt.Errorf("license %d: %w", i, err))
					return
				}
				prog.add()
			}
		}()
	}
	wg.Wait()
	prog.done()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	if codes != nil {
		if err := codes.close(); err != nil {
			return nil, err
		}
	}
	return &p.counts, nil
}

type populator struct {
	svc    *licensing.Service
	now    int64
	codes  *codeFile
	counts [len(lifeOf)]atomic.Int64
}

// license creates license number i and applies the changes of its fate, each a new signed generation
// with its audit event, as the server would.
func (p *populator) license(ctx context.Context, i int) error {
	order := fmt.Sprintf("POP-%08d", i)
	created := p.now - int64(i%365)*86400 // ages spread over a year
	l := &store.License{ID: "pop-" + order, OrderID: order, Flow: store.FlowLicense1, ProductID: "P1", SKU: "S1",
		CustomerID: fmt.Sprintf("c-%07d", i/4), Status: "active", StartsAt: created, ExpiresAt: created + year,
		Generation: 1, ChangedAt: created, CreatedAt: created}
	d := license.Delivery{At: created, Source: store.SourceKooGallery, Actor: "populate", Activity: "getLicense"}
	if _, _, err := p.svc.Create(ctx, l, d, licensing.KeepID); err != nil {
		return err
	}
	f := fateOf(i)
	for _, ch := range f.changes() {
		d := license.Delivery{At: p.now, Source: sourceOf[ch.action], Actor: "populate"}
		next, _, err := p.svc.Change(ctx, l.ID, d, ch.next)
		if err != nil {
			return fmt.Errorf("%s: %w", ch.action, err)
		}
		if next.ProofGen > max(l.ProofGen, 1) {
			l = next // a reissue or a revoke: older codes no longer serve as proof
		}
	}
	p.codes.set(i, l.Code)
	p.counts[f].Add(1)
	return nil
}

func report(w io.Writer, c config, counts *[len(lifeOf)]atomic.Int64, took time.Duration) error {
	db := filepath.Join(c.data, "licentia.db")
	var size int64
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(db + suffix); err == nil {
			size += fi.Size()
		}
	}
	fmt.Fprintf(w, "%d licenses in %s in %s (%.0f licenses/s)\n", c.n, c.data, took.Round(time.Millisecond),
		float64(c.n)/took.Seconds())
	for f := range counts {
		fmt.Fprintf(w, "  %-9s %d\n", fate(f), counts[f].Load())
	}
	_, err := fmt.Fprintf(w, "database %d bytes (with WAL), %.0f bytes per license\n", size, float64(size)/float64(c.n))
	return err
}

// codeFile collects the first code of licenses 0 … n-1 and writes them in order on close.
type codeFile struct {
	f     *os.File
	codes []string
}

func createCodeFile(path string, n int) (*codeFile, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	return &codeFile{f: f, codes: make([]string, n)}, nil
}

// set records license i's code; each i is set by one worker only.
func (c *codeFile) set(i int, code string) {
	if c != nil && i < len(c.codes) {
		c.codes[i] = code
	}
}

func (c *codeFile) close() error {
	w := bufio.NewWriter(c.f)
	for _, code := range c.codes {
		w.WriteString(code)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		c.f.Close()
		return err
	}
	return c.f.Close()
}
