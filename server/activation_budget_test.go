package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/licensing"
	"github.com/licentia/licentia/server/marketapi"
	"github.com/licentia/licentia/server/simulator/market"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/server/store/pgtest"
	"github.com/licentia/licentia/server/support"
)

// TestActivationUnknownRemembered: a code the marketplace does not know is answered not_found from memory
// for UnknownTTL, by the public endpoint and support alike, and asked again after it.
func TestActivationUnknownRemembered(t *testing.T) {
	m := newMarketEnv(t, testSK, licensing.ActivationLimits{UnknownTTL: 10 * time.Minute})
	ctx := context.Background()
	for i := range 3 {
		if _, body := m.activate("MC-NOPE", http.StatusNotFound); errorCode(t, body) != "not_found" {
			t.Fatalf("activation %d of an unknown code = %s, want not_found", i, body)
		}
		if _, err := m.srv.Service().Activate(ctx, "MC-NOPE", "", cliActor("support")); !errors.Is(err, licensing.ErrUnknownMarketCode) {
			t.Fatalf("support activation %d of an unknown code err = %v, want %v", i, err, licensing.ErrUnknownMarketCode)
		}
	}
	if n := m.mkt.Calls(koogallery.APIActivate, ""); n != 1 {
		t.Errorf("activate calls for the unknown code = %d, want 1", n)
	}
	// The marketplace learns the code (a purchase after a mistyped attempt); past the memory it is asked.
	m.addCode("MC-NOPE", market.Received, t0.AddDate(0, 1, 0))
	m.advance(10*time.Minute + time.Second)
	m.activate("MC-NOPE", http.StatusOK)
}

// TestActivationGlobalBudget: however many addresses ask, at most Global codes a minute reach the
// marketplace; support activations count too. A code already bound is answered from the database.
func TestActivationGlobalBudget(t *testing.T) {
	m := newMarketEnv(t, testSK, licensing.ActivationLimits{Global: 5, PerAddress: 1000})
	m.addCode("MC-1", market.Received, t0.AddDate(0, 1, 0))
	m.activate("MC-1", http.StatusOK)
	statuses := map[int]int{}
	for i := range 8 {
		st, _ := m.call(http.MethodPost, "/v1/activations", "", map[string]string{"code": fmt.Sprint("MC-GUESS-", i)})
		statuses[st]++
	}
	if statuses[http.StatusNotFound] != 4 || statuses[http.StatusTooManyRequests] != 4 {
		t.Errorf("answers = %v, want 4 not_found (the budget of 5 less MC-1) and 4 rate_limited", statuses)
	}
	if _, err := m.srv.Service().Activate(context.Background(), "MC-GUESS-X", "", cliActor("support")); !errors.As(err, new(*licensing.RateLimitError)) {
		t.Errorf("support activation past the budget err = %v, want a *licensing.RateLimitError", err)
	}
	if n := m.mkt.Calls(koogallery.APIActivate, ""); n != 5 {
		t.Errorf("activate calls = %d, want 5", n)
	}
	m.activate("MC-1", http.StatusOK) // bound: no marketplace call, no budget
	m.advance(time.Minute)
	if _, body := m.activate("MC-GUESS-0", http.StatusNotFound); errorCode(t, body) != "not_found" {
		t.Errorf("after the minute: %s, want not_found", body) // remembered: still no call
	}
	if _, body := m.activate("MC-GUESS-7", http.StatusNotFound); errorCode(t, body) != "not_found" {
		t.Errorf("after the minute: %s, want not_found", body)
	}
	if n := m.mkt.Calls(koogallery.APIActivate, ""); n != 6 {
		t.Errorf("activate calls = %d, want 6", n)
	}
}

// TestActivationGlobalBudgetReplicas: two servers on one PostgreSQL database share the global budget.
func TestActivationGlobalBudgetReplicas(t *testing.T) {
	dsn := pgtest.DSN(t)
	mkt, err := market.Start(market.Config{AK: testAK, SK: testSK, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mkt.Close() })
	now := func() time.Time { return t0 }
	var replicas []*Server
	for i := range 2 {
		st, err := store.Open(context.Background(), dsn, store.Options{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		c, err := marketapi.New(marketapi.Config{AK: testAK, SK: testSK, BaseURLs: []string{mkt.URL()}, Now: now, MaxAttempts: 1})
		if err != nil {
			t.Fatal(err)
		}
		ring := testRing(t, filepath.Join(t.TempDir(), fmt.Sprint(i)))
		cfg := Config{KooGalleryKeys: []string{testKey}, Now: now, Market: c, Activation: licensing.ActivationLimits{Global: 5}}
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		replicas = append(replicas, New(cfg, st, ring, support.NewIssuer(ring, "licentia", 0), slog.New(slog.NewTextHandler(io.Discard, nil))))
	}
	limited := 0
	for i := range 8 {
		_, err := replicas[i%2].Service().Activate(context.Background(), fmt.Sprint("MC-GUESS-", i), "", cliActor("support"))
		switch {
		case errors.As(err, new(*licensing.RateLimitError)):
			limited++
		case !errors.Is(err, licensing.ErrUnknownMarketCode):
			t.Fatalf("activation %d err = %v, want not found or rate limited", i, err)
		}
	}
	if n := mkt.Calls(koogallery.APIActivate, ""); n != 5 || limited != 3 {
		t.Errorf("activate calls = %d, rate limited = %d; want 5 and 3 (one budget for both replicas)", n, limited)
	}
}
