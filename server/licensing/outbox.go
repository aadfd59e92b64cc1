package licensing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/licentia/licentia/server/marketapi"
	"github.com/licentia/licentia/server/store"
)

// Outbox pacing (exported for the tests of the HTTP side): how long a claimed upload is leased to one replica, the backoff between attempts, and how
// many attempts an upload gets before it is dead-lettered (5 s doubling to 10 min: about 2 h 30 min in all,
// longer than the marketplace's own 2 h of resends).
const (
	UploadLease       = time.Minute
	UploadBackoffMin  = 5 * time.Second
	UploadBackoffMax  = 10 * time.Minute
	UploadMaxAttempts = 20
)

// RunOutbox sends the uploads owed to the marketplace (G1b getLicenseAsync) until ctx ends: every poll, and
// at once after a new one is recorded. Without the OpenAPI configured it only waits.
func (s *Service) RunOutbox(ctx context.Context, poll time.Duration) {
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		s.SendUploads(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.kick:
		}
	}
}

func (s *Service) kickOutbox() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// SendUploads tries every due upload once.
func (s *Service) SendUploads(ctx context.Context) {
	if s.market == nil {
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
		if ok, err := s.st.ClaimUpload(ctx, u, now.Add(UploadLease).Unix()); err != nil || !ok {
			continue
		}
		err := s.market.UploadEvent(ctx, u.EventID, marketapi.DefaultUploadFileName, []byte(u.Content))
		if err == nil {
			if err := s.st.FinishUpload(ctx, u.EventID, s.now().Unix()); err != nil {
				s.log.WarnContext(ctx, "outbox", "err", err)
			}
			s.log.InfoContext(ctx, "license uploaded to the marketplace", "license_id", u.LicenseID, "event_id", u.EventID)
			continue
		}
		if u.Attempts+1 >= UploadMaxAttempts {
			s.log.ErrorContext(ctx, "license upload dead-lettered: the marketplace refused it every time; "+
				"retry with `licentia codes retry-upload` once the cause is fixed", "license_id", u.LicenseID,
				"event_id", u.EventID, "attempts", u.Attempts+1, "err", err)
			if err := s.st.ParkUpload(ctx, u.EventID, err.Error()); err != nil {
				s.log.WarnContext(ctx, "outbox", "err", err)
			}
			s.obs.UploadDeadLettered()
			continue
		}
		wait := min(UploadBackoffMin<<min(u.Attempts, 10), UploadBackoffMax)
		s.log.WarnContext(ctx, "license upload failed; will retry", "license_id", u.LicenseID, "event_id", u.EventID,
			"attempts", u.Attempts+1, "retry_in", wait, "err", err)
		if err := s.st.RetryUpload(ctx, u.EventID, s.now().Add(wait).Unix(), err.Error()); err != nil {
			s.log.WarnContext(ctx, "outbox", "err", err)
		}
	}
	if n, err := s.st.CountParkedUploads(ctx); err == nil {
		s.obs.UploadsDead(int(n))
	}
}

// OweUpload records that the code of the G1b instance id is owed to the marketplace by upload for eventId
// (getLicenseAsync): durably, once per eventId, before the call is answered; the outbox sends it, retrying
// until the marketplace accepts it, across restarts. It fails with ErrNeedsMarket without the OpenAPI.
func (s *Service) OweUpload(ctx context.Context, id, eventID, fingerprint string) (*store.License, error) {
	if s.market == nil {
		return nil, fmt.Errorf("getLicenseAsync for instance %s: the code is delivered by upload: %w", id, ErrNeedsMarket)
	}
	l, err := s.st.LicenseByID(ctx, id)
	if err != nil {
		return nil, err
	}
	content, err := s.deviceCode(ctx, l, fingerprint)
	if err != nil {
		return nil, err
	}
	created, err := s.st.EnqueueUpload(ctx, &store.Upload{EventID: eventID, LicenseID: l.ID, Content: content}, s.now().Unix())
	if err != nil {
		return nil, err
	}
	if created {
		s.log.InfoContext(ctx, "license upload owed to the marketplace", "license_id", l.ID, "event_id", eventID,
			"device_bound", fingerprint != "")
		s.kickOutbox()
	}
	return l, nil
}

// deviceCode is the code a G1b getLicenseAsync uploads: with a deviceFingerprint, the code bound to that
// device, which takes one of the order's seats (one per distinct fingerprint, up to the order's quantity
// or the product's policy: ErrQuotaExhausted past it); the same device again keeps its seat and gets the
// same code. Without one, the license's own code, unless the product's policy requires a fingerprint
// (ErrFingerprintRequired).
func (s *Service) deviceCode(ctx context.Context, l *store.License, fingerprint string) (string, error) {
	if fingerprint == "" {
		p, err := s.st.Policy(ctx, l.ProductID)
		if err != nil {
			return "", err
		}
		if p.RequireFingerprint {
			return "", ErrFingerprintRequired
		}
		return l.Code, nil
	}
	bound, err := s.bindDevice(ctx, l, fingerprint)
	var se *SeatError
	if errors.As(err, &se) {
		return "", fmt.Errorf("device of instance %s: %w (%d of %d seats held)", l.ID, ErrQuotaExhausted, se.Used, se.Limit)
	}
	if err != nil {
		return "", err
	}
	return bound.Code, nil
}

// RetryUploads makes the dead-lettered uploads of l due again now, each with a fresh count of attempts, and
// records the audit event (action store.ActionRetryUpload) with the reason; it returns how many there were
// (none: nothing is recorded) and tells the outbox.
func (s *Service) RetryUploads(ctx context.Context, l *store.License, reason string, by Actor) (int64, error) {
	now := s.now().Unix()
	ev := noteEvent(l, store.ActionRetryUpload, reason, by, now)
	n, err := s.st.RetryParkedUploads(ctx, l.ID, now, &ev)
	if err == nil && n > 0 {
		s.kickOutbox()
	}
	return n, err
}
