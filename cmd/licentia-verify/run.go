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

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/verifier"
)

// Exit statuses (design.md §5).
const (
	exitValid      = 0
	exitInvalid    = 1
	exitExpired    = 2
	exitNotYet     = 3
	exitWrongScope = 4
	exitRevoked    = 5
	exitRollback   = 6
	exitUsage      = 64
	exitNoInput    = 66
)

// maxInput bounds what is read as a code from standard input.
const maxInput = 1 << 20

// config is the parsed command line.
type config struct {
	keys, product, sku, issuer string
	revocations, state         string
	refresh, save              string
	allowTest, json            bool
	at                         time.Time
	code                       string // "-" for standard input
}

// run is the testable entry point: it returns the exit status. ctx is accepted for uniformity with the
// other commands; a check is short and does not need cancelling.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cfg, err := parseArgs(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitValid
	}
	if err != nil {
		fmt.Fprintln(stderr, "licentia-verify:", err)
		return exitUsage
	}
	v, code, refreshed, err := cfg.load(ctx, stdin, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "licentia-verify:", err)
		if cfg.json {
			writeJSON(stdout, report{Reason: "unreadable"})
		}
		return exitNoInput
	}
	r, err := v.Check(code)
	rep := newReport(code, r, err)
	rep.Refreshed = refreshed
	if refreshed && err == nil && cfg.save != "" {
		if werr := keys.WriteFileAtomic(cfg.save, []byte(code+"\n")); werr != nil {
			fmt.Fprintln(stderr, "licentia-verify: save the refreshed code:", werr)
			return exitNoInput
		}
	}
	if cfg.json {
		writeJSON(stdout, rep)
		if err != nil {
			fmt.Fprintln(stderr, "licentia-verify:", err)
		}
	} else {
		fmt.Fprintln(stdout, rep.text(err))
	}
	return exitStatus(err)
}

// parseArgs parses the flags, which may come before or after the code argument.
func parseArgs(args []string, stderr io.Writer) (*config, error) {
	cfg := &config{}
	fs := flag.NewFlagSet("licentia-verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.keys, "keys", "", "`FILE` of trusted public keys: PEM \"PUBLIC KEY\" blocks or a JWKS (required)")
	fs.StringVar(&cfg.product, "product", "", "accept only this KooGallery product `ID` (pid)")
	fs.StringVar(&cfg.sku, "sku", "", "accept only this KooGallery sku `CODE`")
	fs.StringVar(&cfg.issuer, "issuer", "", "accept only this issuer `ISS`")
	fs.StringVar(&cfg.revocations, "revocations", "", "signed revocation list `FILE` (from GET /v1/revocations)")
	fs.StringVar(&cfg.state, "state", "", "state `FILE` remembering trusted time and generations (created if missing)")
	fs.StringVar(&cfg.refresh, "refresh", "", "licentia server `URL`: fetch the current code and the revocation list first; offline check when unreachable")
	fs.StringVar(&cfg.save, "save", "", "with --refresh: write the refreshed code, when valid, to `FILE` (mode 0600)")
	fs.BoolVar(&cfg.allowTest, "allow-test", false, "accept codes issued to marketplace test calls")
	at := fs.String("at", "", "judge the code at this `RFC3339` time instead of now (audits)")
	fs.BoolVar(&cfg.json, "json", false, "print one JSON object")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: licentia-verify --keys FILE [--product ID] [--sku CODE] [--issuer ISS] [--revocations FILE]\n"+
			"                       [--state FILE] [--refresh URL [--save FILE]] [--allow-test] [--at RFC3339] [--json] [CODE | -]")
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
	switch {
	case cfg.keys == "":
		return nil, errors.New("--keys is required")
	case len(pos) > 1:
		return nil, fmt.Errorf("want one code argument, got %d", len(pos))
	case cfg.save != "" && cfg.refresh == "":
		return nil, errors.New("--save goes with --refresh")
	case len(pos) == 1:
		cfg.code = pos[0]
	default:
		cfg.code = "-"
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

// load reads the keys, revocation list, state and code, and builds the verifier. With --refresh it first
// asks the server for the current code and revocation list; whatever it cannot fetch it takes from the
// command line and files instead, and says so on stderr. refreshed reports whether the code came from
// the server.
func (cfg *config) load(ctx context.Context, stdin io.Reader, stderr io.Writer) (v *verifier.Verifier, code string, refreshed bool, err error) {
	data, err := os.ReadFile(cfg.keys)
	if err != nil {
		return nil, "", false, fmt.Errorf("read keys: %w", err)
	}
	kr, err := verifier.ParseKeyring(data)
	if err != nil {
		return nil, "", false, fmt.Errorf("keys %s: %w", cfg.keys, err)
	}
	if code, err = cfg.readCode(stdin); err != nil {
		return nil, "", false, err
	}
	opts := cfg.options()
	var revs *verifier.RevocationList
	if cfg.refresh != "" {
		code, revs, refreshed = cfg.online(ctx, kr, code, stderr)
	}
	if revs == nil && cfg.revocations != "" {
		data, err := os.ReadFile(cfg.revocations)
		if err != nil {
			return nil, "", false, fmt.Errorf("read revocation list: %w", err)
		}
		if revs, err = verifier.ParseRevocations(kr, data); err != nil {
			return nil, "", false, fmt.Errorf("%s: %w", cfg.revocations, err)
		}
	}
	if revs != nil {
		opts = append(opts, verifier.WithRevocations(revs))
	}
	if cfg.state != "" {
		st, err := verifier.OpenState(cfg.state)
		if err != nil {
			return nil, "", false, err
		}
		opts = append(opts, verifier.WithState(st))
	}
	return verifier.New(kr, opts...), code, refreshed, nil
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
	opts := []verifier.Option{verifier.WithIssuer(cfg.issuer)}
	if cfg.product != "" {
		opts = append(opts, verifier.WithProduct(cfg.product))
	}
	if cfg.sku != "" {
		opts = append(opts, verifier.WithSKU(cfg.sku))
	}
	if cfg.allowTest {
		opts = append(opts, verifier.AllowTest())
	}
	if !cfg.at.IsZero() {
		at := cfg.at
		opts = append(opts, verifier.WithTime(func() time.Time { return at }))
	}
	return opts
}

// online fetches the current code and the revocation list from the --refresh server. What it cannot
// fetch stays as it was (code) or nil (the list), with a note on stderr. A fetched list replaces the
// --revocations file, so the next offline check has it.
func (cfg *config) online(ctx context.Context, kr *verifier.Keyring, code string, stderr io.Writer) (string, *verifier.RevocationList, bool) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	cl := &verifier.Client{BaseURL: cfg.refresh}
	refreshed := false
	if current, err := cl.Refresh(ctx, code); err != nil {
		fmt.Fprintln(stderr, "licentia-verify: checking offline:", err)
	} else {
		code, refreshed = current, true
	}
	revs, data, err := cl.Revocations(ctx, kr)
	if err != nil {
		fmt.Fprintln(stderr, "licentia-verify: revocation list not fetched:", err)
		return code, nil, refreshed
	}
	if cfg.revocations != "" {
		if err := keys.WriteFileAtomic(cfg.revocations, data); err != nil {
			fmt.Fprintln(stderr, "licentia-verify: keep the revocation list:", err)
		}
	}
	return code, revs, refreshed
}

// exitStatus maps a verification error to the exit status of design.md §5. It is the command's only
// error-to-status table.
func exitStatus(err error) int {
	switch {
	case err == nil:
		return exitValid
	case errors.Is(err, verifier.ErrState):
		return exitNoInput
	case errors.Is(err, verifier.ErrClockRollback):
		return exitRollback
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

// report is the --json object (design.md §5, plus the code's fingerprint).
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
			s := time.Unix(c.ExpiresAt, 0).UTC().Format(time.RFC3339)
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
		fmt.Fprintf(&b, " license=%s gen=%d status=%s product=%s", rep.LicenseID, rep.Generation, rep.Status, rep.ProductID)
		if rep.SKU != "" {
			fmt.Fprintf(&b, " sku=%s", rep.SKU)
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
		fmt.Fprintf(&b, " key=%s", rep.KeyID)
	}
	fmt.Fprintf(&b, " fingerprint=%s", rep.Fingerprint)
	return b.String()
}

func writeJSON(w io.Writer, rep report) {
	b, _ := json.Marshal(rep) // a report always marshals
	fmt.Fprintf(w, "%s\n", b)
}
