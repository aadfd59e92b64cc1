package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/server/support"
)

// tokenView is a token as tokens list --json prints it; Token is set only by create.
type tokenView struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Role      string `json:"role"`
	CreatedAt string `json:"created_at"`
	RevokedAt string `json:"revoked_at,omitempty"`
	Token     string `json:"token,omitempty"`
}

func newTokenView(t *store.Token) tokenView {
	v := tokenView{ID: t.ID, Name: t.Name, Role: t.Role, CreatedAt: unixUTC(t.CreatedAt)}
	if t.RevokedAt != 0 {
		v.RevokedAt = unixUTC(t.RevokedAt)
	}
	return v
}

func unixUTC(s int64) string { return time.Unix(s, 0).UTC().Format(time.RFC3339) }

func runTokens(ctx context.Context, l lang, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, l.T("usage.tokens"))
		return &usageError{l.T("no_subcommand", "tokens")}
	}
	sub := args[0]
	fs := quietFlagSet("tokens "+sub, l, "usage.tokens", stderr)
	var d dataFlags
	d.register(fs.FlagSet, l, getenv)
	asJSON := fs.Bool("json", false, l.T("flag.json"))
	var tz tzFlag
	tz.register(fs.FlagSet, l, getenv)
	role := store.RoleRead
	var outFile string
	want, what := 0, ""
	switch sub {
	case "create":
		fs.StringVar(&role, "role", store.RoleRead, l.T("flag.role"))
		fs.StringVar(&outFile, "out", "", l.T("flag.out"))
		want, what = 1, "arg.token_name"
	case "list":
	case "revoke":
		want, what = 1, "arg.token_ref"
	case "help", "-h", "--help":
		fmt.Fprint(stdout, l.T("usage.tokens"))
		return nil
	default:
		fmt.Fprint(stderr, l.T("usage.tokens"))
		return &usageError{l.T("unknown_subcommand", "tokens", sub)}
	}
	pos, err := fs.parseArgs(args[1:], want, what)
	if err != nil {
		return err
	}
	loc, err := tz.zone()
	if err != nil {
		return err
	}
	clk := clock{loc: loc, l: l}
	var plain string
	var tok *store.Token
	if sub == "create" {
		// Check the name and role before touching the database.
		if plain, tok, err = support.NewToken(rand.Reader, pos[0], role); err != nil {
			return &usageError{err.Error()}
		}
	}
	if err := d.resolveDBTo(l, stderr); err != nil {
		return err
	}
	st, err := d.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	switch sub {
	case "create":
		if outFile != "" {
			return createTokenFile(ctx, l, st, tok, plain, outFile, stderr)
		}
		if err := st.CreateToken(ctx, tok); err != nil {
			return err
		}
		if *asJSON {
			v := newTokenView(tok)
			v.Token = plain
			return printJSON(stdout, v)
		}
		fmt.Fprintln(stdout, plain)
		fmt.Fprintln(stderr, l.T("token.created", cell(l.value("role", tok.Role)), tok.Name, tok.ID))
	case "list":
		toks, err := st.Tokens(ctx)
		if err != nil {
			return err
		}
		views := make([]tokenView, len(toks))
		for i, t := range toks {
			views[i] = newTokenView(t)
		}
		if *asJSON {
			return printJSON(stdout, views)
		}
		t := newTable(stdout)
		t.row(l.T("col.id"), l.T("col.name"), l.T("col.role"), clk.header("col.created"), clk.header("col.revoked"))
		for _, v := range views {
			t.row(cell(v.ID), cell(v.Name), cell(l.value("role", v.Role)), cell(clk.at(v.CreatedAt)), cell(clk.at(v.RevokedAt)))
		}
		return t.flush()
	case "revoke":
		t, err := st.RevokeToken(ctx, pos[0])
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(stdout, newTokenView(t))
		}
		fmt.Fprintln(stdout, l.T("token.revoked", t.Name, t.ID))
	}
	return nil
}

// createTokenFile stores tok and writes plain to the new file path (mode 0600): the file is created
// first, so that a token is stored only when its file could be made, and removed when storing fails.
func createTokenFile(ctx context.Context, l lang, st *store.Store, tok *store.Token, plain, path string, stderr io.Writer) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return &usageError{l.T("token.bad_out", err)}
	}
	if err := st.CreateToken(ctx, tok); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	_, err = fmt.Fprintln(f, plain)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w (%s)", path, err, l.T("token.write_failed", tok.ID))
	}
	fmt.Fprintln(stderr, l.T("token.created_file", cell(l.value("role", tok.Role)), tok.Name, tok.ID, cell(path)))
	return nil
}
