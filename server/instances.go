package server

import (
	"context"
	"strings"
	"unicode/utf8"
)

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
	ls, err := s.svc.Instances(ctx, ids)
	if err != nil {
		return answer{}, err
	}
	info := make([]instanceInfo, len(ls))
	for i, l := range ls {
		info[i] = instanceInfo{InstanceID: l.ID, License: l.Code}
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
	l, err := s.svc.OrderLicense(ctx, orderID, lineID)
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
	fingerprint, err5 := f.optional("deviceFingerprint", 1024)
	if err := firstParamError([]error{err1, err2, err3, err4, err5}); err != nil {
		return answer{}, err
	}
	if f.test() {
		return answer{}, nil
	}
	l, err := s.svc.OweUpload(ctx, id, eventID, fingerprint)
	if err != nil {
		return answer{}, err
	}
	return answer{instanceID: l.ID}, nil
}
