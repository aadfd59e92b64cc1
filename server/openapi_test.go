package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/licentia/licentia/server/licensing"
	"github.com/licentia/licentia/server/simulator/market"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/server/support"
	"github.com/licentia/licentia/verifier"
	"github.com/licentia/licentia/verifier/online"
)

// undescribedRoutes are the routes openapi.json leaves out on purpose (its info.description says why):
// the marketplace's production interface (KooGallery's protocol, docs/koogallery.md), the buyer page
// (HTML), Prometheus metrics and the operators' probes, which the shipped proxies do not expose.
var undescribedRoutes = []string{"GET /koogallery/license", "POST /koogallery/license", "GET /", "POST /",
	"GET /metrics", "GET /healthz", "GET /readyz"}

// apiOp is one operation of the description.
type apiOp struct {
	method, path string // path as the description writes it, e.g. /admin/v1/licenses/{ref}
	op           map[string]any
}

func (o apiOp) String() string { return o.method + " " + o.path }

func (o apiOp) responses() map[string]any { m, _ := o.op["responses"].(map[string]any); return m }

// apiDoc is the parsed description.
type apiDoc struct {
	raw     map[string]any
	schemas map[string]any
	ops     []apiOp
}

func loadAPIDoc(t testing.TB) *apiDoc {
	t.Helper()
	v, err := decodeJSONValue(openAPIDoc)
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	d := &apiDoc{raw: v.(map[string]any)}
	comps, _ := d.raw["components"].(map[string]any)
	d.schemas, _ = comps["schemas"].(map[string]any)
	paths, _ := d.raw["paths"].(map[string]any)
	for _, p := range sortedKeys(paths) {
		item, _ := paths[p].(map[string]any)
		for _, m := range sortedKeys(item) {
			op, ok := item[m].(map[string]any)
			if !ok {
				t.Fatalf("paths.%s.%s is not an operation", p, m)
			}
			d.ops = append(d.ops, apiOp{method: strings.ToUpper(m), path: p, op: op})
		}
	}
	if len(d.ops) == 0 {
		t.Fatal("openapi.json describes no operation")
	}
	return d
}

// find returns the operation that serves method and the request path p.
func (d *apiDoc) find(method, p string) (apiOp, bool) {
	for _, o := range d.ops {
		re := "^" + regexp.MustCompile(`\\\{[^}]+\\\}`).ReplaceAllString(regexp.QuoteMeta(o.path), `[^/]+`) + "$"
		if o.method == method && regexp.MustCompile(re).MatchString(p) {
			return o, true
		}
	}
	return apiOp{}, false
}

func (d *apiDoc) set(closed bool) *schemaSet {
	return &schemaSet{components: d.schemas, closed: closed}
}

// errorCodes returns the codes an error response's schema allows (its error.code enum).
func errorCodes(resp map[string]any) []string {
	content, _ := resp["content"].(map[string]any)
	mt, _ := content["application/json"].(map[string]any)
	sch, _ := mt["schema"].(map[string]any)
	props, _ := sch["properties"].(map[string]any)
	e, _ := props["error"].(map[string]any)
	eprops, _ := e["properties"].(map[string]any)
	code, _ := eprops["code"].(map[string]any)
	enum, _ := code["enum"].([]any)
	var out []string
	for _, c := range enum {
		s, _ := c.(string)
		out = append(out, s)
	}
	return out
}

// TestOpenAPIDocument: the description is well formed in what the tests and its readers rely on: every
// schema within the validator's keywords and every $ref resolving, every operation with an id, summary,
// description, tag and described answers, path parameters declared, request bodies closed (the server
// refuses unknown fields), the admin API's bearer roles, and each error answer's codes under the status
// errorStatus gives them.
func TestOpenAPIDocument(t *testing.T) {
	d := loadAPIDoc(t)
	if v := d.raw["openapi"]; v != "3.1.0" {
		t.Errorf("openapi = %v, want 3.1.0", v)
	}
	set := d.set(false)
	for _, name := range sortedKeys(d.schemas) {
		for _, p := range set.checkSchema(d.schemas[name], "components.schemas."+name) {
			t.Error(p)
		}
	}

	// The status of every error code the API answers: errorStatus's table, and the answers written
	// outside it (the readiness probe, the router's own 404 and 405).
	codeStatus := map[string]int{"unavailable": 503, "method_not_allowed": 405, "method_not_implemented": 501}
	for _, err := range []error{badRequest("x"), verifier.ErrTestCode, support.ErrInvalidCode, support.ErrSupersededProof,
		support.ErrUnauthorized, ErrForbidden, licensing.ErrNotReceived, licensing.ErrMarketUnconfigured,
		licensing.ErrMarketUnavailable, store.ErrNotFound, ErrLicenseRevoked, ErrLicenseReleased, support.ErrAmbiguous,
		store.ErrConflict, &http.MaxBytesError{}, &licensing.RateLimitError{}, errors.New("anything else"),
		&licensing.SeatError{Code: licensing.CodeSeatsExhausted}, &licensing.SeatError{Code: licensing.CodeDeploymentClone}} {
		status, code := errorStatus(err)
		codeStatus[code] = status
	}

	ids := map[string]bool{}
	for _, o := range d.ops {
		for _, k := range []string{"operationId", "summary", "description"} {
			if s, _ := o.op[k].(string); s == "" {
				t.Errorf("%s: no %s", o, k)
			}
		}
		id, _ := o.op["operationId"].(string)
		if ids[id] {
			t.Errorf("%s: operationId %q is used twice", o, id)
		}
		ids[id] = true
		if tags, _ := o.op["tags"].([]any); len(tags) != 1 {
			t.Errorf("%s: tags = %v, want one", o, o.op["tags"])
		}
		declared := map[string]bool{}
		params, _ := o.op["parameters"].([]any)
		for _, p := range params {
			pm, _ := p.(map[string]any)
			if pm["in"] == "path" {
				declared[pm["name"].(string)] = pm["required"] == true
			}
			for _, prob := range set.checkSchema(pm["schema"], fmt.Sprintf("%s parameter %v", o, pm["name"])) {
				t.Error(prob)
			}
		}
		for _, m := range regexp.MustCompile(`\{([^}]+)\}`).FindAllStringSubmatch(o.path, -1) {
			if !declared[m[1]] {
				t.Errorf("%s: path parameter %s is not declared as required", o, m[1])
			}
		}
		if rb, ok := o.op["requestBody"].(map[string]any); ok {
			content, _ := rb["content"].(map[string]any)
			mt, _ := content["application/json"].(map[string]any)
			sch, _ := mt["schema"].(map[string]any)
			r, _ := sch["$ref"].(string)
			target, err := set.resolve(r)
			if err != nil || target["additionalProperties"] != false || rb["required"] != true {
				t.Errorf("%s: request body %v: want a required $ref to a schema with additionalProperties false", o, sch)
			}
		}
		admin := strings.HasPrefix(o.path, "/admin/")
		sec, hasSec := o.op["security"].([]any)
		switch {
		case admin && len(sec) != 1:
			t.Errorf("%s: security = %v, want one adminToken requirement", o, o.op["security"])
		case admin:
			req, _ := sec[0].(map[string]any)
			roles, _ := req["adminToken"].([]any)
			if len(req) != 1 || len(roles) != 1 || (roles[0] != "read" && roles[0] != "support") {
				t.Errorf("%s: security = %v, want adminToken with the role read or support", o, sec)
			}
			if _, ok := o.responses()["401"]; !ok {
				t.Errorf("%s: no 401 answer", o)
			}
			if roles[0] == "support" {
				if _, ok := o.responses()["403"]; !ok {
					t.Errorf("%s: support role but no 403 answer", o)
				}
			}
		case hasSec:
			t.Errorf("%s: a public operation with security %v", o, sec)
		}
		for _, st := range sortedKeys(o.responses()) {
			resp, _ := o.responses()[st].(map[string]any)
			at := fmt.Sprintf("%s %s", o, st)
			if s, _ := resp["description"].(string); s == "" {
				t.Errorf("%s: no description", at)
			}
			content, _ := resp["content"].(map[string]any)
			for _, mtName := range sortedKeys(content) {
				mt, _ := content[mtName].(map[string]any)
				for _, p := range set.checkSchema(mt["schema"], at+" "+mtName) {
					t.Error(p)
				}
			}
			headers, _ := resp["headers"].(map[string]any)
			for _, h := range sortedKeys(headers) {
				hm, _ := headers[h].(map[string]any)
				for _, p := range set.checkSchema(hm["schema"], at+" header "+h) {
					t.Error(p)
				}
			}
			if st >= "400" {
				codes := errorCodes(resp)
				if len(codes) == 0 {
					t.Errorf("%s: an error answer without its error.code enum", at)
				}
				for _, c := range codes {
					if want, ok := codeStatus[c]; !ok || fmt.Sprint(want) != st {
						t.Errorf("%s: code %s, which the server answers with status %d", at, c, want)
					}
				}
			}
		}
		if _, ok := o.responses()["500"]; !ok && o.path != "/.well-known/jwks.json" && o.path != "/openapi.json" {
			t.Errorf("%s: no 500 answer", o)
		}
	}
}

// TestOpenAPIRoutes: every route chi registers is described, apart from undescribedRoutes, and every
// described operation is a route.
func TestOpenAPIRoutes(t *testing.T) {
	d := loadAPIDoc(t)
	e := newTestEnv(t)
	router := e.srv.router
	var routes []string
	err := chi.Walk(router, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		routes = append(routes, method+" "+strings.ReplaceAll(route, "/*/", "/"))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var described []string
	for _, o := range d.ops {
		described = append(described, o.String())
	}
	for _, r := range routes {
		if !slices.Contains(described, r) && !slices.Contains(undescribedRoutes, r) {
			t.Errorf("route %s is not described in openapi.json", r)
		}
	}
	for _, o := range described {
		if !slices.Contains(routes, o) {
			t.Errorf("openapi.json describes %s, which no route serves", o)
		}
		if slices.Contains(undescribedRoutes, o) {
			t.Errorf("openapi.json describes %s, which undescribedRoutes leaves out", o)
		}
	}
	for _, prefix := range []string{"POST /v1/", "GET /v1/", "GET /admin/v1/", "POST /admin/v1/"} {
		if !slices.ContainsFunc(routes, func(r string) bool { return strings.HasPrefix(r, prefix) }) {
			t.Errorf("no route starts with %s: the walk missed the API", prefix)
		}
	}
}

// openAPITypes are the Go types whose JSON form each schema describes. The other schemas have no named Go
// type: Error (writeError's body), JWKS (handleJWKS's set), Status (the probes' maps).
var openAPITypes = map[string]reflect.Type{
	"RefreshRequest":    reflect.TypeFor[RefreshRequest](),
	"UsageRequest":      reflect.TypeFor[UsageRequest](),
	"Deployment":        reflect.TypeFor[verifier.Deployment](),
	"DeploymentClaim":   reflect.TypeFor[verifier.DeploymentClaim](),
	"ActivationRequest": reflect.TypeFor[support.ActivationRequest](),
	"CodeResponse":      reflect.TypeFor[online.CodeResponse](),
	"JWK":               reflect.TypeFor[jwk](),
	"Claims":            reflect.TypeFor[verifier.Claims](),
	"License":           reflect.TypeFor[support.LicenseView](),
	"LicensePage":       reflect.TypeFor[support.LicensePage](),
	"Presented":         reflect.TypeFor[support.CodeView](),
	"Upload":            reflect.TypeFor[support.UploadView](),
	"Usage":             reflect.TypeFor[support.UsageView](),
	"Detail":            reflect.TypeFor[support.Detail](),
	"Event":             reflect.TypeFor[support.EventView](),
	"History":           reflect.TypeFor[support.History](),
	"ChangeRequest":     reflect.TypeFor[support.ChangeRequest](),
	"Change":            reflect.TypeFor[support.Change](),
	"LookupRequest":     reflect.TypeFor[support.LookupRequest](),
	"UploadRetry":       reflect.TypeFor[support.UploadRetry](),
	"UsageRetry":        reflect.TypeFor[support.UsageRetry](),
	"SeatUse":           reflect.TypeFor[support.SeatUse](),
	"Seat":              reflect.TypeFor[support.SeatView](),
	"Seats":             reflect.TypeFor[support.Seats](),
	"SeatsFreed":        reflect.TypeFor[support.SeatsFreed](),
	"Policy":            reflect.TypeFor[support.PolicyView](),
	"PolicyList":        reflect.TypeFor[support.PolicyList](),
	"PolicyRequest":     reflect.TypeFor[support.PolicyRequest](),
	"Unactivated":       reflect.TypeFor[support.UnactivatedView](),
	"UnactivatedPage":   reflect.TypeFor[support.UnactivatedPage](),
}

// TestOpenAPIGoTypes: each schema names exactly the JSON fields of its Go type; a field is required
// unless omitempty; a pointer without omitempty may be null; the JSON types match, and a nested struct is
// the $ref of its own schema.
func TestOpenAPIGoTypes(t *testing.T) {
	d := loadAPIDoc(t)
	names := map[reflect.Type]string{}
	for name, typ := range openAPITypes {
		names[typ] = name
	}
	for _, name := range sortedKeys(d.schemas) {
		typ, ok := openAPITypes[name]
		if !ok {
			if !slices.Contains([]string{"Error", "JWKS", "Status"}, name) {
				t.Errorf("schema %s: no Go type in openAPITypes", name)
			}
			continue
		}
		sch, _ := d.schemas[name].(map[string]any)
		props, _ := sch["properties"].(map[string]any)
		var required []string
		for _, r := range sch["required"].([]any) {
			required = append(required, r.(string))
		}
		var fields []string
		for i := range typ.NumField() {
			f := typ.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" || !f.IsExported() {
				continue
			}
			field, opts, _ := strings.Cut(tag, ",")
			omit := strings.Contains(","+opts+",", ",omitempty,")
			fields = append(fields, field)
			at := name + "." + field
			p, ok := props[field].(map[string]any)
			if !ok {
				t.Errorf("%s: the Go field %s is not described", at, f.Name)
				continue
			}
			if omit == slices.Contains(required, field) {
				t.Errorf("%s: required = %v, but the Go field's omitempty is %v", at, !omit, omit)
			}
			checkGoType(t, at, f.Type, p, omit, d.schemas, names)
		}
		for _, p := range sortedKeys(props) {
			if !slices.Contains(fields, p) {
				t.Errorf("%s.%s is described but %s has no such JSON field", name, p, typ)
			}
		}
	}
}

// checkGoType checks that the property schema p describes values of the Go type typ.
func checkGoType(t *testing.T, at string, typ reflect.Type, p map[string]any, omit bool, schemas map[string]any, names map[reflect.Type]string) {
	t.Helper()
	if r, ok := p["$ref"].(string); ok {
		want := names[typ]
		if typ.Kind() == reflect.Pointer {
			want = names[typ.Elem()]
		}
		if r != "#/components/schemas/"+want || want == "" {
			t.Errorf("%s: $ref %s for the Go type %s", at, r, typ)
		}
		return
	}
	got, err := typeNames(p["type"])
	if err != nil {
		t.Errorf("%s: %v", at, err)
		return
	}
	nullable := slices.Contains(got, "null")
	if typ.Kind() == reflect.Pointer {
		if nullable == omit {
			t.Errorf("%s: null allowed = %v for a pointer with omitempty %v", at, nullable, omit)
		}
		typ = typ.Elem()
	} else if nullable {
		t.Errorf("%s: null allowed for the Go type %s, which is never null", at, typ)
	}
	var want string
	switch typ.Kind() {
	case reflect.String:
		want = "string"
	case reflect.Int, reflect.Int64, reflect.Int32:
		want = "integer"
	case reflect.Bool:
		want = "boolean"
	case reflect.Slice:
		want = "array"
		items, _ := p["items"].(map[string]any)
		checkGoType(t, at+"[]", typ.Elem(), items, false, schemas, names)
	case reflect.Map, reflect.Struct:
		want = "object"
	}
	if !slices.Contains(got, want) {
		t.Errorf("%s: type %v for the Go type %s", at, p["type"], typ)
	}
}

// apiCase is one request of TestOpenAPIAnswers.
type apiCase struct {
	name        string
	env         *testEnv
	method      string
	path        string
	token       string
	body        any // a string or []byte is sent as is, anything else as JSON
	conditional bool
	status      int
	code        string // the error code wanted; "" for a success
	check       func(t *testing.T, body []byte)
}

// TestOpenAPIAnswers: a table of requests through the real servers, successes and every error the
// description lists; each answer has the status the case wants and validates against the schema the
// description gives for that status, with every required header; and every described (status, code) of
// every operation is answered by some case, so the description lists no answer the server never gives.
func TestOpenAPIAnswers(t *testing.T) {
	d := loadAPIDoc(t)
	exp := t0.AddDate(1, 0, 0)

	m := newMarketEnv(t, testSK)
	e := m.testEnv
	read, sup := e.token("reader", "read"), e.token("helper", "support")
	code1 := e.newInstance("lic-1", "O-1", "C-1", "P1", exp)
	e.newInstance("lic-2", "O-2", "C-2", "P1", exp)
	e.newInstance("lic-3", "O-3", "C-2", "P1", exp) // C-2 names two licenses
	e.newInstance("lic-4", "O-4", "C-4", "P1", exp)
	wantCode(t, e.signed(testKey, map[string]string{"activity": "releaseInstance", "instanceId": "lic-4"}), resultOK)
	code5 := e.newInstance("lic-5", "O-5", "C-5", "P1", exp)
	code6 := e.newInstance("lic-6", "O-6", "C-6", "P1", exp)
	probe := e.signed(testKey, map[string]string{"activity": "newInstance", "orderId": "MOCK", "testFlag": "1"}).License
	m.addCode("MC-OK", market.Received, exp)
	m.addCode("MC-OK2", market.Received, exp)
	m.addCode("MC-NEW", market.NotReceived, exp)
	m.addCode("MC-REL", market.Received, exp)
	wantCode(t, e.signed(testKey, map[string]string{"activity": "releaseLicenseCode", "license": "MC-REL"}), resultOK)
	m.notifiedOrder("CS-UN-1", e.now().Add(-4*24*time.Hour)) // paid, never activated
	wantCode(t, m.orderNotify("CS-UN-1"), resultOK)
	wantCode(t, e.signed(testKey, map[string]string{"activity": "refreshLicenseCode", "license": "MC-KEPT", "orderId": "R-K",
		"orderLineId": "R-K-1", "scene": "RENEWAL", "expireTime": mkTime(exp)}), resultOK) // kept for a code never activated

	// down: the marketplace cannot be reached; its codes are genuine here too (one key seed), but its
	// licenses are not held by e.
	down := newMarketEnv(t, testSK)
	downSup := down.token("helper", "support")
	foreign := down.newInstance("lic-F", "O-F", "C-F", "P1", exp)
	down.addCode("MC-DOWN", market.Received, exp)
	if err := down.mkt.SetUnreachable(true); err != nil {
		t.Fatal(err)
	}
	// bare: no marketplace credentials.
	bare := newTestEnv(t)
	bareSup := bare.token("helper", "support")
	// limited: one activation attempt per address and one code sent to the marketplace.
	limited := newMarketEnv(t, testSK, licensing.ActivationLimits{PerAddress: 1, Global: 1})
	limSup := limited.token("helper", "support")
	// broken: the database is gone.
	broken := newMarketEnv(t, testSK)
	brokenSup := broken.token("helper", "support")
	brokenCode := broken.newInstance("lic-B", "O-B", "C-B", "P1", exp)
	broken.st.Close()

	if err := m.mkt.AddCode(market.Code{Code: "MC-SEAT", State: market.Received, ExpiresAt: exp, ProductID: "P2", OrderID: "CS-SEAT", Amount: 1}); err != nil {
		t.Fatal(err)
	}
	code2, code3 := e.license("lic-2").Code, e.license("lic-3").Code // one seat each (no quantity)
	clone := deployment(1)
	clone.Components["machine_id"], clone.Components["mac"] = []string{"other"}, []string{"02:00:00:00:00:99"}
	huge := `{"code":"` + strings.Repeat("x", maxJSONBody) + `"}`
	hugeChange := `{"reason":"` + strings.Repeat("x", maxJSONBody) + `"}`
	notJSONClaims := "eyJhbGciOiJFZERTQSJ9.bm90IGpzb24.c2ln" // a JSON header, a payload that is not JSON
	reason := map[string]any{"reason": "the buyer moved to a new VM"}
	seat2 := support.SeatKey("lic-2", deployment(1).ID, nil)
	wantBody := func(parts ...string) func(t *testing.T, body []byte) {
		return func(t *testing.T, body []byte) {
			for _, p := range parts {
				if !bytes.Contains(body, []byte(p)) {
					t.Errorf("answer %s: want %s", body, p)
				}
			}
		}
	}
	hasCode := func(t *testing.T, body []byte) {
		if !bytes.Contains(body, []byte(`"code":"ey`)) {
			t.Errorf("answer %s: want the whole code", body)
		}
	}

	cases := []apiCase{
		// POST /v1/codes/refresh
		{name: "refresh", env: e, method: "POST", path: "/v1/codes/refresh", body: RefreshRequest{Code: code1}, status: 200},
		{name: "refresh a released license", env: e, method: "POST", path: "/v1/codes/refresh", body: map[string]string{"code": e.license("lic-4").Code}, status: 200},
		{name: "refresh empty", env: e, method: "POST", path: "/v1/codes/refresh", body: RefreshRequest{}, status: 400, code: "bad_request"},
		{name: "refresh unknown field", env: e, method: "POST", path: "/v1/codes/refresh", body: `{"code":"x","extra":1}`, status: 400, code: "bad_request"},
		{name: "refresh garbage", env: e, method: "POST", path: "/v1/codes/refresh", body: RefreshRequest{Code: "hello"}, status: 400, code: "invalid_code"},
		{name: "refresh test code", env: e, method: "POST", path: "/v1/codes/refresh", body: RefreshRequest{Code: probe}, status: 400, code: "test_code"},
		{name: "refresh foreign", env: e, method: "POST", path: "/v1/codes/refresh", body: RefreshRequest{Code: foreign}, status: 404, code: "not_found"},
		{name: "refresh too large", env: e, method: "POST", path: "/v1/codes/refresh", body: huge, status: 413, code: "too_large"},
		{name: "refresh broken", env: broken.testEnv, method: "POST", path: "/v1/codes/refresh", body: RefreshRequest{Code: brokenCode}, status: 500, code: "internal"},
		{name: "refresh for a deployment", env: e, method: "POST", path: "/v1/codes/refresh", body: RefreshRequest{Code: code2, Deployment: deployment(1)}, status: 200},
		{name: "refresh for a second deployment", env: e, method: "POST", path: "/v1/codes/refresh", body: RefreshRequest{Code: code2, Deployment: deployment(2)}, status: 409, code: "seats_exhausted"},
		{name: "refresh for a clone", env: e, method: "POST", path: "/v1/codes/refresh", body: RefreshRequest{Code: code2, Deployment: clone}, status: 409, code: "deployment_clone"},

		// POST /v1/usage
		{name: "check in", env: e, method: "POST", path: "/v1/usage", body: UsageRequest{Code: code3, Deployment: deployment(1)}, status: 204},
		{name: "check in a second deployment", env: e, method: "POST", path: "/v1/usage", body: UsageRequest{Code: code3, Deployment: deployment(2)}, status: 409, code: "seats_exhausted"},
		{name: "check in a clone", env: e, method: "POST", path: "/v1/usage", body: UsageRequest{Code: code3, Deployment: clone}, status: 409, code: "deployment_clone"},
		{name: "check in without a deployment", env: e, method: "POST", path: "/v1/usage", body: map[string]string{"code": code3}, status: 400, code: "bad_request"},
		{name: "check in garbage", env: e, method: "POST", path: "/v1/usage", body: UsageRequest{Code: "hello", Deployment: deployment(1)}, status: 400, code: "invalid_code"},
		{name: "check in a test code", env: e, method: "POST", path: "/v1/usage", body: UsageRequest{Code: probe, Deployment: deployment(1)}, status: 400, code: "test_code"},
		{name: "check in foreign", env: e, method: "POST", path: "/v1/usage", body: UsageRequest{Code: foreign, Deployment: deployment(1)}, status: 404, code: "not_found"},
		{name: "check in too large", env: e, method: "POST", path: "/v1/usage", body: huge, status: 413, code: "too_large"},
		{name: "check in broken", env: broken.testEnv, method: "POST", path: "/v1/usage", body: UsageRequest{Code: brokenCode, Deployment: deployment(1)}, status: 500, code: "internal"},
	}
	for range refreshPerLicense {
		cases = append(cases, apiCase{name: "refresh lic-6", env: e, method: "POST", path: "/v1/codes/refresh", body: RefreshRequest{Code: code6}, status: 200})
	}
	cases = append(cases, []apiCase{
		{name: "refresh past the limit", env: e, method: "POST", path: "/v1/codes/refresh", body: RefreshRequest{Code: code6}, status: 429, code: "rate_limited"},
		{name: "check in past the limit", env: e, method: "POST", path: "/v1/usage", body: UsageRequest{Code: code6, Deployment: deployment(1)}, status: 429, code: "rate_limited"},

		// POST /v1/activations
		{name: "activate", env: e, method: "POST", path: "/v1/activations", body: map[string]string{"code": "MC-OK", "deployment": "vm-1"}, status: 200},
		{name: "activate again", env: e, method: "POST", path: "/v1/activations", body: map[string]string{"code": "MC-OK"}, status: 200},
		{name: "activate for a deployment", env: e, method: "POST", path: "/v1/activations", body: support.ActivationRequest{Code: "MC-SEAT", Deployment: deployment(1)}, status: 200},
		{name: "activate for a second deployment", env: e, method: "POST", path: "/v1/activations", body: support.ActivationRequest{Code: "MC-SEAT", Deployment: deployment(2)}, status: 409, code: "seats_exhausted"},
		{name: "activate for a clone", env: e, method: "POST", path: "/v1/activations", body: support.ActivationRequest{Code: "MC-SEAT", Deployment: clone}, status: 409, code: "deployment_clone"},
		{name: "activate empty", env: e, method: "POST", path: "/v1/activations", body: map[string]string{"code": ""}, status: 400, code: "bad_request"},
		{name: "activate a licentia code", env: e, method: "POST", path: "/v1/activations", body: map[string]string{"code": code1}, status: 400, code: "bad_request"},
		{name: "activate a number", env: e, method: "POST", path: "/v1/activations", body: `{"code":5}`, status: 400, code: "bad_request"},
		{name: "activate unknown", env: e, method: "POST", path: "/v1/activations", body: map[string]string{"code": "MC-UNKNOWN"}, status: 404, code: "not_found"},
		{name: "activate not received", env: e, method: "POST", path: "/v1/activations", body: map[string]string{"code": "MC-NEW"}, status: 409, code: "not_received"},
		{name: "activate released", env: e, method: "POST", path: "/v1/activations", body: map[string]string{"code": "MC-REL"}, status: 409, code: "license_released"},
		{name: "activate a license id", env: e, method: "POST", path: "/v1/activations", body: map[string]string{"code": "lic-2"}, status: 409, code: "conflict"},
		{name: "activate too large", env: e, method: "POST", path: "/v1/activations", body: huge, status: 413, code: "too_large"},
		{name: "activate, spending the address's attempt", env: limited.testEnv, method: "POST", path: "/v1/activations", body: map[string]string{"code": "MC-X"}, status: 404, code: "not_found"},
		{name: "activate past the limit", env: limited.testEnv, method: "POST", path: "/v1/activations", body: map[string]string{"code": "MC-X"}, status: 429, code: "rate_limited"},
		{name: "activate broken", env: broken.testEnv, method: "POST", path: "/v1/activations", body: map[string]string{"code": "MC-1"}, status: 500, code: "internal"},
		{name: "activate marketplace down", env: down.testEnv, method: "POST", path: "/v1/activations", body: map[string]string{"code": "MC-DOWN"}, status: 502, code: "marketplace_unavailable"},
		{name: "activate unconfigured", env: bare, method: "POST", path: "/v1/activations", body: map[string]string{"code": "MC-1"}, status: 503, code: "marketplace_unconfigured"},

		// GET /v1/revocations, GET /.well-known/jwks.json, GET /openapi.json
		{name: "revocations", env: e, method: "GET", path: "/v1/revocations", status: 200},
		{name: "revocations not modified", env: e, method: "GET", path: "/v1/revocations", conditional: true, status: 304},
		{name: "revocations delta", env: e, method: "GET", path: "/v1/revocations?since=" + strconv.FormatInt(e.now().Unix()-60, 10), status: 200},
		{name: "revocations delta not modified", env: e, method: "GET", path: "/v1/revocations?since=" + strconv.FormatInt(e.now().Unix()-60, 10), conditional: true, status: 304},
		{name: "revocations bad since", env: e, method: "GET", path: "/v1/revocations?since=yesterday", status: 400, code: "bad_request"},
		{name: "revocations broken", env: broken.testEnv, method: "GET", path: "/v1/revocations", status: 500, code: "internal"},
		{name: "jwks", env: e, method: "GET", path: "/.well-known/jwks.json", status: 200},
		{name: "openapi", env: e, method: "GET", path: "/openapi.json", status: 200, check: func(t *testing.T, body []byte) {
			if !bytes.Equal(body, openAPIDoc) {
				t.Errorf("GET /openapi.json is not the embedded description")
			}
		}},
		{name: "openapi not modified", env: e, method: "GET", path: "/openapi.json", conditional: true, status: 304},

		// GET /admin/v1/licenses
		{name: "list", env: e, method: "GET", path: "/admin/v1/licenses", token: read, status: 200},
		{name: "list a page", env: e, method: "GET", path: "/admin/v1/licenses?status=active&limit=1&expiring_within=400d", token: read, status: 200,
			check: func(t *testing.T, body []byte) {
				if !bytes.Contains(body, []byte(`"next_cursor"`)) {
					t.Errorf("answer %s: want a next_cursor", body)
				}
			}},
		{name: "list bad status", env: e, method: "GET", path: "/admin/v1/licenses?status=bogus", token: read, status: 400, code: "bad_request"},
		{name: "list no token", env: e, method: "GET", path: "/admin/v1/licenses", status: 401, code: "unauthorized"},
		{name: "list unknown token", env: e, method: "GET", path: "/admin/v1/licenses", token: "lct_nope_nope", status: 401, code: "unauthorized"},
		{name: "list broken", env: broken.testEnv, method: "GET", path: "/admin/v1/licenses", token: brokenSup, status: 500, code: "internal"},

		// GET /admin/v1/licenses/{ref}
		{name: "get", env: e, method: "GET", path: "/admin/v1/licenses/lic-1", token: read, status: 200},
		{name: "get by order, revealed", env: e, method: "GET", path: "/admin/v1/licenses/O-1?reveal=true", token: sup, status: 200, check: hasCode},
		{name: "get a code", env: e, method: "GET", path: "/admin/v1/licenses/" + code1, token: read, status: 400, code: "bad_request"},
		{name: "get bad reveal", env: e, method: "GET", path: "/admin/v1/licenses/lic-1?reveal=maybe", token: read, status: 400, code: "bad_request"},
		{name: "get no token", env: e, method: "GET", path: "/admin/v1/licenses/lic-1", status: 401, code: "unauthorized"},
		{name: "get reveal with a read token", env: e, method: "GET", path: "/admin/v1/licenses/lic-1?reveal=true", token: read, status: 403, code: "forbidden"},
		{name: "get unknown", env: e, method: "GET", path: "/admin/v1/licenses/nope", token: read, status: 404, code: "not_found"},
		{name: "get ambiguous", env: e, method: "GET", path: "/admin/v1/licenses/C-2", token: read, status: 409, code: "ambiguous"},
		{name: "get broken", env: broken.testEnv, method: "GET", path: "/admin/v1/licenses/lic-B", token: brokenSup, status: 500, code: "internal"},

		// GET /admin/v1/licenses/{ref}/events
		{name: "events", env: e, method: "GET", path: "/admin/v1/licenses/lic-4/events", token: read, status: 200},
		{name: "events of a code", env: e, method: "GET", path: "/admin/v1/licenses/" + code1 + "/events", token: read, status: 400, code: "bad_request"},
		{name: "events no token", env: e, method: "GET", path: "/admin/v1/licenses/lic-1/events", status: 401, code: "unauthorized"},
		{name: "events unknown", env: e, method: "GET", path: "/admin/v1/licenses/nope/events", token: read, status: 404, code: "not_found"},
		{name: "events ambiguous", env: e, method: "GET", path: "/admin/v1/licenses/C-2/events", token: read, status: 409, code: "ambiguous"},
		{name: "events broken", env: broken.testEnv, method: "GET", path: "/admin/v1/licenses/lic-B/events", token: brokenSup, status: 500, code: "internal"},

		// GET /admin/v1/unactivated
		{name: "unactivated", env: e, method: "GET", path: "/admin/v1/unactivated?limit=10", token: read, status: 200,
			check: func(t *testing.T, body []byte) {
				if !bytes.Contains(body, []byte(`"kind":"order"`)) || !bytes.Contains(body, []byte(`"kind":"code"`)) {
					t.Errorf("answer %s: want an order and a code", body)
				}
			}},
		{name: "unactivated older than a day", env: e, method: "GET", path: "/admin/v1/unactivated?older_than=1d", token: read, status: 200},
		{name: "unactivated bad duration", env: e, method: "GET", path: "/admin/v1/unactivated?older_than=soon", token: read, status: 400, code: "bad_request"},
		{name: "unactivated no token", env: e, method: "GET", path: "/admin/v1/unactivated", status: 401, code: "unauthorized"},
		{name: "unactivated broken", env: broken.testEnv, method: "GET", path: "/admin/v1/unactivated", token: brokenSup, status: 500, code: "internal"},

		// POST /admin/v1/lookup
		{name: "lookup a code", env: e, method: "POST", path: "/admin/v1/lookup", token: read, body: support.LookupRequest{Ref: code1}, status: 200},
		{name: "lookup a code held elsewhere", env: e, method: "POST", path: "/admin/v1/lookup", token: read, body: support.LookupRequest{Ref: foreign}, status: 200,
			check: func(t *testing.T, body []byte) {
				if bytes.Contains(body, []byte(`"license"`)) || !bytes.Contains(body, []byte(`"presented"`)) {
					t.Errorf("answer %s: want presented and no license", body)
				}
			}},
		{name: "lookup revealed", env: e, method: "POST", path: "/admin/v1/lookup", token: sup, body: support.LookupRequest{Ref: "lic-1", Reveal: true}, status: 200, check: hasCode},
		{name: "lookup empty", env: e, method: "POST", path: "/admin/v1/lookup", token: read, body: support.LookupRequest{}, status: 400, code: "bad_request"},
		{name: "lookup a broken code", env: e, method: "POST", path: "/admin/v1/lookup", token: read, body: support.LookupRequest{Ref: notJSONClaims}, status: 400, code: "invalid_code"},
		{name: "lookup no token", env: e, method: "POST", path: "/admin/v1/lookup", body: support.LookupRequest{Ref: "lic-1"}, status: 401, code: "unauthorized"},
		{name: "lookup reveal with a read token", env: e, method: "POST", path: "/admin/v1/lookup", token: read, body: support.LookupRequest{Ref: "lic-1", Reveal: true}, status: 403, code: "forbidden"},
		{name: "lookup unknown", env: e, method: "POST", path: "/admin/v1/lookup", token: read, body: support.LookupRequest{Ref: "nope"}, status: 404, code: "not_found"},
		{name: "lookup ambiguous", env: e, method: "POST", path: "/admin/v1/lookup", token: read, body: support.LookupRequest{Ref: "C-2"}, status: 409, code: "ambiguous"},
		{name: "lookup too large", env: e, method: "POST", path: "/admin/v1/lookup", token: read, body: strings.Replace(huge, "code", "ref", 1), status: 413, code: "too_large"},
		{name: "lookup broken", env: broken.testEnv, method: "POST", path: "/admin/v1/lookup", token: brokenSup, body: support.LookupRequest{Ref: "lic-B"}, status: 500, code: "internal"},

		// POST /admin/v1/licenses/{ref}/reissue, then the superseded code, then revoke
		{name: "reissue", env: e, method: "POST", path: "/admin/v1/licenses/lic-5/reissue", token: sup, body: map[string]any{"reason": "leaked", "reveal": true}, status: 200, check: hasCode},
		{name: "refresh a superseded code", env: e, method: "POST", path: "/v1/codes/refresh", body: RefreshRequest{Code: code5}, status: 403, code: "code_superseded"},
		{name: "check in with a superseded code", env: e, method: "POST", path: "/v1/usage", body: UsageRequest{Code: code5, Deployment: deployment(1)}, status: 403, code: "code_superseded"},
		{name: "reissue no reason", env: e, method: "POST", path: "/admin/v1/licenses/lic-5/reissue", token: sup, body: map[string]any{}, status: 400, code: "bad_request"},
		{name: "reissue no token", env: e, method: "POST", path: "/admin/v1/licenses/lic-5/reissue", body: reason, status: 401, code: "unauthorized"},
		{name: "reissue with a read token", env: e, method: "POST", path: "/admin/v1/licenses/lic-5/reissue", token: read, body: reason, status: 403, code: "forbidden"},
		{name: "reissue unknown", env: e, method: "POST", path: "/admin/v1/licenses/nope/reissue", token: sup, body: reason, status: 404, code: "not_found"},
		{name: "reissue ambiguous", env: e, method: "POST", path: "/admin/v1/licenses/C-2/reissue", token: sup, body: reason, status: 409, code: "ambiguous"},
		{name: "reissue released", env: e, method: "POST", path: "/admin/v1/licenses/lic-4/reissue", token: sup, body: reason, status: 409, code: "license_released"},
		{name: "reissue too large", env: e, method: "POST", path: "/admin/v1/licenses/lic-5/reissue", token: sup, body: hugeChange, status: 413, code: "too_large"},
		{name: "reissue broken", env: broken.testEnv, method: "POST", path: "/admin/v1/licenses/lic-B/reissue", token: brokenSup, body: reason, status: 500, code: "internal"},
		{name: "revoke", env: e, method: "POST", path: "/admin/v1/licenses/lic-5/revoke", token: sup, body: reason, status: 200},
		{name: "revoke again", env: e, method: "POST", path: "/admin/v1/licenses/lic-5/revoke", token: sup, body: reason, status: 200,
			check: func(t *testing.T, body []byte) {
				if !bytes.Contains(body, []byte(`"changed":false`)) {
					t.Errorf("answer %s: want changed false", body)
				}
			}},
		{name: "reissue revoked", env: e, method: "POST", path: "/admin/v1/licenses/lic-5/reissue", token: sup, body: reason, status: 409, code: "license_revoked"},
		{name: "revoke a code in the URL", env: e, method: "POST", path: "/admin/v1/licenses/" + code1 + "/revoke", token: sup, body: reason, status: 400, code: "bad_request"},
		{name: "revoke no token", env: e, method: "POST", path: "/admin/v1/licenses/lic-1/revoke", body: reason, status: 401, code: "unauthorized"},
		{name: "revoke with a read token", env: e, method: "POST", path: "/admin/v1/licenses/lic-1/revoke", token: read, body: reason, status: 403, code: "forbidden"},
		{name: "revoke unknown", env: e, method: "POST", path: "/admin/v1/licenses/nope/revoke", token: sup, body: reason, status: 404, code: "not_found"},
		{name: "revoke ambiguous", env: e, method: "POST", path: "/admin/v1/licenses/C-2/revoke", token: sup, body: reason, status: 409, code: "ambiguous"},
		{name: "revoke too large", env: e, method: "POST", path: "/admin/v1/licenses/lic-1/revoke", token: sup, body: hugeChange, status: 413, code: "too_large"},
		{name: "revoke broken", env: broken.testEnv, method: "POST", path: "/admin/v1/licenses/lic-B/revoke", token: brokenSup, body: reason, status: 500, code: "internal"},

		// POST /admin/v1/licenses/{ref}/uploads/retry
		{name: "retry", env: e, method: "POST", path: "/admin/v1/licenses/lic-1/uploads/retry", token: sup, body: reason, status: 200},
		{name: "retry reveal is accepted", env: e, method: "POST", path: "/admin/v1/licenses/lic-1/uploads/retry", token: sup, body: `{"reason":"r","reveal":true}`, status: 200},
		{name: "retry no reason", env: e, method: "POST", path: "/admin/v1/licenses/lic-1/uploads/retry", token: sup, body: `{"reason":" "}`, status: 400, code: "bad_request"},
		{name: "retry no token", env: e, method: "POST", path: "/admin/v1/licenses/lic-1/uploads/retry", body: reason, status: 401, code: "unauthorized"},
		{name: "retry with a read token", env: e, method: "POST", path: "/admin/v1/licenses/lic-1/uploads/retry", token: read, body: reason, status: 403, code: "forbidden"},
		{name: "retry unknown", env: e, method: "POST", path: "/admin/v1/licenses/nope/uploads/retry", token: sup, body: reason, status: 404, code: "not_found"},
		{name: "retry ambiguous", env: e, method: "POST", path: "/admin/v1/licenses/C-2/uploads/retry", token: sup, body: reason, status: 409, code: "ambiguous"},
		{name: "retry too large", env: e, method: "POST", path: "/admin/v1/licenses/lic-1/uploads/retry", token: sup, body: hugeChange, status: 413, code: "too_large"},
		{name: "retry broken", env: broken.testEnv, method: "POST", path: "/admin/v1/licenses/lic-B/uploads/retry", token: brokenSup, body: reason, status: 500, code: "internal"},
		// POST /admin/v1/licenses/{ref}/usage/retry (MC-OK was activated above: a License 2.0 license)
		{name: "retry usage", env: e, method: "POST", path: "/admin/v1/licenses/MC-OK/usage/retry", token: sup, body: reason, status: 200, check: wantBody(`"retried":0`, `"older":0`, `"day":"2026-03-01"`)},
		{name: "retry usage of a License 1.0 license", env: e, method: "POST", path: "/admin/v1/licenses/lic-1/usage/retry", token: sup, body: reason, status: 400, code: "bad_request"},
		{name: "retry usage no reason", env: e, method: "POST", path: "/admin/v1/licenses/MC-OK/usage/retry", token: sup, body: `{}`, status: 400, code: "bad_request"},
		{name: "retry usage no token", env: e, method: "POST", path: "/admin/v1/licenses/MC-OK/usage/retry", body: reason, status: 401, code: "unauthorized"},
		{name: "retry usage with a read token", env: e, method: "POST", path: "/admin/v1/licenses/MC-OK/usage/retry", token: read, body: reason, status: 403, code: "forbidden"},
		{name: "retry usage unknown", env: e, method: "POST", path: "/admin/v1/licenses/nope/usage/retry", token: sup, body: reason, status: 404, code: "not_found"},
		{name: "retry usage ambiguous", env: e, method: "POST", path: "/admin/v1/licenses/C-2/usage/retry", token: sup, body: reason, status: 409, code: "ambiguous"},
		{name: "retry usage too large", env: e, method: "POST", path: "/admin/v1/licenses/MC-OK/usage/retry", token: sup, body: hugeChange, status: 413, code: "too_large"},
		{name: "retry usage broken", env: broken.testEnv, method: "POST", path: "/admin/v1/licenses/lic-B/usage/retry", token: brokenSup, body: reason, status: 500, code: "internal"},

		// POST /admin/v1/activations
		{name: "admin activate", env: e, method: "POST", path: "/admin/v1/activations", token: sup, body: support.ActivationRequest{Code: "MC-OK2"}, status: 200},
		{name: "admin activate empty", env: e, method: "POST", path: "/admin/v1/activations", token: sup, body: `{}`, status: 400, code: "bad_request"},
		{name: "admin activate no token", env: e, method: "POST", path: "/admin/v1/activations", body: support.ActivationRequest{Code: "MC-OK2"}, status: 401, code: "unauthorized"},
		{name: "admin activate with a read token", env: e, method: "POST", path: "/admin/v1/activations", token: read, body: support.ActivationRequest{Code: "MC-OK2"}, status: 403, code: "forbidden"},
		{name: "admin activate unknown", env: e, method: "POST", path: "/admin/v1/activations", token: sup, body: support.ActivationRequest{Code: "MC-UNKNOWN-2"}, status: 404, code: "not_found"},
		{name: "admin activate not received", env: e, method: "POST", path: "/admin/v1/activations", token: sup, body: support.ActivationRequest{Code: "MC-NEW"}, status: 409, code: "not_received"},
		{name: "admin activate released", env: e, method: "POST", path: "/admin/v1/activations", token: sup, body: support.ActivationRequest{Code: "MC-REL"}, status: 409, code: "license_released"},
		{name: "admin activate a license id", env: e, method: "POST", path: "/admin/v1/activations", token: sup, body: support.ActivationRequest{Code: "lic-3"}, status: 409, code: "conflict"},
		{name: "admin activate too large", env: e, method: "POST", path: "/admin/v1/activations", token: sup, body: huge, status: 413, code: "too_large"},
		{name: "admin activate past the global limit", env: limited.testEnv, method: "POST", path: "/admin/v1/activations", token: limSup, body: support.ActivationRequest{Code: "MC-Y"}, status: 429, code: "rate_limited"},
		{name: "admin activate broken", env: broken.testEnv, method: "POST", path: "/admin/v1/activations", token: brokenSup, body: support.ActivationRequest{Code: "MC-1"}, status: 500, code: "internal"},
		{name: "admin activate marketplace down", env: down.testEnv, method: "POST", path: "/admin/v1/activations", token: downSup, body: support.ActivationRequest{Code: "MC-DOWN"}, status: 502, code: "marketplace_unavailable"},
		{name: "admin activate unconfigured", env: bare, method: "POST", path: "/admin/v1/activations", token: bareSup, body: support.ActivationRequest{Code: "MC-1"}, status: 503, code: "marketplace_unconfigured"},

		// GET /admin/v1/licenses/{ref}/seats; lic-2 holds a seat for deployment 1 (refreshed above)
		{name: "seats", env: e, method: "GET", path: "/admin/v1/licenses/lic-2/seats", token: read, status: 200, check: wantBody(`"used":1`, `"deployment":"`+seat2+`"`)},
		{name: "seats of a code", env: e, method: "GET", path: "/admin/v1/licenses/" + code1 + "/seats", token: read, status: 400, code: "bad_request"},
		{name: "seats no token", env: e, method: "GET", path: "/admin/v1/licenses/lic-2/seats", status: 401, code: "unauthorized"},
		{name: "seats unknown", env: e, method: "GET", path: "/admin/v1/licenses/nope/seats", token: read, status: 404, code: "not_found"},
		{name: "seats ambiguous", env: e, method: "GET", path: "/admin/v1/licenses/C-2/seats", token: read, status: 409, code: "ambiguous"},
		{name: "seats broken", env: broken.testEnv, method: "GET", path: "/admin/v1/licenses/lic-B/seats", token: brokenSup, status: 500, code: "internal"},

		// DELETE /admin/v1/licenses/{ref}/seats/{deployment}
		{name: "free seat no reason", env: e, method: "DELETE", path: "/admin/v1/licenses/lic-2/seats/" + seat2, token: sup, body: `{}`, status: 400, code: "bad_request"},
		{name: "free seat control character", env: e, method: "DELETE", path: "/admin/v1/licenses/lic-2/seats/a%01b", token: sup, body: reason, status: 400, code: "bad_request"},
		{name: "free seat no token", env: e, method: "DELETE", path: "/admin/v1/licenses/lic-2/seats/" + seat2, body: reason, status: 401, code: "unauthorized"},
		{name: "free seat with a read token", env: e, method: "DELETE", path: "/admin/v1/licenses/lic-2/seats/" + seat2, token: read, body: reason, status: 403, code: "forbidden"},
		{name: "free seat ambiguous", env: e, method: "DELETE", path: "/admin/v1/licenses/C-2/seats/" + seat2, token: sup, body: reason, status: 409, code: "ambiguous"},
		{name: "free seat too large", env: e, method: "DELETE", path: "/admin/v1/licenses/lic-2/seats/" + seat2, token: sup, body: hugeChange, status: 413, code: "too_large"},
		{name: "free seat", env: e, method: "DELETE", path: "/admin/v1/licenses/lic-2/seats/" + seat2, token: sup, body: reason, status: 200, check: wantBody(`"freed":1`)},
		{name: "free seat again", env: e, method: "DELETE", path: "/admin/v1/licenses/lic-2/seats/" + seat2, token: sup, body: reason, status: 404, code: "not_found"},
		{name: "free seat broken", env: broken.testEnv, method: "DELETE", path: "/admin/v1/licenses/lic-B/seats/x", token: brokenSup, body: reason, status: 500, code: "internal"},

		// POST /admin/v1/licenses/{ref}/reissue with free_seats; lic-3 holds a seat (checked in above)
		{name: "reissue freeing seats", env: e, method: "POST", path: "/admin/v1/licenses/lic-3/reissue", token: sup, body: map[string]any{"reason": "leaked", "free_seats": true}, status: 200, check: wantBody(`"seats_freed":1`)},
		{name: "revoke freeing seats", env: e, method: "POST", path: "/admin/v1/licenses/lic-3/revoke", token: sup, body: map[string]any{"reason": "leaked", "free_seats": true}, status: 400, code: "bad_request"},

		// /admin/v1/policies
		{name: "set policy", env: e, method: "PUT", path: "/admin/v1/policies/P9", token: sup, body: support.PolicyRequest{Seats: "3", LeaseSeconds: 1800}, status: 200, check: wantBody(`"updated_by":"admin:helper"`, `"default":false`)},
		{name: "set policy out of bounds", env: e, method: "PUT", path: "/admin/v1/policies/P9", token: sup, body: `{"seats":"0"}`, status: 400, code: "bad_request"},
		{name: "set policy no token", env: e, method: "PUT", path: "/admin/v1/policies/P9", body: `{}`, status: 401, code: "unauthorized"},
		{name: "set policy with a read token", env: e, method: "PUT", path: "/admin/v1/policies/P9", token: read, body: `{}`, status: 403, code: "forbidden"},
		{name: "set policy too large", env: e, method: "PUT", path: "/admin/v1/policies/P9", token: sup, body: hugeChange, status: 413, code: "too_large"},
		{name: "set policy broken", env: broken.testEnv, method: "PUT", path: "/admin/v1/policies/P9", token: brokenSup, body: `{}`, status: 500, code: "internal"},
		{name: "policies", env: e, method: "GET", path: "/admin/v1/policies", token: read, status: 200, check: wantBody(`"product_id":"P9"`)},
		{name: "policies no token", env: e, method: "GET", path: "/admin/v1/policies", status: 401, code: "unauthorized"},
		{name: "policies broken", env: broken.testEnv, method: "GET", path: "/admin/v1/policies", token: brokenSup, status: 500, code: "internal"},
		{name: "policy", env: e, method: "GET", path: "/admin/v1/policies/P9", token: read, status: 200, check: wantBody(`"seats":"3"`)},
		{name: "policy default", env: e, method: "GET", path: "/admin/v1/policies/P1", token: read, status: 200, check: wantBody(`"default":true`, `"updated_at":null`)},
		{name: "policy control character", env: e, method: "GET", path: "/admin/v1/policies/P%01", token: read, status: 400, code: "bad_request"},
		{name: "policy no token", env: e, method: "GET", path: "/admin/v1/policies/P9", status: 401, code: "unauthorized"},
		{name: "policy broken", env: broken.testEnv, method: "GET", path: "/admin/v1/policies/P9", token: brokenSup, status: 500, code: "internal"},
		{name: "delete policy with a read token", env: e, method: "DELETE", path: "/admin/v1/policies/P9", token: read, status: 403, code: "forbidden"},
		{name: "delete policy no token", env: e, method: "DELETE", path: "/admin/v1/policies/P9", status: 401, code: "unauthorized"},
		{name: "delete policy control character", env: e, method: "DELETE", path: "/admin/v1/policies/P%01", token: sup, status: 400, code: "bad_request"},
		{name: "delete policy", env: e, method: "DELETE", path: "/admin/v1/policies/P9", token: sup, status: 200, check: wantBody(`"default":true`)},
		{name: "delete policy again", env: e, method: "DELETE", path: "/admin/v1/policies/P9", token: sup, status: 404, code: "not_found"},
		{name: "delete policy broken", env: broken.testEnv, method: "DELETE", path: "/admin/v1/policies/P9", token: brokenSup, status: 500, code: "internal"},
	}...)

	answered := map[string]bool{} // "METHOD /path STATUS code"
	etags := map[string]string{}
	for i, c := range cases {
		t.Run(fmt.Sprintf("%02d %s", i, c.name), func(t *testing.T) {
			var rd *bytes.Reader
			switch b := c.body.(type) {
			case nil:
				rd = bytes.NewReader(nil)
			case string:
				rd = bytes.NewReader([]byte(b))
			default:
				data, err := json.Marshal(b)
				if err != nil {
					t.Fatal(err)
				}
				rd = bytes.NewReader(data)
			}
			req := httptest.NewRequest(c.method, c.path, rd)
			if c.token != "" {
				req.Header.Set("Authorization", "Bearer "+c.token)
			}
			if c.conditional {
				req.Header.Set("If-None-Match", etags[req.URL.Path])
			}
			rec := httptest.NewRecorder()
			c.env.srv.Handler().ServeHTTP(rec, req)
			body := rec.Body.Bytes()
			if et := rec.Header().Get("ETag"); et != "" {
				etags[req.URL.Path] = et
			}
			if rec.Code != c.status {
				t.Fatalf("%s %s = %d %s, want %d", c.method, c.path, rec.Code, body, c.status)
			}
			op, ok := d.find(c.method, req.URL.Path)
			if !ok {
				t.Fatalf("%s %s: no operation in openapi.json", c.method, req.URL.Path)
			}
			code := ""
			if c.status >= 400 {
				code = errorCode(t, body)
				if code != c.code {
					t.Errorf("error code = %s (%s), want %s", code, body, c.code)
				}
			}
			answered[fmt.Sprintf("%s %d %s", op, c.status, code)] = true
			checkAnswer(t, d, op, rec, body)
			if c.check != nil {
				c.check(t, body)
			}
		})
	}
	if t.Failed() {
		return
	}
	for _, o := range d.ops {
		for _, st := range sortedKeys(o.responses()) {
			resp, _ := o.responses()[st].(map[string]any)
			codes := errorCodes(resp)
			if len(codes) == 0 {
				codes = []string{""}
			}
			for _, code := range codes {
				if !answered[fmt.Sprintf("%s %s %s", o, st, code)] {
					t.Errorf("%s answers %s %s in openapi.json, but no case of TestOpenAPIAnswers got that answer", o, st, code)
				}
			}
		}
	}
}

// checkAnswer validates an answer against the response the operation describes for its status: the
// media type, the body's schema (objects closed: nothing undescribed), the required headers.
func checkAnswer(t *testing.T, d *apiDoc, op apiOp, rec *httptest.ResponseRecorder, body []byte) {
	t.Helper()
	resp, ok := op.responses()[fmt.Sprint(rec.Code)].(map[string]any)
	if !ok {
		t.Fatalf("%s: status %d is not described (body %s)", op, rec.Code, body)
	}
	headers, _ := resp["headers"].(map[string]any)
	for _, h := range sortedKeys(headers) {
		hm, _ := headers[h].(map[string]any)
		if hm["required"] == true && rec.Header().Get(h) == "" {
			t.Errorf("%s %d: no %s header", op, rec.Code, h)
		}
		if sch, ok := hm["schema"].(map[string]any); ok && rec.Header().Get(h) != "" {
			v := any(rec.Header().Get(h))
			if typ, _ := sch["type"].(string); typ == "integer" {
				v = json.Number(rec.Header().Get(h))
			}
			for _, p := range d.set(true).validate(sch, v, h) {
				t.Errorf("%s %d header: %s", op, rec.Code, p)
			}
		}
	}
	content, _ := resp["content"].(map[string]any)
	if len(content) == 0 {
		if len(body) != 0 {
			t.Errorf("%s %d: a body %q where none is described", op, rec.Code, body)
		}
		return
	}
	ct := rec.Header().Get("Content-Type")
	mt, ok := content[ct].(map[string]any)
	if !ok {
		t.Fatalf("%s %d: Content-Type %q, described: %v", op, rec.Code, ct, sortedKeys(content))
	}
	var v any = string(body)
	if ct == "application/json" {
		var err error
		if v, err = decodeJSONValue(body); err != nil {
			t.Fatalf("%s %d: the body is not JSON: %v", op, rec.Code, err)
		}
	}
	if probs := d.set(true).validate(mt["schema"], v, "$"); len(probs) > 0 {
		sort.Strings(probs)
		t.Errorf("%s %d: the answer breaks the described schema:\n\t%s\nbody %s", op, rec.Code,
			strings.Join(probs, "\n\t"), body)
	}
}
