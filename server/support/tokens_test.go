package support

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/licentia/licentia/server/licensing"
)

func TestTokens(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	plain, tok, err := NewToken(bytes.NewReader(make([]byte, 64)), "ops.alice@example", "read")
	if err != nil {
		t.Fatal(err)
	}
	if want := "lct_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"; plain != want {
		t.Errorf("NewToken() = %q, want %q", plain, want)
	}
	if bytes.Contains([]byte(plain), tok.SecretHash) || len(tok.SecretHash) != 32 {
		t.Errorf("stored hash %x: want 32 bytes of SHA-256", tok.SecretHash)
	}
	for _, c := range []struct{ name, role string }{{"", "read"}, {"has space", "read"}, {strings.Repeat("x", 65), "read"}, {"ok", "admin"}} {
		var re *licensing.RequestError
		if _, _, err := NewToken(bytes.NewReader(make([]byte, 64)), c.name, c.role); !errors.As(err, &re) {
			t.Errorf("NewToken(%q, %q) err = %v, want a *licensing.RequestError", c.name, c.role, err)
		}
	}
	if err := e.st.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	got, err := Authenticate(ctx, e.st, plain)
	if err != nil || got.Name != "ops.alice@example" || got.Role != "read" {
		t.Errorf("Authenticate() = %+v, %v", got, err)
	}
	for _, bad := range []string{"", plain + "A", plain[:len(plain)-1] + "B", strings.Replace(plain, "lct_", "xyz_", 1)} {
		if _, err := Authenticate(ctx, e.st, bad); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("Authenticate(%q) err = %v, want %v", bad, err, ErrUnauthorized)
		}
	}
}
