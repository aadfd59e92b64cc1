package marketapi

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/licentia/licentia/server/koogallery"
)

const okUsage = `{"error_code":"92020000","error_msg":"success"}`

// The two request examples of topic 0000002290055385 (例子1 with id, 例子2 with active_num), with the code the
// conformance corpus fills in for PLXXXXXX.
func TestReportUsageBodiesOfThePage(t *testing.T) {
	for _, tt := range []struct {
		name   string
		report UsageReport
		want   string
	}{
		{"0000002290055385/request-id", UsageReport{Code: "PL7Q2M9K", IDs: []string{"account1"}},
			`{"usage_info":[{"license":"PL7Q2M9K","software_usage_Info":[{"id":"account1"}]}]}`},
		{"0000002290055385/request-active-num", UsageReport{Code: "PL7Q2M9K", ActiveNum: 10},
			`{"usage_info":[{"license":"PL7Q2M9K","software_usage_Info":[{"active_num":10}]}]}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, fakeAnswer{status: 200, body: okUsage})
			env := newTestClient(t, []string{f.URL() + "/prefix"}, nil)
			if err := env.client.ReportUsage(context.Background(), []UsageReport{tt.report}); err != nil {
				t.Fatalf("ReportUsage() err = %v", err)
			}
			if got := string(f.lastBody()); got != tt.want {
				t.Errorf("body = %s, want %s", got, tt.want)
			}
			r := f.lastRequest()
			if r.Method != "POST" || r.URL.Path != "/prefix"+koogallery.PathUsage || r.Header.Get("Content-Type") != "application/json" {
				t.Errorf("request = %s %s %s, want POST /prefix%s application/json", r.Method, r.URL.Path,
					r.Header.Get("Content-Type"), koogallery.PathUsage)
			}
			if f.badSig != 0 {
				t.Errorf("%d request(s) not App-signed with the configured AK/SK", f.badSig)
			}
			if n := env.calls.count(koogallery.APIUsage, koogallery.CodeSuccess); n != 1 {
				t.Errorf("observer counted %d successful usage calls, want 1", n)
			}
		})
	}
}

func TestReportUsageRefusedBeforeSending(t *testing.T) {
	ids := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("dep-%d", i)
		}
		return out
	}
	reports := func(n int) []UsageReport {
		out := make([]UsageReport, n)
		for i := range out {
			out[i] = UsageReport{Code: fmt.Sprintf("PL%04d", i), ActiveNum: 1}
		}
		return out
	}
	for _, tt := range []struct {
		name    string
		reports []UsageReport
	}{
		{"no code", nil},
		{"101 codes", reports(101)},
		{"empty code", []UsageReport{{ActiveNum: 1}}},
		{"code of 65 characters", []UsageReport{{Code: strings.Repeat("P", 65), ActiveNum: 1}}},
		{"neither id nor active_num", []UsageReport{{Code: "PL1"}}},
		{"both id and active_num", []UsageReport{{Code: "PL1", IDs: []string{"a"}, ActiveNum: 1}}},
		{"101 ids", []UsageReport{{Code: "PL1", IDs: ids(101)}}},
		{"empty id", []UsageReport{{Code: "PL1", IDs: []string{""}}}},
		{"id of 257 characters", []UsageReport{{Code: "PL1", IDs: []string{strings.Repeat("i", 257)}}}},
		{"active_num of 10 digits", []UsageReport{{Code: "PL1", ActiveNum: 1000000000}}},
		{"negative active_num", []UsageReport{{Code: "PL1", ActiveNum: -1}}},
		{"a code twice", []UsageReport{{Code: "PL1", ActiveNum: 1}, {Code: "PL1", ActiveNum: 2}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, fakeAnswer{status: 200, body: okUsage})
			env := newTestClient(t, []string{f.URL()}, nil)
			err := env.client.ReportUsage(context.Background(), tt.reports)
			if !errors.Is(err, ErrInvalidParam) {
				t.Errorf("ReportUsage() err = %v, want ErrInvalidParam", err)
			}
			if f.hits() != 0 {
				t.Errorf("%d request(s) sent, want none", f.hits())
			}
		})
	}
}

func TestReportUsageBounds(t *testing.T) {
	f := newFake(t, fakeAnswer{status: 200, body: okUsage})
	env := newTestClient(t, []string{f.URL()}, nil)
	var rs []UsageReport
	for i := range koogallery.MaxUsageCodes {
		ids := make([]string, koogallery.MaxUsageItems)
		for j := range ids {
			ids[j] = fmt.Sprintf("%03d-%s", j, strings.Repeat("d", koogallery.MaxUsageIDLen-4))
		}
		rs = append(rs, UsageReport{Code: fmt.Sprintf("%s%04d", strings.Repeat("P", koogallery.MaxCodeLen-4), i), IDs: ids})
	}
	rs[0] = UsageReport{Code: rs[0].Code, ActiveNum: koogallery.MaxActiveNum}
	if err := env.client.ReportUsage(context.Background(), rs); err != nil {
		t.Fatalf("ReportUsage() at every bound err = %v", err)
	}
	if f.hits() != 1 {
		t.Errorf("%d request(s), want 1", f.hits())
	}
}

func TestReportUsageRefusals(t *testing.T) {
	for _, tt := range []struct {
		code string
		want error
	}{
		{koogallery.CodeBadParam, ErrInvalidParam},
		{koogallery.CodeInvalidCodes, ErrInvalidCodes},
		{koogallery.CodeNotActivated, ErrNotActivated},
	} {
		status := 200
		if info, ok := koogallery.LookupCode(tt.code); ok {
			status = info.Status
		}
		f := newFake(t, fakeAnswer{status: status, body: `{"error_code":"` + tt.code + `","error_msg":"x"}`})
		env := newTestClient(t, []string{f.URL()}, nil)
		err := env.client.ReportUsage(context.Background(), []UsageReport{{Code: "PL1", IDs: []string{"a"}}})
		if !errors.Is(err, tt.want) {
			t.Errorf("answer %s: ReportUsage() err = %v, want %v", tt.code, err, tt.want)
		}
	}
}
