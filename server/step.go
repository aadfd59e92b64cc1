package server

import (
	"context"

	"github.com/licentia/licentia/server/desk"
	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/store"
)

// step applies t to the license ref names with desk.Step, signing with the server's issuer and counting
// licentia_codes_issued_total once, after the commit.
func (s *Server) step(ctx context.Context, ref string, d license.Delivery, t desk.Transition) (*store.License, license.Outcome, error) {
	return desk.Step(ctx, s.st, ref, d, t, s.now, s.issuer, s.countIssued)
}

// stepIfChanged is step with desk.StepIfChanged: an ignored outcome records nothing.
func (s *Server) stepIfChanged(ctx context.Context, ref string, d license.Delivery, t desk.Transition) (*store.License, license.Outcome, error) {
	return desk.StepIfChanged(ctx, s.st, ref, d, t, s.now, s.issuer, s.countIssued)
}

func (s *Server) issuer(*license.License) *license.Issuer { return s.is }

func (s *Server) countIssued(action string) { s.metrics.issued.WithLabelValues(action).Inc() }
