package marketapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/simulator/market"
)

var e2eExpiry = time.Date(2031, 6, 1, 0, 0, 0, 0, time.UTC)

func newStandIn(t testing.TB, sk string) *market.Server {
	t.Helper()
	s, err := market.Start(market.Config{AK: testAK, SK: sk})
	if err != nil {
		t.Fatalf("market.Start() err = %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestAgainstStandIn drives a licence code through its life against the stand-in, over real HTTP.
func TestAgainstStandIn(t *testing.T) {
	m := newStandIn(t, testSK)
	for _, c := range []market.Code{
		{Code: testCode, ExpiresAt: e2eExpiry, EstimateSkew: 48 * time.Hour, ProductID: "P1", OrderID: "CS1", Amount: 1},
		{Code: "PL-NOT-RECEIVED", State: market.NotReceived},
	} {
		if err := m.AddCode(c); err != nil {
			t.Fatal(err)
		}
	}
	env := newTestClient(t, []string{m.URL()}, nil)
	ctx := context.Background()

	if _, err := env.client.Query(ctx, testCode); !errors.Is(err, ErrNotActivated) {
		t.Errorf("Query(before activation) err = %v, want %v", err, ErrNotActivated)
	}
	a, err := env.client.Activate(ctx, testCode, time.Time{})
	if err != nil {
		t.Fatalf("Activate() err = %v", err)
	}
	if a.Status != license.MarketAlive || !a.ExpiresAt.Equal(e2eExpiry.Add(48*time.Hour)) || a.OrderID != "CS1" {
		t.Errorf("Activate() = %+v, want ALIVE with the estimated expiry and order CS1", a)
	}
	st, err := env.client.Query(ctx, testCode)
	if err != nil || st.Status != license.MarketAlive || !st.ExpiresAt.Equal(e2eExpiry) {
		t.Errorf("Query() = %+v, %v, want ALIVE until %v (the authoritative expiry)", st, err, e2eExpiry)
	}
	if _, err := env.client.Activate(ctx, testCode, time.Time{}); !errors.Is(err, ErrAlreadyActive) {
		t.Errorf("Activate(again) err = %v, want %v", err, ErrAlreadyActive)
	}
	if _, err := env.client.Activate(ctx, "PL-NOT-RECEIVED", time.Time{}); !errors.Is(err, ErrNotReceived) {
		t.Errorf("Activate(not received) err = %v, want %v", err, ErrNotReceived)
	}
	if _, err := env.client.Activate(ctx, "PL-UNKNOWN", time.Time{}); !errors.Is(err, ErrUnknownCode) {
		t.Errorf("Activate(unknown) err = %v, want %v", err, ErrUnknownCode)
	}

	renewed := e2eExpiry.AddDate(1, 0, 0)
	m.SetExpiry(testCode, renewed)
	if st, err := env.client.Query(ctx, testCode); err != nil || !st.ExpiresAt.Equal(renewed) {
		t.Errorf("Query(after renewal) = %+v, %v, want expiry %v", st, err, renewed)
	}
	m.SetState(testCode, market.Expired)
	if st, err := env.client.Query(ctx, testCode); err != nil || st.Status != license.MarketExpired {
		t.Errorf("Query(after expiry) = %+v, %v, want EXPIRED", st, err)
	}
	m.SetState(testCode, market.Released)
	if st, err := env.client.Query(ctx, testCode); err != nil || st.Status != license.MarketReleased {
		t.Errorf("Query(after release) = %+v, %v, want RELEASED", st, err)
	}
	if c, _ := m.Code(testCode); c.Activations != 1 {
		t.Errorf("activations = %d, want 1", c.Activations)
	}
	checkCounted(t, env, koogallery.APIActivate, koogallery.CodeSuccess, 1)
	checkCounted(t, env, koogallery.APIActivate, koogallery.CodeIllegalState, 1)
	checkCounted(t, env, koogallery.APIQuery, koogallery.CodeSuccess, 4)
	checkCounted(t, env, koogallery.APIQuery, koogallery.CodeNotActivated, 1)
}

func TestStandInBatchAndOrder(t *testing.T) {
	m := newStandIn(t, testSK)
	m.AddCode(market.Code{Code: "B1"})
	m.AddCode(market.Code{Code: "B2"})
	m.AddOrder(koogallery.OrderInfo{OrderID: "CS9", OrderType: "NEW", OrderLine: []koogallery.OrderLine{
		{OrderLineID: "CS9-000001", ChargingMode: "PERIOD", ExpireTime: "20300101000000",
			ProductInfo: []koogallery.ProductInfo{{ProductID: "P9", SKUCode: "S9"}}}},
		BuyerInfo: &koogallery.BuyerInfo{CustomerID: "C9"}})
	env := newTestClient(t, []string{m.URL()}, nil)
	ctx := context.Background()

	if err := env.client.ActivateBatch(ctx, []string{"B1", "NOPE"}, time.Time{}); !errors.Is(err, ErrInvalidCodes) {
		t.Errorf("ActivateBatch(with unknown) err = %v, want %v", err, ErrInvalidCodes)
	}
	if err := env.client.ActivateBatch(ctx, []string{"B1", "B2"}, time.Now()); err != nil {
		t.Errorf("ActivateBatch() err = %v, want nil", err)
	}
	if c, _ := m.Code("B2"); c.State != market.Active {
		t.Errorf("B2 state = %s, want %s", c.State, market.Active)
	}
	o, err := env.client.QueryOrder(ctx, "CS9", "CS9-000001")
	if err != nil || o.BuyerInfo.CustomerID != "C9" || o.OrderLine[0].ProductInfo[0].SKUCode != "S9" {
		t.Errorf("QueryOrder() = %+v, %v, want customer C9 and sku S9", o, err)
	}
	if _, err := env.client.QueryOrder(ctx, "CS404", ""); !errors.Is(err, ErrUnknownOrder) {
		t.Errorf("QueryOrder(unknown) err = %v, want %v", err, ErrUnknownOrder)
	}
}

func TestStandInUpload(t *testing.T) {
	m := newStandIn(t, testSK)
	env := newTestClient(t, []string{m.URL()}, nil)
	ctx := context.Background()
	short := []byte("eyJhbGciOiJFZERTQSJ9." + strings.Repeat("a", 1000))
	long := []byte(strings.Repeat("b", 1025))
	binary := []byte{0xff, 0xfe, 'x'}
	for _, up := range []struct {
		id      string
		content []byte
	}{{"ev-short", short}, {"ev-long", long}, {"ev-binary", binary}} {
		if err := env.client.UploadEvent(ctx, up.id, "", up.content); err != nil {
			t.Fatalf("UploadEvent(%s) err = %v", up.id, err)
		}
	}
	ups := m.Uploads()
	if len(ups) != 3 {
		t.Fatalf("uploads = %d, want 3", len(ups))
	}
	wantTypes := []string{koogallery.UploadCharacters, koogallery.UploadFile, koogallery.UploadFile}
	for i, content := range [][]byte{short, long, binary} {
		if ups[i].Type != wantTypes[i] || !bytes.Equal(ups[i].Content, content) {
			t.Errorf("upload %d = %s with %d bytes, want %s with %d bytes", i+1, ups[i].Type, len(ups[i].Content), wantTypes[i], len(content))
		}
	}
	sum := sha256.Sum256(long)
	if ups[1].SHA256 != hex.EncodeToString(sum[:]) || ups[1].FileName != DefaultUploadFileName {
		t.Errorf("file upload = sha %s name %s, want the content's sha256 and %s", ups[1].SHA256, ups[1].FileName, DefaultUploadFileName)
	}
}

// TestStandInFaults: a wrong SK, 5xx, a lost answer and an unreachable primary host.
func TestStandInFaults(t *testing.T) {
	m := newStandIn(t, "the-other-sk")
	env := newTestClient(t, []string{m.URL()}, nil)
	_, err := env.client.Activate(context.Background(), testCode, time.Time{})
	var oe *Error
	if !errors.Is(err, ErrAuth) || !errors.As(err, &oe) || oe.Code != koogallery.GatewayAppAuth ||
		oe.Status != http.StatusUnauthorized || oe.Attempts != 1 {
		t.Errorf("Activate(wrong SK) err = %v, want %v: APIG.0303, 401, one attempt", err, ErrAuth)
	}

	good := newStandIn(t, testSK)
	good.AddCode(market.Code{Code: testCode, ExpiresAt: e2eExpiry})
	env = newTestClient(t, []string{good.URL()}, nil)
	good.FailNext(2, http.StatusBadGateway)
	good.LoseAnswers(0)
	if _, err := env.client.Query(context.Background(), testCode); !errors.Is(err, ErrNotActivated) {
		t.Errorf("Query() after two 502 err = %v, want %v from the third attempt", err, ErrNotActivated)
	}
	good.LoseAnswers(1)
	_, err = env.client.Activate(context.Background(), testCode, time.Time{})
	if !errors.Is(err, ErrAlreadyActive) || !errors.As(err, &oe) || oe.Attempts != 2 || !oe.Repeated {
		t.Errorf("Activate() with a lost answer err = %v (repeated %v), want %v after 2 attempts, repeated",
			err, oe.Repeated, ErrAlreadyActive)
	}
	if c, _ := good.Code(testCode); c.Activations != 1 {
		t.Errorf("activations = %d, want 1", c.Activations)
	}

	primary := newStandIn(t, testSK)
	primary.SetUnreachable(true)
	env = newTestClient(t, []string{primary.URL(), good.URL()}, nil)
	if _, err := env.client.Query(context.Background(), testCode); err != nil {
		t.Errorf("Query() with the primary unreachable err = %v, want an answer from the fallback", err)
	}
	if n := primary.Calls(koogallery.APIQuery, ""); n != 0 {
		t.Errorf("primary calls = %d, want 0", n)
	}
}

// TestLostAnswerThenFallbackHost: the first host applies the activation and the answer is lost; the second
// host (the same marketplace) answers 92020003, which Repeated marks as possibly this call's own.
func TestLostAnswerThenFallbackHost(t *testing.T) {
	m := newStandIn(t, testSK)
	m.AddCode(market.Code{Code: testCode})
	port := m.URL()[strings.LastIndex(m.URL(), ":"):]
	env := newTestClient(t, []string{m.URL(), "http://localhost" + port}, nil)
	m.LoseAnswers(1)
	_, err := env.client.Activate(context.Background(), testCode, time.Time{})
	var oe *Error
	if !errors.Is(err, ErrAlreadyActive) || !errors.As(err, &oe) || oe.Attempts != 1 || !oe.Repeated {
		t.Fatalf("Activate() err = %v, want %v in one attempt, repeated", err, ErrAlreadyActive)
	}

	m.SetState(testCode, market.Received)
	m.SetUnreachable(true)
	other := newStandIn(t, testSK)
	env = newTestClient(t, []string{m.URL(), other.URL()}, nil)
	_, err = env.client.Activate(context.Background(), testCode, time.Time{})
	if !errors.Is(err, ErrUnknownCode) || !errors.As(err, &oe) || oe.Repeated {
		t.Errorf("Activate() after a refused connection err = %v, want %v, not repeated", err, ErrUnknownCode)
	}
}

// checkCounted checks the calls told to the Observer for api and code.
func checkCounted(t *testing.T, env *testEnv, api koogallery.API, code string, want float64) {
	t.Helper()
	if got := env.calls.count(api, code); float64(got) != want {
		t.Errorf("calls{api=%s,code=%s} = %v, want %v", api, code, got, want)
	}
}
