package server

import (
	"crypto/ed25519"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/verifier"
)

// TestBuyerPageSaysWhatVerifierSays checks the page against the verifier on the codes a buyer pastes
// with a 7-day grace: a license 10 days past its expiry is expired, not valid; 2 days past it is in grace
// with the days left and a prompt to renew; a released license, pasted with a code from before the
// release, is released, with no code to install. The verdict the page shows is the verifier's reason.
func TestBuyerPageSaysWhatVerifierSays(t *testing.T) {
	e := newTestEnvGrace(t, nil, 7*24*time.Hour)
	create := func(id string, end time.Duration) string {
		t.Helper()
		r := e.signed(testKey, map[string]string{"activity": "newInstance", "orderId": "O-" + id, "orderLineId": "O-" + id + "-1",
			"businessId": id, "productId": "P1", "customerId": "C-" + id,
			"effectiveTime": mkTime(e.now().AddDate(-1, 0, 0)), "expireTime": mkTime(e.now().Add(end))})
		wantCode(t, r, resultOK)
		return r.License
	}
	expired := create("lic-expired", -10*24*time.Hour)
	grace := create("lic-grace", -2*24*time.Hour)
	released := create("lic-released", 365*24*time.Hour)
	e.renew("lic-released", e.now().AddDate(2, 0, 0))
	wantCode(t, e.signed(testKey, map[string]string{"activity": "releaseInstance", "instanceId": "lic-released"}), resultOK)

	tests := []struct {
		name, paste, id, reason string
		want                    map[string][]string // language → what the page says
		notWant                 []string            // in any language
	}{
		{"10 days past expiry", expired, "lic-expired", "expired", map[string][]string{
			langEN: {"License status: Expired", "Renew the order in KooGallery"},
			langZH: {"许可证状态：已到期", "请到云商店续费"},
		}, []string{"许可证状态：有效", "License status: Valid", "Your license is valid", "Your license is active", "状态正常", `id="current-code"`}},
		{"in grace", grace, "lic-grace", "valid", map[string][]string{
			langEN: {"License status: Expired, in grace period", "for 5 more day(s) at most", "Renew the order in KooGallery"},
			langZH: {"许可证状态：已到期（宽限期内）", "最多还剩 5 天", "续费"},
		}, []string{"License status: Valid", "许可证状态：有效"}},
		{"released, a code from before the release", released, "lic-released", "inactive", map[string][]string{
			langEN: {"License status: Released"},
			langZH: {"许可证状态：已释放"},
		}, []string{`id="newer"`, `id="same"`, `id="current-code"`, "in place of", "替换"}},
	}
	for _, tt := range tests {
		// The verifier's word on the license's current code, at the same time.
		_, err := verifier.New(e.keyring(), verifier.WithAnyProduct(), verifier.WithTime(e.now)).Verify(e.license(tt.id).Code)
		if got := verifier.Reason(err); got != tt.reason {
			t.Fatalf("%s: the verifier says %s, want %s", tt.name, got, tt.reason)
		}
		for lang, want := range tt.want {
			t.Run(tt.name+"/"+lang, func(t *testing.T) {
				e.advance(2 * refreshWindow)
				status, _, body := postBuyerForm(t, e.ts.URL+"/?lang="+lang, url.Values{"code": {tt.paste}})
				text := pageText(body)
				if status != 200 {
					t.Fatalf("status = %d, want 200:\n%s", status, text)
				}
				for _, m := range want {
					if !strings.Contains(text, m) {
						t.Errorf("page lacks %q:\n%s", m, text)
					}
				}
				for _, m := range tt.notWant {
					if strings.Contains(withoutData(text, []string{tt.id}), m) || strings.HasPrefix(m, "id=") && strings.Contains(body, m) {
						t.Errorf("page shows %q:\n%s", m, text)
					}
				}
			})
		}
	}
}

// TestBuyerVerdict checks the verdict for each outcome of verifier.Check, with the days of grace left
// rounded up.
func TestBuyerVerdict(t *testing.T) {
	priv := ed25519.NewKeyFromSeed(make([]byte, 32))
	pub := priv.Public().(ed25519.PublicKey)
	kr, err := verifier.NewKeyring(pub)
	if err != nil {
		t.Fatal(err)
	}
	other := ed25519.NewKeyFromSeed(append(make([]byte, 31), 1))
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	day := int64(24 * 3600)
	week := 7 * day
	claims := func(change func(c *verifier.Claims)) *verifier.Claims {
		c := &verifier.Claims{Issuer: "licentia", LicenseID: "lic-1", Generation: 1, IssuedAt: now.Unix() - 400*day,
			NotBefore: now.Unix() - 400*day, ExpiresAt: now.Unix() + 30*day, Grace: week, Status: verifier.StatusActive,
			ProductID: "P1", OrderID: "O-1"}
		if change != nil {
			change(c)
		}
		return c
	}
	tests := []struct {
		name   string
		claims *verifier.Claims
		signer ed25519.PrivateKey
		want   string
		days   int64
	}{
		{"valid", claims(nil), priv, verdictValid, 0},
		{"perpetual", claims(func(c *verifier.Claims) { c.ExpiresAt, c.Grace = 0, 0 }), priv, verdictValid, 0},
		{"10 days past expiry, 7-day grace", claims(func(c *verifier.Claims) { c.ExpiresAt = now.Unix() - 10*day }), priv, verdictExpired, 0},
		{"2 days past expiry", claims(func(c *verifier.Claims) { c.ExpiresAt = now.Unix() - 2*day }), priv, verdictInGrace, 5},
		{"2 days and a second past expiry", claims(func(c *verifier.Claims) { c.ExpiresAt = now.Unix() - 2*day - 1 }), priv, verdictInGrace, 5},
		{"a second of grace left", claims(func(c *verifier.Claims) { c.ExpiresAt = now.Unix() - week + 1 }), priv, verdictInGrace, 1},
		{"not yet valid", claims(func(c *verifier.Claims) { c.NotBefore = now.Unix() + day }), priv, verdictNotYet, 0},
		{"frozen", claims(func(c *verifier.Claims) { c.Status = verifier.StatusFrozen }), priv, verdictFrozen, 0},
		{"frozen and expired", claims(func(c *verifier.Claims) {
			c.Status, c.ExpiresAt = verifier.StatusFrozen, now.Unix()-30*day
		}), priv, verdictFrozen, 0},
		{"released", claims(func(c *verifier.Claims) { c.Status = verifier.StatusReleased }), priv, verdictReleased, 0},
		{"revoked", claims(func(c *verifier.Claims) { c.Status = verifier.StatusRevoked }), priv, verdictRevoked, 0},
		{"a key this server does not trust", claims(nil), other, verdictUnverified, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kid := keys.KeyID(tt.signer.Public().(ed25519.PublicKey))
			code, err := verifier.Sign(tt.claims, kid, tt.signer)
			if err != nil {
				t.Fatal(err)
			}
			res, err := verifier.New(kr, verifier.WithAnyProduct(), verifier.WithTime(func() time.Time { return now })).Check(code)
			verdict, days := buyerVerdict(res, err)
			if verdict != tt.want || days != tt.days {
				t.Errorf("buyerVerdict(%s) = %s, %d days; want %s, %d", verifier.Reason(err), verdict, days, tt.want, tt.days)
			}
			// Every verdict has a label and a text in both languages.
			for _, lang := range []string{langEN, langZH} {
				bt := buyerTexts[lang]
				if bt.Status[verdict] == "" || bt.StatusText[verdict] == "" {
					t.Errorf("%s: verdict %s has no %s label or text", tt.name, verdict, lang)
				}
				if d := (buyerPageData{T: bt, Result: &buyerResult{Verdict: verdict, GraceDays: days}}).StatusText(); strings.Contains(d, "%") ||
					verdict == verdictInGrace && !strings.Contains(d, fmt.Sprint(days)) {
					t.Errorf("%s: %s text %q", tt.name, lang, d)
				}
			}
		})
	}
}
