package store

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

func TestTokens(t *testing.T) {
	forEachDialect(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		hash := bytes.Repeat([]byte{1}, 32)
		alice := &Token{ID: "id-alice", Name: "alice", Role: RoleSupport, SecretHash: hash}
		if err := st.CreateToken(ctx, alice); err != nil {
			t.Fatalf("CreateToken() err = %v", err)
		}
		if alice.CreatedAt != testNow.Unix() {
			t.Errorf("CreatedAt = %d, want %d", alice.CreatedAt, testNow.Unix())
		}
		for name, tok := range map[string]*Token{
			"same name": {ID: "id-2", Name: "alice", Role: RoleRead, SecretHash: hash},
			"same id":   {ID: "id-alice", Name: "bob", Role: RoleRead, SecretHash: hash},
		} {
			if err := st.CreateToken(ctx, tok); !errors.Is(err, ErrConflict) {
				t.Errorf("CreateToken(%s) err = %v, want %v", name, err, ErrConflict)
			}
		}
		got, err := st.Token(ctx, "id-alice")
		if err != nil || got.Name != "alice" || got.Role != RoleSupport || !bytes.Equal(got.SecretHash, hash) || got.RevokedAt != 0 {
			t.Fatalf("Token() = %+v, %v", got, err)
		}
		if _, err := st.Token(ctx, "nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Token(unknown) err = %v, want %v", err, ErrNotFound)
		}

		revoked, err := st.RevokeToken(ctx, "alice")
		if err != nil || revoked.ID != "id-alice" || revoked.RevokedAt != testNow.Unix() {
			t.Fatalf("RevokeToken(name) = %+v, %v", revoked, err)
		}
		if _, err := st.RevokeToken(ctx, "alice"); !errors.Is(err, ErrNotFound) {
			t.Errorf("second RevokeToken() err = %v, want %v", err, ErrNotFound)
		}
		if _, err := st.RevokeToken(ctx, "id-alice"); !errors.Is(err, ErrNotFound) {
			t.Errorf("RevokeToken(revoked id) err = %v, want %v", err, ErrNotFound)
		}
		// The name is free again; the old row stays, revoked.
		if err := st.CreateToken(ctx, &Token{ID: "id-alice2", Name: "alice", Role: RoleRead, SecretHash: hash}); err != nil {
			t.Fatalf("CreateToken(reused name) err = %v", err)
		}
		if _, err := st.RevokeToken(ctx, "id-alice2"); err != nil {
			t.Errorf("RevokeToken(id) err = %v", err)
		}
		all, err := st.Tokens(ctx)
		if err != nil || len(all) != 2 || all[0].RevokedAt == 0 || all[1].RevokedAt == 0 {
			t.Errorf("Tokens() = %+v, %v; want two revoked tokens", all, err)
		}
	})
}
