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
}

// input is what load gathers: the verifier to use, the code to check and where the code came from.
type input struct {
	v                    *verifier.Verifier
	code                 string
	refreshed, activated bool
}

// run is the testable entry point: it returns the exit status. ctx bounds the online requests of
// --refresh and --activate.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// Arguments, file names, claims and server answers end up in the output: none of it may steer the terminal.
	stdout, stderr = printable.NewWriter(stdout), printable.NewWriter(stderr)
	cfg, err := parseArgs(args, stderr)
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
		return printLocalDeployment(stdout, stderr)
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
			warn(stderr, "save the code:", werr)
			return exitNoInput
		}
	}
	if cfg.json {
		writeJSON(stdout, rep)
		if err != nil {
			warn(stderr, err)
		}
	} else {
		fmt.Fprintln(stdout, rep.text(err))
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
	warn(stderr, err)
	if cfg.json {
		writeJSON(stdout, report{Reason: "unreadable"})
	}
	return exitNoInput
}

// parseArgs parses the flags, which may come before or after the code argument.
func parseArgs(args []string, stderr io.Writer) (*config, error) {
	cfg := &config{}
	fs := flag.NewFlagSet("licentia-verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.keys, "keys", "", "`FILE` of trusted public keys: PEM \"PUBLIC KEY\" blocks or a JWKS (required)")
	fs.StringVar(&cfg.product, "product", "", "accept only this KooGallery product `ID` (pid); this, --sku or --any-product is required")
	fs.StringVar(&cfg.sku, "sku", "", "accept only this KooGallery sku `CODE`")
	fs.BoolVar(&cfg.anyProduct, "any-product", false, "accept a code of any product of the seller (one key signs them all: bind a product instead where you can)")
	fs.StringVar(&cfg.issuer, "issuer", "", "accept only this issuer `ISS`")
	fs.StringVar(&cfg.revocations, "revocations", "", "signed revocation list `FILE` (from GET /v1/revocations, perhaps followed by deltas; --refresh keeps it up to date)")
	fs.DurationVar(&cfg.maxListAge, "max-list-age", 0, "require a revocation list made at most this `DURATION` ago (e.g. 72h; exit 7 otherwise)")
	fs.StringVar(&cfg.state, "state", "", "state `FILE` remembering trusted time, generations and the newest list (created if missing)")
	fs.StringVar(&cfg.refresh, "refresh", "", "licentia server `URL`: fetch the current code and the revocation list (its changes, with --revocations) first; offline check when unreachable")
	fs.StringVar(&cfg.activate, "activate", "", "licentia server `URL`: exchange the KooGallery License 2.0 code given for the license's licentia code, then check it")
	fs.StringVar(&cfg.deployment, "deployment", "", "this installation: \"auto\" (this machine, as --print-deployment shows it) or a JSON `FILE`; "+
		"a code bound to another deployment exits 8, and --activate and --refresh send it to the server")
	fs.BoolVar(&cfg.printDeployment, "print-deployment", false, "print, as JSON, the deployment --deployment auto reads on this machine (its raw values: for support, never for logs) and exit")
	fs.StringVar(&cfg.save, "save", "", "with --refresh or --activate: write the code fetched, when valid, to `FILE` (mode 0600)")
	fs.BoolVar(&cfg.allowTest, "allow-test", false, "accept codes issued to marketplace test calls")
	at := fs.String("at", "", "judge the code at this `RFC3339` time instead of now (audits)")
	fs.BoolVar(&cfg.json, "json", false, "print one JSON object")
	fs.BoolVar(&cfg.version, "version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: licentia-verify --keys FILE (--product ID | --sku CODE | --any-product) [--issuer ISS]\n"+
			"                       [--revocations FILE] [--max-list-age DURATION] [--state FILE]\n"+
			"                       [--refresh URL | --activate URL] [--save FILE] [--deployment auto|FILE]\n"+
			"                       [--allow-test] [--at RFC3339] [--json] [CODE | -]\n"+
			"       licentia-verify --print-deployment\n"+
			"       licentia-verify --version")
		fs.PrintDefaults()
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
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
			return nil, fmt.Errorf("--at: want an RFC 3339 time such as 2026-03-01T00:00:00Z: %w", err)
		}
		cfg.at = t
	}
	return cfg, nil
}

// check refuses contradictory or incomplete command lines; npos is the number of code arguments.
func (cfg *config) check(npos int) error {
	switch {
	case cfg.keys == "":
		return errors.New("--keys is required")
	case npos > 1:
		return fmt.Errorf("want one code argument, got %d", npos)
	case cfg.product == "" && cfg.sku == "" && !cfg.anyProduct:
		return errors.New("want --product ID or --sku CODE: one seller key signs the codes of all the seller's " +
			"products, so a check without one accepts any of them (say --any-product if that is meant)")
	case cfg.anyProduct && (cfg.product != "" || cfg.sku != ""):
		return errors.New("--any-product contradicts --product and --sku")
	case cfg.refresh != "" && cfg.activate != "":
		return errors.New("--refresh and --activate exclude each other")
	case cfg.save != "" && cfg.refresh == "" && cfg.activate == "":
		return errors.New("--save goes with --refresh or --activate")
	case cfg.maxListAge < 0:
		return errors.New("--max-list-age must not be negative")
	case cfg.maxListAge > 0 && cfg.revocations == "" && cfg.refresh == "":
		return errors.New("--max-list-age needs a list: --revocations FILE or --refresh URL")
	}
	return nil
}

// load reads the keys, state, code and revocation list, and builds the verifier. With --activate it
// first trades the KooGallery code for licentia's code; with --refresh it first asks the server for the
// current code and revocation list, and whatever it cannot fetch it takes from the command line and
// files instead, saying so on stderr.
func (cfg *config) load(ctx context.Context, stdin io.Reader, stderr io.Writer) (*input, error) {
	data, err := os.ReadFile(cfg.keys)
	if err != nil {
		return nil, fmt.Errorf("read keys: %w", err)
	}
	kr, err := verifier.ParseKeyring(data)
	if err != nil {
		return nil, fmt.Errorf("keys %s: %w", cfg.keys, err)
	}
	in := &input{}
	if in.code, err = cfg.readCode(stdin); err != nil {
		return nil, err
	}
	if cfg.dep, err = readDeployment(cfg.deployment); err != nil {
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
		if revs, err = readList(kr, cfg.revocations); err != nil {
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
func readList(kr *verifier.Keyring, path string) (*verifier.RevocationList, error) {
	data, err := readDocument(path)
	if err != nil {
		return nil, err
	}
	l, err := verifier.ParseRevocations(kr, data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return l, nil
}

func (cfg *config) readCode(stdin io.Reader) (string, error) {
	if cfg.code != "-" {
		return cfg.code, nil
	}
	b, err := io.ReadAll(io.LimitReader(stdin, maxInput))
	if err != nil {
		return "", fmt.Errorf("read code: %w", err)
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
		return "", nil, false, fmt.Errorf("refresh: %w", err)
	} else if err != nil {
		warn(stderr, "checking offline:", err)
	} else {
		code, refreshed = current, true
	}
	var doc []byte
	if cfg.revocations != "" {
		doc, _ = readDocument(cfg.revocations) // unreadable: fetch the whole list
	}
	revs, next, err := cl.UpdateRevocations(ctx, kr, doc)
	if errors.Is(err, online.ErrTooLarge) {
		return "", nil, false, fmt.Errorf("revocation list: %w", err)
	}
	if errors.Is(err, verifier.ErrStaleList) {
		saved, serr := readList(kr, cfg.revocations)
		if serr != nil {
			return "", nil, false, serr
		}
		warn(stderr, fmt.Sprintf("the server's revocation list is older than the one in %s (%s); keeping that",
			cfg.revocations, unixUTC(saved.IssuedAt)))
		return code, saved, refreshed, nil
	}
	if err != nil {
		warn(stderr, "revocation list not fetched:", err)
		return code, nil, refreshed, nil
	}
	if st != nil && revs.IssuedAt < st.ListIssuedAt() {
		warn(stderr, fmt.Sprintf("the server's revocation list (made %s) is older than one already seen (%s); not used",
			unixUTC(revs.IssuedAt), unixUTC(st.ListIssuedAt())))
		return code, nil, refreshed, nil
	}
	if cfg.revocations != "" {
		if err := keys.WriteFileAtomic(cfg.revocations, next); err != nil {
			warn(stderr, "keep the revocation list:", err)
		}
	}
	return code, revs, refreshed, nil
}

// readDocument reads the revocation document in the file path, at most verifier.MaxRevocationDocumentSize
// bytes (a longer file is an error).
func readDocument(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read revocation list: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, verifier.MaxRevocationDocumentSize+1))
	if err != nil {
		return nil, fmt.Errorf("read revocation list: %w", err)
	}
	if len(data) > verifier.MaxRevocationDocumentSize {
		return nil, fmt.Errorf("%s: %w: longer than %d bytes", path, verifier.ErrMalformed, verifier.MaxRevocationDocumentSize)
	}
	return data, nil
}

func unixUTC(sec int64) string { return time.Unix(sec, 0).UTC().Format(time.RFC3339) }

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
			rep.ExpiresAt = &s
		}
	}
	return rep
}

// text renders the report as one line of key=value pairs.
func (rep report) text(err error) string {
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
		if rep.ExpiresAt != nil {
			fmt.Fprintf(&b, " expires=%s", *rep.ExpiresAt)
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
