package main

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/licentia/licentia/cmd/internal/locale"
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
	l           locale.Lang // of msg
}

func (e *activationError) Error() string { return catalog.T(e.l, "activate.failed", e.msg, e.code) }

func (e *activationError) Unwrap() error { return e.err }

// activationErrors tells, per error code of POST /v1/activations (README "Endpoints", docs/koogallery.md "License
// 2.0 end to end"), what the buyer should know (the message "activate.CODE" of messages.go) and the exit status:
// 5 the license is over, 65 the code is wrong, 75 try again later, 78 the seller's server must be set up.
var activationErrors = map[string]int{
	"bad_request":              exitDataErr,
	"not_found":                exitDataErr,
	"not_received":             exitTempFail,
	"license_released":         exitRevoked,
	"rate_limited":             exitTempFail,
	"marketplace_unavailable":  exitTempFail,
	"marketplace_unconfigured": exitConfig,
	"seats_exhausted":          exitDeployment,
}

// activateCode trades the KooGallery code marketCode for licentia's code with the --activate server.
// Every failure is an *activationError.
func (cfg *config) activateCode(ctx context.Context, marketCode string, stderr io.Writer) (string, error) {
	marketCode = strings.TrimSpace(marketCode)
	fp := verifier.Fingerprint(marketCode)
	if marketCode == "" {
		return "", &activationError{code: "bad_request", msg: cfg.T("activate.no_code"), exit: exitUsage, fingerprint: fp, l: cfg.l}
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cl := &online.Client{BaseURL: cfg.activate}
	ans, err := cl.Activate(ctx, marketCode, cfg.dep)
	if err == nil {
		warn(stderr, cfg.T("activated", ans.LicenseID, ans.Generation))
		return ans.Code, nil
	}
	ae := &activationError{fingerprint: fp, err: err, l: cfg.l}
	var se *online.ServerError
	switch {
	case errors.As(err, &se) && se.Code != "":
		ae.code, ae.msg, ae.exit = se.Code, se.Message, exitUnavailable
		if exit, ok := activationErrors[se.Code]; ok {
			ae.msg, ae.exit = cfg.T("activate."+se.Code), exit
		}
	case errors.As(err, &se):
		ae.code, ae.exit = "bad_answer", exitUnavailable
		ae.msg = cfg.T("activate.bad_answer", cfg.activate, se.Status)
	case errors.Is(err, online.ErrTooLarge):
		ae.code, ae.msg, ae.exit = "too_large", err.Error(), exitUnavailable
	default:
		ae.code, ae.msg, ae.exit = "unreachable", cfg.T("activate.unreachable", cfg.activate, err), exitTempFail
	}
	return "", ae
}
