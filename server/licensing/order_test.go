package licensing

import (
	"context"
	"crypto/ed25519"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/marketapi"
	"github.com/licentia/licentia/server/store"
)

// TestCreateForOrderPromisesNoStaleInstance: a newInstance that finds its order being filled answers 000004
// with the filler's instanceId only while the order has no license. A filler can register after the order's
// license was stored (its request looked before the license was, then found it); a resend seeing that filler
// must be answered the stored license, not a promise of an instance that will never exist.
func TestCreateForOrderPromisesNoStaleInstance(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "db.sqlite"), store.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	// The marketplace is never asked: every order here is filled already or being filled.
	market, err := marketapi.New(marketapi.Config{AK: "ak", SK: "sk", BaseURLs: []string{"http://127.0.0.1:9"}})
	if err != nil {
		t.Fatal(err)
	}
	is := license.NewIssuer("k1", ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)), "licentia", time.Hour)
	svc, err := New(st, Options{Issuer: is, Market: market, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	order := func(bid string) *store.License {
		return &store.License{ID: bid, OrderID: "CS-1", OrderLineID: "CS-1-1", Flow: store.FlowInstance}
	}

	// The first filler stored the order's license as b31 and has finished.
	full := order("b31")
	full.ProductID, full.CustomerID, full.ExpiresAt = "p1", "c1", t0.AddDate(1, 0, 0).Unix()
	created, _, err := license.Create(*full, t0)
	if err != nil {
		t.Fatal(err)
	}
	stored, _, err := svc.Create(ctx, &created, license.Delivery{At: t0.Unix(), Source: store.SourceKooGallery, Activity: "newInstance"}, AnyID)
	if err != nil {
		t.Fatal(err)
	}
	// A second request had looked before b31 was stored, and registered its own fill as b42.
	if _, ok := svc.orders.register(OrderKey{"CS-1", "CS-1-1"}, "b42"); !ok {
		t.Fatal("register b42: busy")
	}
	got, err := svc.CreateForOrder(ctx, order("b50"), license.Delivery{At: t0.Unix(), Source: store.SourceKooGallery, Activity: "newInstance"})
	if pe := (*ProcessingError)(nil); errors.As(err, &pe) {
		t.Fatalf("CreateForOrder = 000004 with instanceId %s, want the stored license %s", pe.InstanceID, stored.ID)
	}
	if err != nil || got.ID != stored.ID {
		t.Fatalf("CreateForOrder = %v, %v; want license %s", got, err, stored.ID)
	}

	// While no license of an order exists, a resend is promised the filler's instanceId.
	if _, ok := svc.orders.register(OrderKey{"CS-2", "CS-2-1"}, "b60"); !ok {
		t.Fatal("register b60: busy")
	}
	other := order("b61")
	other.OrderID, other.OrderLineID = "CS-2", "CS-2-1"
	_, err = svc.CreateForOrder(ctx, other, license.Delivery{At: t0.Unix(), Source: store.SourceKooGallery, Activity: "newInstance"})
	if pe := (*ProcessingError)(nil); !errors.As(err, &pe) || pe.InstanceID != "b60" {
		t.Fatalf("CreateForOrder while CS-2 is filled = %v, want 000004 with instanceId b60", err)
	}
}
