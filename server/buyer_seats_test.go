package server

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/licensing"
	"github.com/licentia/licentia/server/support"
	"github.com/licentia/licentia/verifier"
)

// heldSeats returns the deployment hashes of license id's live seats.
func (e *testEnv) heldSeats(id string) []string {
	e.t.Helper()
	s, err := e.support().Seats(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, v := range s.Seats {
		if v.Live {
			out = append(out, v.Deployment)
		}
	}
	return out
}

// TestBuyerFreeSeat: the holder of a current code frees one of its license's seats from the buyer page,
// the audit log records who and why, and the page shows the license with a confirmation, no code and no raw
// deployment value. A superseded code, a test code, a hash that is not one of the license's seats, a
// deployment id in place of its hash, a request past the rate limit and a request from another site's page
// free nothing.
func TestBuyerFreeSeat(t *testing.T) {
	e := newTestEnv(t)
	f := newBuyerFixture(t, e)
	code := e.license("lic-10").Code
	u := e.ts.URL + "/?lang=en"
	sameOrigin := map[string]string{"Origin": e.ts.URL, "Sec-Fetch-Site": "same-origin"}
	free := func(code, hash string, hdr map[string]string) (int, string) {
		t.Helper()
		status, _, body := postBuyerFormHeaders(t, u, url.Values{"code": {code}, "free": {hash}}, hdr)
		return status, body
	}
	wantHeld := func(want ...string) {
		t.Helper()
		if got := e.heldSeats("lic-10"); !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))) {
			t.Fatalf("live seats of lic-10 = %v, want %v", got, want)
		}
	}
	raw := []string{"inst-1", "inst-2", "machine-1", "machine-2", "host-1", "host-2"}
	noRaw := func(page string) {
		t.Helper()
		for _, r := range raw {
			if strings.Contains(page, r) {
				t.Errorf("the page shows the raw deployment value %q", r)
			}
		}
	}
	wantHeld(seatHash(1), seatHash(2))

	// The checked code's page has a button per seat posting the pasted code and the seat's whole hash.
	status, _, page := postBuyerForm(t, u, url.Values{"code": {" " + code + "\n"}})
	if status != http.StatusOK {
		t.Fatalf("check = %d, want 200", status)
	}
	for _, h := range []string{seatHash(1), seatHash(2)} {
		if !strings.Contains(page, `name="free" value="`+h+`"`) {
			t.Errorf("the page has no button freeing seat %s:\n%s", h, page)
		}
	}
	if n := strings.Count(page, `name="code" value="`+code+`"`); n != 2 {
		t.Errorf("the page's buttons post the pasted code %d times, want 2 (one per seat)", n)
	}
	noRaw(page)

	refused := []struct {
		name   string
		code   string
		hash   string
		hdr    map[string]string
		status int
		reason string // the page's error code
	}{
		{"garbage hash", code, "not a hash <at all>", sameOrigin, 404, "seat_not_found"},
		{"empty hash", code, "", sameOrigin, 404, "seat_not_found"},
		{"hash of another license's seat", code, support.SeatKey("lic-9", "vm-9", nil), sameOrigin, 404, "seat_not_found"},
		{"deployment id in place of its hash", code, "inst-1", sameOrigin, 404, "seat_not_found"},
		{"test code", f.probe, seatHash(1), sameOrigin, 400, "test_code"},
		{"not a code", "garbage", seatHash(1), sameOrigin, 400, "invalid_code"},
		{"code of another license", e.license("lic-1").Code, seatHash(1), sameOrigin, 404, "seat_not_found"},
		{"cross-site (Sec-Fetch-Site)", code, seatHash(1), map[string]string{"Sec-Fetch-Site": "cross-site"}, 403, "cross_site"},
		{"same site, other origin", code, seatHash(1), map[string]string{"Sec-Fetch-Site": "same-site"}, 403, "cross_site"},
		{"other Origin", code, seatHash(1), map[string]string{"Origin": "https://elsewhere.example"}, 403, "cross_site"},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			e.advance(2 * refreshWindow)
			status, page := free(c.code, c.hash, c.hdr)
			if status != c.status {
				t.Fatalf("status = %d, want %d:\n%s", status, c.status, page)
			}
			if be := buyerTexts[langEN].Errors[c.reason]; !strings.Contains(pageText(page), be.Title) {
				t.Errorf("page lacks %q:\n%s", be.Title, pageText(page))
			}
			if strings.Contains(page, `id="freed"`) {
				t.Error("a refused request shows the confirmation")
			}
			noRaw(page)
			wantHeld(seatHash(1), seatHash(2))
		})
	}

	// Past the license's rate limit the request is refused; freeing counts as a refresh does.
	e.advance(2 * refreshWindow)
	for range refreshPerLicense {
		e.refreshCode(code, http.StatusOK)
	}
	if status, page := free(code, seatHash(1), sameOrigin); status != http.StatusTooManyRequests {
		t.Fatalf("free past the rate limit = %d, want 429:\n%s", status, page)
	}
	wantHeld(seatHash(1), seatHash(2))
	e.advance(2 * refreshWindow)
	for range refreshPerLicense - 1 {
		e.refreshCode(code, http.StatusOK)
	}
	status, page = free(code, seatHash(1), sameOrigin)
	if status != http.StatusOK {
		t.Fatalf("free = %d, want 200:\n%s", status, page)
	}
	e.refreshCode(code, http.StatusTooManyRequests) // the free took the window's last request

	// The seat is freed, recorded, and the page says so; it answers no code (which could take the seat again).
	wantHeld(seatHash(2))
	text := pageText(page)
	bt := buyerTexts[langEN]
	for _, m := range []string{bt.FreedTitle, bt.FreedLabel + shortHash(seatHash(1)), bt.FreedNote, bt.SeatsLabel} {
		if !strings.Contains(text, m) {
			t.Errorf("page lacks %q:\n%s", m, text)
		}
	}
	if strings.Contains(page, `id="current-code"`) || strings.Contains(page, `value="`+seatHash(1)+`"`) {
		t.Errorf("after freeing, the page shows a code or the freed seat's button:\n%s", page)
	}
	noRaw(page)
	evs, err := e.st.Events(context.Background(), "lic-10")
	if err != nil {
		t.Fatal(err)
	}
	var freed int
	for _, ev := range evs {
		if ev.Action != licensing.ActSeatFreed {
			continue
		}
		freed++
		if ev.Source != license.SourceAPI || ev.Actor != "buyer" || ev.Reason != buyerFreeReason || ev.RequestID == "" {
			t.Errorf("seat_freed event = source %q actor %q reason %q request %q, want api, buyer, %q and the request id",
				ev.Source, ev.Actor, ev.Reason, ev.RequestID, buyerFreeReason)
		}
	}
	if freed != 1 {
		t.Errorf("%d seat_freed events, want 1", freed)
	}

	// The same hash again: freed already.
	e.advance(2 * refreshWindow)
	if status, _ := free(code, seatHash(1), sameOrigin); status != http.StatusNotFound {
		t.Errorf("freeing a freed seat = %d, want 404", status)
	}

	// Another installation takes the seat; a superseded code (from before a reissue) frees nothing.
	e.callJSON("POST", "/v1/usage", "", UsageRequest{Code: code, Deployment: &verifier.Deployment{ID: "inst-3"}}, 204, nil)
	e.callJSON("POST", "/admin/v1/licenses/lic-10/reissue", e.token("s2", "support"), support.ChangeRequest{Reason: "leak"}, 200, nil)
	held := e.heldSeats("lic-10")
	e.advance(2 * refreshWindow)
	if status, page := free(code, seatHash(2), sameOrigin); status != http.StatusForbidden ||
		!strings.Contains(pageText(page), bt.Errors["code_superseded"].Title) {
		t.Errorf("free with a superseded code = %d, want 403 code_superseded:\n%s", status, pageText(page))
	}
	wantHeld(held...)
	// The reissued code frees it.
	if status, page := free(e.license("lic-10").Code, seatHash(2), nil); status != http.StatusOK {
		t.Errorf("free with the reissued code and no browser headers = %d, want 200:\n%s", status, pageText(page))
	}
	if slices.Contains(e.heldSeats("lic-10"), seatHash(2)) {
		t.Error("the seat freed with the reissued code is still held")
	}
}
