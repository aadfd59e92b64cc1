package conformance

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// TestLoad reads the whole corpus: every page passes the rules, and every example id is unique.
func TestLoad(t *testing.T) {
	pages, err := Load()
	if err != nil {
		t.Fatalf("Load() err = %v", err)
	}
	n := 0
	for _, p := range pages {
		n += len(p.Examples)
	}
	if len(pages) == 0 || n == 0 {
		t.Fatalf("Load() = %d pages, %d examples; want some of each", len(pages), n)
	}
}

// validPage is a page that passes the rules; the cases of TestParseRefuses break one rule each.
func validPage() map[string]any {
	return map[string]any{
		"topic": "0070649255", "url": "https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649255.html",
		"updated": "2023-12-25", "title": "异步申请License", "guide": "G1b", "read": "the request section",
		"request_params": []any{map[string]any{"name": "instanceId", "required": true, "type": "String", "max": 64}},
		"examples": []any{map[string]any{
			"id": "0070649255/request", "kind": "request", "activity": "getLicenseAsync", "method": "POST",
			"source": "example", "printed": `{"instanceId":"RA2****4LVS"}`,
			"query": map[string]any{"signature": "11C4C****"},
			"body":  map[string]any{"instanceId": "RA2K9QX4LVS", "list": []any{map[string]any{"id": "a"}}},
			"filled": []any{
				map[string]any{"path": "instanceId", "printed": "RA2****4LVS", "value": "RA2K9QX4LVS", "why": "masked"},
				map[string]any{"path": "?signature", "printed": "11C4C****", "value": "", "why": "computed"},
			},
			"expect": map[string]any{"codes": []any{"000000"}, "source": "the page",
				"fields": []any{map[string]any{"name": "resultCode", "required": true, "type": "String", "max": 6}}},
		}},
	}
}

func example(p map[string]any) map[string]any { return p["examples"].([]any)[0].(map[string]any) }

// TestParseRefuses: a page without a topic id, an address or an update date, and an example that breaks a
// rule, are refused with an error naming the rule.
func TestParseRefuses(t *testing.T) {
	cases := []struct {
		name string
		edit func(p map[string]any)
		want string
	}{
		{"no topic", func(p map[string]any) { delete(p, "topic") }, "topic"},
		{"not a topic id", func(p map[string]any) { p["topic"] = "getLicenseAsync" }, "topic"},
		{"no url", func(p map[string]any) { delete(p, "url") }, "url"},
		{"url of a mirror", func(p map[string]any) {
			p["url"] = "https://www.kq27.cc/accessg-marketplace/zh-cn_topic_0070649255.html"
		}, "url"},
		{"url of another topic", func(p map[string]any) {
			p["url"] = "https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649245.html"
		}, "url"},
		{"no update date", func(p map[string]any) { delete(p, "updated") }, "updated"},
		{"update date not a date", func(p map[string]any) { p["updated"] = "2023-12" }, "updated"},
		{"unknown field", func(p map[string]any) { p["update"] = "2023-12-25" }, "unknown field"},
		{"no read note", func(p map[string]any) { delete(p, "read") }, "read"},
		{"example id of another topic", func(p map[string]any) { example(p)["id"] = "0070649245/request" }, "topic id"},
		{"masked value left", func(p map[string]any) {
			example(p)["body"] = map[string]any{"instanceId": "RA2K9QX4LVS", "list": []any{map[string]any{"id": "8****c8"}}}
		}, "list[0].id"},
		{"fill not in body", func(p map[string]any) {
			example(p)["filled"].([]any)[0].(map[string]any)["value"] = "RA2OTHER4LVS"
		}, "fill instanceId"},
		{"fill of a URL parameter not printed", func(p map[string]any) { delete(example(p), "query") }, "?signature"},
		{"body not an object", func(p map[string]any) { example(p)["body"] = []any{"x"} }, "JSON object"},
		{"printed example without text", func(p map[string]any) { delete(example(p), "printed") }, "text as printed"},
		{"example from the notes with printed text", func(p map[string]any) { example(p)["source"] = "notes" }, "no printed text"},
		{"example from the notes with a field no note names", func(p map[string]any) {
			ex := example(p)
			ex["source"] = "notes"
			delete(ex, "printed")
		}, "field list of an example built from the notes"},
		{"request without expectation", func(p map[string]any) { delete(example(p), "expect") }, "expected answer"},
		{"both activity and api", func(p map[string]any) { example(p)["api"] = "/v1/x" }, "exactly one"},
		{"GET whose URL parameters miss a required row", func(p map[string]any) { example(p)["method"] = "GET" }, "required instanceId missing"},
		{"no method", func(p map[string]any) { delete(example(p), "method") }, "method"},
		{"body without a required field", func(p map[string]any) {
			p["request_params"] = append(p["request_params"].([]any), map[string]any{"name": "eventId", "required": true, "type": "String", "max": 64})
		}, "required eventId missing"},
		{"body value over the table's length", func(p map[string]any) {
			p["request_params"].([]any)[0].(map[string]any)["max"] = 10
		}, "instanceId has 11 characters"},
		{"nested required field missing", func(p map[string]any) {
			p["request_params"] = append(p["request_params"].([]any), map[string]any{"name": "id", "parent": "list", "type": "String", "max": 0},
				map[string]any{"name": "other", "parent": "list", "required": true, "type": "String"})
		}, "required list.other missing"},
	}
	good, _ := json.Marshal(validPage())
	if _, err := Parse("good.json", good); err != nil {
		t.Fatalf("Parse(valid page) err = %v", err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := validPage()
			c.edit(p)
			data, _ := json.Marshal(p)
			_, err := Parse("page.json", data)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Parse() err = %v, want an error naming %q", err, c.want)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	var v any
	json.Unmarshal([]byte(`{"a":[{"b":{"c":"x"}},{"d":[1,[2,3]]}]}`), &v)
	cases := []struct {
		path string
		want any
		ok   bool
	}{
		{"a[0].b.c", "x", true},
		{"a[1].d[1][0]", float64(2), true},
		{"a[2]", nil, false},
		{"a[x]", nil, false},
		{"a.b", nil, false},
		{"z", nil, false},
	}
	for _, c := range cases {
		got, ok := Lookup(v, c.path)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("Lookup(%q) = %v, %v; want %v, %v", c.path, got, ok, c.want, c.ok)
		}
	}
}

func TestExpectCheck(t *testing.T) {
	e := &Expect{Codes: []string{"000000", "000004"}, Source: "page", Fields: []Param{
		{Name: "resultCode", Required: true, Type: "String", Max: 6},
		{Name: "instanceId", Required: true, Type: "String", Max: 4},
		{Name: "resultMsg", Type: "String", Max: 3},
	}}
	cases := []struct {
		name   string
		status int
		body   string
		want   string // "" = no error; else a part of the error
	}{
		{"documented", 200, `{"resultCode":"000000","instanceId":"ab","resultMsg":"成功了"}`, ""},
		{"other documented code", 200, `{"resultCode":"000004","instanceId":"ab"}`, ""},
		{"undocumented code", 200, `{"resultCode":"000002","instanceId":"ab"}`, `resultCode "000002"`},
		{"required field missing", 200, `{"resultCode":"000004"}`, "instanceId missing"},
		{"too long in characters", 200, `{"resultCode":"000000","instanceId":"ab","resultMsg":"成功了吗"}`, "resultMsg has 4 characters"},
		{"not a string", 200, `{"resultCode":"000000","instanceId":5}`, "instanceId is float64"},
		{"HTTP status", 500, `{"resultCode":"000000","instanceId":"ab"}`, "HTTP 500"},
		{"not JSON", 200, `resultCode=000000`, "not a JSON object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := e.Check(c.status, []byte(c.body), "resultCode")
			if (c.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.want)) {
				t.Errorf("Check() err = %v, want %q", err, c.want)
			}
		})
	}
}

func TestJudge(t *testing.T) {
	gaps := map[string]string{"p/listed": "a defect"}
	failed := errors.New("resultCode 000002")
	cases := []struct {
		id            string
		err           error
		failure, know bool
	}{
		{"p/unlisted", nil, false, false},
		{"p/unlisted", failed, true, false},
		{"p/listed", failed, false, true},
		{"p/listed", nil, true, false},
	}
	for _, c := range cases {
		failure, known := Judge(c.id, c.err, gaps)
		if (failure != "") != c.failure || (known != "") != c.know {
			t.Errorf("Judge(%s, %v) = %q, %q; want failure %v, known %v", c.id, c.err, failure, known, c.failure, c.know)
		}
	}
	if got := Stale(map[string]string{"b": "", "a": "", "c": ""}, map[string]bool{"c": true}); strings.Join(got, ",") != "a,b" {
		t.Errorf("Stale() = %v, want [a b]", got)
	}
}

func TestShape(t *testing.T) {
	table := []Param{
		{Name: "usage_info", Required: true, Type: "List<Usage>", Max: 2},
		{Name: "license", Parent: "usage_info", Required: true, Type: "String", Max: 8},
		{Name: "software_usage_Info", Parent: "usage_info", Required: true, Type: "List<SoftwareUsageInfo>", Max: 100},
		{Name: "id", Parent: "software_usage_Info", Type: "String", Max: 4},
		{Name: "active_num", Parent: "software_usage_Info", Type: "interger", Max: 3},
	}
	cases := []struct {
		name, body, want string
	}{
		{"fits", `{"usage_info":[{"license":"PL7Q2M9K","software_usage_Info":[{"id":"acc1"},{"active_num":999}]}]}`, ""},
		{"too many items", `{"usage_info":[{"license":"a","software_usage_Info":[]},{"license":"b","software_usage_Info":[]},{"license":"c","software_usage_Info":[]}]}`, "usage_info has 3 items"},
		{"nested required missing", `{"usage_info":[{"software_usage_Info":[]}]}`, "required usage_info.license missing"},
		{"deeply nested too long", `{"usage_info":[{"license":"a","software_usage_Info":[{"id":"account1"}]}]}`, "software_usage_Info.id has 8 characters"},
		{"too many digits", `{"usage_info":[{"license":"a","software_usage_Info":[{"active_num":1000}]}]}`, "active_num has 4 digits"},
		{"top-level required missing", `{}`, "required usage_info missing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Shape(table, json.RawMessage(c.body))
			if (c.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.want)) {
				t.Errorf("Shape() err = %v, want %q", err, c.want)
			}
		})
	}
}
