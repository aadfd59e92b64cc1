package simulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/koogallery/conformance"
	"github.com/licentia/licentia/verifier"
)

// undocumented are the activities the simulator plays that no page of the conformance corpus documents: the
// License 1.0 GET calls and the License 2.0 callbacks (docs/koogallery.md "The official pages, call by call":
// their pages are not in the stored copies). Their calls are recorded but not checked; an activity that gains a
// page in the corpus must leave this list.
var undocumented = []string{
	koogallery.ActivityGetLicense, koogallery.ActivityRefreshLicense, koogallery.ActivityExpireLicense,
	koogallery.ActivityReleaseLicense, koogallery.ActivityRefreshLicenseCode, koogallery.ActivityUpdateLicenseCodeStatus,
	koogallery.ActivityReleaseLicenseCode,
	// The order notification's page in the corpus (0000002091799149) prints no request table: its example is
	// built from the page's notes (activity and orderId, which the scenario sends alone).
	koogallery.ActivityOrderNotify,
}

// mustCheck are the documented activities every full run must send, and the seller accept, at least once.
var mustCheck = []string{
	koogallery.ActivityNewInstance, koogallery.ActivityRefreshInstance, koogallery.ActivityUpdateInstanceStatus,
	koogallery.ActivityReleaseInstance, koogallery.ActivityGetLicenseAsync,
}

// sentCall is one call of the marketplace to the seller, as the seller received it, and the result code it answered.
type sentCall struct {
	scenario string
	method   string
	activity string
	body     json.RawMessage // a POST's JSON body; a GET's parameters, without authToken and timeStamp, as an object
	result   string
}

// tape records every call to the production path that passes through it, under the scenario being played.
type tape struct {
	h        http.Handler
	path     string
	mu       sync.Mutex
	scenario string
	calls    []sentCall
}

func (tp *tape) play(scenario string) {
	tp.mu.Lock()
	tp.scenario = scenario
	tp.mu.Unlock()
}

func (tp *tape) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != tp.path {
		tp.h.ServeHTTP(w, r)
		return
	}
	c := sentCall{method: r.Method}
	if r.Method == http.MethodGet {
		q := map[string]string{}
		for k, v := range r.URL.Query() {
			if k != "authToken" && k != "timeStamp" {
				q[k] = v[0]
			}
		}
		c.body, _ = json.Marshal(q)
	} else {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(b)))
		c.body = b
	}
	var fields struct {
		Activity string `json:"activity"`
	}
	json.Unmarshal(c.body, &fields)
	c.activity = fields.Activity
	rec := httptest.NewRecorder()
	tp.h.ServeHTTP(rec, r)
	var answer struct {
		ResultCode string `json:"resultCode"`
	}
	json.Unmarshal(rec.Body.Bytes(), &answer)
	c.result = answer.ResultCode
	maps.Copy(w.Header(), rec.Header())
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
	tp.mu.Lock()
	c.scenario = tp.scenario
	tp.calls = append(tp.calls, c)
	tp.mu.Unlock()
}

// documentation is what the corpus documents of an activity: the request tables of the pages whose examples play
// it, by topic.
type documentation map[string]map[string][]conformance.Param

func corpusDocumentation(t *testing.T) documentation {
	t.Helper()
	pages, err := conformance.Load()
	if err != nil {
		t.Fatalf("conformance.Load() err = %v", err)
	}
	doc := documentation{}
	for _, p := range pages {
		for _, ex := range p.Examples {
			if ex.Activity == "" || len(p.Request) == 0 {
				continue
			}
			if doc[ex.Activity] == nil {
				doc[ex.Activity] = map[string][]conformance.Param{}
			}
			doc[ex.Activity][p.Topic] = p.Request
		}
	}
	return doc
}

// check reports how a body the seller accepted departs from what the corpus documents of its activity: a field
// that no page's request table (the union over the pages documenting the activity) has as a top-level row, or a
// body that no page's table passes (conformance.Shape).
func (d documentation) check(activity string, body json.RawMessage) error {
	if printed, err := conformance.ExampleBody(nestedExample); err == nil && bytes.Equal(printed, body) {
		return nil // a page's own example, sent as printed (its page prints no table)
	}
	var fields map[string]any
	if err := json.Unmarshal(body, &fields); err != nil {
		return fmt.Errorf("body is not a JSON object: %w", err)
	}
	rows := map[string]bool{}
	var shapes []error
	for _, topic := range slices.Sorted(maps.Keys(d[activity])) {
		for _, r := range d[activity][topic] {
			if r.Parent == "" {
				rows[r.Name] = true
			}
		}
	}
	for _, topic := range slices.Sorted(maps.Keys(d[activity])) {
		err := conformance.Shape(d[activity][topic], body)
		if err == nil {
			shapes = nil
			break
		}
		shapes = append(shapes, fmt.Errorf("topic %s: %w", topic, err))
	}
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if !rows[k] {
			errs = append(errs, fmt.Errorf("field %s is in no request table of the pages documenting %s (topics %s)",
				k, activity, strings.Join(slices.Sorted(maps.Keys(d[activity])), ", ")))
		}
	}
	return errors.Join(append(errs, shapes...)...)
}

// TestScenariosSendOnlyDocumentedFields plays every scenario against licentia, one at a time, and checks every call
// licentia accepted (000000) against the conformance corpus: each field a row of its activity's request tables,
// and the body in the shape one of them documents. A scenario that sends what the pages do not print exercises a
// path the marketplace never takes. Hostile calls, which are refused, are not checked; the activities without a
// page in the corpus (undocumented) are recorded only. Each scenario must also name every call it plays
// (Scenario.Plays, and through it the topic ids in its summary).
func TestScenariosSendOnlyDocumentedFields(t *testing.T) {
	doc := corpusDocumentation(t)
	for _, act := range undocumented {
		if _, ok := doc[act]; ok {
			t.Errorf("%s is documented in the corpus now (topics %v): remove it from undocumented", act, slices.Sorted(maps.Keys(doc[act])))
		}
	}
	for act, pages := range doc {
		for topic := range pages {
			if _, played := topics[act]; played && !slices.Contains(topics[act], topic) {
				t.Errorf("topics[%s] = %v does not name the corpus page %s that documents it", act, topics[act], topic)
			}
		}
	}

	m := startMarket(t)
	l := newLicentiaWith(t, m)
	pem, err := l.ring.PublicPEM()
	if err != nil {
		t.Fatal(err)
	}
	kr, err := verifier.ParseKeyring(pem)
	if err != nil {
		t.Fatal(err)
	}
	tp := &tape{h: l.handler, path: "/koogallery/license"}
	url := serve(t, tp)
	apis := []koogallery.API{koogallery.APIActivate, koogallery.APIActivateBatch, koogallery.APIQuery,
		koogallery.APIQueryOrder, koogallery.APIUploadEvent, koogallery.APIUsage}
	apiCall := map[koogallery.API]string{koogallery.APIActivate: callActivate, koogallery.APIActivateBatch: callActivate,
		koogallery.APIQuery: callQuery, koogallery.APIQueryOrder: callQueryOrder, koogallery.APIUploadEvent: callUpload,
		koogallery.APIUsage: callUsage}
	prefix := NewPrefix(time.Now())
	for i, sc := range Scenarios() {
		// A prefix per run: the ids of one run restart their sequence.
		cfg := Config{Keys: kr, Market: m, URL: url, Key: testKey, Concurrency: 8, RetryInterval: time.Millisecond,
			Prefix: fmt.Sprintf("%s-%d", prefix, i)}
		before := map[koogallery.API]int{}
		for _, a := range apis {
			before[a] = m.Calls(a, "")
		}
		tp.play(sc.Name)
		rep, err := Run(context.Background(), cfg, sc.Name)
		if err != nil {
			t.Fatalf("Run(%s) err = %v", sc.Name, err)
		}
		if !rep.OK() {
			t.Errorf("Run(%s) against licentia: %d failed:%s", sc.Name, rep.Failed, failures(rep))
		}
		l.usageSent(t)
		for _, a := range apis {
			if m.Calls(a, "") > before[a] && !slices.Contains(sc.Plays, apiCall[a]) {
				t.Errorf("scenario %s made the seller call the OpenAPI %s, which its Plays does not name", sc.Name, a)
			}
		}
	}

	checked := map[string]int{}
	unchecked := map[string]int{}
	for _, c := range tp.calls {
		sc, _ := find(Scenarios(), c.scenario)
		if !slices.Contains(sc.Plays, c.activity) {
			t.Errorf("scenario %s sent %s, which its Plays does not name", c.scenario, c.activity)
		}
		if c.result != koogallery.ResultOK {
			continue // refused: a hostile call, or an answer the scenario checks itself
		}
		switch {
		case doc[c.activity] != nil:
			checked[c.activity]++
			if err := doc.check(c.activity, c.body); err != nil {
				t.Errorf("scenario %s: %s %s accepted by licentia, not as the pages document it: %v\nbody %s",
					c.scenario, c.method, c.activity, err, c.body)
			}
		case slices.Contains(undocumented, c.activity):
			unchecked[c.activity]++
		default:
			t.Errorf("scenario %s: %s has no page in the corpus and is not listed as undocumented", c.scenario, c.activity)
		}
	}
	for _, act := range mustCheck {
		if checked[act] == 0 {
			t.Errorf("no accepted %s was checked against the corpus", act)
		}
	}
	t.Logf("checked against the corpus: %v; without a page in the corpus, not checked: %v", checked, unchecked)
}

// TestDocumentationCheck: the check of TestScenariosSendOnlyDocumentedFields refuses a field no page prints, a
// missing required field and an over-long value, and passes what the pages print.
func TestDocumentationCheck(t *testing.T) {
	doc := corpusDocumentation(t)
	cases := []struct {
		name, activity, body string
		wantErr              string // "" for none
	}{
		{"documented newInstance", koogallery.ActivityNewInstance,
			`{"activity":"newInstance","orderId":"O1","orderLineId":"O1-1","businessId":"B1","testFlag":"0"}`, ""},
		{"newInstance with its terms", koogallery.ActivityNewInstance,
			`{"activity":"newInstance","orderId":"O1","orderLineId":"O1-1","businessId":"B1","productId":"P"}`, "field productId"},
		{"newInstance without its line", koogallery.ActivityNewInstance,
			`{"activity":"newInstance","orderId":"O1","businessId":"B1"}`, "required orderLineId missing"},
		{"over-long orderId", koogallery.ActivityNewInstance,
			`{"activity":"newInstance","orderId":"` + strings.Repeat("9", 65) + `","orderLineId":"L","businessId":"B1"}`, "orderId has 65 characters"},
		{"release without the optional orderId", koogallery.ActivityReleaseInstance,
			`{"activity":"releaseInstance","instanceId":"I1"}`, ""},
		{"TRIAL_TO_FORMAL with period fields", koogallery.ActivityRefreshInstance,
			`{"activity":"refreshInstance","scene":"TRIAL_TO_FORMAL","orderId":"F1","orderLineId":"F1-1","instanceId":"I1",` +
				`"expireTime":"20270101000000","periodType":"year"}`, "field periodType"},
	}
	for _, c := range cases {
		err := doc.check(c.activity, json.RawMessage(c.body))
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("%s: check() = %v, want nil", c.name, err)
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("%s: check() = %v, want an error mentioning %q", c.name, err, c.wantErr)
		}
	}
}
