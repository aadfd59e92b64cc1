package market

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/licentia/licentia/server/koogallery"
)

// usageOf builds a report body of n codes (PL0000…) with items as the software_usage_Info of each.
func usageOf(n int, items string) string {
	var b strings.Builder
	b.WriteString(`{"usage_info":[`)
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"license":"PL%04d","software_usage_Info":[%s]}`, i, items)
	}
	b.WriteString(`]}`)
	return b.String()
}

func TestUsageReportRules(t *testing.T) {
	s := newTestServer(t)
	for i := range koogallery.MaxUsageCodes + 1 {
		if err := s.AddCode(Code{Code: fmt.Sprintf("PL%04d", i), State: Active}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddCode(Code{Code: "PLRECEIVED"}); err != nil {
		t.Fatal(err)
	}
	ids := func(n, size int) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			id := fmt.Sprintf("%03d", i) + strings.Repeat("d", size-3)
			fmt.Fprintf(&b, `{"id":%q}`, id)
		}
		return b.String()
	}
	tests := []struct {
		name, body string
		status     int
		code       string
	}{
		{"one id", usageOf(1, `{"id":"account1"}`), 200, koogallery.CodeSuccess},
		{"active_num", usageOf(1, `{"active_num":10}`), 200, koogallery.CodeSuccess},
		{"every bound", usageOf(100, ids(100, 256)), 200, koogallery.CodeSuccess},
		{"active_num of 9 digits", usageOf(1, `{"active_num":999999999}`), 200, koogallery.CodeSuccess},
		{"101 codes", usageOf(101, `{"id":"a"}`), 400, koogallery.CodeBadParam},
		{"no codes", `{"usage_info":[]}`, 400, koogallery.CodeBadParam},
		{"no usage_info", `{}`, 400, koogallery.CodeBadParam},
		{"101 items", usageOf(1, ids(101, 8)), 400, koogallery.CodeBadParam},
		{"no items", usageOf(1, ``), 400, koogallery.CodeBadParam},
		{"no software_usage_Info", `{"usage_info":[{"license":"PL0000"}]}`, 400, koogallery.CodeBadParam},
		{"lower-case software_usage_info", `{"usage_info":[{"license":"PL0000","software_usage_info":[{"id":"a"}]}]}`, 400, koogallery.CodeBadParam},
		{"no license", `{"usage_info":[{"software_usage_Info":[{"id":"a"}]}]}`, 400, koogallery.CodeBadParam},
		{"license of 65", `{"usage_info":[{"license":"` + strings.Repeat("P", 65) + `","software_usage_Info":[{"id":"a"}]}]}`, 400, koogallery.CodeBadParam},
		{"both id and active_num", usageOf(1, `{"id":"a","active_num":1}`), 400, koogallery.CodeBadParam},
		{"neither", usageOf(1, `{}`), 400, koogallery.CodeBadParam},
		{"empty id", usageOf(1, `{"id":""}`), 400, koogallery.CodeBadParam},
		{"id of 257", usageOf(1, ids(1, 257)), 400, koogallery.CodeBadParam},
		{"active_num of 10 digits", usageOf(1, `{"active_num":1000000000}`), 400, koogallery.CodeBadParam},
		{"negative active_num", usageOf(1, `{"active_num":-1}`), 400, koogallery.CodeBadParam},
		{"fractional active_num", usageOf(1, `{"active_num":1.5}`), 400, koogallery.CodeBadParam},
		{"active_num as a string", usageOf(1, `{"active_num":"3"}`), 400, koogallery.CodeBadParam},
		{"not JSON", `{"usage_info":`, 400, koogallery.CodeUnreadable},
		{"unknown code", `{"usage_info":[{"license":"PL0000","software_usage_Info":[{"id":"a"}]},{"license":"PLUNKNOWN","software_usage_Info":[{"id":"a"}]}]}`, 200, koogallery.CodeInvalidCodes},
		{"code never activated", `{"usage_info":[{"license":"PLRECEIVED","software_usage_Info":[{"id":"a"}]}]}`, 200, koogallery.CodeInvalidCodes},
	}
	accepted := 0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := call(t, s, testSK, http.MethodPost, koogallery.PathUsage, "application/json", []byte(tt.body))
			if got.status != tt.status || got.code != tt.code {
				t.Errorf("got %d %s, want %d %s", got.status, got.code, tt.status, tt.code)
			}
		})
		if tt.code == koogallery.CodeSuccess {
			accepted++
		}
	}
	calls := s.UsageCalls()
	if len(calls) != accepted {
		t.Fatalf("UsageCalls() holds %d reports, want the %d accepted", len(calls), accepted)
	}
	if u := calls[0].Usage; len(u) != 1 || u[0].Code != "PL0000" || len(u[0].IDs) != 1 || u[0].IDs[0] != "account1" || u[0].Count {
		t.Errorf("first report = %+v, want PL0000 with id account1", u)
	}
	if u := calls[1].Usage; len(u) != 1 || !u[0].Count || u[0].ActiveNum != 10 || u[0].IDs != nil {
		t.Errorf("second report = %+v, want PL0000 with active_num 10", u)
	}
	if got := s.Calls(koogallery.APIUsage, koogallery.CodeBadParam); got != 17 {
		t.Errorf("Calls(usage, 95000001) = %d, want 17", got)
	}
}

func TestUsageReportNeedsTheAppSignature(t *testing.T) {
	s := newTestServer(t)
	if err := s.AddCode(Code{Code: "PL0000", State: Active}); err != nil {
		t.Fatal(err)
	}
	got := call(t, s, "another-sk", http.MethodPost, koogallery.PathUsage, "application/json", []byte(usageOf(1, `{"id":"a"}`)))
	if got.status != http.StatusUnauthorized || got.code != koogallery.GatewayAppAuth {
		t.Errorf("wrong SK: got %d %s, want 401 %s", got.status, got.code, koogallery.GatewayAppAuth)
	}
	if n := len(s.UsageCalls()); n != 0 {
		t.Errorf("UsageCalls() holds %d reports after a refused signature, want 0", n)
	}
}
