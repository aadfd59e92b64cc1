package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/licentia/licentia/verifier"
	"github.com/licentia/licentia/verifier/online"
)

// activationError is a refused or failed --activate: what to tell the user and the exit status.
type activationError struct {
	code        string // the server's error code, or "unreachable", "bad_answer", "too_large"
	msg         string
	exit        int
	fingerprint string // of the KooGallery code
	err         error
}

func (e *activationError) Error() string {
	return fmt.Sprintf("activation failed: %s (%s)", e.msg, e.code)
}

func (e *activationError) Unwrap() error { return e.err }

// activationErrors tells, per error code of POST /v1/activations (README "Endpoints", docs/koogallery.md "License 2.0 end to end"), what the buyer should
// know and the exit status: 5 the license is over, 65 the code is wrong, 75 try again later, 78 the
// seller's server must be set up.
var activationErrors = map[string]struct {
	msg  string
	exit int
}{
	"bad_request":              {"the server refused the request: check that the whole KooGallery license code was given", exitDataErr},
	"not_found":                {"KooGallery does not know this license code: check that it was copied whole, from the order of this product", exitDataErr},
	"not_received":             {"the buyer has not received this license code on KooGallery yet: try again once the order shows it as received", exitTempFail},
	"license_released":         {"this license was released on KooGallery (the order was refunded or has ended): it can no longer be used", exitRevoked},
	"rate_limited":             {"too many activation attempts from this address: wait a minute and try again", exitTempFail},
	"marketplace_unavailable":  {"the license server cannot reach KooGallery right now: try again later", exitTempFail},
	"marketplace_unconfigured": {"the license server is not set up to activate KooGallery codes: the seller must configure its marketplace credentials", exitConfig},
	"seats_exhausted":          {"every seat of this license is taken by other installations: free one (the buyer page, or the seller's support) or buy more", exitDeployment},
}

// activateCode trades the KooGallery code marketCode for licentia's code with the --activate server.
// Every failure is an *activationError.
func (cfg *config) activateCode(ctx context.Context, marketCode string, stderr io.Writer) (string, error) {
	marketCode = strings.TrimSpace(marketCode)
	fp := verifier.Fingerprint(marketCode)
	if marketCode == "" {
		return "", &activationError{code: "bad_request", msg: "no KooGallery license code given", exit: exitUsage, fingerprint: fp}
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cl := &online.Client{BaseURL: cfg.activate}
	ans, err := cl.Activate(ctx, marketCode, cfg.dep)
	if err == nil {
		warn(stderr, fmt.Sprintf("activated: license %s, generation %d", ans.LicenseID, ans.Generation))
		return ans.Code, nil
	}
	ae := &activationError{fingerprint: fp, err: err}
	var se *online.ServerError
	switch {
	case errors.As(err, &se) && se.Code != "":
		ae.code, ae.msg, ae.exit = se.Code, se.Message, exitUnavailable
		if known, ok := activationErrors[se.Code]; ok {
			ae.msg, ae.exit = known.msg, known.exit
		}
	case errors.As(err, &se):
		ae.code, ae.exit = "bad_answer", exitUnavailable
		ae.msg = fmt.Sprintf("%s answered HTTP %d without a licentia error: is it a licentia server with activation?", cfg.activate, se.Status)
	case errors.Is(err, online.ErrTooLarge):
		ae.code, ae.msg, ae.exit = "too_large", err.Error(), exitUnavailable
	default:
		ae.code, ae.msg, ae.exit = "unreachable", fmt.Sprintf("no usable answer from %s: %v; try again later", cfg.activate, err), exitTempFail
	}
	return "", ae
}
