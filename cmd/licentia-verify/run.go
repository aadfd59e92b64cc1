package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/licentia/licentia/cmd/internal/buildinfo"
	"github.com/licentia/licentia/cmd/internal/locale"
	"github.com/licentia/licentia/cmd/internal/printable"
	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/verifier"
	"github.com/licentia/licentia/verifier/online"
)

// Exit statuses (the exit table in main.go; 7, 8 and the --activate statuses 65, 69, 75 and 78 are this command's own,
// documented in main.go).
const (
	exitValid       = 0
	exitInvalid     = 1
	exitExpired     = 2
	exitNotYet      = 3
	exitWrongScope  = 4
	exitRevoked     = 5
	exitRollback    = 6
	exitStaleList   = 7
	exitDeployment  = 8
	exitUsage       = 64
	exitDataErr     = 65
	exitNoInput     = 66
	exitUnavailable = 69
	exitTempFail    = 75
	exitConfig      = 78
)

// maxInput bounds what is read as a code from standard input.
const maxInput = 1 << 20

// config is the parsed command line.
type config struct {
	keys, product, sku, issuer string
	anyProduct                 bool
	revocations, state         string
	maxListAge                 time.Duration
	refresh, activate, save    string
	deployment                 string // "auto", a FILE, or "" for none
	dep                        *verifier.Deployment
	allowTest, json, version   bool
	printDeployment            bool
	at                         time.Time
	code                       string // "-" for standard input
	tz                         string // --tz: the zone times are shown in
	l                          locale.Lang
	loc                        *time.Location // the reader's zone (--tz, else TZ, else the system's)
}

// T returns the message id in the reader's language (messages.go).
func (cfg *config) T(id string, args ...any) string { return catalog.T(cfg.l, id, args...) }

// input is what load gathers: the verifier to use, the code to check and where the code came from.
type input struct {
	v                    *verifier.Verifier
	code                 string
	refreshed, activated bool
}

// run is the testable entry point: it returns the exit status. ctx bounds the online requests of
// --refresh and --activate; getenv reads the environment (the locale variables and TZ).
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	// Arguments, file names, claims and server answers end up in the output: none of it may steer the terminal.
	stdout, stderr = printable.NewWriter(stdout), printable.NewWriter(stderr)
	l, err := locale.Of(args, getenv)
	if err != nil {
		warn(stderr, err)
		return exitUsage
	}
	cfg, err := parseArgs(args, l, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitValid
	}
	if err != nil {
		warn(stderr, err)
		return exitUsage
	}
	if cfg.version {
		fmt.Fprintln(stdout, buildinfo.Line("licentia-verify"))
		return exitValid
	}
	if cfg.printDeployment {
		return printLocalDeployment(l, stdout, stderr)
	}
	in, err := cfg.load(ctx, stdin, stderr)
	if err != nil {
		return cfg.loadFailed(err, stdout, stderr)
	}
	r, err := in.v.Check(in.code)
	rep := newReport(in.code, r, err)
	rep.Refreshed, rep.Activated = in.refreshed, in.activated
	if (in.refreshed || in.activated) && err == nil && cfg.save != "" {
		if werr := keys.WriteFileAtomic(cfg.save, []byte(in.code+"\n")); werr != nil {
			warn(stderr, cfg.T("save")+":", werr)
			return exitNoInput
		}
	}
	if cfg.json {
		writeJSON(stdout, rep)
		if err != nil {
			warn(stderr, cfg.explain(err))
		}
	} else {
		fmt.Fprintln(stdout, cfg.text(rep, err))
	}
	return exitStatus(err)
}

// loadFailed reports an error of load and returns the exit status: the activation statuses for a
// refused --activate, else 66.
func (cfg *config) loadFailed(err error, stdout, stderr io.Writer) int {
	var ae *activationError
	if errors.As(err, &ae) {
		warn(stderr, ae.Error())
		if cfg.json {
			writeJSON(stdout, report{Reason: "activation_failed", ActivationError: ae.code, Fingerprint: ae.fingerprint})
		}
		return ae.exit
	}
	warn(stderr, cfg.explain(err))
	if cfg.json {
		writeJSON(stdout, report{Reason: "unreadable"})
	}
	return exitNoInput
}

// parseArgs parses the flags, which may come before or after the code argument; l is the language of the
// usage text and the errors.
func parseArgs(args []string, l locale.Lang, getenv func(string) string, stderr io.Writer) (*config, error) {
	cfg := &config{l: l}
	T := cfg.T
	fs := flag.NewFlagSet("licentia-verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.keys, "keys", "", T("flag.keys"))
	fs.StringVar(&cfg.product, "product", "", T("flag.product"))
	fs.StringVar(&cfg.sku, "sku", "", T("flag.sku"))
	fs.BoolVar(&cfg.anyProduct, "any-product", false, T("flag.any_product"))
	fs.StringVar(&cfg.issuer, "issuer", "", T("flag.issuer"))
	fs.StringVar(&cfg.revocations, "revocations", "", T("flag.revocations"))
	fs.DurationVar(&cfg.maxListAge, "max-list-age", 0, T("flag.max_list_age"))
	fs.StringVar(&cfg.state, "state", "", T("flag.state"))
	fs.StringVar(&cfg.refresh, "refresh", "", T("flag.refresh"))
	fs.StringVar(&cfg.activate, "activate", "", T("flag.activate"))
	fs.StringVar(&cfg.deployment, "deployment", "", T("flag.deployment"))
	fs.BoolVar(&cfg.printDeployment, "print-deployment", false, T("flag.print_deployment"))
	fs.StringVar(&cfg.save, "save", "", T("flag.save"))
	fs.BoolVar(&cfg.allowTest, "allow-test", false, T("flag.allow_test"))
	at := fs.String("at", "", T("flag.at"))
	fs.BoolVar(&cfg.json, "json", false, T("flag.json"))
	fs.BoolVar(&cfg.version, "version", false, T("flag.version"))
	fs.StringVar(&cfg.tz, "tz", "", T("flag.tz"))
	fs.String(locale.Flag, "", T("flag.lang")) // read by locale.Of before parsing
	fs.Usage = func() {
		fmt.Fprint(stderr, T("usage"))
		fs.PrintDefaults()
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errors.New(T("bad_flag", err.Error()))
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	var err error
	if cfg.loc, err = readerZone(l, cfg.tz, getenv); err != nil {
		return nil, err
	}
	if cfg.version || cfg.printDeployment {
		return cfg, nil
	}
	if err := cfg.check(len(pos)); err != nil {
		return nil, err
	}
	cfg.code = "-"
	if len(pos) == 1 {
		cfg.code = pos[0]
	}
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", T("bad_at"), err)
		}
		cfg.at = t
	}
	return cfg, nil
}

// check refuses contradictory or incomplete command lines; npos is the number of code arguments.
func (cfg *config) check(npos int) error {
	id := ""
	switch {
	case cfg.keys == "":
		id = "need_keys"
	case npos > 1:
		return errors.New(cfg.T("one_code", npos))
	case cfg.product == "" && cfg.sku == "" && !cfg.anyProduct:
		id = "need_binding"
	case cfg.anyProduct && (cfg.product != "" || cfg.sku != ""):
		id = "any_product_and"
	case cfg.refresh != "" && cfg.activate != "":
		id = "refresh_and_activate"
	case cfg.save != "" && cfg.refresh == "" && cfg.activate == "":
		id = "save_alone"
	case cfg.maxListAge < 0:
		id = "negative_age"
	case cfg.maxListAge > 0 && cfg.revocations == "" && cfg.refresh == "":
		id = "age_without_list"
	default:
		return nil
	}
	return errors.New(cfg.T(id))
}

// explain is err for the reader: in Chinese, a verifier's reason is explained before the original text.
func (cfg *config) explain(err error) string {
	if r := verifier.Reason(err); cfg.l == locale.ZH && r != "error" {
		return cfg.T("explained", cfg.T("reason."+r), err.Error())
	}
	return err.Error()
}

// readerZone is the zone times are shown in: --tz (an error when it names no zone), else TZ (ignored when it
// names no zone, as the Go runtime does), else the system's.
func readerZone(l locale.Lang, tz string, getenv func(string) string) (*time.Location, error) {
	if tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil || tz == "Local" {
			return nil, errors.New(catalog.T(l, "bad_tz", tz))
		}
		return loc, nil
	}
	if env := getenv("TZ"); env != "" {
		if loc, err := time.LoadLocation(strings.TrimPrefix(env, ":")); err == nil {
			return loc, nil
		}
	}
	return time.Local, nil
}

// load reads the keys, state, code and revocation list, and builds the verifier. With --activate it
// first trades the KooGallery code for licentia's code; with --refresh it first asks the server for the
// current code and revocation list, and whatever it cannot fetch it takes from the command line and
// files instead, saying so on stderr.
func (cfg *config) load(ctx context.Context, stdin io.Reader, stderr io.Writer) (*input, error) {
	data, err := os.ReadFile(cfg.keys)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.T("read_keys"), err)
	}
	kr, err := verifier.ParseKeyring(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.T("keys", cfg.keys), err)
	}
	in := &input{}
	if in.code, err = cfg.readCode(stdin); err != nil {
		return nil, err
	}
	if cfg.dep, err = readDeployment(cfg.l, cfg.deployment); err != nil {
		return nil, err
	}
	opts := cfg.options()
	var st *verifier.State
	if cfg.state != "" {
		if st, err = verifier.OpenState(cfg.state); err != nil {
			return nil, err
		}
		opts = append(opts, verifier.WithState(st))
	}
	var revs *verifier.RevocationList
	switch {
	case cfg.activate != "":
		if in.code, err = cfg.activateCode(ctx, in.code, stderr); err != nil {
			return nil, err
		}
		in.activated = true
	case cfg.refresh != "":
		if in.code, revs, in.refreshed, err = cfg.online(ctx, kr, st, in.code, stderr); err != nil {
			return nil, err
		}
	}
	if revs == nil && cfg.revocations != "" {
		if revs, err = readList(cfg.l, kr, cfg.revocations); err != nil {
			return nil, err
		}
	}
	if revs != nil {
		opts = append(opts, verifier.WithRevocations(revs))
	}
	in.v = verifier.New(kr, opts...)
	return in, nil
}

// readList reads and checks the revocation document (a whole list, perhaps followed by deltas) in the
// file path.
func readList(l locale.Lang, kr *verifier.Keyring, path string) (*verifier.RevocationList, error) {
	data, err := readDocument(l, path)
	if err != nil {
		return nil, err
	}
	list, err := verifier.ParseRevocations(kr, data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", catalog.T(l, "list", path), err)
	}
	return list, nil
}

func (cfg *config) readCode(stdin io.Reader) (string, error) {
	if cfg.code != "-" {
		return cfg.code, nil
	}
	b, err := io.ReadAll(io.LimitReader(stdin, maxInput))
	if err != nil {
		return "", fmt.Errorf("%s: %w", cfg.T("read_code"), err)
	}
	return string(b), nil
}

// options returns the verifier options the flags ask for, apart from revocations and state.
func (cfg *config) options() []verifier.Option {
	opts := []verifier.Option{verifier.WithIssuer(cfg.issuer), verifier.WithMaxListAge(cfg.maxListAge),
		verifier.WithCacheSize(0)} // one check per run: nothing to remember
	if cfg.product != "" {
		opts = append(opts, verifier.WithProduct(cfg.product))
	}
	if cfg.sku != "" {
		opts = append(opts, verifier.WithSKU(cfg.sku))
	}
	if cfg.anyProduct {
		opts = append(opts, verifier.WithAnyProduct())
	}
	if cfg.allowTest {
		opts = append(opts, verifier.AllowTest())
	}
	if cfg.dep != nil {
		opts = append(opts, verifier.WithDeployment(*cfg.dep))
	}
	if !cfg.at.IsZero() {
		at := cfg.at
		opts = append(opts, verifier.WithTime(func() time.Time { return at }))
	}
	return opts
}

// online fetches the current code and the revocation list from the --refresh server. What it cannot
// fetch stays as it was (code) or nil (the list), with a note on stderr. The --revocations file holds a
// revocation document (a whole list, then deltas): when it holds one, only the changes since it are
// fetched and appended (online.Client.UpdateRevocations fetches the whole list when the server answers
// one, when a delta does not append, or when the deltas outgrow the list), and the file is replaced by
// the result, so the next offline check has it. A list older than the one in that file or than one the
// state file has seen is not used, and the file stays. An answer too large to read is an error, never
// taken for "not fetched".
func (cfg *config) online(ctx context.Context, kr *verifier.Keyring, st *verifier.State, code string, stderr io.Writer) (
	string, *verifier.RevocationList, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	cl := &online.Client{BaseURL: cfg.refresh}
	refreshed := false
	if current, err := cl.Refresh(ctx, code, cfg.dep); errors.Is(err, online.ErrTooLarge) {
		return "", nil, false, fmt.Errorf("%s: %w", cfg.T("refresh"), err)
	} else if err != nil {
		warn(stderr, cfg.T("offline")+":", err)
	} else {
		code, refreshed = current, true
	}
	var doc []byte
	if cfg.revocations != "" {
		doc, _ = readDocument(cfg.l, cfg.revocations) // unreadable: fetch the whole list
	}
	revs, next, err := cl.UpdateRevocations(ctx, kr, doc)
	if errors.Is(err, online.ErrTooLarge) {
		return "", nil, false, fmt.Errorf("%s: %w", cfg.T("fetch_list"), err)
	}
	if errors.Is(err, verifier.ErrStaleList) {
		saved, serr := readList(cfg.l, kr, cfg.revocations)
		if serr != nil {
			return "", nil, false, serr
		}
		warn(stderr, cfg.T("list_stale_file", cfg.revocations, cfg.at_(saved.IssuedAt)))
		return code, saved, refreshed, nil
	}
	if err != nil {
		warn(stderr, cfg.T("list_not_fetched")+":", err)
		return code, nil, refreshed, nil
	}
	if st != nil && revs.IssuedAt < st.ListIssuedAt() {
		warn(stderr, cfg.T("list_older_seen", cfg.at_(revs.IssuedAt), cfg.at_(st.ListIssuedAt())))
		return code, nil, refreshed, nil
	}
	if cfg.revocations != "" {
		if err := keys.WriteFileAtomic(cfg.revocations, next); err != nil {
			warn(stderr, cfg.T("keep_list")+":", err)
		}
	}
	return code, revs, refreshed, nil
}

// readDocument reads the revocation document in the file path, at most verifier.MaxRevocationDocumentSize
// bytes (a longer file is an error).
func readDocument(l locale.Lang, path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", catalog.T(l, "read_list"), err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, verifier.MaxRevocationDocumentSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", catalog.T(l, "read_list"), err)
	}
	if len(data) > verifier.MaxRevocationDocumentSize {
		return nil, fmt.Errorf("%s: %w: longer than %d bytes", catalog.T(l, "list", path), verifier.ErrMalformed,
			verifier.MaxRevocationDocumentSize)
	}
	return data, nil
}

// unixUTC is a Unix time as RFC 3339 in UTC, as --json shows it.
func unixUTC(sec int64) string { return time.Unix(sec, 0).UTC().Format(time.RFC3339) }

// at_ is a Unix time for people: in English RFC 3339 in the reader's zone (its offset named), in Chinese
// "2006-01-02 15:04:05" and the zone's name.
func (cfg *config) at_(sec int64) string {
	t := time.Unix(sec, 0).In(cfg.zone())
	if cfg.l == locale.ZH {
		return t.Format(time.DateTime) + " " + zoneName(t)
	}
	return t.Format(time.RFC3339)
}

// zone is the reader's zone (the system's when parseArgs did not settle one).
func (cfg *config) zone() *time.Location {
	if cfg.loc == nil {
		return time.Local
	}
	return cfg.loc
}

// zoneName names t's zone: its IANA name, or for the system's zone its abbreviation (UTC+08 for a bare offset).
func zoneName(t time.Time) string {
	if n := t.Location().String(); n != "Local" {
		return n
	}
	abbr := t.Format("MST")
	if strings.HasPrefix(abbr, "+") || strings.HasPrefix(abbr, "-") {
		return "UTC" + abbr
	}
	return abbr
}

// exitStatus maps a verification error to the exit status of the table in main.go. It is the command's only
// error-to-status table.
func exitStatus(err error) int {
	switch {
	case err == nil:
		return exitValid
	case errors.Is(err, verifier.ErrState), errors.Is(err, verifier.ErrDeployment):
		return exitNoInput
	case errors.Is(err, verifier.ErrWrongDeployment):
		return exitDeployment
	case errors.Is(err, verifier.ErrClockRollback):
		return exitRollback
	case errors.Is(err, verifier.ErrStaleList):
		return exitStaleList
	case errors.Is(err, verifier.ErrExpired):
		return exitExpired
	case errors.Is(err, verifier.ErrNotYetValid):
		return exitNotYet
	case errors.Is(err, verifier.ErrWrongProduct), errors.Is(err, verifier.ErrWrongIssuer), errors.Is(err, verifier.ErrTestCode):
		return exitWrongScope
	case errors.Is(err, verifier.ErrRevoked), errors.Is(err, verifier.ErrInactive):
		return exitRevoked
	default: // ErrMalformed, ErrWrongType, ErrAlgorithm, ErrUnknownKey, ErrSignature
		return exitInvalid
	}
}

// report is the --json object (main.go documents it, plus the code's fingerprint).
type report struct {
	Valid       bool    `json:"valid"`
	Reason      string  `json:"reason"`
	LicenseID   string  `json:"license_id"`
	Generation  int64   `json:"generation"`
	Status      string  `json:"status"`
	ProductID   string  `json:"product_id"`
	SKU         string  `json:"sku"`
	OrderID     string  `json:"order_id"`
	CustomerID  string  `json:"customer_id"`
	ExpiresAt   *string `json:"expires_at"`
	InGrace     bool    `json:"in_grace"`
	KeyID       string  `json:"key_id"`
	Fingerprint string  `json:"fingerprint"`
	// Refreshed is true when --refresh fetched the code checked from the server.
	Refreshed bool `json:"refreshed"`
	// Activated is true when --activate fetched the code checked from the server.
	Activated bool `json:"activated,omitempty"`
	// ActivationError is the server's error code when --activate was refused (reason
	// "activation_failed").
	ActivationError string `json:"activation_error,omitempty"`

	expires int64 // ExpiresAt as a Unix time, for the text
}

// newReport describes the outcome of Check. For a rejected code whose signature verified it still names
// the license, from the authentic claims the error carries.
func newReport(code string, r *verifier.Result, err error) report {
	rep := report{Valid: err == nil, Reason: verifier.Reason(err), Fingerprint: verifier.Fingerprint(code)}
	var c *verifier.Claims
	if r != nil {
		c, rep.KeyID, rep.InGrace = r.Claims, r.KeyID, r.InGrace
	}
	var ce *verifier.CodeError
	if errors.As(err, &ce) {
		c, rep.KeyID = ce.Claims, ce.KeyID
	}
	if c != nil {
		rep.LicenseID, rep.Generation, rep.Status = c.LicenseID, c.Generation, c.Status
		rep.ProductID, rep.SKU, rep.OrderID, rep.CustomerID = c.ProductID, c.SKU, c.OrderID, c.CustomerID
		if c.ExpiresAt != 0 {
			s := unixUTC(c.ExpiresAt)
			rep.ExpiresAt, rep.expires = &s, c.ExpiresAt
		}
	}
	return rep
}

// text renders the report as one line for people: in English key=value pairs (the expiry in RFC 3339, in the
// reader's zone), in Chinese a sentence naming the same, with the reason explained (its name stays, for
// searching the docs).
func (cfg *config) text(rep report, err error) string {
	if cfg.l == locale.ZH {
		return cfg.textZH(rep, err)
	}
	var b strings.Builder
	if rep.Valid {
		b.WriteString("valid")
	} else {
		fmt.Fprintf(&b, "invalid reason=%s error=%q", rep.Reason, err.Error())
	}
	if rep.LicenseID != "" {
		fmt.Fprintf(&b, " license=%s gen=%d status=%s product=%s", printable.Escape(rep.LicenseID), rep.Generation,
			printable.Escape(rep.Status), printable.Escape(rep.ProductID))
		if rep.SKU != "" {
			fmt.Fprintf(&b, " sku=%s", printable.Escape(rep.SKU))
		}
		if rep.expires != 0 {
			fmt.Fprintf(&b, " expires=%s", cfg.at_(rep.expires))
		} else {
			b.WriteString(" expires=never")
		}
	}
	if rep.Valid {
		fmt.Fprintf(&b, " in_grace=%t", rep.InGrace)
	}
	if rep.KeyID != "" {
		fmt.Fprintf(&b, " key=%s", printable.Escape(rep.KeyID))
	}
	fmt.Fprintf(&b, " fingerprint=%s", rep.Fingerprint)
	return b.String()
}

func (cfg *config) textZH(rep report, err error) string {
	var parts []string
	if rep.Valid {
		parts = append(parts, cfg.T("valid"))
	} else {
		parts = append(parts, cfg.T("invalid", cfg.T("reason."+rep.Reason), rep.Reason, err.Error()))
	}
	if rep.LicenseID != "" {
		parts = append(parts, cfg.T("t.license", printable.Escape(rep.LicenseID), rep.Generation),
			cfg.T("t.status", printable.Escape(rep.Status)), cfg.T("t.product", printable.Escape(rep.ProductID)))
		if rep.SKU != "" {
			parts = append(parts, cfg.T("t.sku", printable.Escape(rep.SKU)))
		}
		if rep.expires != 0 {
			parts = append(parts, cfg.T("t.expires", cfg.at_(rep.expires)))
		} else {
			parts = append(parts, cfg.T("t.never"))
		}
	}
	if rep.Valid && rep.InGrace {
		parts = append(parts, cfg.T("t.in_grace"))
	}
	if rep.KeyID != "" {
		parts = append(parts, cfg.T("t.key", printable.Escape(rep.KeyID)))
	}
	parts = append(parts, cfg.T("t.fingerprint", rep.Fingerprint))
	return parts[0] + strings.Join(parts[1:], "，")
}

// writeJSON prints rep exactly (encoding/json escapes control characters itself), bypassing the
// printable.Writer the text output goes through.
func writeJSON(w io.Writer, rep report) {
	b, _ := json.Marshal(rep) // a report always marshals
	fmt.Fprintf(printable.Unwrap(w), "%s\n", b)
}

// warn prints one line on stderr: "licentia-verify: " and the operands as fmt.Sprintln spaces them, escaped
// (printable.Escape) onto that one line, since messages echo arguments, file names and server answers.
func warn(stderr io.Writer, a ...any) {
	fmt.Fprintln(stderr, "licentia-verify: "+printable.Escape(strings.TrimSuffix(fmt.Sprintln(a...), "\n")))
}
