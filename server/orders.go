package server

import (
	"context"
)

// msgOrderQuery is the resultMsg of a 000005 answered because the order query did not describe the order.
const msgOrderQuery = "the seller could not fetch the order from the marketplace just now, please retry"

// orderNotify handles the marketplace's order notification (topic 0000002091799153; every product type but
// images): the order named by orderId is fetched with the order query and recorded durably before the
// answer (licensing.Service.RecordNotifiedOrder), once per order, so that a License 2.0 order whose code is
// never activated shows in `licentia codes list --unactivated`. A repeated notification is answered success
// and changes nothing; a probe (testFlag 1) is answered success and records nothing. When the order cannot be
// fetched (no AK/SK, the order query unavailable or slow) the answer is 000005, which the marketplace retries
// for 3 hours, and the log says why.
func (s *Server) orderNotify(ctx context.Context, cb *callback) (answer, error) {
	orderID, err := cb.f.required("orderId", maxID)
	if err != nil {
		return answer{}, err
	}
	if cb.f.test() {
		return answer{}, nil
	}
	if _, err := s.svc.RecordNotifiedOrder(ctx, orderID, cb.delivery("")); err != nil {
		return answer{}, err
	}
	return answer{}, nil
}
