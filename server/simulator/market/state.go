package market

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/licentia/licentia/server/koogallery"
)

// State is where a licence code stands in the marketplace.
type State string

// Code states. A code is generated NotReceived; the buyer receives (领取) it (Received); the seller activates it
// (Active); the marketplace then moves it to Expired (after expiry and grace) or Released, and back to Active on
// a renewal.
const (
	NotReceived State = "not_received" // activate → 92020004; query → 92020011
	Received    State = "received"     // activate → success; query → 92020011
	Active      State = "active"       // activate → 92020003; query → ALIVE
	Expired     State = "expired"      // activate → 92020003; query → EXPIRED (92020011 if never activated)
	Released    State = "released"     // activate → 92020003; query → RELEASED (92020011 if never activated)
)

// ErrUnknown reports a test control naming a code or order the stand-in does not hold.
var ErrUnknown = errors.New("market stand-in: unknown code or order")

// Code is a licence code the stand-in holds.
type Code struct {
	Code      string
	State     State
	ExpiresAt time.Time // the authoritative expiry, answered by the query
	// EstimateSkew is added to ExpiresAt in the activate answer's expire_time, which the docs call an estimate.
	EstimateSkew time.Duration
	ProductID    string
	OrderID      string
	Amount       int
	ActivatedAt  time.Time // set by the first successful activate
	// Activations counts successful activate calls for this code (v1 and v2).
	Activations int
}

// AddCode adds a licence code, as the marketplace does when a buyer pays. It returns an error for an empty or
// over-long code, an unknown state, or a code already held.
func (s *Server) AddCode(c Code) error {
	if c.Code == "" || len(c.Code) > koogallery.MaxCodeLen {
		return fmt.Errorf("market stand-in: code %q: empty or over %d characters", c.Code, koogallery.MaxCodeLen)
	}
	if c.State == "" {
		c.State = Received
	}
	if !c.State.valid() {
		return fmt.Errorf("market stand-in: state %q unknown", c.State)
	}
	if c.State != NotReceived && c.State != Received && c.ActivatedAt.IsZero() {
		c.ActivatedAt = s.cfg.Now().UTC().Truncate(time.Second) // added as already activated
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.codes[c.Code]; ok {
		return fmt.Errorf("market stand-in: code %q already added", c.Code)
	}
	s.codes[c.Code] = &c
	return nil
}

func (st State) valid() bool {
	switch st {
	case NotReceived, Received, Active, Expired, Released:
		return true
	}
	return false
}

// SetState changes a code's state, as the marketplace does when the buyer receives the code, on expiry, freeze,
// renewal or release. It returns ErrUnknown for a code not held.
func (s *Server) SetState(code string, st State) error {
	if !st.valid() {
		return fmt.Errorf("market stand-in: state %q unknown", st)
	}
	return s.update(code, func(c *Code) { c.State = st })
}

// SetExpiry changes a code's expiry, as a renewal or unrenewal does. It returns ErrUnknown for a code not held.
func (s *Server) SetExpiry(code string, t time.Time) error {
	return s.update(code, func(c *Code) { c.ExpiresAt = t })
}

func (s *Server) update(code string, f func(*Code)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.codes[code]
	if !ok {
		return fmt.Errorf("market stand-in: code %q: %w", code, ErrUnknown)
	}
	f(c)
	return nil
}

// Code returns a copy of the code held under code.
func (s *Server) Code(code string) (Code, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.codes[code]
	if !ok {
		return Code{}, false
	}
	return *c, true
}

// AddOrder adds or replaces an order for the order query. It returns an error for an order without orderId.
func (s *Server) AddOrder(o koogallery.OrderInfo) error {
	if o.OrderID == "" || len(o.OrderID) > koogallery.MaxOrderIDLen {
		return fmt.Errorf("market stand-in: order id %q: empty or over %d characters", o.OrderID, koogallery.MaxOrderIDLen)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.orders[o.OrderID] = o
	return nil
}

// Upload is a market-event upload the stand-in accepted.
type Upload struct {
	EventID  string
	Type     string // koogallery.UploadCharacters or UploadFile
	FileName string
	SHA256   string
	Content  []byte
}

// Uploads returns the uploads accepted so far, oldest first.
func (s *Server) Uploads() []Upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Upload(nil), s.uploads...)
}

// Calls returns how many calls of api were answered with code (error_code or resultCode; "" counts every
// answer of api whatever its code). Calls to a path the gateway does not publish count under API "".
func (s *Server) Calls(api koogallery.API, code string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, v := range s.calls {
		if k.api == api && (code == "" || k.code == code) {
			n += v
		}
	}
	return n
}

// faults holds the injected faults; each call takes what applies to it.
type faults struct {
	failNext   int
	failStatus int
	loseNext   int
	latency    time.Duration
}

// fault is what applies to one call.
type fault struct {
	status  int
	lose    bool
	latency time.Duration
}

// FailNext makes the next n calls answer HTTP status (a 5xx; 0 means 503) without reaching the marketplace:
// 502 and 504 with the gateway's APIG.0202 and APIG.0203, any other status with a body that is not JSON.
func (s *Server) FailNext(n, status int) {
	if status == 0 {
		status = http.StatusServiceUnavailable
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.failNext, s.faults.failStatus = n, status
}

// LoseAnswers makes the next n calls take effect and then close the connection without an answer.
func (s *Server) LoseAnswers(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.loseNext = n
}

// SetLatency delays every answer by d (0 for none).
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.latency = d
}

func (s *Server) takeFault() fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := fault{latency: s.faults.latency}
	if s.faults.failNext > 0 {
		s.faults.failNext--
		f.status = s.faults.failStatus
	} else if s.faults.loseNext > 0 {
		s.faults.loseNext--
		f.lose = true
	}
	return f
}

func writeFault(w http.ResponseWriter, status int) {
	switch status {
	case http.StatusBadGateway:
		writeCode(w, koogallery.GatewayUnavailable, "")
	case http.StatusGatewayTimeout:
		writeCode(w, koogallery.GatewayTimeout, "")
	default:
		http.Error(w, http.StatusText(status), status)
	}
}
