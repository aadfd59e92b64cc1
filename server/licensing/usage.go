package licensing

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/marketapi"
	"github.com/licentia/licentia/server/store"
)

// Usage report pacing and bounds (the marketplace's 授权码软件使用统计; docs/koogallery.md "The usage report").
const (
	// UsageLease is how long a sender holds the uses it claimed; a sender that dies leaves them due again
	// after it. It covers a call and its splitting: a call takes at most the client's attempts of 5 s.
	UsageLease = 2 * time.Minute
	// UsageBackoffMin and UsageBackoffMax shape the wait after a failed report (5 s doubling to 10 min), and
	// UsageMaxAttempts bounds the attempts before a use is dead-lettered (about 2 h 30 min in all).
	UsageBackoffMin  = 5 * time.Second
	UsageBackoffMax  = 10 * time.Minute
	UsageMaxAttempts = 20
	// UsageClaim is how many uses a sender claims at once: a few calls' worth, sent well within the lease.
	UsageClaim = 300
	// UsageMaxDeployments bounds the deployments of one marketplace code recorded on one UTC day: a client
	// that invents deployment ids cannot grow the table or the report without bound.
	UsageMaxDeployments = 10000
	// UsageMaxDeploymentLen bounds a deployment as RecordUse takes it (the seat code's salted hash).
	UsageMaxDeploymentLen = 64
	// UsageKeepDays is how many days reported and dead-lettered uses are kept (for codes show).
	UsageKeepDays = 400
)

// Results of usage reports, as Observer.UsageReported counts them (the label of
// licentia_usage_reports_total).
const (
	UsageAccepted     = "accepted"      // the marketplace accepted the report
	UsageRetried      = "retried"       // the report failed and will be tried again
	UsageDeadLettered = "dead_lettered" // the report failed its last attempt
)

// RecordUse records that the deployment (the salted hash of its id, as the seat code computes it: an opaque
// id of 1 to 64 characters) used l at the time at, for the marketplace's daily usage report in mode (the
// product policy's UsageMode: license.UsageByID or license.UsageByCount; in count mode each report carries as
// active_num the code's number of deployments recorded that UTC day so far — the page's 当日总计活跃客户端数量,
// a total, never an increment — so a deployment first seen later the same day is reported with the new
// total, and the day's last report carries its count): durably,
// once per (marketplace code, deployment, UTC day), before it returns, and wakes the usage sender, which
// reports it within a minute. It does nothing for a license without a marketplace code (only License 2.0
// codes are reported) and for a test license. A deployment or mode the report cannot carry is a
// *RequestError. Past UsageMaxDeployments deployments of one code in one day, further ones are not recorded
// (logged at Warn).
func (s *Service) RecordUse(ctx context.Context, l *store.License, deployment, mode string, at time.Time) error {
	if l == nil || l.MarketCode == "" || l.Test {
		return nil
	}
	if mode != license.UsageByID && mode != license.UsageByCount {
		return BadRequest("usage report mode %q: want %s or %s", mode, license.UsageByID, license.UsageByCount)
	}
	if len(deployment) > UsageMaxDeploymentLen ||
		marketapi.CheckUsage(marketapi.UsageReport{Code: l.MarketCode, IDs: []string{deployment}}) != nil {
		return BadRequest("deployment: want 1 to %d characters without spaces around or control characters", UsageMaxDeploymentLen)
	}
	u := useOf(l, deployment, mode, at.Unix())
	first, full, err := s.st.RecordUse(ctx, *u, UsageMaxDeployments)
	if err != nil {
		return err
	}
	s.useRecorded(ctx, u, first, full)
	return nil
}

// useRecorded follows the recording of use u: the sender is woken for the first use of its day, and a use past
// the day's bound of deployments is logged, unrecorded.
func (s *Service) useRecorded(ctx context.Context, u *store.Use, first, full bool) {
	switch {
	case full:
		s.log.WarnContext(ctx, "usage not recorded: the code has reached its bound of deployments for the day",
			"license_id", u.LicenseID, "day", license.DayDate(u.Day), "bound", UsageMaxDeployments)
	case first:
		s.kickUsage()
	}
}

// RetryUsage makes the dead-lettered uses of l's marketplace code of today (UTC) due again now, each with a
// fresh count of attempts, records the audit event (action store.ActionRetryUsage) with the reason when
// there was one, and wakes the sender. Uses of earlier days stay dead-lettered: the usage report carries no
// date and the marketplace counts a report on the day it arrives, so an earlier day's use sent now would be
// counted for today. It returns the day (days since 1970-01-01), how many uses it made due and how many of
// earlier days it left, and a *RequestError for a license without a marketplace code (only License 2.0
// codes are reported).
func (s *Service) RetryUsage(ctx context.Context, l *store.License, reason string, by Actor) (day, retried, older int64, err error) {
	if l.MarketCode == "" {
		return 0, 0, 0, BadRequest("license %s has no marketplace code: only License 2.0 licenses report usage", l.ID)
	}
	now := s.now()
	day = license.UsageDay(now)
	ev := noteEvent(l, store.ActionRetryUsage, reason, by, now.Unix())
	retried, older, err = s.st.RetryDeadUsage(ctx, l.ID, day, now.Unix(), &ev)
	if err == nil && retried > 0 {
		s.kickUsage()
	}
	return day, retried, older, err
}

func (s *Service) kickUsage() {
	select {
	case s.usageKick <- struct{}{}:
	default:
	}
}

// RunUsage reports the recorded uses to the marketplace until ctx ends: every poll, and at once after a
// first use of a day is recorded. It is a loop of its own, beside RunOutbox, so that a G1b upload the
// marketplace is slow to take never holds a usage report past its minute, and each keeps its own lease and
// backoff. Without the OpenAPI configured it only waits; the uses stay recorded.
func (s *Service) RunUsage(ctx context.Context, poll time.Duration) {
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		s.SendUsage(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.usageKick:
		}
	}
}

// SendUsage reports every use due now, in calls of at most koogallery.MaxUsageCodes codes, and returns how
// many uses the marketplace accepted. Replicas share the work through the store's claims.
func (s *Service) SendUsage(ctx context.Context) int {
	if s.market == nil {
		return 0
	}
	s.purgeUsage(ctx)
	accepted := 0
	for ctx.Err() == nil {
		token, err := claimToken()
		if err != nil {
			s.log.WarnContext(ctx, "usage report", "err", err)
			break
		}
		now := s.now()
		uses, err := s.st.ClaimUsage(ctx, token, now.Unix(), now.Add(UsageLease).Unix(), UsageClaim)
		if err != nil {
			s.log.WarnContext(ctx, "usage report", "err", err)
			break
		}
		if len(uses) == 0 {
			break
		}
		// Stop sending a minute before the lease ends: past it another replica may claim the same uses.
		deadline := now.Add(UsageLease - time.Minute)
		for _, call := range packUsage(uses) {
			accepted += s.reportUsage(ctx, token, call, deadline, true)
		}
	}
	if n, err := s.st.CountDeadUsage(ctx); err == nil {
		s.obs.UsageDead(int(n))
	}
	return accepted
}

// reportUsage sends one call and records its outcome; it returns how many uses were accepted. Past deadline
// it sends nothing and makes the call's uses due again. When split is
// set and the marketplace refuses a call of several codes for what it holds (an invalid code among them),
// each code is sent alone, so one code the marketplace refuses does not hold back the others.
func (s *Service) reportUsage(ctx context.Context, token string, call []usageGroup, deadline time.Time, split bool) int {
	if s.now().After(deadline) {
		// Not sent: due again at once, for this or another sender to claim afresh.
		if err := s.st.UsageRelease(ctx, token, groupKeys(call), s.now().Unix()); err != nil {
			s.log.WarnContext(ctx, "usage report", "err", err)
		}
		return 0
	}
	reports := make([]marketapi.UsageReport, len(call))
	for i, g := range call {
		reports[i] = g.report
	}
	err := s.market.ReportUsage(ctx, reports)
	if err == nil {
		keys := groupKeys(call)
		if err := s.st.UsageSent(ctx, token, keys, s.now().Unix()); err != nil {
			s.log.WarnContext(ctx, "usage report", "err", err)
		}
		s.obs.UsageReported(UsageAccepted, len(keys))
		s.log.InfoContext(ctx, "usage reported to the marketplace", "codes", len(call), "uses", len(keys))
		return len(keys)
	}
	if split && len(call) > 1 && refusedForContent(err) {
		n := 0
		for _, g := range call {
			n += s.reportUsage(ctx, token, []usageGroup{g}, deadline, false)
		}
		return n
	}
	s.usageFailed(ctx, token, call, err)
	return 0
}

// refusedForContent reports whether the marketplace refused a report for what it says (a code or field it
// will not take) rather than for being unreachable, throttled or not authorised.
func refusedForContent(err error) bool {
	for _, kind := range []error{marketapi.ErrInvalidCodes, marketapi.ErrInvalidParam, marketapi.ErrUnknownCode,
		marketapi.ErrNotActivated} {
		if errors.Is(err, kind) {
			return true
		}
	}
	return false
}

// usageFailed schedules the uses of a failed call again with backoff, or dead-letters those that used up
// their attempts. On shutdown (ctx ended) the uses are given back, due again at once without the lease to wait
// and the interrupted attempt not counted.
func (s *Service) usageFailed(ctx context.Context, token string, call []usageGroup, cause error) {
	now := s.now()
	if ctx.Err() != nil {
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := s.st.UsageRelease(wctx, token, groupKeys(call), now.Unix()); err != nil {
			s.log.WarnContext(wctx, "usage report", "err", err)
		}
		return
	}
	retry := map[int64][]store.UsageKey{}
	for _, g := range call {
		var dead []store.UsageKey
		for i, k := range g.keys {
			if g.attempts[i] >= UsageMaxAttempts {
				dead = append(dead, k)
				continue
			}
			wait := min(UsageBackoffMin<<min(g.attempts[i]-1, 10), UsageBackoffMax)
			next := now.Add(wait).Unix()
			retry[next] = append(retry[next], k)
		}
		if len(dead) > 0 {
			s.log.WarnContext(ctx, "usage report dead-lettered: the marketplace did not accept it in "+
				fmt.Sprint(UsageMaxAttempts)+" attempts", "license_id", g.licenseID, "day", license.DayDate(g.day),
				"uses", len(dead), "err", cause)
			if err := s.st.UsageDead(ctx, token, dead, now.Unix(), cause.Error()); err != nil {
				s.log.WarnContext(ctx, "usage report", "err", err)
			}
			s.obs.UsageReported(UsageDeadLettered, len(dead))
		}
	}
	for next, keys := range retry {
		s.log.WarnContext(ctx, "usage report failed; will retry", "uses", len(keys),
			"retry_in", time.Unix(next, 0).Sub(now), "err", cause)
		if err := s.st.UsageRetry(ctx, token, keys, next, cause.Error()); err != nil {
			s.log.WarnContext(ctx, "usage report", "err", err)
		}
		s.obs.UsageReported(UsageRetried, len(keys))
	}
}

// purgeUsage deletes, once a UTC day per Service, the reported and dead-lettered uses older than
// UsageKeepDays.
func (s *Service) purgeUsage(ctx context.Context) {
	day := license.UsageDay(s.now())
	if s.usagePurged.Swap(day) == day {
		return
	}
	if _, err := s.st.PurgeUsage(ctx, day-UsageKeepDays); err != nil {
		s.log.WarnContext(ctx, "usage report", "err", err)
	}
}

func claimToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("claim token: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// usageGroup is the usage of one code on one day in one mode, as one usage_info entry: with the uses it
// reports and their attempts so far.
type usageGroup struct {
	report    marketapi.UsageReport
	day       int64
	licenseID string
	keys      []store.UsageKey
	attempts  []int64
}

func groupKeys(call []usageGroup) []store.UsageKey {
	var keys []store.UsageKey
	for _, g := range call {
		keys = append(keys, g.keys...)
	}
	return keys
}

// packUsage packs claimed uses into calls the marketplace takes: each call names a code at most once and at
// most koogallery.MaxUsageCodes codes. The uses of a code on a day in mode id become its client ids, at most
// koogallery.MaxUsageItems an entry (more go in further calls); in mode count they become one active_num,
// the number of the code's deployments recorded that day. Older days go first.
func packUsage(uses []store.ClaimedUse) [][]usageGroup {
	type gk struct {
		code string
		day  int64
		mode string
	}
	var order []gk
	groups := map[gk][]usageGroup{}
	for _, u := range uses {
		k := gk{u.MarketCode, u.Day, u.Mode}
		gs, seen := groups[k]
		if !seen {
			order = append(order, k)
		}
		if n := len(gs); n == 0 || (u.Mode == store.UsageModeID && len(gs[n-1].keys) == koogallery.MaxUsageItems) {
			gs = append(gs, usageGroup{report: marketapi.UsageReport{Code: u.MarketCode}, day: u.Day, licenseID: u.LicenseID})
		}
		g := &gs[len(gs)-1]
		g.keys, g.attempts = append(g.keys, u.UsageKey), append(g.attempts, u.Attempts)
		if u.Mode == store.UsageModeCount {
			g.report.ActiveNum = min(max(g.report.ActiveNum, u.Active, int64(len(g.keys))), koogallery.MaxActiveNum)
		} else {
			g.report.IDs = append(g.report.IDs, u.Deployment)
		}
		groups[k] = gs
	}
	slices.SortStableFunc(order, func(a, b gk) int {
		switch {
		case a.day != b.day:
			return int(a.day - b.day)
		case a.code != b.code:
			if a.code < b.code {
				return -1
			}
			return 1
		}
		return 0
	})
	var calls [][]usageGroup
	var codes []map[string]bool
	for _, k := range order {
		for _, g := range groups[k] {
			i := 0
			for i < len(calls) && (codes[i][k.code] || len(calls[i]) == koogallery.MaxUsageCodes) {
				i++
			}
			if i == len(calls) {
				calls, codes = append(calls, nil), append(codes, map[string]bool{})
			}
			calls[i], codes[i][k.code] = append(calls[i], g), true
		}
	}
	return calls
}
