package licensing

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/store"
)

// ErrOrderQuery means the marketplace's order query did not describe a notified order just now (unreachable,
// throttled, too slow, or an answer licentia cannot read); nothing was recorded and the marketplace is asked to
// notify again.
var ErrOrderQuery = errors.New("the marketplace's order query did not answer")

// NotifiedOrder is the outcome of RecordNotifiedOrder.
type NotifiedOrder struct {
	// Lines are the order's lines as recorded (the first recording, for a repeated notification).
	Lines []store.MarketOrder
	// Created is false when the order had been recorded before: the notification was a repeat.
	Created bool
}

// RecordNotifiedOrder handles the marketplace's orderNotify (topic 0000002091799153): the order is fetched
// with the order query and each of its lines recorded durably before the caller answers, once per order —
// a repeated notification of a recorded order changes nothing and queries nothing. Licenses of the order that
// exist already get an audit event. Without the OpenAPI credentials it fails with ErrNeedsMarket, and when the
// order query does not answer within OrderBudget with an error wrapping ErrOrderQuery: both mean the
// marketplace should notify again (it does for 3 hours), and nothing was recorded.
func (s *Service) RecordNotifiedOrder(ctx context.Context, orderID string, d license.Delivery) (*NotifiedOrder, error) {
	if recorded, err := s.st.OrderRecorded(ctx, orderID); err != nil {
		return nil, err
	} else if recorded {
		return &NotifiedOrder{}, nil
	}
	if s.market == nil {
		return nil, fmt.Errorf("orderNotify for order %s: the order query needs them: %w", orderID, ErrNeedsMarket)
	}
	qctx, cancel := context.WithTimeout(ctx, OrderBudget)
	o, err := s.market.QueryOrder(qctx, orderID, "")
	cancel()
	if err != nil {
		return nil, fmt.Errorf("orderNotify for order %s: %w: %w", orderID, ErrOrderQuery, err)
	}
	if o.OrderID != "" && o.OrderID != orderID {
		return nil, fmt.Errorf("orderNotify for order %s: the order query answered order %.64q: %w", orderID, o.OrderID, ErrOrderQuery)
	}
	lines, err := s.orderLines(ctx, orderID, o, d)
	if err != nil {
		return nil, err
	}
	ev := store.Event{At: d.At, Source: d.Source, Actor: d.Actor, Activity: d.Activity, OrderID: orderID, RequestID: d.RequestID}
	created, err := s.st.RecordOrder(ctx, lines, ev)
	if err != nil {
		return nil, err
	}
	if created {
		s.log.InfoContext(ctx, "order recorded", "order_id", orderID, "order_type", o.OrderType, "lines", len(lines),
			"product_id", lines[0].ProductID, "request_id", d.RequestID)
	}
	return &NotifiedOrder{Lines: lines, Created: created}, nil
}

// maxNotifiedLines bounds how many lines of one order are recorded.
const maxNotifiedLines = 100

// orderLines turns the order query's answer into the rows to record. A time the answer gives in a form
// licentia cannot read is logged and left out: it never blocks the recording.
func (s *Service) orderLines(ctx context.Context, orderID string, o *koogallery.OrderInfo, d license.Delivery) ([]store.MarketOrder, error) {
	if len(o.OrderLine) > maxNotifiedLines {
		return nil, fmt.Errorf("orderNotify for order %s: the order query answered %d lines, at most %d are recorded: %w",
			orderID, len(o.OrderLine), maxNotifiedLines, ErrOrderQuery)
	}
	base := store.MarketOrder{OrderID: orderID, OrderType: clip(o.OrderType), NotifiedAt: d.At, RequestID: d.RequestID}
	if o.BuyerInfo != nil {
		base.CustomerID, base.CustomerName = clip(o.BuyerInfo.CustomerID), clip(o.BuyerInfo.CustomerName)
	}
	base.OrderedAt = s.readTime(ctx, orderID, "createTime", o.CreateTime)
	if len(o.OrderLine) == 0 {
		return []store.MarketOrder{base}, nil
	}
	lines := make([]store.MarketOrder, 0, len(o.OrderLine))
	seen := make(map[string]bool, len(o.OrderLine))
	for _, l := range o.OrderLine {
		if seen[l.OrderLineID] || koogallery.CharacterCount(l.OrderLineID) > koogallery.MaxOrderIDLen {
			continue // a repeated line, or an id no order line has
		}
		seen[l.OrderLineID] = true
		r := base
		r.OrderLineID, r.ChargingMode = l.OrderLineID, clip(l.ChargingMode)
		r.ExpiresAt = s.readTime(ctx, orderID, "expireTime", l.ExpireTime)
		if len(l.ProductInfo) > 0 {
			r.ProductID, r.SKU = clip(l.ProductInfo[0].ProductID), clip(l.ProductInfo[0].SKUCode)
		}
		lines = append(lines, r)
	}
	if len(lines) == 0 {
		return []store.MarketOrder{base}, nil
	}
	return lines, nil
}

// readTime reads an optional time of the order query's answer; unreadable, it is logged and taken as unknown.
func (s *Service) readTime(ctx context.Context, orderID, field, v string) int64 {
	if v == "" {
		return 0
	}
	t, err := koogallery.ParseAnyTime(v)
	if err != nil {
		s.log.WarnContext(ctx, "order query: unreadable time ignored", "order_id", orderID, "field", field, "value", clip(v))
		return 0
	}
	return t.Unix()
}

// clip bounds a text of the order query's answer to 255 bytes (at a rune boundary) before it is stored.
func clip(s string) string {
	const limit = 255
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return cmp.Or(s[:cut], s[:limit])
}
