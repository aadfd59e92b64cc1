package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/store"
)

// orderBudget is how long a newInstance waits for the marketplace's order query before answering 000004
// (the marketplace answers within its 5 s limit, and then asks again with queryInstance).
const orderBudget = 3500 * time.Millisecond

// needsOrder reports whether a newInstance lacks what the license needs (expiry, product, customer) and must
// fetch it from the marketplace's order query. License 1.0 getLicense carries everything itself.
func needsOrder(l *store.License) bool {
	return l.Flow == store.FlowInstance && (l.ExpiresAt == 0 || l.ProductID == "" || l.CustomerID == "")
}

// createFromOrder completes a newInstance from the order query and stores it. When the marketplace does not
// answer within orderBudget, it answers 000004 and finishes in the background; the marketplace's queryInstance
// (or its next resend) then gets the license. Without the OpenAPI, a periodic order without expireTime is
// refused: licentia never issues a silently perpetual code for it.
func (s *Server) createFromOrder(ctx context.Context, cb *callback, l *store.License) (answer, error) {
	if s.cfg.Market == nil {
		if l.PeriodType != "" && l.ExpiresAt == 0 {
			return answer{}, badParam("periodic order (periodType %s) without expireTime, and no OpenAPI credentials to look it up", l.PeriodType)
		}
		return s.insert(ctx, cb, l)
	}
	key := orderKey{l.OrderID, l.OrderLineID}
	s.orders.Lock()
	if s.orders.m[key] {
		s.orders.Unlock()
		return answer{}, errProcessing
	}
	s.orders.m[key] = true
	s.orders.Unlock()
	done := make(chan struct{})
	var a answer
	var err error
	bg := context.WithoutCancel(ctx)
	go func() {
		defer close(done)
		defer func() { s.orders.Lock(); delete(s.orders.m, key); s.orders.Unlock() }()
		qctx, cancel := context.WithTimeout(bg, 30*time.Second)
		defer cancel()
		if err = s.fillFromOrder(qctx, l); err == nil {
			a, err = s.insert(bg, cb, l)
		}
		if err != nil {
			s.log.WarnContext(bg, "newInstance from the order query", "order_id", l.OrderID, "err", err)
		}
	}()
	select {
	case <-done:
		return a, err
	case <-time.After(orderBudget):
		return answer{}, errProcessing
	}
}

// fillFromOrder takes the expiry, product, SKU, customer and quantity the newInstance left out from the
// marketplace's order.
func (s *Server) fillFromOrder(ctx context.Context, l *store.License) error {
	o, err := s.cfg.Market.QueryOrder(ctx, l.OrderID, l.OrderLineID)
	if err != nil {
		return fmt.Errorf("order query: %w", err)
	}
	for _, line := range o.OrderLine {
		if l.OrderLineID != "" && line.OrderLineID != l.OrderLineID {
			continue
		}
		if l.ExpiresAt == 0 && line.ExpireTime != "" {
			exp, err := koogallery.ParseTime(line.ExpireTime)
			if err != nil {
				return badParam("order line %s: expireTime %q", line.OrderLineID, line.ExpireTime)
			}
			l.ExpiresAt = exp.Unix()
		}
		if len(line.ProductInfo) > 0 {
			p := line.ProductInfo[0]
			l.ProductID = cmp.Or(l.ProductID, p.ProductID)
			l.SKU = cmp.Or(l.SKU, p.SKUCode)
			if n, err := p.LinearValue.Int(); err == nil && l.Quantity == 0 && n > 0 {
				l.Quantity = n
			}
		}
		if l.PeriodType == "" {
			l.PeriodType = line.PeriodType
		}
		if line.ChargingMode == "PERIOD" && l.ExpiresAt == 0 {
			return badParam("periodic order line %s has no expireTime", line.OrderLineID)
		}
		if o.BuyerInfo != nil {
			l.CustomerID = cmp.Or(l.CustomerID, o.BuyerInfo.CustomerID)
			l.CustomerName = cmp.Or(l.CustomerName, o.BuyerInfo.CustomerName)
		}
		return nil
	}
	return badParam("order %s has no line %s", l.OrderID, l.OrderLineID)
}

// queryInstance answers the marketplace asking after a newInstance answered 000004: the instance and its
// code once created, 000004 while the order query runs, 000003 when licentia knows nothing of it.
func (s *Server) queryInstance(ctx context.Context, cb *callback) (answer, error) {
	orderID, err1 := cb.f.required("orderId", maxID)
	lineID, err2 := cb.f.optional("orderLineId", maxID)
	if err := firstParamError([]error{err1, err2}); err != nil {
		return answer{}, err
	}
	l, err := s.st.LicenseByOrder(ctx, orderID, lineID)
	if errors.Is(err, store.ErrNotFound) {
		s.orders.Lock()
		busy := s.orders.m[orderKey{orderID, lineID}]
		s.orders.Unlock()
		if busy {
			return answer{}, errProcessing
		}
	}
	if err != nil {
		return answer{}, err
	}
	return answer{instanceID: l.ID, license: l.Code}, nil
}

// licenseAsync handles G1b getLicenseAsync: the instance's code is owed to the marketplace by market-event
// file upload. The debt is recorded durably (once per eventId) before the answer, and the outbox sends it,
// retrying until the marketplace accepts it, across restarts.
func (s *Server) licenseAsync(ctx context.Context, cb *callback) (answer, error) {
	f := cb.f
	id, err1 := f.required("instanceId", maxID)
	eventID, err2 := f.required("eventId", maxID)
	_, err3 := f.reqTime("effectiveTime")
	_, err4 := f.optTime("expireTime")
	_, err5 := f.optional("deviceFingerprint", 1024)
	if err := firstParamError([]error{err1, err2, err3, err4, err5}); err != nil {
		return answer{}, err
	}
	if f.test() {
		return answer{}, nil
	}
	l, err := s.st.LicenseByID(ctx, id)
	if err != nil {
		return answer{}, err
	}
	created, err := s.st.EnqueueUpload(ctx, &store.Upload{EventID: eventID, LicenseID: l.ID, Content: l.Code}, s.now().Unix())
	if err != nil {
		return answer{}, err
	}
	if created {
		s.log.InfoContext(ctx, "license upload owed to the marketplace", "license_id", l.ID, "event_id", eventID)
		s.kickOutbox()
	}
	return answer{instanceID: l.ID}, nil
}
