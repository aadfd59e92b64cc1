package support

import (
	"context"

	"github.com/licentia/licentia/server/store"
)

// maxUploadViews is how many of a license's uploads "show" lists, newest first.
const maxUploadViews = 20

// Upload states as UploadView reports them.
const (
	UploadPending = "pending" // owed; tried again at next_at
	UploadDone    = "done"    // the marketplace accepted it
	UploadDead    = "dead"    // the marketplace refused every attempt; waits for RetryUploads
)

// UploadView is one upload of the license's code to the marketplace for a G1b getLicenseAsync event. It never
// holds the code itself.
type UploadView struct {
	EventID   string  `json:"event_id"`
	State     string  `json:"state"`
	Attempts  int64   `json:"attempts"`
	NextAt    *string `json:"next_at,omitempty"`
	DoneAt    *string `json:"done_at,omitempty"`
	LastError string  `json:"last_error,omitempty"`
	CreatedAt string  `json:"created_at"`
}

func newUploadView(u *store.UploadState) UploadView {
	v := UploadView{EventID: u.EventID, State: UploadPending, Attempts: u.Attempts, LastError: u.LastError,
		CreatedAt: RFC3339(u.CreatedAt)}
	switch {
	case u.DoneAt.Valid:
		v.State, v.DoneAt, v.LastError = UploadDone, OptRFC3339(u.DoneAt.Int64), ""
	case u.Parked():
		v.State = UploadDead
	default:
		v.NextAt = OptRFC3339(u.NextAt)
	}
	return v
}

// uploadsOf returns the views of the license's newest uploads.
func (sp *Desk) uploadsOf(ctx context.Context, licenseID string) ([]UploadView, error) {
	us, err := sp.st.UploadsOf(ctx, licenseID, maxUploadViews)
	if err != nil {
		return nil, err
	}
	var vs []UploadView
	for i := range us {
		vs = append(vs, newUploadView(&us[i]))
	}
	return vs, nil
}

// UploadRetry is the outcome of RetryUploads.
type UploadRetry struct {
	LicenseID string `json:"license_id"`
	// Retried counts the dead-lettered uploads made due again; 0 when there was none (nothing is recorded).
	Retried int64 `json:"retried"`
}

// RetryUploads makes the dead-lettered uploads of the license ref names due again now, each with a fresh
// count of attempts, and records the audit event (action store.ActionRetryUpload) with the reason. It
// returns a *licensing.RequestError for a missing reason, and the errors of find.
func (sp *Desk) RetryUploads(ctx context.Context, ref string, req ChangeRequest) (*UploadRetry, error) {
	l, reason, err := sp.target(ctx, ref, req)
	if err != nil {
		return nil, err
	}
	n, err := sp.svc.RetryUploads(ctx, l, reason, req.Actor)
	if err != nil {
		return nil, err
	}
	return &UploadRetry{LicenseID: l.ID, Retried: n}, nil
}
