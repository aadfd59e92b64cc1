// Package licensing is licentia's application layer: the Service that owns every write to the licenses —
// create (every flow: License 1.0, G1b instances, License 2.0 activation, import, the benchmark populator),
// change (renew, unrenew, freeze, unfreeze, release, reissue, revoke, reconcile with the marketplace's query),
// and the License 2.0 and G1b conversations with the marketplace's OpenAPI (activation, the order query, the
// upload outbox) — and everything that follows a commit: the signed code, the audit event, the metric and the
// log line, through one Observer.
//
// The rules it applies are package license's; the storage is package store's. It knows no HTTP: package
// server decodes requests and maps the errors below to answers, and the CLI (licentia codes …) calls the same
// Service on a local database. .ci/deps.sh checks that it imports no HTTP server, router, metrics or
// templates.
package licensing

import (
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/marketapi"
	"github.com/licentia/licentia/server/store"
)

// Observer is told what the Service did, after the commit: metrics. The zero Observer methods of
// NopObserver do nothing.
type Observer interface {
	// Issued is called once for each code signed and stored, with the action that produced it
	// (license.ActCreate, ActActivate, ActRenew, …).
	Issued(action string)
	// UploadDeadLettered is called when a G1b upload ran out of attempts.
	UploadDeadLettered()
	// UploadsDead reports how many uploads wait dead-lettered, after each outbox pass.
	UploadsDead(n int)
	// Seat is called once for each seat decision, with its outcome (SeatKept, SeatTaken, SeatRetaken,
	// SeatClone, SeatExhausted).
	Seat(outcome string)
	// UsageReported counts n uses of the usage report by result: UsageAccepted, UsageRetried,
	// UsageDeadLettered.
	UsageReported(result string, n int)
	// UsageDead reports how many uses of the usage report wait dead-lettered, after each sender pass.
	UsageDead(n int)
}

// NopObserver observes nothing.
type NopObserver struct{}

func (NopObserver) Issued(string)             {}
func (NopObserver) UploadDeadLettered()       {}
func (NopObserver) UploadsDead(int)           {}
func (NopObserver) Seat(string)               {}
func (NopObserver) UsageReported(string, int) {}
func (NopObserver) UsageDead(int)             {}

// Options configure a Service.
type Options struct {
	// Issuer signs new codes: the name in "iss", the grace, the ring's active key.
	Issuer *license.Issuer
	// InheritIssuer signs each new generation of an existing license with the issuer name and grace of its
	// current code instead of Issuer's, so that a CLI run without serve's --issuer and --grace cannot
	// change them. New licenses are signed by Issuer.
	InheritIssuer bool
	// Market is the marketplace's OpenAPI (License 2.0 activation and query, the G1b order query and
	// upload); nil without AK/SK: activation then fails with ErrMarketUnconfigured, G1b calls that need it
	// with ErrNeedsMarket.
	Market *marketapi.Client
	// Activation bounds what activation may cost the marketplace (zero fields: the defaults).
	Activation ActivationLimits
	// Observer is told what was done (default NopObserver).
	Observer Observer
	// Log receives the Service's log lines (default: discarded).
	Log *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Service owns every write to the licenses. It is safe for concurrent use; replicas on one PostgreSQL
// database share its limits and claims through the database.
type Service struct {
	st      *store.Store
	is      *license.Issuer
	inherit bool
	market  *marketapi.Client
	obs     Observer
	log     *slog.Logger
	now     func() time.Time
	limits  ActivationLimits
	act     *activator
	orders  orderFills
	retries queryRetries
	// seatTurns orders the seat requests of each license in this process.
	seatTurns seatTurns
	kick      chan struct{}
	// usageKick wakes the usage sender; usagePurged is the UTC day it last purged old uses.
	usageKick   chan struct{}
	usagePurged atomic.Int64
}

// New returns the Service over st. It fails only when opt.Activation is out of bounds.
func New(st *store.Store, opt Options) (*Service, error) {
	if err := opt.Activation.Validate(); err != nil {
		return nil, err
	}
	if opt.Observer == nil {
		opt.Observer = NopObserver{}
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	s := &Service{st: st, is: opt.Issuer, inherit: opt.InheritIssuer, market: opt.Market, obs: opt.Observer,
		log: opt.Log, now: opt.Now, limits: opt.Activation, kick: make(chan struct{}, 1), usageKick: make(chan struct{}, 1)}
	s.usagePurged.Store(math.MinInt64)
	s.act = newActivator(s)
	s.orders.init()
	return s, nil
}

// Store returns the store the Service writes to.
func (s *Service) Store() *store.Store { return s.st }

// Now is the Service's clock.
func (s *Service) Now() time.Time { return s.now() }

// Actor is who asked for a change, as the audit log records it.
type Actor struct {
	// Source is license.SourceCLI (local CLI), SourceAdmin (admin API), SourceAPI (buyer API) or
	// SourceImport.
	Source string
	// Name is the admin token's name, the local CLI's --actor or OS user, or "buyer".
	Name string
	// RequestID ties the event to the request (or CLI run) that made it.
	RequestID string
}

// noteEvent is the audit event of an action by by on l at unix time now that leaves the license as it is
// (its status, expiry and generation before and after).
func noteEvent(l *store.License, action, reason string, by Actor, now int64) store.Event {
	return store.Event{LicenseID: l.ID, At: now, Source: by.Source, Actor: by.Name, Action: action, Reason: reason,
		RequestID: by.RequestID, BeforeStatus: l.Status, AfterStatus: l.Status, BeforeExpires: l.ExpiresAt,
		AfterExpires: l.ExpiresAt, Generation: l.Generation}
}

// orderFills are the G1b newInstance orders whose order query runs in the background: the instanceId
// answered for each, and the same ids as a set for queryInstance.
type orderFills struct {
	sync.Mutex
	m   map[OrderKey]string
	ids map[string]bool
}

func (o *orderFills) init() { o.m, o.ids = map[OrderKey]string{}, map[string]bool{} }

// register makes id the instanceId of the order line key's fill, unless another fill of it runs: then it
// returns that fill's instanceId and false.
func (o *orderFills) register(key OrderKey, id string) (string, bool) {
	o.Lock()
	defer o.Unlock()
	if cur, busy := o.m[key]; busy {
		return cur, false
	}
	o.m[key], o.ids[id] = id, true
	return id, true
}

// unregister ends the fill of the order line key.
func (o *orderFills) unregister(key OrderKey) {
	o.Lock()
	defer o.Unlock()
	delete(o.ids, o.m[key])
	delete(o.m, key)
}

// OrderKey names an order line: the key of the order fills here and of the HTTP side's resend cache.
type OrderKey struct{ Order, Line string }
