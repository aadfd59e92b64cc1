package license

// Event sources: who made a change, as the audit log records it.
const (
	SourceKooGallery = "koogallery"       // a marketplace callback
	SourceQuery      = "koogallery-query" // licentia's own query of the marketplace (License 2.0 reconcile)
	SourceCLI        = "cli"              // the local support CLI
	SourceAdmin      = "admin"            // the admin API
	SourceAPI        = "api"              // the buyer's software (activation)
	SourceImport     = "import"           // licentia codes import
)

// Event is one entry of a license's audit log. Expiry fields are unix seconds, 0 for none.
type Event struct {
	ID            int64
	LicenseID     string
	At            int64
	Source        string
	Actor         string
	Action        string
	Activity      string
	Scene         string
	OrderID       string
	OrderLineID   string
	DedupeKey     string
	Reason        string
	RequestID     string
	BeforeStatus  string
	AfterStatus   string
	BeforeExpires int64
	AfterExpires  int64
	Generation    int64
}

// Delivery describes where a change came from: everything of its audit event that the transition does
// not decide.
type Delivery struct {
	At          int64 // unix seconds
	Source      string
	Actor       string
	Activity    string // the marketplace activity, for callbacks
	Scene       string
	OrderID     string
	OrderLineID string
	RequestID   string
	// DedupeKey, when set, makes the event the record that this delivery was handled: the store refuses a
	// second event with the same key, so an exact resend changes nothing.
	DedupeKey string
	// Reason is the reason a person gave (support changes); an ignored change records its own instead.
	Reason string
}

// NewEvent returns the audit event of a transition from cur (nil for a create) to next with outcome out.
// An ignored change records action "ignored" with the transition's reason.
func NewEvent(cur *License, next License, out Outcome, d Delivery) Event {
	ev := Event{
		LicenseID: next.ID, At: d.At, Source: d.Source, Actor: d.Actor, Action: out.Action, Activity: d.Activity,
		Scene: d.Scene, OrderID: d.OrderID, OrderLineID: d.OrderLineID, DedupeKey: d.DedupeKey, Reason: d.Reason,
		RequestID: d.RequestID, AfterStatus: next.Status, AfterExpires: next.ExpiresAt, Generation: next.Generation,
	}
	if cur != nil {
		ev.LicenseID = cur.ID
		ev.BeforeStatus, ev.BeforeExpires = cur.Status, cur.ExpiresAt
	}
	if !out.Applied {
		ev.Action, ev.Reason = ActIgnored, out.Reason
	}
	return ev
}
