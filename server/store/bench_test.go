package store

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/licentia/licentia/verifier"
)

// benchClaims signs a license's claims the way the server does, for the floors below.
func benchSign(b *testing.B, priv ed25519.PrivateKey, l *License) {
	b.Helper()
	c := &verifier.Claims{Issuer: "licentia", LicenseID: l.ID, Generation: 1, IssuedAt: l.ChangedAt,
		NotBefore: l.StartsAt, ExpiresAt: l.ExpiresAt, Status: l.Status, ProductID: l.ProductID, OrderID: l.OrderID}
	code, err := verifier.Sign(c, "0123456789abcdef", priv)
	if err != nil {
		b.Fatal(err)
	}
	l.Code = code
}

// BenchmarkFloorSerialCreate is the floor a durable create is compared with: sign a code, then insert
// one row in its own transaction with the same SQLite settings (WAL, synchronous=FULL), one at a time.
func BenchmarkFloorSerialCreate(b *testing.B) {
	ctx := context.Background()
	dsn, err := SQLiteDSN(filepath.Join(b.TempDir(), "floor.sqlite"), "FULL")
	if err != nil {
		b.Fatal(err)
	}
	db := sqlx.MustOpen("sqlite3", dsn)
	defer db.Close()
	db.MustExec(`CREATE TABLE licenses (id TEXT PRIMARY KEY, order_id TEXT NOT NULL UNIQUE, code TEXT NOT NULL) STRICT`)
	priv := ed25519.NewKeyFromSeed(make([]byte, 32))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		l := testLicense(fmt.Sprintf("b-%d", i), fmt.Sprintf("O-%d", i))
		benchSign(b, priv, l)
		tx, err := db.BeginTxx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO licenses (id, order_id, code) VALUES (?, ?, ?)`, l.ID, l.OrderID, l.Code); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCreateParallel32 is a durable create through the store (sign, insert the license and its
// audit event, group commit) from 32 concurrent callers.
func BenchmarkCreateParallel32(b *testing.B) {
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(b.TempDir(), "db.sqlite"), Options{Synchronous: "FULL"})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	priv := ed25519.NewKeyFromSeed(make([]byte, 32))
	var n atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(16) // 16 × GOMAXPROCS(2) = 32 callers
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			l := testLicense(fmt.Sprintf("b-%d", i), fmt.Sprintf("O-%d", i))
			benchSign(b, priv, l)
			if _, _, err := st.Create(ctx, l, []Event{*createEvent()}, 0); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
