package licensing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/store"
)

// OrderBudget is how long a newInstance waits for the marketplace's order query before answering 000004
// (the marketplace answers within its 5 s limit, and then asks again with queryInstance).
const OrderBudget = 3500 * time.Millisecond

// CreateForOrder is Create for a marketplace create call (License 1.0 getLicense, G1b newInstance): the
// order's license, created once, whatever the id policy — every resend is answered the same license. A
// newInstance that lacks what the license needs (expiry, product, customer) is completed from the
// marketplace's order query first; when the marketplace does not answer within OrderBudget, it returns a
// *ProcessingError with the instanceId the license will have and finishes in the background. Without the
// OpenAPI, such an order whose product or customer is unknown fails with ErrNeedsMarket (the marketplace
// retries), and a periodic one without expiry with a *RequestError: licentia never issues a code for an
// unknown product or customer, nor a silently perpetual one.
func (s *Service) CreateForOrder(ctx context.Context, l *store.License, d license.Delivery) (*store.License, error) {
	if l.Test {
		t, _, err := s.Create(ctx, l, d, AnyID)
		return t, err
	}
	if license.NeedsOrder(*l) && s.market != nil {
		return s.createFromOrder(ctx, l, d)
	}
	if cur, err := s.st.LicenseByOrder(ctx, l.OrderID, l.OrderLineID); err == nil {
		return cur, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if license.NeedsOrder(*l) {
		if l.ProductID == "" || l.CustomerID == "" {
			return nil, fmt.Errorf("newInstance for order %s carries no product or customer and the order query needs them: %w",
				l.OrderID, ErrNeedsMarket)
		}
		if l.PeriodType != "" && l.ExpiresAt == 0 {
			return nil, BadRequest("periodic order (periodType %s) without expireTime, and no OpenAPI credentials to look it up", l.PeriodType)
		}
	}
	stored, _, err := s.Create(ctx, l, d, AnyID)
	return stored, err
}

// createFromOrder is CreateForOrder for an order to complete from the marketplace's order query: one
// request fills an order line at a time, and the others are answered its license, or 000004 with the
// instanceId it will have while no license of the order line is stored. Each looks at the store after the
// fill is registered, never before: a license stored by a fill that has just ended is found, and never
// promised under another id.
func (s *Service) createFromOrder(ctx context.Context, l *store.License, d license.Delivery) (*store.License, error) {
	if l.ID == "" {
		l.ID = uuid.NewString()
	}
	key := OrderKey{l.OrderID, l.OrderLineID}
	id, registered := s.orders.register(key, l.ID)
	if cur, err := s.st.LicenseByOrder(ctx, l.OrderID, l.OrderLineID); !errors.Is(err, store.ErrNotFound) {
		if registered {
			s.orders.unregister(key)
		}
		return cur, err
	}
	if !registered {
		return nil, &ProcessingError{InstanceID: id}
	}
	done := make(chan struct{})
	var stored *store.License
	var err error
	bg := context.WithoutCancel(ctx)
	go func() {
		defer close(done)
		defer s.orders.unregister(key)
		qctx, cancel := context.WithTimeout(bg, 30*time.Second)
		defer cancel()
		if err = s.fillFromOrder(qctx, l); err == nil {
			stored, _, err = s.Create(bg, l, d, AnyID)
		}
		if err != nil {
			s.log.WarnContext(bg, "newInstance from the order query", "order_id", l.OrderID, "err", err)
		}
	}()
	select {
	case <-done:
		return stored, err
	case <-time.After(OrderBudget):
		return nil, &ProcessingError{InstanceID: l.ID}
	}
}

// fillFromOrder takes the expiry, product, SKU, customer and quantity the newInstance left out from the
// marketplace's order.
func (s *Service) fillFromOrder(ctx context.Context, l *store.License) error {
	o, err := s.market.QueryOrder(ctx, l.OrderID, l.OrderLineID)
	if err != nil {
		return fmt.Errorf("order query: %w", err)
	}
	for _, line := range o.OrderLine {
		if l.OrderLineID != "" && line.OrderLineID != l.OrderLineID {
			continue
		}
		ol := license.OrderLine{Periodic: line.ChargingMode == koogallery.ChargingPeriod, PeriodType: line.PeriodType}
		if l.ExpiresAt == 0 && line.ExpireTime != "" {
			exp, err := koogallery.ParseAnyTime(line.ExpireTime)
			if err != nil {
				return BadRequest("order line %s: expireTime %q", line.OrderLineID, line.ExpireTime)
			}
			ol.ExpiresAt = exp.Unix()
		}
		if len(line.ProductInfo) > 0 {
			p := line.ProductInfo[0]
			ol.ProductID, ol.SKU = p.ProductID, p.SKUCode
			ol.Quantity, _ = p.LinearValue.Int()
		}
		if o.BuyerInfo != nil {
			ol.CustomerID, ol.CustomerName = o.BuyerInfo.CustomerID, o.BuyerInfo.CustomerName
		}
		filled, err := license.Complete(*l, ol)
		if err != nil {
			return BadRequest("periodic order line %s has no expireTime", line.OrderLineID)
		}
		*l = filled
		return nil
	}
	return BadRequest("order %s has no line %s", l.OrderID, l.OrderLineID)
}

// Instances returns the G1b instances among ids that this server holds, for queryInstance. It fails with
// ErrProcessing while any of them is still being created from its order, and with store.ErrNotFound when it
// holds none.
func (s *Service) Instances(ctx context.Context, ids []string) ([]*store.License, error) {
	var out []*store.License
	pending := false
	for _, id := range ids {
		l, err := s.st.License(ctx, id)
		switch {
		case err == nil && l.Flow == store.FlowInstance:
			out = append(out, l)
		case err == nil || errors.Is(err, store.ErrNotFound):
			s.orders.Lock()
			pending = pending || s.orders.ids[id]
			s.orders.Unlock()
		default:
			return nil, err
		}
	}
	switch {
	case pending:
		return nil, ErrProcessing
	case len(out) == 0:
		return nil, store.ErrNotFound
	}
	return out, nil
}

// OrderLicense returns the license of an order line, for queryInstance by order; a *ProcessingError while
// it is being created from its order.
func (s *Service) OrderLicense(ctx context.Context, orderID, lineID string) (*store.License, error) {
	l, err := s.st.LicenseByOrder(ctx, orderID, lineID)
	if errors.Is(err, store.ErrNotFound) {
		s.orders.Lock()
		id, busy := s.orders.m[OrderKey{orderID, lineID}]
		s.orders.Unlock()
		if busy {
			return nil, &ProcessingError{InstanceID: id}
		}
	}
	return l, err
}
