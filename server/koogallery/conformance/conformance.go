package conformance

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

//go:embed pages/*.json sdk/*.json
var pagesFS embed.FS

// Page is one official KooGallery interface page.
type Page struct {
	// Topic is the page's topic id, e.g. 0070649255 or saascenter_usermanual_0086.
	Topic string `json:"topic"`
	// URL is the page's support.huaweicloud.com address.
	URL string `json:"url"`
	// Updated is the update date the page prints (更新时间), yyyy-mm-dd.
	Updated string `json:"updated"`
	// Title is the page's title as printed.
	Title string `json:"title"`
	// Guide is the guide the page belongs to, as the docs tree names it.
	Guide string `json:"guide"`
	// Copies are other addresses that print the same content (another guide, a mirror the page was read from).
	Copies []Copy `json:"copies,omitempty"`
	// Read says which sections the stored copy showed and where it stopped.
	Read string `json:"read"`
	// Request is the request parameter table; a nested table's rows name their Parent.
	Request []Param `json:"request_params,omitempty"`
	// Answer is the answer parameter table.
	Answer []Param `json:"answer_params,omitempty"`
	// Codes are the result codes the page documents.
	Codes []Code `json:"codes,omitempty"`
	// Examples are the page's printed examples.
	Examples []Example `json:"examples,omitempty"`
	// Disagreements record where this page and another disagree, and which one licentia follows.
	Disagreements []Disagreement `json:"disagreements,omitempty"`
}

// Copy is another address that prints a page's content.
type Copy struct {
	URL     string `json:"url"`
	Updated string `json:"updated,omitempty"`
	Note    string `json:"note"`
}

// Param is one row of a parameter table.
type Param struct {
	Name     string `json:"name"`
	Parent   string `json:"parent,omitempty"`
	Required bool   `json:"required"`
	Type     string `json:"type"`
	// Max is the printed maximum length (characters; items for a list); 0 when the page prints none.
	Max  int    `json:"max,omitempty"`
	Note string `json:"note,omitempty"`
}

// Code is one documented result or error code.
type Code struct {
	Code    string `json:"code"`
	HTTP    int    `json:"http,omitempty"`
	Meaning string `json:"meaning"`
}

// Disagreement is a point on which two pages (or a page and licentia's reading) differ.
type Disagreement struct {
	About    string `json:"about"`
	Readings string `json:"readings"`
	Follows  string `json:"licentia_follows"`
}

// Example kinds and sources.
const (
	KindRequest = "request"
	KindAnswer  = "answer"

	SourceExample = "example" // printed as an example
	SourceTable   = "table"   // built from the parameter table: the stored copy stops before the example
	// SourceNotes: built from what the page's notes say the call carries; the stored copies print neither a
	// table nor an example of it. Every field of such a body is a Fill saying which note it comes from.
	SourceNotes = "notes"
)

// Example is one printed request or answer.
type Example struct {
	// ID names the example across the corpus, e.g. "0070649255/request".
	ID   string `json:"id"`
	Kind string `json:"kind"`
	// Activity is the activity of a call the marketplace makes to the seller; API the OpenAPI path the seller
	// calls. Exactly one is set.
	Activity string `json:"activity,omitempty"`
	API      string `json:"api,omitempty"`
	Method   string `json:"method"`
	Source   string `json:"source"`
	// Printed is the example exactly as printed; empty for Source "table".
	Printed string `json:"printed,omitempty"`
	// Query holds the URL parameters as printed (a masked signature stays masked here; see Filled); a GET
	// request's parameters are all here, and its Body is {}.
	Query map[string]string `json:"query,omitempty"`
	// Body is the replayable JSON body: Printed with every masked or placeholder value filled.
	Body json.RawMessage `json:"body"`
	// Filled lists every value that is not as printed.
	Filled []Fill `json:"filled,omitempty"`
	// Expect is the answer a request must get.
	Expect *Expect `json:"expect,omitempty"`
}

// Fill is one value of Body (path "a.b[0].c") or of the URL ("?name") that the page does not print as such.
type Fill struct {
	Path    string `json:"path"`
	Printed string `json:"printed"`
	// Value is the value used; "" for a URL parameter computed when the example is sent (a signature).
	Value string `json:"value"`
	Why   string `json:"why"`
}

// Expect is the documented answer of a request.
type Expect struct {
	// HTTP is the expected HTTP status (200 when 0).
	HTTP int `json:"http,omitempty"`
	// Codes are the acceptable result codes (resultCode for the seller's answers, error_code for the OpenAPI).
	Codes []string `json:"codes"`
	// Fields are the answer fields whose presence, type and length are checked.
	Fields []Param `json:"fields"`
	// Source says where the expectation comes from.
	Source string `json:"source"`
}

// Load reads and checks every page of the corpus, sorted by topic.
func Load() ([]Page, error) {
	names, err := fs.Glob(pagesFS, "pages/*.json")
	if err != nil {
		return nil, err
	}
	var pages []Page
	var errs []error
	ids := map[string]string{}
	for _, name := range names {
		data, err := pagesFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		p, err := Parse(path.Base(name), data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, ex := range p.Examples {
			if prev, dup := ids[ex.ID]; dup {
				errs = append(errs, fmt.Errorf("%s: example %s already in %s", name, ex.ID, prev))
			}
			ids[ex.ID] = name
		}
		pages = append(pages, p)
	}
	if len(pages) == 0 && len(errs) == 0 {
		errs = append(errs, errors.New("conformance: no pages"))
	}
	sort.Slice(pages, func(i, j int) bool { return pages[i].Topic < pages[j].Topic })
	return pages, errors.Join(errs...)
}

// Parse decodes one page file and checks it (see the package documentation for the rules). name is used in
// errors only.
func Parse(name string, data []byte) (Page, error) {
	var p Page
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Page{}, fmt.Errorf("%s: %w", name, err)
	}
	if err := p.Check(); err != nil {
		return Page{}, fmt.Errorf("%s: %w", name, err)
	}
	return p, nil
}

var topicRE = regexp.MustCompile(`^([0-9]{10}|[0-9]{16}|[a-z]+_[a-z]+_[0-9]{4})$`)

// Check applies the corpus rules to p.
func (p *Page) Check() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if !topicRE.MatchString(p.Topic) {
		bad("topic %q is not a topic id", p.Topic)
	}
	if !strings.HasPrefix(p.URL, "https://support.huaweicloud.com/") || p.Topic == "" || !strings.Contains(p.URL, p.Topic) {
		bad("url %q is not the support.huaweicloud.com address of topic %q", p.URL, p.Topic)
	}
	if _, err := time.Parse(time.DateOnly, p.Updated); err != nil {
		bad("updated %q is not the page's update date (yyyy-mm-dd)", p.Updated)
	}
	if p.Title == "" || p.Guide == "" || p.Read == "" {
		bad("title, guide and read are required")
	}
	for _, c := range p.Copies {
		if !strings.HasPrefix(c.URL, "https://") || c.Note == "" {
			bad("copy %q: an https address and a note are required", c.URL)
		}
	}
	for _, table := range [][]Param{p.Request, p.Answer} {
		for _, r := range table {
			if err := r.check(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for _, c := range p.Codes {
		if c.Code == "" || c.Meaning == "" {
			bad("code %q: code and meaning are required", c.Code)
		}
	}
	for _, d := range p.Disagreements {
		if d.About == "" || d.Readings == "" || d.Follows == "" {
			bad("disagreement %q: about, readings and licentia_follows are required", d.About)
		}
	}
	if len(p.Examples) == 0 && len(p.Request) == 0 && len(p.Codes) == 0 {
		bad("neither examples, a parameter table nor codes")
	}
	for i := range p.Examples {
		ex := &p.Examples[i]
		if err := ex.check(p.Topic); err != nil {
			errs = append(errs, err)
			continue
		}
		if ex.Kind == KindRequest {
			params := ex.Body
			if ex.Method == http.MethodGet {
				params, _ = json.Marshal(ex.Query) // a GET carries its parameters in the URL
			}
			if err := Shape(p.Request, params); err != nil {
				errs = append(errs, fmt.Errorf("example %q against the page's request table: %w", ex.ID, err))
			}
		}
	}
	return errors.Join(errs...)
}

// Shape checks a JSON body against a parameter table: every required row present, every string within its
// maximum length in characters, every list within its maximum number of items, every integer within its
// maximum number of digits. A row with a Parent applies to each object found under that key at any depth (an
// object, or the objects of a list).
func Shape(table []Param, body json.RawMessage) error {
	var root any
	if err := json.Unmarshal(body, &root); err != nil {
		return err
	}
	var errs []error
	for _, r := range table {
		objects := []map[string]any{}
		if r.Parent == "" {
			if m, ok := root.(map[string]any); ok {
				objects = append(objects, m)
			}
		} else {
			objects = under(root, r.Parent, objects)
		}
		for _, m := range objects {
			v, present := m[r.Name]
			if !present {
				if r.Required {
					errs = append(errs, fmt.Errorf("required %s missing", r.path()))
				}
				continue
			}
			if n, unit := size(v); r.Max > 0 && n > r.Max {
				errs = append(errs, fmt.Errorf("%s has %d %s, at most %d", r.path(), n, unit, r.Max))
			}
		}
	}
	return errors.Join(errs...)
}

func (r Param) path() string {
	if r.Parent == "" {
		return r.Name
	}
	return r.Parent + "." + r.Name
}

// under appends the objects held under key (the object itself, or the objects of a list) anywhere in v.
func under(v any, key string, out []map[string]any) []map[string]any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if k == key {
				switch e := e.(type) {
				case map[string]any:
					out = append(out, e)
				case []any:
					for _, item := range e {
						if m, ok := item.(map[string]any); ok {
							out = append(out, m)
						}
					}
				}
			}
			out = under(e, key, out)
		}
	case []any:
		for _, e := range v {
			out = under(e, key, out)
		}
	}
	return out
}

// size measures a value the way the tables count: characters of a string, items of a list, digits of a number.
func size(v any) (int, string) {
	switch v := v.(type) {
	case string:
		return utf8.RuneCountInString(v), "characters"
	case []any:
		return len(v), "items"
	case float64:
		return len(strconv.FormatFloat(v, 'f', -1, 64)), "digits"
	}
	return 0, ""
}

func (r Param) check() error {
	if r.Name == "" || r.Type == "" || r.Max < 0 {
		return fmt.Errorf("parameter %q: name and type are required, max not negative", r.Name)
	}
	return nil
}

func (ex *Example) check(topic string) error {
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("example %q: "+format, append([]any{ex.ID}, a...)...))
	}
	if !strings.HasPrefix(ex.ID, topic+"/") {
		bad("id must start with the topic id %s/", topic)
	}
	if ex.Kind != KindRequest && ex.Kind != KindAnswer {
		bad("kind %q is neither request nor answer", ex.Kind)
	}
	if (ex.Activity == "") == (ex.API == "") {
		bad("exactly one of activity and api is required")
	}
	if ex.Method != "GET" && ex.Method != "POST" {
		bad("method %q is neither GET nor POST", ex.Method)
	}
	switch ex.Source {
	case SourceExample:
		if ex.Printed == "" {
			bad("a printed example needs the text as printed")
		}
	case SourceTable, SourceNotes:
		if ex.Printed != "" {
			bad("an example built from the %s has no printed text", ex.Source)
		}
	default:
		bad("source %q is neither example, table nor notes", ex.Source)
	}
	var body map[string]any
	if err := json.Unmarshal(ex.Body, &body); err != nil {
		bad("body is not a JSON object: %v", err)
	} else if masked := maskedValues(body, ""); len(masked) > 0 {
		bad("body still holds masked values at %s: fill them", strings.Join(masked, ", "))
	}
	if ex.Source == SourceNotes {
		for _, k := range slices.Sorted(maps.Keys(body)) {
			if !slices.ContainsFunc(ex.Filled, func(f Fill) bool { return f.Path == k }) {
				bad("field %s of an example built from the notes needs a fill naming its note", k)
			}
		}
	}
	for _, f := range ex.Filled {
		if f.Why == "" || f.Printed == "" {
			bad("fill %s: printed and why are required", f.Path)
			continue
		}
		if name, ok := strings.CutPrefix(f.Path, "?"); ok {
			if _, printed := ex.Query[name]; !printed {
				bad("fill %s: the URL parameter is not in query", f.Path)
			}
			continue
		}
		if body == nil {
			continue
		}
		v, ok := Lookup(body, f.Path)
		if !ok || fmt.Sprint(v) != f.Value {
			bad("fill %s: body holds %v, want %q", f.Path, v, f.Value)
		}
	}
	if ex.Kind == KindRequest {
		switch {
		case ex.Expect == nil:
			bad("a request needs its expected answer")
		case len(ex.Expect.Codes) == 0 || ex.Expect.Source == "":
			bad("expect needs codes and a source")
		default:
			for _, r := range ex.Expect.Fields {
				if err := r.check(); err != nil {
					errs = append(errs, err)
				}
			}
		}
	}
	return errors.Join(errs...)
}

// maskedValues returns the paths of string values that still hold a page's mask (a run of '*').
func maskedValues(v any, at string) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if at != "" {
				p = at + "." + k
			}
			out = append(out, maskedValues(v[k], p)...)
		}
	case []any:
		for i, e := range v {
			out = append(out, maskedValues(e, at+"["+strconv.Itoa(i)+"]")...)
		}
	case string:
		if strings.Contains(v, "**") {
			out = append(out, at)
		}
	}
	return out
}

// Lookup returns the value at path ("a.b[0].c") in a decoded JSON value.
func Lookup(v any, path string) (any, bool) {
	for _, part := range strings.Split(path, ".") {
		name, rest, _ := strings.Cut(part, "[")
		if name != "" {
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = m[name]; !ok {
				return nil, false
			}
		}
		for rest != "" {
			idx, after, ok := strings.Cut(rest, "]")
			if !ok {
				return nil, false
			}
			i, err := strconv.Atoi(idx)
			a, isList := v.([]any)
			if err != nil || !isList || i < 0 || i >= len(a) {
				return nil, false
			}
			v = a[i]
			rest = strings.TrimPrefix(after, "[")
		}
	}
	return v, true
}

// Check returns how an answer departs from e: its HTTP status, a JSON object, the code in codeField
// (resultCode for the seller's answers, error_code for the OpenAPI) among e.Codes, and each of e.Fields
// present when required, a string when documented as String, within its documented length in characters.
func (e *Expect) Check(status int, body []byte, codeField string) error {
	want := e.HTTP
	if want == 0 {
		want = http.StatusOK
	}
	if status != want {
		return fmt.Errorf("HTTP %d, want %d (answer %.300s)", status, want, body)
	}
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		return fmt.Errorf("answer %.300q is not a JSON object: %w", body, err)
	}
	var problems []string
	code, _ := got[codeField].(string)
	if !slices.Contains(e.Codes, code) {
		problems = append(problems, fmt.Sprintf("%s %q, want one of %v", codeField, code, e.Codes))
	}
	for _, f := range e.Fields {
		v, present := got[f.Name]
		if !present {
			if f.Required {
				problems = append(problems, "required field "+f.Name+" missing")
			}
			continue
		}
		s, isString := v.(string)
		switch {
		case !isString && strings.EqualFold(f.Type, "String"):
			problems = append(problems, fmt.Sprintf("field %s is %T, want a string", f.Name, v))
		case f.Max > 0 && utf8.RuneCountInString(s) > f.Max:
			problems = append(problems, fmt.Sprintf("field %s has %d characters, at most %d documented", f.Name, utf8.RuneCountInString(s), f.Max))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s (answer %.300s)", strings.Join(problems, "; "), body)
	}
	return nil
}

// Judge weighs the outcome of replaying example id (err: how its answer departs from the documented one, nil
// when it does not) against a list of known gaps (example id → defect), which may only shrink. It returns a
// failure to report — an unlisted example that fails, or a listed one that now passes — or "" and, for a
// listed failure, the gap to log.
func Judge(id string, err error, gaps map[string]string) (failure, known string) {
	gap, listed := gaps[id]
	switch {
	case err != nil && !listed:
		return fmt.Sprintf("%s: %v", id, err), ""
	case err == nil && listed:
		return fmt.Sprintf("%s now gets its documented answer: remove the known gap %q", id, gap), ""
	case err != nil:
		return "", fmt.Sprintf("known gap: %s (%v)", gap, err)
	}
	return "", ""
}

// Reporter is the part of testing.TB that Report uses.
type Reporter interface {
	Helper()
	Errorf(format string, args ...any)
	Log(args ...any)
}

// Report judges the replay of example id (see Judge) and reports through t: a failure as an error naming the
// page's url, a listed gap as a log line.
func Report(t Reporter, id, url string, err error, gaps map[string]string) {
	t.Helper()
	failure, known := Judge(id, err, gaps)
	if failure != "" {
		t.Errorf("%s (%s)", failure, url)
	}
	if known != "" {
		t.Log(known)
	}
}

// Stale returns the ids of a known-gap list that name none of the examples replayed, sorted.
func Stale(gaps map[string]string, replayed map[string]bool) []string {
	var out []string
	for id := range gaps {
		if !replayed[id] {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// Replay runs one subtest of t per request example of the corpus that variants selects — once per variant it
// returns, the variant appended to the example's id ("" replays the example as it is; nil skips it) — and
// reports how replay's answer departs from the documented one against gaps (see Report). It fails when a gap
// names no replayed example, so that the list of known gaps only shrinks.
func Replay(t *testing.T, gaps map[string]string, variants func(Example) []string,
	replay func(t *testing.T, ex Example, variant string) error) {
	t.Helper()
	pages, err := Load()
	if err != nil {
		t.Fatalf("conformance.Load() err = %v", err)
	}
	seen := map[string]bool{}
	for _, p := range pages {
		for _, ex := range p.Examples {
			if ex.Kind != KindRequest {
				continue
			}
			for _, v := range variants(ex) {
				id := ex.ID + v
				seen[id] = true
				t.Run(id, func(t *testing.T) { Report(t, id, p.URL, replay(t, ex, v), gaps) })
			}
		}
	}
	for _, id := range Stale(gaps, seen) {
		t.Errorf("known gap %s names no replayed request of the corpus", id)
	}
}

// ExampleBody returns the body of the corpus example named id, compact, as a replay sends it.
func ExampleBody(id string) ([]byte, error) {
	pages, err := Load()
	if err != nil {
		return nil, err
	}
	for _, p := range pages {
		for _, ex := range p.Examples {
			if ex.ID == id {
				var b bytes.Buffer
				if err := json.Compact(&b, ex.Body); err != nil {
					return nil, fmt.Errorf("example %s: %w", id, err)
				}
				return b.Bytes(), nil
			}
		}
	}
	return nil, fmt.Errorf("no example %q in the conformance corpus", id)
}
