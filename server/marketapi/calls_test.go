package marketapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/license"
)

func TestActivateRequestAndAnswer(t *testing.T) {
	f := newFake(t, fakeAnswer{status: 200, body: okActivate})
	env := newTestClient(t, []string{f.URL() + "/prefix/"}, nil)
	a, err := env.client.Activate(context.Background(), testCode, time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC))
	if err != nil {
		t.Fatalf("Activate() err = %v", err)
	}
	want := Activation{Status: "ALIVE", ExpiresAt: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), ProductID: "P1", OrderID: "CS1", Amount: "2"}
	if *a != want {
		t.Errorf("Activate() = %+v, want %+v", *a, want)
	}
	r := f.lastRequest()
	if r.Method != http.MethodPost || r.URL.Path != "/prefix"+koogallery.PathActivate || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("request = %s %s %s, want POST /prefix%s application/json", r.Method, r.URL.Path, r.Header.Get("Content-Type"), koogallery.PathActivate)
	}
	var body koogallery.ActivateRequest
	if err := json.Unmarshal(f.lastBody(), &body); err != nil || body.License != testCode || body.RealEffectTime != "20240506070809" {
		t.Errorf("body = %s, want license and real_effect_time 20240506070809", f.lastBody())
	}
}

func TestActivateWithoutData(t *testing.T) {
	f := newFake(t, fakeAnswer{status: 200, body: `{"error_code":"92020000","error_msg":"success"}`})
	env := newTestClient(t, []string{f.URL()}, nil)
	a, err := env.client.Activate(context.Background(), testCode, time.Time{})
	if err != nil || *a != (Activation{}) {
		t.Errorf("Activate() = %+v, %v, want zero Activation, nil", a, err)
	}
	if strings.Contains(string(f.lastBody()), "real_effect_time") {
		t.Errorf("body = %s, want no real_effect_time for a zero time", f.lastBody())
	}
}

func TestActivateBatchRequest(t *testing.T) {
	f := newFake(t, fakeAnswer{status: 200, body: `{"error_code":"92020000","error_msg":"success"}`})
	env := newTestClient(t, []string{f.URL()}, nil)
	if err := env.client.ActivateBatch(context.Background(), []string{"A", "B"}, time.Time{}); err != nil {
		t.Fatalf("ActivateBatch() err = %v", err)
	}
	if got, want := string(f.lastBody()), `{"license_list":["A","B"]}`; got != want {
		t.Errorf("body = %s, want %s", got, want)
	}
	if got := f.lastRequest().URL.Path; got != koogallery.PathActivateBatch {
		t.Errorf("path = %s, want %s", got, koogallery.PathActivateBatch)
	}
}

func TestQueryAnswer(t *testing.T) {
	body := `{"error_code":"92020000","error_msg":"success","data":{"license_code":"PL1","status":"EXPIRED",
		"activate_time":"20240101000000","expire_time":"2025-01-01T08:00:00+08:00","later_field":{"a":1}}}`
	f := newFake(t, fakeAnswer{status: 200, body: body})
	env := newTestClient(t, []string{f.URL()}, nil)
	st, err := env.client.Query(context.Background(), testCode)
	if err != nil {
		t.Fatalf("Query() err = %v", err)
	}
	if st.Status != license.MarketExpired || !st.ActivatedAt.Equal(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)) ||
		!st.ExpiresAt.Equal(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Query() = %+v, want EXPIRED, activated 2024-01-01, expiring 2025-01-01 UTC", st)
	}
	if !strings.Contains(string(st.Data), "later_field") {
		t.Errorf("Data = %s, want the data object whole", st.Data)
	}
	if got := string(f.lastBody()); got != `{"license":"`+testCode+`"}` {
		t.Errorf("body = %s, want only the license", got)
	}
}

func TestQueryBadAnswers(t *testing.T) {
	tests := []struct{ name, body string }{
		{"no data", `{"error_code":"92020000","error_msg":"success"}`},
		{"null data", `{"error_code":"92020000","data":null}`},
		{"no status", `{"error_code":"92020000","data":{"license_code":"PL1"}}`},
		{"data not an object", `{"error_code":"92020000","data":"ALIVE"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, fakeAnswer{status: 200, body: tt.body})
			env := newTestClient(t, []string{f.URL()}, nil)
			if _, err := env.client.Query(context.Background(), testCode); !errors.Is(err, ErrProtocol) {
				t.Errorf("Query() err = %v, want %v", err, ErrProtocol)
			}
		})
	}
}

// TestQueryTimes is the table of the query answer's time fields: every form a page prints reads, in UTC; an
// unreadable optional time is named in Unreadable and left zero, never failing the query (an unexpected format
// must not block activation on every retry).
func TestQueryTimes(t *testing.T) {
	want := time.Date(2027, 3, 1, 10, 30, 15, 0, time.UTC)
	tests := []struct {
		field, value string
		want         time.Time
		unreadable   bool
	}{
		{"expire_time", "20270301103015", want, false},
		{"expire_time", "20270301103015000", want, false},
		{"expire_time", "2027-03-01 10:30:15 z", want, false},
		{"expire_time", "2027-03-01 10:30:15", want, false},
		{"expire_time", "2027-03-01T10:30:15Z", want, false},
		{"expire_time", "2027-03-01T18:30:15+08:00", want, false},
		{"expire_time", "tomorrow", time.Time{}, true},
		{"expire_time", "2027/03/01", time.Time{}, true},
		{"activate_time", "20270301103015", want, false},
		{"activate_time", "2027-03-01 10:30:15 UTC", want, false},
		{"activate_time", "2024", time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.field+"="+tt.value, func(t *testing.T) {
			body := `{"error_code":"92020000","data":{"status":"ALIVE","` + tt.field + `":"` + tt.value + `"}}`
			f := newFake(t, fakeAnswer{status: 200, body: body})
			env := newTestClient(t, []string{f.URL()}, nil)
			st, err := env.client.Query(context.Background(), testCode)
			if err != nil {
				t.Fatalf("Query() err = %v, want the answer read", err)
			}
			got := st.ExpiresAt
			if tt.field == "activate_time" {
				got = st.ActivatedAt
			}
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("%s = %v, want %v UTC", tt.field, got, tt.want)
			}
			if named := len(st.Unreadable) == 1 && strings.HasPrefix(st.Unreadable[0], tt.field+": "); named != tt.unreadable {
				t.Errorf("Unreadable = %q, want %s named: %v", st.Unreadable, tt.field, tt.unreadable)
			}
		})
	}
}

func TestQueryOrderRequest(t *testing.T) {
	body := `{"resultCode":"MKT.0000","resultMsg":"Success","orderInfo":{"orderId":"CS 1","orderType":"NEW",
		"createTime":"20240101000000","orderLine":[{"orderLineId":"CS 1-000001","chargingMode":"PERIOD","periodNumber":1}]}}`
	f := newFake(t, fakeAnswer{status: 200, body: body})
	env := newTestClient(t, []string{f.URL()}, nil)
	o, err := env.client.QueryOrder(context.Background(), "CS 1", "CS 1-000001")
	if err != nil {
		t.Fatalf("QueryOrder() err = %v", err)
	}
	if o.OrderID != "CS 1" || len(o.OrderLine) != 1 || o.OrderLine[0].PeriodNumber != "1" {
		t.Errorf("QueryOrder() = %+v, want order CS 1 with one line", o)
	}
	r := f.lastRequest()
	if r.Method != http.MethodGet || r.URL.Path != koogallery.PathQueryOrder ||
		r.URL.Query().Get("orderId") != "CS 1" || r.URL.Query().Get("orderLineId") != "CS 1-000001" {
		t.Errorf("request = %s %s, want GET with orderId and orderLineId", r.Method, r.URL)
	}

	f2 := newFake(t, fakeAnswer{status: 200, body: `{"resultCode":"MKT.0000","resultMsg":"Success"}`})
	env2 := newTestClient(t, []string{f2.URL()}, nil)
	if _, err := env2.client.QueryOrder(context.Background(), "CS1", ""); !errors.Is(err, ErrProtocol) {
		t.Errorf("QueryOrder() without orderInfo err = %v, want %v", err, ErrProtocol)
	}
	if q := f2.lastRequest().URL.RawQuery; q != "orderId=CS1" {
		t.Errorf("query = %q, want orderId=CS1 only", q)
	}
}

func TestRefusedBeforeSending(t *testing.T) {
	f := newFake(t, fakeAnswer{status: 200, body: okActivate})
	env := newTestClient(t, []string{f.URL()}, nil)
	ctx := context.Background()
	long := strings.Repeat("x", 65)
	many := make([]string, koogallery.MaxBatch+1)
	for i := range many {
		many[i] = "A"
	}
	tests := []struct {
		name string
		call func() error
	}{
		{"empty code", func() error { _, err := env.client.Activate(ctx, "", time.Time{}); return err }},
		{"long code", func() error { _, err := env.client.Activate(ctx, long, time.Time{}); return err }},
		{"code with newline", func() error { _, err := env.client.Query(ctx, "PL\n1"); return err }},
		{"code with spaces around", func() error { _, err := env.client.Query(ctx, " PL1"); return err }},
		{"no codes", func() error { return env.client.ActivateBatch(ctx, nil, time.Time{}) }},
		{"too many codes", func() error { return env.client.ActivateBatch(ctx, many, time.Time{}) }},
		{"empty code in batch", func() error { return env.client.ActivateBatch(ctx, []string{"A", ""}, time.Time{}) }},
		{"empty order", func() error { _, err := env.client.QueryOrder(ctx, "", ""); return err }},
		{"long order line", func() error { _, err := env.client.QueryOrder(ctx, "CS1", long); return err }},
		{"empty event", func() error { return env.client.UploadEvent(ctx, "", "", []byte("x")) }},
		{"long event", func() error { return env.client.UploadEvent(ctx, long, "", []byte("x")) }},
		{"empty content", func() error { return env.client.UploadEvent(ctx, "ev", "", nil) }},
		{"huge content", func() error { return env.client.UploadEvent(ctx, "ev", "", make([]byte, maxUploadBytes+1)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, ErrInvalidParam) {
				t.Errorf("err = %v, want %v", err, ErrInvalidParam)
			}
		})
	}
	if got := f.hits(); got != 0 {
		t.Errorf("requests = %d, want 0", got)
	}
}
