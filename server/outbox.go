package server

import (
	"context"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/licentia/licentia/server/desk"
	"github.com/licentia/licentia/server/store"
)

// Outbox pacing: how long a claimed upload is leased to one replica, the backoff between attempts, and how
// many attempts an upload gets before it is dead-lettered (5 s doubling to 10 min: about 2 h 30 min in all,
// longer than the marketplace's own 2 h of resends).
const (
	uploadLease       = time.Minute
	uploadBackoffMin  = 5 * time.Second
	uploadBackoffMax  = 10 * time.Minute
	uploadMaxAttempts = 20
)

// RunOutbox sends the uploads owed to the marketplace (G1b getLicenseAsync) until ctx ends: every poll, and
// at once after a new one is recorded. Without the OpenAPI configured it only waits.
func (s *Server) RunOutbox(ctx context.Context, poll time.Duration) {
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		s.outboxPass(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.outboxKick:
		}
	}
}

func (s *Server) kickOutbox() {
	select {
	case s.outboxKick <- struct{}{}:
	default:
	}
}

// outboxPass tries every due upload once.
func (s *Server) outboxPass(ctx context.Context) {
	if s.cfg.Market == nil {
		return
	}
	now := s.now()
	due, err := s.st.DueUploads(ctx, now.Unix(), 32)
	if err != nil {
		s.log.WarnContext(ctx, "outbox", "err", err)
		return
	}
	for i := range due {
		u := &due[i]
		if ok, err := s.st.ClaimUpload(ctx, u, now.Add(uploadLease).Unix()); err != nil || !ok {
			continue
		}
		err := s.cfg.Market.UploadEvent(ctx, u.EventID, "license.txt", []byte(u.Content))
		if err == nil {
			if err := s.st.FinishUpload(ctx, u.EventID, s.now().Unix()); err != nil {
				s.log.WarnContext(ctx, "outbox", "err", err)
			}
			s.log.InfoContext(ctx, "license uploaded to the marketplace", "license_id", u.LicenseID, "event_id", u.EventID)
			continue
		}
		if u.Attempts+1 >= uploadMaxAttempts {
			s.log.ErrorContext(ctx, "license upload dead-lettered: the marketplace refused it every time; "+
				"retry with `licentia codes retry-upload` once the cause is fixed", "license_id", u.LicenseID,
				"event_id", u.EventID, "attempts", u.Attempts+1, "err", err)
			if err := s.st.ParkUpload(ctx, u.EventID, err.Error()); err != nil {
				s.log.WarnContext(ctx, "outbox", "err", err)
			}
			s.metrics.uploadsDeadLettered.Inc()
			continue
		}
		wait := min(uploadBackoffMin<<min(u.Attempts, 10), uploadBackoffMax)
		s.log.WarnContext(ctx, "license upload failed; will retry", "license_id", u.LicenseID, "event_id", u.EventID,
			"attempts", u.Attempts+1, "retry_in", wait, "err", err)
		if err := s.st.RetryUpload(ctx, u.EventID, s.now().Add(wait).Unix(), err.Error()); err != nil {
			s.log.WarnContext(ctx, "outbox", "err", err)
		}
	}
	if n, err := s.st.CountParkedUploads(ctx); err == nil {
		s.metrics.uploadsDead.Set(float64(n))
	}
}

// retryUploads serves POST /admin/v1/licenses/{ref}/uploads/retry {"reason"} (support tokens): the license's
// dead-lettered uploads are tried again at once, recorded in its audit log.
func (a *adminAPI) retryUploads(w http.ResponseWriter, r *http.Request) {
	ref, err := refParam(r)
	var req desk.ChangeRequest
	if err == nil {
		err = decodeJSON(w, r, &req)
	}
	var out *desk.UploadRetry
	if err == nil {
		req.Actor = desk.Actor{Source: store.SourceAdmin, Name: tokenOf(r.Context()).Name, RequestID: middleware.GetReqID(r.Context())}
		out, err = a.sup.RetryUploads(r.Context(), ref, req)
	}
	if err != nil {
		a.s.fail(w, r, err)
		return
	}
	a.s.log.InfoContext(r.Context(), "support retry of dead-lettered uploads", "license_id", out.LicenseID,
		"retried", out.Retried, "actor", req.Actor.Name, "request_id", req.Actor.RequestID)
	if out.Retried > 0 {
		a.s.kickOutbox()
	}
	writeJSON(w, http.StatusOK, out)
}
