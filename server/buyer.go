package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/server/support"
	"github.com/licentia/licentia/verifier"
)

// The buyer page: a server-rendered form (no JavaScript) where a buyer pastes a code and gets its
// license's status, expiry, current code and seats, in Simplified Chinese or English (buyer_text.go), and
// may free one of the seats (buyer_seats.go). The code travels in a POST body, never in a URL.

//go:embed templates/buyer.html templates/buyer.css
var templateFiles embed.FS

// buyerTemplate and buyerCSS are parsed once from the embedded files and never change.
var (
	buyerTemplate = template.Must(template.ParseFS(templateFiles, "templates/buyer.html"))
	buyerCSS      = mustRead("templates/buyer.css")
)

// maxBuyerForm caps the buyer form's body; a code is well under 8 KiB.
const maxBuyerForm = 64 << 10

func mustRead(name string) string {
	b, err := templateFiles.ReadFile(name)
	if err != nil {
		panic(err) // embedded at build time: cannot happen
	}
	return string(b)
}

// buyerPageData is what the template shows.
type buyerPageData struct {
	CSS    template.CSS
	T      *buyerText
	Result *buyerResult
	Error  *buyerError
	// Freed is the shortened hash of the seat just freed (buyer_seats.go); "" when none was.
	Freed string
}

type buyerResult struct {
	LicenseID  string
	Status     string // the license's status
	Verdict    string // what a verifier says of the current code (see buyerVerdict)
	GraceDays  int64  // days of grace left, rounded up, when Verdict is verdictInGrace
	Generation int64
	Pasted     int64
	Newer      bool
	Code       string // the current code; "" when the page does not show it
	// PastedCode is the code the buyer pasted, without white space: each seat's button posts it again.
	PastedCode string
	ExpiresAt  int64 // unix seconds; 0 for a perpetual license
	Seats      *buyerSeats
}

// buyerSeats are the license's live seats as the page lists them, each by the first characters of its
// deployment hash, with a button that frees it (the page never sees a raw deployment value).
type buyerSeats struct {
	Used, Limit int64 // Limit 0: unlimited
	List        []buyerSeat
}

type buyerSeat struct {
	Hash        string // shortened (shortHash), as the page shows it
	Full        string // the whole hash, which the seat's button posts
	Taken, Seen time.Time
}

// buyerSeatHash is how many characters of a deployment hash the page shows.
const buyerSeatHash = 8

func newBuyerSeats(s *support.Seats) *buyerSeats {
	out := &buyerSeats{Used: s.Use.Used}
	if s.Use.Limit != nil {
		out.Limit = *s.Use.Limit
	}
	for _, v := range s.Seats {
		if !v.Live {
			continue
		}
		taken, _ := time.Parse(time.RFC3339, v.TakenAt)
		seen, _ := time.Parse(time.RFC3339, v.SeenAt)
		out.List = append(out.List, buyerSeat{Hash: shortHash(v.Deployment), Full: v.Deployment, Taken: taken, Seen: seen})
	}
	return out
}

// shortHash is how the page shows a deployment hash: its first buyerSeatHash characters.
func shortHash(h string) string {
	if len(h) > buyerSeatHash {
		return h[:buyerSeatHash] + "…"
	}
	return h
}

// SeatUse says how many seats are in use, of how many, in the page's language.
func (d buyerPageData) SeatUse() string {
	s := d.Result.Seats
	if s.Limit == 0 {
		return fmt.Sprintf(d.T.SeatsUnlimited, s.Used)
	}
	return fmt.Sprintf(d.T.SeatsUse, s.Used, s.Limit)
}

// Time shows t as the page's language shows times.
func (d buyerPageData) Time(t time.Time) string { return t.In(d.T.Zone).Format(d.T.TimeFormat) }

// Verdicts of the buyer page: what licentia-verify would say of the license's current code now, one per
// outcome a buyer can meet. They are verifier.Reason names, except that a valid code inside its grace
// period is in_grace, an inactive one is frozen or released after its status, and any outcome that needs
// the seller (a code of a key this server no longer trusts) is unverified.
const (
	verdictValid      = "valid"
	verdictInGrace    = "in_grace"
	verdictExpired    = "expired"
	verdictNotYet     = "not_yet_valid"
	verdictFrozen     = verifier.StatusFrozen
	verdictReleased   = verifier.StatusReleased
	verdictRevoked    = verifier.StatusRevoked
	verdictUnverified = "unverified"
)

// buyerVerdict turns the verifier's judgement of a current code (res, or err from verifier.Check) into
// the page's verdict and, in grace, the days of grace left (rounded up).
func buyerVerdict(res *verifier.Result, err error) (verdict string, graceDays int64) {
	var ce *verifier.CodeError
	switch {
	case err == nil && res.InGrace:
		left := res.Claims.ExpiresAt + res.Claims.Grace - res.At.Unix()
		return verdictInGrace, max(1, (left+86399)/86400)
	case err == nil:
		return verdictValid, 0
	case errors.Is(err, verifier.ErrRevoked):
		return verdictRevoked, 0
	case errors.Is(err, verifier.ErrInactive) && errors.As(err, &ce) && ce.Claims != nil &&
		(ce.Claims.Status == verifier.StatusFrozen || ce.Claims.Status == verifier.StatusReleased):
		return ce.Claims.Status, 0
	case errors.Is(err, verifier.ErrNotYetValid):
		return verdictNotYet, 0
	case errors.Is(err, verifier.ErrExpired):
		return verdictExpired, 0
	default:
		return verdictUnverified, 0
	}
}

// Usable reports whether the current code works now or will (valid, in grace, not yet valid): only then
// does the page tell the buyer to install it.
func (r *buyerResult) Usable() bool {
	return r.Verdict == verdictValid || r.Verdict == verdictInGrace || r.Verdict == verdictNotYet
}

type buyerError struct{ Title, Text string }

// StatusText returns the explanation of the result's verdict in the page's language.
func (d buyerPageData) StatusText() string {
	if d.Result.Verdict == verdictInGrace {
		return fmt.Sprintf(d.T.StatusText[verdictInGrace], d.Result.GraceDays)
	}
	return d.T.StatusText[d.Result.Verdict]
}

// Expires returns the expiry as the page's language shows it.
func (d buyerPageData) Expires() string {
	if d.Result.ExpiresAt == 0 {
		return d.T.Never
	}
	return time.Unix(d.Result.ExpiresAt, 0).In(d.T.Zone).Format(d.T.TimeFormat)
}

// handleBuyerPage serves GET /: the empty form.
func (p *publicAPI) handleBuyerPage(w http.ResponseWriter, r *http.Request) {
	p.renderBuyer(w, r, http.StatusOK, buyerPageData{})
}

// handleBuyerSubmit serves POST /: the form with the outcome of checking the pasted code, or, with a
// "free" field, of freeing that seat (handleBuyerFree).
func (p *publicAPI) handleBuyerSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBuyerForm)
	err := r.ParseForm()
	var tooLarge *http.MaxBytesError
	if err != nil && !errors.As(err, &tooLarge) {
		err = badRequest("cannot read the form: %v", err)
	}
	code := r.PostForm.Get("code")
	if err == nil && strings.TrimSpace(code) == "" {
		err = badRequest("no code pasted")
	}
	if err != nil {
		p.buyerFailed(w, r, err)
		return
	}
	if r.PostForm.Has("free") {
		p.handleBuyerFree(w, r, code, r.PostForm.Get("free"))
		return
	}
	l, err := p.refresh(r.Context(), code, nil, p.clientAddr(r))
	if err != nil {
		p.buyerFailed(w, r, err)
		return
	}
	res, err := p.buyerResult(r.Context(), l, code)
	if err != nil {
		p.buyerFailed(w, r, err)
		return
	}
	p.renderBuyer(w, r, http.StatusOK, buyerPageData{Result: res})
}

// buyerResult is what the page shows of license l, whose holding code (as pasted) proved.
func (p *publicAPI) buyerResult(ctx context.Context, l *store.License, code string) (*buyerResult, error) {
	code = support.CleanCode(code)
	res := &buyerResult{LicenseID: l.ID, Status: l.Status, Generation: l.Generation, Code: l.Code,
		ExpiresAt: l.ExpiresAt, PastedCode: code}
	// The page says what the buyer's software would: the verifier's judgement of the current code.
	res.Verdict, res.GraceDays = buyerVerdict(p.sup.Check(l.Code))
	if pasted, _ := support.DecodeClaims(code); pasted != nil && pasted.Generation < l.Generation {
		res.Newer, res.Pasted = true, pasted.Generation
	}
	seats, err := p.sup.Seats(ctx, l.ID)
	if err != nil {
		return nil, err
	}
	res.Seats = newBuyerSeats(seats)
	return res, nil
}

// buyerFailed renders the form with an explanation of err, with the status errorStatus gives it.
func (p *publicAPI) buyerFailed(w http.ResponseWriter, r *http.Request, err error) {
	status, code := errorStatus(err)
	p.s.logFailure(w, r, status, err)
	var pe *support.ProofError
	if errors.As(err, &pe) && pe.Status == verifier.StatusRevoked {
		code = "code_revoked" // a code from before the revoke: say so, without a code
	}
	t := buyerTexts[buyerLang(r)]
	be, ok := t.Errors[code]
	if !ok {
		be = t.Internal
	}
	p.renderBuyer(w, r, status, buyerPageData{Error: &be})
}

// renderBuyer writes the page in the request's language (see buyerLang).
func (p *publicAPI) renderBuyer(w http.ResponseWriter, r *http.Request, status int, d buyerPageData) {
	d.CSS = template.CSS(buyerCSS)
	d.T = buyerTexts[buyerLang(r)]
	var buf bytes.Buffer
	if err := buyerTemplate.Execute(&buf, d); err != nil {
		p.s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", d.T.Lang)
	h.Set("Vary", "Accept-Language")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", buyerCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// buyerCSP allows the page's own inline style (by hash) and form posts to itself, and nothing else: no
// script, no frames, no other origin.
var buyerCSP = func() string {
	sum := sha256.Sum256([]byte(buyerCSS))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
}()
