package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/verifier"
)

// rigQuery returns a signed License 1.0 query for params: timeStamp added unless present, authToken
// over the decoded values; edit may change the signed values afterwards.
func rigQuery(params map[string]string) url.Values {
	q := url.Values{}
	for k, v := range params {
		q.Set(k, v)
	}
	if q.Get("timeStamp") == "" {
		q.Set("timeStamp", koogallery.FormatTimeMillis(rigNow))
	}
	q.Set("authToken", koogallery.AuthToken(rigKey, q))
	return q
}

// signedPost returns a POST of body signed with a fresh nonce and the rig's time; edit may change the URL
// parameters after signing.
func (r *rig) signedPost(body []byte, contentType string, edit ...func(url.Values)) *http.Request {
	r.seq++
	q := url.Values{"timestamp": {strconv.FormatInt(rigNow.UnixMilli(), 10)}, "nonce": {fmt.Sprintf("BAD%013d", r.seq)}}
	for _, e := range edit {
		e(q)
	}
	q.Set("signature", koogallery.Signature(rigKey, q.Get("nonce"), q.Get("timestamp"), body))
	return postRequest(q, body, contentType)
}

// stored is what a case expects to find after an accepted create: the license of the order (and line),
// with these fields exactly as sent.
type stored struct {
	order, line, customerName, customerID string
	expires                               int64
	quantity                              int64
}

const jsonType = "application/json"

// TestBadInputCatalogue sends every kind of malformed, hostile or unusual input through the real handler
// and checks the documented result code; refused inputs must not change any license, accepted ones must
// store their values verbatim. docs/reliability.md lists the catalogue.
func TestBadInputCatalogue(t *testing.T) {
	big := fmt.Sprintf(`{"activity":"newInstance","orderId":"BIG","pad":"%s"}`, strings.Repeat("x", maxBody))
	many := map[string]string{"activity": "getLicense", "businessId": "b", "customerId": "c", "orderId": "MANY", "productId": "P"}
	for i := range 3000 {
		many[fmt.Sprintf("p%04d", i)] = "v"
	}
	manyJSON := `{"activity":"newInstance","orderId":"MANYJ"`
	for i := range 3000 {
		manyJSON += fmt.Sprintf(`,"p%04d":"v"`, i)
	}
	manyJSON += "}"
	sqlText := `Robert'); DROP TABLE licenses;-- " OR 1=1 /*`
	n := 0
	create := func(order string, extra ...string) map[string]string {
		n++
		m := map[string]string{"activity": "getLicense", "businessId": "b-bad-" + strconv.Itoa(n), "customerId": "c", "orderId": order, "productId": "P"}
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i]] = extra[i+1]
		}
		return m
	}
	cases := []struct {
		name  string
		req   func(r *rig) *http.Request
		want  string
		store *stored // accepted creates: what must be stored
	}{
		// Size and shape.
		{"oversized body (1 MiB + 50 bytes)", func(r *rig) *http.Request { return r.signedPost([]byte(big), jsonType) }, resultParam, nil},
		{"empty body, signed", func(r *rig) *http.Request { return r.signedPost(nil, jsonType) }, resultParam, nil},
		{"empty body, unsigned", func(r *rig) *http.Request { return postRequest(url.Values{}, nil, jsonType) }, resultAuth, nil},
		{"3000 query parameters", func(r *rig) *http.Request { return getRequest(rigQuery(many).Encode()) }, resultParam, nil},
		{"3000 JSON fields", func(r *rig) *http.Request { return r.signedPost([]byte(manyJSON), jsonType) }, resultParam, nil},
		{"body is a JSON array", func(r *rig) *http.Request { return r.signedPost([]byte(`[{"activity":"newInstance"}]`), jsonType) }, resultParam, nil},
		{"trailing data after the object", func(r *rig) *http.Request {
			return r.signedPost([]byte(`{"activity":"newInstance","orderId":"T"} {}`), jsonType)
		}, resultParam, nil},
		{"UTF-8 byte order mark before the object", func(r *rig) *http.Request {
			return r.signedPost([]byte("\ufeff"+`{"activity":"newInstance","orderId":"BOM"}`), jsonType)
		}, resultParam, nil},
		{"nested object value", func(r *rig) *http.Request {
			return r.signedPost([]byte(`{"activity":"newInstance","orderId":{"id":"N"}}`), jsonType)
		}, resultParam, nil},
		{"array value", func(r *rig) *http.Request {
			return r.signedPost([]byte(`{"activity":"newInstance","orderId":["A"]}`), jsonType)
		}, resultParam, nil},
		{"form-encoded body", func(r *rig) *http.Request {
			return r.signedPost([]byte("activity=newInstance&orderId=F"), "application/x-www-form-urlencoded")
		}, resultParam, nil},

		// Encoding.
		{"invalid UTF-8 in a query value", func(r *rig) *http.Request {
			return getRequest(rigQuery(create("U8", "customerName", "\xff\xfe")).Encode())
		}, resultParam, nil},
		{"invalid UTF-8 in a query name", func(r *rig) *http.Request {
			return getRequest(rigQuery(create("U8N", "\xffname", "v")).Encode())
		}, resultParam, nil},
		{"invalid UTF-8 in the JSON body", func(r *rig) *http.Request {
			return r.signedPost([]byte("{\"activity\":\"newInstance\",\"orderId\":\"\xff\"}"), jsonType)
		}, resultParam, nil},
		{"lone surrogate escape in JSON", func(r *rig) *http.Request {
			return r.signedPost([]byte(`{"activity":"newInstance","productId":"P","customerId":"c","orderId":"S","customerName":"\ud800"}`), jsonType)
		}, resultOK, &stored{order: "S", line: "", customerName: "\ufffd"}},
		{"query string not valid URL encoding", func(r *rig) *http.Request { return getRequest("activity=getLicense&orderId=%zz") }, resultParam, nil},

		// Repeats and types.
		{"duplicated query parameter", func(r *rig) *http.Request {
			q := rigQuery(create("DUP"))
			q.Add("orderId", "DUP2")
			return getRequest(q.Encode())
		}, resultParam, nil},
		{"duplicated JSON key: the last value counts, as in the signature's canonical form", func(r *rig) *http.Request {
			return r.signedPost([]byte(`{"activity":"newInstance","productId":"P","customerId":"c","orderId":"DUPJ-1","orderId":"DUPJ-2"}`), jsonType)
		}, resultOK, &stored{order: "DUPJ-2"}},
		{"numbers and booleans where strings belong are read as their text", func(r *rig) *http.Request {
			return r.signedPost([]byte(`{"activity":"newInstance","productId":"P","orderId":12345,"orderLineId":7,"amount":3,"customerId":true}`), jsonType)
		}, resultOK, &stored{order: "12345", line: "7", customerID: "true", quantity: 3}},
		{"null is absent", func(r *rig) *http.Request {
			return r.signedPost([]byte(`{"activity":"newInstance","productId":"P","customerId":"c","orderId":"NULL","orderLineId":null,"expireTime":null}`), jsonType)
		}, resultOK, &stored{order: "NULL"}},
		{"fractional amount", func(r *rig) *http.Request {
			return r.signedPost([]byte(`{"activity":"newInstance","orderId":"FRAC","amount":1.5}`), jsonType)
		}, resultParam, nil},

		// Missing and unknown.
		{"missing orderId", func(r *rig) *http.Request {
			return r.signedPost([]byte(`{"activity":"newInstance","businessId":"b"}`), jsonType)
		}, resultParam, nil},
		{"missing customerId in getLicense", func(r *rig) *http.Request {
			m := create("NOCUST")
			delete(m, "customerId")
			return getRequest(rigQuery(m).Encode())
		}, resultParam, nil},
		{"missing activity", func(r *rig) *http.Request { return r.signedPost([]byte(`{"orderId":"NOACT"}`), jsonType) }, resultParam, nil},
		{"unknown activity", func(r *rig) *http.Request {
			return r.signedPost([]byte(`{"activity":"dropTables","orderId":"X"}`), jsonType)
		}, resultParam, nil},
		{"getLicense sent as POST", func(r *rig) *http.Request {
			return r.signedPost([]byte(`{"activity":"getLicense","orderId":"X"}`), jsonType)
		}, resultParam, nil},
		{"renewal without expireTime", func(r *rig) *http.Request {
			return r.signedPost([]byte(`{"activity":"refreshLicenseCode","license":"x","orderId":"R"}`), jsonType)
		}, resultParam, nil},
		{"missing timeStamp", func(r *rig) *http.Request {
			q := rigQuery(create("NOTS"))
			q.Del("timeStamp")
			return getRequest(q.Encode())
		}, resultParam, nil},
		{"missing authToken", func(r *rig) *http.Request {
			q := rigQuery(create("NOTOK"))
			q.Del("authToken")
			return getRequest(q.Encode())
		}, resultAuth, nil},
		{"missing nonce", func(r *rig) *http.Request {
			return r.signedPost([]byte(`{"activity":"newInstance","orderId":"NN"}`), jsonType, func(q url.Values) { q.Set("nonce", "") })
		}, resultParam, nil},

		// Lengths.
		{"orderId of 65 characters", func(r *rig) *http.Request {
			return getRequest(rigQuery(create(strings.Repeat("o", 65))).Encode())
		}, resultParam, nil},
		{"orderId of 64 Chinese characters", func(r *rig) *http.Request {
			return getRequest(rigQuery(create(strings.Repeat("单", 64))).Encode())
		}, resultOK, &stored{order: strings.Repeat("单", 64)}},
		{"nonce of 129 characters", func(r *rig) *http.Request {
			return r.signedPost([]byte(`{"activity":"newInstance","orderId":"LN"}`), jsonType,
				func(q url.Values) { q.Set("nonce", strings.Repeat("n", 129)) })
		}, resultParam, nil},

		// Values stored verbatim.
		{"SQL metacharacters", func(r *rig) *http.Request {
			return getRequest(rigQuery(create("O'1;--", "customerName", sqlText)).Encode())
		}, resultOK, &stored{order: "O'1;--", customerName: sqlText}},
		{"Chinese text", func(r *rig) *http.Request {
			return getRequest(rigQuery(create("订单-001", "customerName", "华为云 张三 有限公司")).Encode())
		}, resultOK, &stored{order: "订单-001", customerName: "华为云 张三 有限公司"}},
		{"control characters, NUL, U+2028 and HTML", func(r *rig) *http.Request {
			return r.signedPost([]byte(`{"activity":"newInstance","productId":"P","customerId":"c","orderId":"CTRL","customerName":"a\u0000b\nc\u2028<d>&"}`), jsonType)
		}, resultOK, &stored{order: "CTRL", customerName: "a\x00b\nc\u2028<d>&"}},

		// authToken and signatures.
		{"'+' in authToken sent raw (arrives as a space)", func(r *rig) *http.Request { return getRequest(plusToken(t, false)) }, resultOK, nil},
		{"'+' in authToken percent-encoded", func(r *rig) *http.Request { return getRequest(plusToken(t, true)) }, resultOK, nil},
		{"authToken of another key", func(r *rig) *http.Request {
			q := rigQuery(create("OTHER"))
			q.Set("authToken", koogallery.AuthToken("other-key", q))
			return getRequest(q.Encode())
		}, resultAuth, nil},
		{"signature not hex", func(r *rig) *http.Request {
			q := url.Values{"timestamp": {strconv.FormatInt(rigNow.UnixMilli(), 10)}, "nonce": {"NH"}, "signature": {"zz"}}
			return postRequest(q, []byte(`{"activity":"newInstance","orderId":"NH"}`), jsonType)
		}, resultAuth, nil},
		{"signature in upper-case hex", func(r *rig) *http.Request {
			req := r.signedPost([]byte(`{"activity":"newInstance","productId":"P","customerId":"c","orderId":"UPPER"}`), jsonType)
			q := req.URL.Query()
			q.Set("signature", strings.ToUpper(q.Get("signature")))
			req.URL.RawQuery = q.Encode()
			return req
		}, resultOK, &stored{order: "UPPER"}},

		// Times.
		{"14-digit expireTime", func(r *rig) *http.Request {
			return getRequest(rigQuery(create("T14", "expireTime", "20300101120000")).Encode())
		}, resultOK, &stored{order: "T14", expires: 1893499200}},
		{"17-digit expireTime", func(r *rig) *http.Request {
			return getRequest(rigQuery(create("T17", "expireTime", "20300101120000999")).Encode())
		}, resultOK, &stored{order: "T17", expires: 1893499200}},
		{"15-digit expireTime", func(r *rig) *http.Request {
			return getRequest(rigQuery(create("T15", "expireTime", "202001011200000")).Encode())
		}, resultParam, nil},
		{"impossible date 2030-02-30", func(r *rig) *http.Request {
			return getRequest(rigQuery(create("TFEB", "expireTime", "20300230000000")).Encode())
		}, resultParam, nil},
		{"14-digit timeStamp in License 1.0 (not checked against the clock)", func(r *rig) *http.Request {
			return getRequest(rigQuery(create("TS14", "timeStamp", "20260301080000")).Encode())
		}, resultOK, &stored{order: "TS14"}},
		{"10-digit timestamp (seconds)", func(r *rig) *http.Request {
			return r.signedPost([]byte(`{"activity":"newInstance","productId":"P","customerId":"c","orderId":"S10"}`), jsonType,
				func(q url.Values) { q.Set("timestamp", strconv.FormatInt(rigNow.Unix(), 10)) })
		}, resultOK, &stored{order: "S10"}},
		{"14-digit timestamp", func(r *rig) *http.Request {
			return r.signedPost([]byte(`{"activity":"newInstance","orderId":"S14"}`), jsonType,
				func(q url.Values) { q.Set("timestamp", koogallery.FormatTime(rigNow)) })
		}, resultParam, nil},
		{"17-digit timestamp", func(r *rig) *http.Request {
			return r.signedPost([]byte(`{"activity":"newInstance","orderId":"S17"}`), jsonType,
				func(q url.Values) { q.Set("timestamp", koogallery.FormatTimeMillis(rigNow)) })
		}, resultParam, nil},
		{"timestamp 61 s in the future", func(r *rig) *http.Request {
			return r.signedPost([]byte(`{"activity":"newInstance","orderId":"FUT"}`), jsonType,
				func(q url.Values) { q.Set("timestamp", strconv.FormatInt(rigNow.UnixMilli()+61000, 10)) })
		}, resultParam, nil},

		// Transport.
		{"wrong content type (text/plain): the body is still the signed JSON", func(r *rig) *http.Request {
			return r.signedPost([]byte(`{"activity":"newInstance","productId":"P","customerId":"c","orderId":"CT"}`), "text/plain")
		}, resultOK, &stored{order: "CT"}},
		{"no content type", func(r *rig) *http.Request {
			return r.signedPost([]byte(`{"activity":"newInstance","productId":"P","customerId":"c","orderId":"NOCT"}`), "")
		}, resultOK, &stored{order: "NOCT"}},
	}
	r := newRig(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := r.counts(t)
			a := r.do(t, c.req(r))
			if a.ResultCode != c.want {
				t.Fatalf("resultCode = %s (%s), want %s", a.ResultCode, a.ResultMsg, c.want)
			}
			if after := r.counts(t); c.want != resultOK && (after.licenses != before.licenses || after.events != before.events ||
				after.gens != before.gens) {
				t.Errorf("a refused input changed licenses or events: %+v → %+v", before, after)
			}
			if c.store != nil {
				r.checkStored(t, a, c.store)
			}
		})
	}
}

// checkStored checks that the accepted create stored its values exactly as sent, in the database and in
// the code's claims.
func (r *rig) checkStored(t *testing.T, a answerBody, want *stored) {
	t.Helper()
	l, err := r.st.LicenseByOrder(context.Background(), want.order, want.line)
	if err != nil {
		t.Fatalf("LicenseByOrder(%q, %q) err = %v", want.order, want.line, err)
	}
	if l.ID != a.InstanceID || l.Code != a.License {
		t.Errorf("stored license %s differs from the answer's %s", l.ID, a.InstanceID)
	}
	c, err := verifier.New(r.kr, verifier.WithAnyProduct()).Verify(l.Code)
	if err != nil {
		t.Fatalf("stored code does not verify: %v", err)
	}
	switch {
	case want.customerName != "" && l.CustomerName != want.customerName:
		t.Errorf("customerName stored as %q, want %q", l.CustomerName, want.customerName)
	case want.customerID != "" && (l.CustomerID != want.customerID || c.CustomerID != want.customerID):
		t.Errorf("customerId stored as %q, claim %q; want %q", l.CustomerID, c.CustomerID, want.customerID)
	case c.OrderID != want.order || c.OrderLineID != want.line:
		t.Errorf("claims ord, oli = %q, %q; want %q, %q", c.OrderID, c.OrderLineID, want.order, want.line)
	case want.expires != 0 && (l.ExpiresAt != want.expires || c.ExpiresAt != want.expires):
		t.Errorf("expiry stored as %d, claim %d; want %d", l.ExpiresAt, c.ExpiresAt, want.expires)
	case l.Quantity != want.quantity:
		t.Errorf("quantity stored as %d, want %d", l.Quantity, want.quantity)
	}
}

// plusToken returns a signed getLicense query whose authToken contains '+', with the token
// percent-encoded or raw (so that it arrives as a space, as a proxy that decodes twice would deliver it).
func plusToken(t *testing.T, encoded bool) string {
	t.Helper()
	for i := range 1000 {
		q := rigQuery(map[string]string{"activity": "getLicense", "businessId": fmt.Sprintf("b-plus-%v-%d", encoded, i),
			"customerId": "c", "orderId": fmt.Sprintf("PLUS-%v-%d", encoded, i), "productId": "P"})
		tok := q.Get("authToken")
		if !strings.Contains(tok, "+") {
			continue
		}
		if encoded {
			return q.Encode()
		}
		q.Del("authToken")
		return q.Encode() + "&authToken=" + tok
	}
	t.Fatal("no authToken with '+' in 1000 tries")
	return ""
}
