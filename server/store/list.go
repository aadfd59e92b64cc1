package store

import (
	"context"
	"fmt"
	"strings"
)

// Filter selects licenses. Zero fields match everything.
type Filter struct {
	OrderID    string
	CustomerID string
	ProductID  string
	Status     string
	// ExpiresBefore keeps licenses with an expiry (unix seconds) before it; perpetual ones never match.
	ExpiresBefore int64
	// After is a cursor: only licenses whose id sorts after it.
	After string
	// Limit caps the result (default 100, at most 1000).
	Limit int
}

func (f Filter) where() (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, arg any) {
		conds = append(conds, cond)
		args = append(args, arg)
	}
	if f.OrderID != "" {
		add("order_id = ?", f.OrderID)
	}
	if f.CustomerID != "" {
		add("customer_id = ?", f.CustomerID)
	}
	if f.ProductID != "" {
		add("product_id = ?", f.ProductID)
	}
	if f.Status != "" {
		add("status = ?", f.Status)
	}
	if f.ExpiresBefore != 0 {
		add("expires_at IS NOT NULL AND expires_at < ?", f.ExpiresBefore)
	}
	if f.After != "" {
		add("id > ?", f.After)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// List returns the licenses matching f, ordered by id.
func (st *Store) List(ctx context.Context, f Filter) ([]*License, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	f.Limit = min(f.Limit, 1000)
	where, args := f.where()
	q := `SELECT ` + licenseColumns + ` FROM licenses` + where + ` ORDER BY id LIMIT ?`
	var rows []licenseRow
	if err := st.db.SelectContext(ctx, &rows, st.db.Rebind(q), append(args, f.Limit)...); err != nil {
		return nil, fmt.Errorf("list licenses: %w", err)
	}
	out := make([]*License, len(rows))
	for i := range rows {
		out[i] = rows[i].license()
	}
	return out, nil
}

// Count returns how many licenses match f (f.Limit and f.After are ignored).
func (st *Store) Count(ctx context.Context, f Filter) (int, error) {
	f.After = ""
	where, args := f.where()
	var n int
	if err := st.db.GetContext(ctx, &n, st.db.Rebind(`SELECT COUNT(*) FROM licenses`+where), args...); err != nil {
		return 0, fmt.Errorf("count licenses: %w", err)
	}
	return n, nil
}
