package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/licentia/licentia/cmd/internal/printable"
	"github.com/licentia/licentia/server/importer"
	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/licensing"
	"github.com/licentia/licentia/server/store"
)

// importWorkers is how many rows are written at once: concurrent writes share the store's commits (on
// SQLite with synchronous FULL, 32 at once import about 6 times as fast as one at a time).
const importWorkers = 32

type importConfig struct {
	data   dataFlags
	format string
	dryRun bool
	json   bool
	actor  string
	issuer string
	grace  time.Duration
	server string
	tz     string
	loc    *time.Location
	l      lang
}

// importRow is one row's outcome, as --json prints it.
type importRow struct {
	Line      int    `json:"line"`
	Result    string `json:"result"` // imported, skipped or bad (a dry run: what it would be)
	LicenseID string `json:"license_id,omitempty"`
	Error     string `json:"error,omitempty"`
	// Note says why a skipped row was skipped when its license has another instance id.
	Note string `json:"note,omitempty"`

	lic  *license.License
	text func(lang) string // Error or Note in the reader's language, when set
}

// say is the row's Error or Note in l.
func (r *importRow) say(l lang) string {
	switch {
	case r.text != nil:
		return r.text(l)
	case r.Error != "":
		return r.Error
	}
	return r.Note
}

// rowProblems says the bad fields of a row in l, as importer.Problem.String does in English.
func rowProblems(l lang, problems []importer.Problem) string {
	msgs := make([]string, len(problems))
	for i, p := range problems {
		switch p.Kind {
		case importer.ProblemEmpty:
			msgs[i] = l.T("import.p.empty", p.Field)
		case importer.ProblemTooLong:
			msgs[i] = l.T("import.p.too_long", p.Field, p.Limit)
		case importer.ProblemQuantity:
			msgs[i] = l.T("import.p.quantity", p.Field, p.Value, p.Limit)
		case importer.ProblemSpaces:
			msgs[i] = l.T("import.p.spaces", p.Field, p.Value)
		case importer.ProblemControl:
			msgs[i] = l.T("import.p.control", p.Field, p.Value)
		case importer.ProblemTime:
			msgs[i] = l.T("import.p.time", p.Field, p.Value)
		case importer.ProblemBefore1970:
			msgs[i] = l.T("import.p.before_1970", p.Field, p.Value)
		case importer.ProblemStatus:
			msgs[i] = l.T("import.p.status", p.Field, p.Value)
		default:
			msgs[i] = p.String()
		}
	}
	return strings.Join(msgs, l.T("import.p.sep"))
}

// importReport is the outcome of one import.
type importReport struct {
	File     string      `json:"file"`
	Format   string      `json:"format"`
	DryRun   bool        `json:"dry_run"`
	Imported int         `json:"imported"`
	Skipped  int         `json:"skipped"`
	Bad      int         `json:"bad"`
	Rows     []importRow `json:"rows"`
}

// Row results.
const (
	resImported = "imported"
	resSkipped  = "skipped"
	resBad      = "bad"
)

func runCodesImport(ctx context.Context, l lang, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, file, err := parseImportFlags(l, args, getenv, stderr)
	if err != nil {
		return err
	}
	format, err := importer.ParseFormat(c.format)
	if err != nil {
		return &usageError{l.T("import.format", c.format)}
	}
	if format == importer.Detect {
		format = importer.FormatOf(file)
	}
	f, err := os.Open(file)
	if err != nil {
		return &explained{id: "import.open", err: err}
	}
	defer f.Close()
	prog := newProgress(printable.Unwrap(stderr), l, time.Now)
	defer prog.clear()
	rep := &importReport{File: file, DryRun: c.dryRun}
	now := time.Now()
	if err := readImport(f, format, c.loc, now, rep, prog); err != nil {
		return fmt.Errorf("%s: %w; %s", file, err, l.T("import.nothing"))
	}
	var where string
	if c.dryRun {
		where, err = c.checkImport(ctx, rep)
	} else {
		where, err = c.writeImport(ctx, rep, now, prog, stderr)
	}
	prog.clear()
	rep.count()
	if err != nil {
		return err
	}
	return printImport(l, rep, where, c.json, stdout, stderr)
}

func parseImportFlags(l lang, args []string, getenv func(string) string, stderr io.Writer) (*importConfig, string, error) {
	fs := quietFlagSet("codes import", l, "usage.codes.import", stderr)
	c := importConfig{l: l}
	c.data.register(fs.FlagSet, l, getenv)
	fs.StringVar(&c.format, "format", "auto", l.T("flag.format"))
	fs.BoolVar(&c.dryRun, "dry-run", false, l.T("flag.dry_run"))
	fs.BoolVar(&c.json, "json", false, l.T("flag.json_report"))
	fs.StringVar(&c.actor, "actor", getenv("LICENTIA_ACTOR"), l.T("flag.import_actor"))
	var iss issuerFlags
	iss.register(fs.FlagSet, l, getenv)
	fs.StringVar(&c.tz, "tz", getenv("TZ"), l.T("flag.import_tz"))
	fs.StringVar(&c.server, "server", "", l.T("flag.import_server"))
	pos, err := fs.parseArgs(args, 1, "arg.import_file")
	if err != nil {
		return nil, "", err
	}
	if c.server != "" || getenv("LICENTIA_SERVER") != "" {
		return nil, "", &usageError{l.T("import.local_only")}
	}
	if c.issuer, c.grace, err = iss.resolve(l); err != nil {
		return nil, "", err
	}
	if c.loc, err = loadZone(l, c.tz); err != nil {
		return nil, "", err
	}
	if c.actor == "" {
		c.actor = osUser()
	}
	return &c, pos[0], nil
}

// readImport reads every row of the file into rep, turning each valid row into its license. It returns
// the error that ended the file early (a wrong header, too many rows, a read error).
func readImport(r io.Reader, format importer.Format, loc *time.Location, now time.Time, rep *importReport, prog *progress) error {
	ir := importer.NewReader(r, format)
	ir.Location = loc
	for {
		row, err := ir.Read()
		prog.update(prog.l.T("import.progress_read"), rep.File, ir.Line())
		var re *importer.RowError
		switch {
		case err == io.EOF:
			rep.Format = string(ir.Format())
			return nil
		case errors.As(err, &re):
			row := importRow{Line: re.Line, Result: resBad, Error: re.Msg}
			if re.Problems != nil {
				row.text = func(l lang) string { return rowProblems(l, re.Problems) }
			} else {
				row.text = func(l lang) string { return l.T("import.unreadable", re.Msg) }
			}
			rep.Rows = append(rep.Rows, row)
			continue
		case err != nil:
			return err
		}
		l, err := row.License(now)
		if err != nil {
			msg := err.Error()
			rep.Rows = append(rep.Rows, importRow{Line: row.Line, Result: resBad, Error: msg,
				text: func(l lang) string { return l.T("import.unreadable", msg) }})
			continue
		}
		rep.Rows = append(rep.Rows, importRow{Line: row.Line, LicenseID: l.ID, lic: &l})
	}
}

// checkImport is the dry run: it tells, from an existing database, which rows would be skipped or clash
// with another order's instance id. It creates no database and writes nothing.
func (c *importConfig) checkImport(ctx context.Context, rep *importReport) (string, error) {
	var st *store.Store
	dsn := c.data.dsn()
	if store.IsPostgres(dsn) {
		var err error
		if st, err = store.Open(ctx, dsn, store.Options{}); err != nil {
			return "", err
		}
	} else if _, err := os.Stat(dsn); err == nil {
		if st, err = c.data.openStore(ctx); err != nil {
			return "", err
		}
	}
	where := c.where(st == nil)
	if st != nil {
		defer st.Close()
	}
	for i := range rep.Rows {
		r := &rep.Rows[i]
		if r.lic == nil {
			continue
		}
		r.Result = resImported
		if st == nil {
			continue
		}
		if err := classifyExisting(ctx, st, r); err != nil {
			return "", err
		}
	}
	return where, nil
}

// classifyExisting marks r skipped when its order already has a license, and bad when its instance id is
// another order's license or a KooGallery License 2.0 code this database knows (a license id that equals
// one would let the code's callbacks, or a support lookup by it, reach the wrong license). It leaves r as
// it is otherwise.
func classifyExisting(ctx context.Context, st *store.Store, r *importRow) error {
	l := r.lic
	cur, err := st.LicenseByOrder(ctx, l.OrderID, l.OrderLineID)
	switch {
	case err == nil:
		r.Result, r.LicenseID = resSkipped, cur.ID
		if cur.ID != l.ID {
			r.Note = langEN.T("import.note_other", cur.ID, l.ID)
			r.text = func(rl lang) string { return rl.T("import.note_other", cur.ID, l.ID) }
		}
		return nil
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	if code, err := st.IsMarketCode(ctx, l.ID); err != nil || code {
		if code {
			refTaken(r, l.ID)
		}
		return err
	}
	other, err := st.LicenseByID(ctx, l.ID)
	switch {
	case err == nil:
		r.Result, r.LicenseID = resBad, ""
		r.Error = langEN.T("import.id_taken", l.ID, other.OrderID, other.OrderLineID)
		r.text = func(rl lang) string { return rl.T("import.id_taken", l.ID, other.OrderID, other.OrderLineID) }
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	return nil
}

// writeImport signs and stores every valid row. A row whose order has a license is skipped; one whose
// instance id another order has is bad. It stops at the first error of the database itself.
func (c *importConfig) writeImport(ctx context.Context, rep *importReport, now time.Time, prog *progress, stderr io.Writer) (string, error) {
	ring, created, err := c.data.serverRing(rand.Reader)
	if err != nil {
		return "", err
	}
	kid, signer := ring.Active()
	if created {
		fmt.Fprintln(stderr, c.l.T("keys.created", kid, ring.Dir()))
	}
	st, err := c.data.openStore(ctx)
	if err != nil {
		return "", err
	}
	defer st.Close()
	svc, err := licensing.New(st, licensing.Options{Issuer: license.NewIssuer(kid, signer, c.issuer, c.grace), Now: func() time.Time { return now }})
	if err != nil {
		return "", err
	}
	d := license.Delivery{At: now.Unix(), Source: license.SourceImport, Actor: c.actor, RequestID: "import-" + randomHex(8)}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	todo := make(chan *importRow)
	var wg sync.WaitGroup
	var done atomic.Int64
	total := len(rep.Rows)
	for range importWorkers {
		wg.Go(func() {
			for r := range todo {
				if err := importOne(ctx, svc, d, filepath.Base(rep.File), r); err != nil {
					cancel(fmt.Errorf("%s: %w", c.l.T("import.line", r.Line), err))
				}
				prog.update(c.l.T("import.progress_write"), rep.File, done.Add(1), total)
			}
		})
	}
feed:
	for i := range rep.Rows {
		if rep.Rows[i].lic == nil {
			done.Add(1)
			continue
		}
		select {
		case todo <- &rep.Rows[i]:
		case <-ctx.Done():
			break feed
		}
	}
	close(todo)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		rep.count()
		return "", fmt.Errorf("%s %w (%s)", c.l.T("import.stopped", rep.File), err, c.l.T("import.stopped_after", rep.Imported))
	}
	return c.where(false), nil
}

// importOne writes one row's license with its audit event, unless its order has a license already.
func importOne(ctx context.Context, svc *licensing.Service, d license.Delivery, file string, r *importRow) error {
	st := svc.Store()
	if err := classifyExisting(ctx, st, r); err != nil || r.Result != "" {
		return err
	}
	l := *r.lic
	d.Reason = fmt.Sprintf("imported from %s line %d", file, r.Line)
	stored, created, err := svc.Create(ctx, &l, d, licensing.KeepID)
	switch {
	case errors.Is(err, store.ErrRefTaken): // the id became a known marketplace code meanwhile
		refTaken(r, l.ID)
		return nil
	case errors.Is(err, store.ErrConflict): // the id became another order's license meanwhile
		return classifyExisting(ctx, st, r)
	case err != nil:
		return err
	case !created: // the order got its license meanwhile
		r.Result, r.LicenseID = resSkipped, stored.ID
		return nil
	}
	r.Result = resImported
	return nil
}

// refTaken marks r bad: its instance id is a marketplace code.
func refTaken(r *importRow, id string) {
	r.Result, r.LicenseID, r.Error = resBad, "", langEN.T("import.ref_taken", id)
	r.text = func(l lang) string { return l.T("import.ref_taken", id) }
}

// where names the database for the report (never a PostgreSQL URL, which may hold a password).
func (c *importConfig) where(missing bool) string {
	dsn := c.data.dsn()
	switch {
	case store.IsPostgres(dsn):
		return c.l.T("import.postgres")
	case missing:
		return c.l.T("import.missing_db", dsn)
	}
	return dsn
}

func (rep *importReport) count() {
	rep.Imported, rep.Skipped, rep.Bad = 0, 0, 0
	for _, r := range rep.Rows {
		switch r.Result {
		case resImported:
			rep.Imported++
		case resSkipped:
			rep.Skipped++
		case resBad:
			rep.Bad++
		}
	}
}

// printImport prints the report: each bad row (and each skipped row whose order has a license of another
// id) as FILE:LINE on stderr, the summary on stdout. It returns an error when a row was bad.
func printImport(l lang, rep *importReport, where string, asJSON bool, stdout, stderr io.Writer) error {
	slices.SortFunc(rep.Rows, func(a, b importRow) int { return a.Line - b.Line })
	if rep.Rows == nil {
		rep.Rows = []importRow{}
	}
	if asJSON {
		if err := printJSON(stdout, rep); err != nil {
			return err
		}
	} else {
		for _, r := range rep.Rows {
			switch {
			case r.Result == resBad:
				fmt.Fprintf(stderr, "%s:%d: %s\n", cell(rep.File), r.Line, cell(r.say(l)))
			case r.Note != "":
				fmt.Fprintf(stderr, "%s:%d: %s: %s\n", cell(rep.File), r.Line, l.T("import.skipped"), cell(r.say(l)))
			}
		}
		if rep.DryRun {
			fmt.Fprintln(stdout, l.T("import.dry_run", cell(rep.File), rep.Imported, rep.Skipped, rep.Bad, cell(where)))
		} else {
			fmt.Fprintln(stdout, l.T("import.done", rep.Imported, rep.Skipped, rep.Bad, cell(rep.File), cell(where)))
		}
	}
	switch {
	case rep.Bad > 0 && rep.DryRun:
		return fmt.Errorf("%s: %s", rep.File, l.T("import.bad_dry", rep.Bad))
	case rep.Bad > 0:
		return fmt.Errorf("%s: %s", rep.File, l.T("import.bad", rep.Bad))
	}
	return nil
}

// progress rewrites one status line on a terminal; it writes nothing anywhere else. Updates are at most
// every 100ms, and the first comes only after 250ms, so a quick import shows none.
type progress struct {
	w     io.Writer // nil: not a terminal
	l     lang
	now   func() time.Time
	mu    sync.Mutex
	next  time.Time
	shown bool
}

func newProgress(w io.Writer, l lang, now func() time.Time) *progress {
	p := &progress{l: l, now: now, next: now().Add(250 * time.Millisecond)}
	if isTerminal(w) {
		p.w = w
	}
	return p
}

func (p *progress) update(format string, args ...any) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.now()
	if t.Before(p.next) {
		return
	}
	p.next = t.Add(100 * time.Millisecond)
	fmt.Fprint(p.w, "\r\x1b[K"+printable.Escape(fmt.Sprintf(format, args...)))
	p.shown = true
}

// clear removes the status line, if one was shown.
func (p *progress) clear() {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// loadZone returns the zone named by --tz or TZ: an IANA name (the zone database is built in), UTC for
// empty, or a usage error.
func loadZone(l lang, name string) (*time.Location, error) {
	name = strings.TrimPrefix(name, ":") // TZ=:Asia/Shanghai is POSIX for a zone file
	if name == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, &usageError{l.T("bad_tz", name)}
	}
	return loc, nil
}
