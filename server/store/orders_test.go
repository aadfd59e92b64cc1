package store

import (
	"context"
	"testing"
)

func notifiedLine(order, line, typ string, orderedAt int64) MarketOrder {
	return MarketOrder{OrderID: order, OrderLineID: line, OrderType: typ, ProductID: "P2", CustomerID: "cust",
		OrderedAt: orderedAt, NotifiedAt: testNow.Unix(), RequestID: "req-" + order}
}

func TestRecordOrderOnce(t *testing.T) {
	forEachDialect(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		ev := Event{At: testNow.Unix(), Source: SourceKooGallery, Actor: "koogallery", Activity: "orderNotify", OrderID: "CS1"}
		lines := []MarketOrder{notifiedLine("CS1", "CS1-1", "NEW", 0), notifiedLine("CS1", "CS1-2", "NEW", 0)}
		created, err := st.RecordOrder(ctx, lines, ev)
		if err != nil || !created {
			t.Fatalf("RecordOrder() = %v, %v, want created", created, err)
		}
		changed := notifiedLine("CS1", "CS1-1", "NEW", 0)
		changed.ProductID = "other"
		created, err = st.RecordOrder(ctx, []MarketOrder{changed}, ev)
		if err != nil || created {
			t.Fatalf("RecordOrder(repeat) = %v, %v, want not created", created, err)
		}
		if ok, err := st.OrderRecorded(ctx, "CS1"); err != nil || !ok {
			t.Fatalf("OrderRecorded(CS1) = %v, %v", ok, err)
		}
		u, err := st.UnactivatedBefore(ctx, testNow.Unix(), 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(u.Orders) != 2 || u.Orders[0].ProductID != "P2" || u.Orders[0].RequestID != "req-CS1" {
			t.Fatalf("UnactivatedBefore() orders = %+v, want both lines as first recorded", u.Orders)
		}
		if _, err := st.RecordOrder(ctx, []MarketOrder{notifiedLine("CS1", "a", "NEW", 0), notifiedLine("CS2", "b", "NEW", 0)}, ev); err == nil {
			t.Errorf("RecordOrder(lines of two orders) err = nil")
		}
	})
}

func TestRecordOrderAuditsExistingLicense(t *testing.T) {
	forEachDialect(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		if _, _, err := st.Create(ctx, testLicense("lic-1", "CS9"), []Event{*createEvent()}, 0); err != nil {
			t.Fatal(err)
		}
		ev := Event{At: testNow.Unix(), Source: SourceKooGallery, Actor: "koogallery", Activity: "orderNotify", OrderID: "CS9", RequestID: "r9"}
		for range 2 {
			if _, err := st.RecordOrder(ctx, []MarketOrder{notifiedLine("CS9", "", "NEW", 0)}, ev); err != nil {
				t.Fatal(err)
			}
		}
		evs, err := st.Events(ctx, "lic-1")
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 2 {
			t.Fatalf("events = %+v, want the create and one %s", evs, ActionOrderRecorded)
		}
		e := evs[1]
		if e.Action != ActionOrderRecorded || e.Activity != "orderNotify" || e.RequestID != "r9" || e.AfterStatus != "active" || e.Generation != 1 {
			t.Errorf("audit event = %+v", e)
		}
		n, c, err := st.CountUnactivated(ctx, testNow.Unix())
		if err != nil || n != 0 || c != 0 {
			t.Errorf("CountUnactivated() = %d, %d, %v; want 0, 0: the order has its license", n, c, err)
		}
	})
}

func TestUnactivated(t *testing.T) {
	forEachDialect(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		day := int64(24 * 3600)
		now := testNow.Unix()
		ev := Event{At: now, Source: SourceKooGallery}
		for _, o := range []MarketOrder{
			notifiedLine("OLD", "OLD-1", "NEW", now-5*day),
			notifiedLine("TRIAL", "TRIAL-1", "TRIAL", now-2*day),
			notifiedLine("RENEW", "RENEW-1", "RENEW", now-9*day), // a renewal needs no activation
			notifiedLine("NOW", "NOW-1", "NEW", 0),               // no createTime: waits since its notification
			notifiedLine("DONE", "DONE-1", "NEW", now-9*day),     // activated below
		} {
			if _, err := st.RecordOrder(ctx, []MarketOrder{o}, ev); err != nil {
				t.Fatal(err)
			}
		}
		done := testLicense("lic-done", "DONE")
		done.OrderLineID, done.MarketCode = "code-x", "MKT-DONE-CODE"
		if _, _, err := st.Create(ctx, done, []Event{*createEvent()}, 0); err != nil {
			t.Fatal(err)
		}
		for _, e := range []MarketEvent{
			{Code: "KEPT-A", Activity: "refreshLicenseCode", OrderID: "CSR", ReceivedAt: now - 4*day},
			{Code: "KEPT-A", Activity: "updateLicenseCodeStatus", ReceivedAt: now - day},
			{Code: "KEPT-GONE", Activity: "refreshLicenseCode", ReceivedAt: now - 8*day},
			{Code: "KEPT-GONE", Activity: "releaseLicenseCode", ReceivedAt: now - 7*day},
		} {
			if err := st.SavePending(ctx, &e); err != nil {
				t.Fatal(err)
			}
		}
		u, err := st.UnactivatedBefore(ctx, now, 100)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, o := range u.Orders {
			got = append(got, o.OrderID)
		}
		if want := []string{"OLD", "TRIAL", "NOW"}; !equal(got, want) {
			t.Errorf("unactivated orders = %v, want %v (oldest first; no renewal, no activated order)", got, want)
		}
		if len(u.Codes) != 1 || u.Codes[0].Code != "KEPT-A" || u.Codes[0].FirstAt != now-4*day || u.Codes[0].Callbacks != 2 || u.Codes[0].OrderID != "CSR" {
			t.Errorf("kept codes = %+v, want KEPT-A alone (a released code waits for nothing)", u.Codes)
		}
		for _, c := range []struct {
			before        int64
			orders, codes int64
		}{{now, 3, 1}, {now - 3*day, 1, 1}, {now - 4*day, 1, 1}, {now - 6*day, 0, 0}} {
			o, k, err := st.CountUnactivated(ctx, c.before)
			if err != nil || o != c.orders || k != c.codes {
				t.Errorf("CountUnactivated(now-%dd) = %d, %d, %v; want %d, %d", (now-c.before)/day, o, k, err, c.orders, c.codes)
			}
		}
		u, err = st.UnactivatedBefore(ctx, now, 1)
		if err != nil || len(u.Orders) != 1 || u.Orders[0].OrderID != "OLD" {
			t.Errorf("UnactivatedBefore(limit 1) = %+v, %v", u, err)
		}
	})
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
