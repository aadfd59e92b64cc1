package server

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"testing"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/simulator/market"
)

// TestActivationOracle replays hostile-input finding "POST /v1/activations is an oracle and an amplifier":
// 80 random codes from one address must not make the marketplace answer for each (they once made 58
// activate calls signed with the seller's credentials). Every attempt costs the address the same, so once
// its hourly budget (20) is spent a genuine code is refused like a guess, until a token refills.
func TestActivationOracle(t *testing.T) {
	m := newMarketEnv(t, testSK)
	m.addCode("MC-REAL", market.Received, t0.AddDate(0, 1, 0))
	statuses := map[int]int{}
	for range 80 {
		var b [12]byte
		rand.Read(b[:])
		st, _ := m.call(http.MethodPost, "/v1/activations", "", map[string]string{"code": "MKT-" + hex.EncodeToString(b[:])})
		statuses[st]++
	}
	if n := m.mkt.Calls(koogallery.APIActivate, ""); n > 20 {
		t.Errorf("activate calls at the marketplace for 80 random codes from one address = %d, want at most 20", n)
	}
	if statuses[http.StatusNotFound] > 20 || statuses[http.StatusTooManyRequests] < 60 {
		t.Errorf("answers = %v, want at most 20 not_found and the rest rate_limited", statuses)
	}
	if st, body := m.call(http.MethodPost, "/v1/activations", "", map[string]string{"code": "MC-REAL"}); st != http.StatusTooManyRequests {
		t.Errorf("a genuine code after the address spent its budget = %d %s, want 429 (every attempt costs the same)", st, body)
	}
	m.advance(3 * time.Minute) // one attempt refills every 3 minutes
	m.activate("MC-REAL", http.StatusOK)
}
