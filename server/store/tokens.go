package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// Admin token roles.
const (
	// RoleRead may list and show licenses and read their history.
	RoleRead = "read"
	// RoleSupport may also reissue and revoke, and reveal whole codes.
	RoleSupport = "support"
)

// Token is an admin API bearer token as stored: its public id, name and role, and the SHA-256 of its
// secret part. The secret itself is never stored. Times are unix seconds; RevokedAt 0 means live.
type Token struct {
	ID         string
	Name       string
	Role       string
	SecretHash []byte
	CreatedAt  int64
	RevokedAt  int64
}

type tokenRow struct {
	ID         string        `db:"id"`
	Name       string        `db:"name"`
	Role       string        `db:"role"`
	SecretHash []byte        `db:"secret_hash"`
	CreatedAt  int64         `db:"created_at"`
	RevokedAt  sql.NullInt64 `db:"revoked_at"`
}

func (r *tokenRow) token() *Token {
	return &Token{ID: r.ID, Name: r.Name, Role: r.Role, SecretHash: r.SecretHash, CreatedAt: r.CreatedAt,
		RevokedAt: r.RevokedAt.Int64}
}

const (
	tokenColumns     = `id, name, role, secret_hash, created_at, revoked_at`
	insertTokenQuery = `INSERT INTO admin_tokens (` + tokenColumns + `) VALUES (?, ?, ?, ?, ?, NULL)`
	tokenByIDQuery   = `SELECT ` + tokenColumns + ` FROM admin_tokens WHERE id = ?`
	liveTokenByName  = `SELECT ` + tokenColumns + ` FROM admin_tokens WHERE name = ? AND revoked_at IS NULL`
	tokensQuery      = `SELECT ` + tokenColumns + ` FROM admin_tokens ORDER BY created_at, id`
	revokeTokenQuery = `UPDATE admin_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`
)

// CreateToken stores t (its CreatedAt is set from the store's clock). It returns an error wrapping
// ErrConflict when a live token already has t's name or t's id is taken.
func (st *Store) CreateToken(ctx context.Context, t *Token) error {
	t.CreatedAt, t.RevokedAt = st.now().Unix(), 0
	err := st.w.do(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, tx.Rebind(insertTokenQuery), t.ID, t.Name, t.Role, t.SecretHash, t.CreatedAt)
		if err != nil && isUnique(err) {
			return fmt.Errorf("%w: a live token with this name exists", ErrConflict)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("create token %q: %w", t.Name, err)
	}
	return nil
}

// Token returns the token with the given id, revoked or not, or ErrNotFound.
func (st *Store) Token(ctx context.Context, id string) (*Token, error) {
	var r tokenRow
	if err := st.db.GetContext(ctx, &r, st.db.Rebind(tokenByIDQuery), id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("get token: %w", err)
	}
	return r.token(), nil
}

// Tokens returns every token, revoked ones included, oldest first.
func (st *Store) Tokens(ctx context.Context) ([]*Token, error) {
	var rows []tokenRow
	if err := st.db.SelectContext(ctx, &rows, st.db.Rebind(tokensQuery)); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	out := make([]*Token, len(rows))
	for i := range rows {
		out[i] = rows[i].token()
	}
	return out, nil
}

// RevokeToken revokes the live token whose name or id is ref and returns it. It returns ErrNotFound when
// no live token matches.
func (st *Store) RevokeToken(ctx context.Context, ref string) (*Token, error) {
	now := st.now().Unix()
	var out *Token
	err := st.w.do(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		out = nil
		var r tokenRow
		err := tx.GetContext(ctx, &r, tx.Rebind(liveTokenByName), ref)
		if errors.Is(err, sql.ErrNoRows) {
			err = tx.GetContext(ctx, &r, tx.Rebind(tokenByIDQuery), ref)
			if err == nil && r.RevokedAt.Valid {
				return ErrNotFound
			}
		}
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, tx.Rebind(revokeTokenQuery), now, r.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return ErrNotFound
		}
		out = r.token()
		out.RevokedAt = now
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("revoke token %q: no live token has this name or id: %w", ref, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("revoke token %q: %w", ref, err)
	}
	return out, nil
}
