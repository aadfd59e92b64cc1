package server

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/licentia/licentia/server/desk"
	"github.com/licentia/licentia/verifier"
)

// The buyer page: a server-rendered form (no JavaScript) where a buyer pastes a code and gets its
// license's status, expiry and current code. The code travels in a POST body, never in a URL.

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
	Result *buyerResult
	Error  *buyerError
}

type buyerResult struct {
	LicenseID  string
	Status     string
	StatusText string
	Expires    string
	Generation int64
	Pasted     int64
	Newer      bool
	Code       string
}

type buyerError struct{ Title, Text string }

// statusTexts explain each status to a buyer.
var statusTexts = map[string]string{
	verifier.StatusActive: "Your license is active.",
	verifier.StatusFrozen: "Your license is frozen by the marketplace (for example while a payment is overdue). " +
		"The software will not run until the marketplace unfreezes it.",
	verifier.StatusReleased: "Your license was released: the order ended or was cancelled. Its codes no longer work.",
	verifier.StatusRevoked:  "Your license was revoked by the seller. Its codes no longer work; please contact the seller's support.",
}

// buyerErrors explain each error code of errorStatus to a buyer.
var buyerErrors = map[string]buyerError{
	"bad_request":  {"Nothing to check", "Paste your authorization code into the box, then press Check code."},
	"invalid_code": {"Not a valid code", "This is not an authorization code from this seller, or it is incomplete. Paste the whole code exactly as you received it."},
	"test_code":    {"Test code", "This code was issued to a marketplace test call; no license stands behind it."},
	"not_found":    {"License not found", "This code is genuine, but its license is not known to this server. Please contact the seller's support."},
	"rate_limited": {"Too many attempts", "Please wait a minute and try again."},
	"too_large":    {"Too much text", "That is far longer than an authorization code. Paste just the code."},
	"code_superseded": {"Code replaced", "The seller issued a newer code for this license, and this one no longer " +
		"works or fetches it. Please use the newer code from the seller, or contact the seller's support."},
}

// handleBuyerPage serves GET /: the empty form.
func (p *publicAPI) handleBuyerPage(w http.ResponseWriter, r *http.Request) {
	p.renderBuyer(w, r, http.StatusOK, buyerPageData{})
}

// handleBuyerSubmit serves POST /: the form with the outcome of checking the pasted code.
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
	pasted, _ := desk.DecodeClaims(desk.CleanCode(code))
	l, err := p.refresh(r.Context(), code, p.clientAddr(r))
	if err != nil {
		p.buyerFailed(w, r, err)
		return
	}
	res := &buyerResult{LicenseID: l.ID, Status: l.Status, StatusText: statusTexts[l.Status],
		Expires: "never (perpetual license)", Generation: l.Generation, Code: l.Code}
	if l.ExpiresAt != 0 {
		res.Expires = time.Unix(l.ExpiresAt, 0).UTC().Format("2006-01-02 15:04 UTC")
	}
	if pasted != nil && pasted.Generation < l.Generation {
		res.Newer, res.Pasted = true, pasted.Generation
	}
	p.renderBuyer(w, r, http.StatusOK, buyerPageData{Result: res})
}

// buyerFailed renders the form with an explanation of err, with the status errorStatus gives it.
func (p *publicAPI) buyerFailed(w http.ResponseWriter, r *http.Request, err error) {
	status, code := errorStatus(err)
	p.s.logFailure(w, r, status, err)
	be, ok := buyerErrors[code]
	var pe *desk.ProofError
	if errors.As(err, &pe) && pe.Status == verifier.StatusRevoked {
		be = buyerError{"License revoked", statusTexts[verifier.StatusRevoked]}
	}
	if !ok {
		be = buyerError{"Something went wrong", "We could not check the code just now. Please try again later."}
	}
	p.renderBuyer(w, r, status, buyerPageData{Error: &be})
}

func (p *publicAPI) renderBuyer(w http.ResponseWriter, r *http.Request, status int, d buyerPageData) {
	d.CSS = template.CSS(buyerCSS)
	var buf bytes.Buffer
	if err := buyerTemplate.Execute(&buf, d); err != nil {
		p.s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
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
