package market

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/koogallery/conformance"
)

// knownStandInGaps are the corpus's OpenAPI requests the stand-in does not yet answer in the documented shape,
// each with the defect. The list only shrinks: TestStandInConformance fails when a listed example starts
// passing and when an unlisted one fails.
var knownStandInGaps = map[string]string{}

// TestStandInConformance sends every OpenAPI request example of the corpus, App-signed, to the stand-in with
// the code it names received and activated, and checks the documented answer: the HTTP status, a JSON object
// whose error_code is among the documented codes, the documented fields present as strings.
func TestStandInConformance(t *testing.T) {
	conformance.Replay(t, knownStandInGaps, func(ex conformance.Example) []string {
		if ex.API == "" {
			return nil // a callback: the seller's server replays it
		}
		return []string{""}
	}, func(t *testing.T, ex conformance.Example, _ string) error { return replayOpenAPI(t, ex) })
}

// replayOpenAPI sends ex to a fresh stand-in holding, activated, every licence code the body names and the order
// a GET names (a GET carries its parameters in the URL and no body), and returns how the answer departs from
// ex.Expect: its code in resultCode when the page documents that field (the order query), else in error_code.
func replayOpenAPI(t *testing.T, ex conformance.Example) error {
	s := newTestServer(t)
	var body map[string]any
	if err := json.Unmarshal(ex.Body, &body); err != nil {
		t.Fatal(err)
	}
	for _, code := range licenceCodes(body) {
		if err := s.AddCode(Code{Code: code, State: Active, ProductID: "P-CONF", OrderID: "CS-" + code}); err != nil {
			t.Fatal(err)
		}
	}
	target, payload := s.URL()+ex.API, []byte(nil)
	if ex.Method == http.MethodGet {
		q := url.Values{}
		for k, v := range ex.Query {
			q.Set(k, v)
		}
		target += "?" + q.Encode()
		if id := ex.Query["orderId"]; id != "" {
			addOrder(t, s, id, ex.Query["orderLineId"])
		}
	} else {
		var raw bytes.Buffer
		if err := json.Compact(&raw, ex.Body); err != nil {
			t.Fatal(err)
		}
		payload = raw.Bytes()
	}
	req, err := http.NewRequest(ex.Method, target, bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if err := koogallery.SignAPIG(req, payload, testAK, testSK, time.Now()); err != nil {
		t.Fatal(err)
	}
	a := send(t, req)
	codeField := "error_code"
	for _, f := range ex.Expect.Fields {
		if f.Name == "resultCode" {
			codeField = f.Name
		}
	}
	return ex.Expect.Check(a.status, a.body, codeField)
}

// addOrder puts in s a yearly order id whose line is line (id-000001 when line is empty), as the marketplace
// holds it once the buyer has paid.
func addOrder(t *testing.T, s *Server, id, line string) {
	t.Helper()
	if line == "" {
		line = id + "-000001"
	}
	if err := s.AddOrder(koogallery.OrderInfo{OrderID: id, OrderType: "NEW", CreateTime: "20240101000000",
		OrderLine: []koogallery.OrderLine{{OrderLineID: line, ChargingMode: "PERIOD", PeriodType: "year",
			PeriodNumber: "1", ExpireTime: "20250101000000",
			ProductInfo: []koogallery.ProductInfo{{ProductID: "P-CONF", SKUCode: "SKU-CONF"}}}},
		BuyerInfo: &koogallery.BuyerInfo{CustomerID: "cust-conf"}}); err != nil {
		t.Fatal(err)
	}
}

// licenceCodes returns the values of every "license" field in a request body, at any depth.
func licenceCodes(v any) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if s, ok := e.(string); ok && k == "license" {
				out = append(out, s)
			}
			out = append(out, licenceCodes(e)...)
		}
	case []any:
		for _, e := range v {
			out = append(out, licenceCodes(e)...)
		}
	}
	return out
}
