package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

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

// errNeedsMarket answers 000005, which the marketplace retries: the call cannot be served without the
// marketplace OpenAPI (AK/SK), and answering success would count as delivered what was never delivered.
var errNeedsMarket = errors.New("the marketplace OpenAPI credentials (AK/SK) are not configured")

// processingError answers 000004 with the instanceId the marketplace then asks after with queryInstance.
type processingError struct{ instanceID string }

func (e *processingError) Error() string { return "processing" }

func (e *processingError) Is(target error) bool { return target == errProcessing }

// createFromOrder completes a newInstance from the order query and stores it. When the marketplace does not
// answer within orderBudget, it answers 000004 with the instanceId the license will have, and finishes in the
// background; the marketplace's queryInstance (or its next resend) then gets the license. Without the
// OpenAPI, an order whose product or customer is unknown is answered 000005 (retried by the marketplace) and a
// periodic order without expireTime is refused: licentia never issues a code for an unknown product or
// customer, nor a silently perpetual one.
func (s *Server) createFromOrder(ctx context.Context, cb *callback, l *store.License) (answer, error) {
	if s.cfg.Market == nil {
		if l.ProductID == "" || l.CustomerID == "" {
			return answer{}, fmt.Errorf("newInstance for order %s carries no product or customer and the order query needs them: %w",
				l.OrderID, errNeedsMarket)
		}
		if l.PeriodType != "" && l.ExpiresAt == 0 {
			return answer{}, badParam("periodic order (periodType %s) without expireTime, and no OpenAPI credentials to look it up", l.PeriodType)
		}
		return s.insert(ctx, cb, l)
	}
	if l.ID == "" {
		l.ID = uuid.NewString()
	}
	key := orderKey{l.OrderID, l.OrderLineID}
	s.orders.Lock()
	if id, busy := s.orders.m[key]; busy {
		s.orders.Unlock()
		return answer{}, &processingError{instanceID: id}
	}
	s.orders.m[key], s.orders.ids[l.ID] = l.ID, true
	s.orders.Unlock()
	done := make(chan struct{})
	var a answer
	var err error
	bg := context.WithoutCancel(ctx)
	go func() {
		defer close(done)
		defer func() {
			s.orders.Lock()
			delete(s.orders.ids, s.orders.m[key])
			delete(s.orders.m, key)
			s.orders.Unlock()
		}()
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
		return answer{}, &processingError{instanceID: l.ID}
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
			exp, err := koogallery.ParseAnyTime(line.ExpireTime)
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

// maxQueryIDs is how many instances one queryInstance may name (topic 0070649428: up to 100).
const maxQueryIDs = 100

// instanceInfo is one entry of queryInstance's info[]: the instance and its current code.
type instanceInfo struct {
	InstanceID string `json:"instanceId"`
	License    string `json:"license,omitempty"`
}

// queryInstance answers the marketplace asking after a newInstance answered 000004. Its documented form
// (topic 0070649428) names up to 100 comma-separated instanceIds and is answered with info[], one entry per
// instance licentia holds; 000004 while any of them is still being created, 000003 when licentia knows none.
// A call naming orderId (and orderLineId) instead, as earlier licentia versions were asked, is answered with
// that order's instance as newInstance answers it.
func (s *Server) queryInstance(ctx context.Context, cb *callback) (answer, error) {
	if cb.f.get("instanceId") == "" && cb.f.get("orderId") != "" {
		return s.queryOrder(ctx, cb)
	}
	list, err := cb.f.required("instanceId", maxQueryIDs*(maxID+1))
	if err != nil {
		return answer{}, err
	}
	var ids []string
	for id := range strings.SplitSeq(list, ",") {
		id = strings.TrimSpace(id)
		switch {
		case id == "":
			continue
		case len(ids) == maxQueryIDs:
			return answer{}, badParam("parameter instanceId names more than %d instances", maxQueryIDs)
		case utf8.RuneCountInString(id) > maxID:
			return answer{}, badParam("an instanceId is longer than %d characters", maxID)
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return answer{}, badParam("missing parameter instanceId")
	}
	if cb.f.test() { // a probe: every named instance, nothing looked up
		info := make([]instanceInfo, len(ids))
		for i, id := range ids {
			info[i].InstanceID = id
		}
		return answer{info: info}, nil
	}
	info := []instanceInfo{}
	pending := false
	for _, id := range ids {
		l, err := s.st.License(ctx, id)
		switch {
		case err == nil && l.Flow == store.FlowInstance:
			info = append(info, instanceInfo{InstanceID: l.ID, License: l.Code})
		case err == nil || errors.Is(err, store.ErrNotFound):
			s.orders.Lock()
			pending = pending || s.orders.ids[id]
			s.orders.Unlock()
		default:
			return answer{}, err
		}
	}
	switch {
	case pending:
		return answer{}, errProcessing
	case len(info) == 0:
		return answer{}, store.ErrNotFound
	}
	return answer{info: info}, nil
}

// queryOrder is queryInstance by orderId and orderLineId.
func (s *Server) queryOrder(ctx context.Context, cb *callback) (answer, error) {
	orderID, err1 := cb.f.required("orderId", maxID)
	lineID, err2 := cb.f.optional("orderLineId", maxID)
	if err := firstParamError([]error{err1, err2}); err != nil {
		return answer{}, err
	}
	l, err := s.st.LicenseByOrder(ctx, orderID, lineID)
	if errors.Is(err, store.ErrNotFound) {
		s.orders.Lock()
		id, busy := s.orders.m[orderKey{orderID, lineID}]
		s.orders.Unlock()
		if busy {
			return answer{}, &processingError{instanceID: id}
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
	if s.cfg.Market == nil {
		return answer{}, fmt.Errorf("getLicenseAsync for instance %s: the code is delivered by upload: %w", id, errNeedsMarket)
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
