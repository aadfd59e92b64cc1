package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/server/support"
)

const tokensUsage = `usage: licentia tokens <create|list|revoke> [flags]

  create NAME [--role read|support] [--out FILE]
                                       make an admin API token; it is printed once (or written to a new
                                       file, mode 0600, for LICENTIA_TOKEN_FILE), only its hash is kept
  list                                 list tokens: id, name, role, created, revoked
  revoke NAME|ID                       revoke a token; requests with it fail from then on

Roles: read may list and show licenses and read their history; support may also reissue, revoke and
reveal whole codes. Tokens live in the database (--data, --db), so every server sharing it accepts them.

`

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

func runTokens(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, tokensUsage)
		return &usageError{"tokens: no subcommand given"}
	}
	sub := args[0]
	fs := quietFlagSet("tokens "+sub, tokensUsage, stderr)
	var d dataFlags
	d.register(fs.FlagSet, getenv)
	asJSON := fs.Bool("json", false, "print JSON")
	role := store.RoleRead
	var outFile string
	want, what := 0, ""
	switch sub {
	case "create":
		fs.StringVar(&role, "role", store.RoleRead, "read or support")
		fs.StringVar(&outFile, "out", "", "write the token to this new file (mode 0600) instead of stdout")
		want, what = 1, "one token NAME"
	case "list":
	case "revoke":
		want, what = 1, "one token NAME or ID"
	case "help", "-h", "--help":
		fmt.Fprint(stdout, tokensUsage)
		return nil
	default:
		fmt.Fprint(stderr, tokensUsage)
		return &usageError{fmt.Sprintf("tokens: unknown subcommand %q", sub)}
	}
	pos, err := fs.parseArgs(args[1:], want, what)
	if err != nil {
		return err
	}
	var plain string
	var tok *store.Token
	if sub == "create" {
		// Check the name and role before touching the database.
		if plain, tok, err = support.NewToken(rand.Reader, pos[0], role); err != nil {
			return &usageError{err.Error()}
		}
	}
	if err := d.resolveDBTo(stderr); err != nil {
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
			return createTokenFile(ctx, st, tok, plain, outFile, stderr)
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
		fmt.Fprintf(stderr, "created %s token %q (id %s). It is shown only this once: store it now.\n", tok.Role, tok.Name, tok.ID)
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
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tROLE\tCREATED\tREVOKED")
		for _, v := range views {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", cell(v.ID), cell(v.Name), cell(v.Role), cell(v.CreatedAt), cell(v.RevokedAt))
		}
		return tw.Flush()
	case "revoke":
		t, err := st.RevokeToken(ctx, pos[0])
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(stdout, newTokenView(t))
		}
		fmt.Fprintf(stdout, "revoked token %q (id %s)\n", t.Name, t.ID)
	}
	return nil
}

// createTokenFile stores tok and writes plain to the new file path (mode 0600): the file is created
// first, so that a token is stored only when its file could be made, and removed when storing fails.
func createTokenFile(ctx context.Context, st *store.Store, tok *store.Token, plain, path string, stderr io.Writer) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return &usageError{fmt.Sprintf("--out: %v", err)}
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
		return fmt.Errorf("write %s: %w (the token is stored: revoke %s and create another)", path, err, tok.ID)
	}
	fmt.Fprintf(stderr, "created %s token %q (id %s) in %s\n", tok.Role, tok.Name, tok.ID, path)
	return nil
}
