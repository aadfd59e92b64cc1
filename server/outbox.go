package server

import (
	"context"
	"time"
)

// Outbox pacing: how long a claimed upload is leased to one replica, and the backoff between attempts.
const (
	uploadLease      = time.Minute
	uploadBackoffMin = 5 * time.Second
	uploadBackoffMax = 10 * time.Minute
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
		wait := min(uploadBackoffMin<<min(u.Attempts, 10), uploadBackoffMax)
		s.log.WarnContext(ctx, "license upload failed; will retry", "license_id", u.LicenseID, "event_id", u.EventID,
			"attempts", u.Attempts+1, "retry_in", wait, "err", err)
		if err := s.st.RetryUpload(ctx, u.EventID, s.now().Add(wait).Unix(), err.Error()); err != nil {
			s.log.WarnContext(ctx, "outbox", "err", err)
		}
	}
}
