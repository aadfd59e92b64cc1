package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/licentia/licentia/server/marketapi"
	"github.com/licentia/licentia/server/support"
	"github.com/licentia/licentia/verifier"
)

func runCodesActivate(ctx context.Context, l lang, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := quietFlagSet("codes activate", l, "usage.codes.activate", stderr)
	var c codesFlags
	c.register(fs, getenv)
	c.issuer.register(fs.FlagSet, l, getenv)
	var deployment, api string
	var reveal bool
	fs.StringVar(&deployment, "deployment", "", l.T("flag.deployment"))
	fs.BoolVar(&reveal, "reveal", false, l.T("flag.reveal_offline"))
	fs.StringVar(&api, "koogallery-api", getenv(marketapi.EnvAPI), l.T("flag.koogallery_api_local", marketapi.EnvAPI))
	pos, err := fs.parseArgs(args, 1, "arg.market_code")
	if err != nil {
		return err
	}
	clk, err := c.clock(l)
	if err != nil {
		return err
	}
	code, err := codeArg(l, pos[0], stdin)
	if err != nil {
		return err
	}
	if c.server == "" {
		if err := c.localMarket(api, getenv, fs.stderr); err != nil {
			return err
		}
	}
	b, actor, done, err := c.backend(ctx, fs)
	if err != nil {
		return err
	}
	defer done()
	req := support.ActivationRequest{Code: code, Actor: actor}
	if deployment != "" {
		req.Deployment = &verifier.Deployment{ID: deployment}
	}
	ans, err := b.Activate(ctx, req)
	if err != nil {
		return err
	}
	if !reveal {
		ans.Code = ""
	}
	if c.json {
		return printJSON(stdout, ans)
	}
	fmt.Fprintln(stdout, l.T("activated", cell(ans.LicenseID), ans.Generation, cell(l.value("status", ans.Status)),
		cell(clk.expiryZone(ans.ExpiresAt))))
	if ans.Code != "" {
		fmt.Fprintln(stdout, cell(ans.Code))
	}
	return nil
}

// localMarket sets up the marketplace's OpenAPI client for a local activation, from LICENTIA_KOOGALLERY_AK
// and _SK (none: activation fails with marketplace_unconfigured) and --koogallery-api.
func (c *codesFlags) localMarket(api string, getenv func(string) string, stderr io.Writer) error {
	bases, err := marketapi.ParseBaseURLs(api)
	if err != nil {
		return &usageError{c.l.T("bad_koogallery_api", err)}
	}
	ak, sk := getenv(marketapi.EnvAK), getenv(marketapi.EnvSK)
	if ak == "" && sk == "" {
		return nil
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if c.market, err = marketapi.New(marketapi.Config{AK: ak, SK: sk, BaseURLs: bases, Logger: log}); err != nil {
		return &usageError{c.l.T("bad_market_config", marketapi.EnvAK, marketapi.EnvSK, err)}
	}
	return nil
}

// codeArg returns the code given as an argument, or read from stdin for "-".
func codeArg(l lang, arg string, stdin io.Reader) (string, error) {
	if arg != "-" {
		return arg, nil
	}
	if stdin == nil {
		stdin = os.Stdin
	}
	b, err := io.ReadAll(io.LimitReader(stdin, 4096))
	if err != nil {
		return "", fmt.Errorf("%s: %w", l.T("read_stdin"), err)
	}
	return support.CleanCode(string(b)), nil
}
