package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// This file is a JSON Schema validator for the subset of keywords openapi.json uses (go.mod has no
// validator): $ref (to #/components/schemas/NAME, with sibling keywords), type (a name or a list of
// names), properties, required, additionalProperties (false only), items, enum, minLength, maxLength,
// minimum, maximum, pattern, format date-time, and description. A schema with any other keyword is
// refused by checkSchema, so the description cannot use a keyword the tests would silently ignore.

// schemaSet resolves $ref against components/schemas.
type schemaSet struct {
	components map[string]any
	// closed makes objects with properties refuse properties they do not name, as if each said
	// additionalProperties: false: the answers of this version carry nothing undescribed.
	closed bool
}

// decodeJSONValue decodes data as one JSON value with numbers kept as json.Number.
func decodeJSONValue(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("more than one JSON value")
	}
	return v, nil
}

// resolve follows a $ref.
func (s *schemaSet) resolve(ref string) (map[string]any, error) {
	name, ok := strings.CutPrefix(ref, "#/components/schemas/")
	if !ok {
		return nil, fmt.Errorf("$ref %q: only #/components/schemas/NAME is supported", ref)
	}
	sch, ok := s.components[name].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("$ref %q: no such schema", ref)
	}
	return sch, nil
}

// checkSchema reports the problems of a schema itself: unknown keywords, keywords of the wrong JSON type,
// $refs that do not resolve. It descends into properties and items, not into $refs (each component is
// checked on its own).
func (s *schemaSet) checkSchema(schema any, at string) []string {
	sch, ok := schema.(map[string]any)
	if !ok {
		return []string{at + ": a schema must be an object"}
	}
	var probs []string
	bad := func(format string, args ...any) { probs = append(probs, at+": "+fmt.Sprintf(format, args...)) }
	for k, v := range sch {
		switch k {
		case "$ref":
			r, _ := v.(string)
			if _, err := s.resolve(r); err != nil {
				bad("%v", err)
			}
		case "type":
			if _, err := typeNames(v); err != nil {
				bad("%v", err)
			}
		case "properties":
			props, ok := v.(map[string]any)
			if !ok {
				bad("properties must be an object")
				continue
			}
			for name, p := range props {
				probs = append(probs, s.checkSchema(p, at+".properties."+name)...)
			}
		case "required", "enum":
			if _, ok := v.([]any); !ok {
				bad("%s must be an array", k)
			}
		case "additionalProperties":
			if v != false {
				bad("additionalProperties: only false is supported")
			}
		case "items":
			probs = append(probs, s.checkSchema(v, at+".items")...)
		case "minLength", "maxLength", "minimum", "maximum":
			if _, ok := v.(json.Number); !ok {
				bad("%s must be a number", k)
			}
		case "pattern":
			p, _ := v.(string)
			if _, err := regexp.Compile(p); err != nil {
				bad("pattern: %v", err)
			}
		case "format":
			if v != "date-time" {
				bad("format %v: only date-time is supported", v)
			}
		case "description":
			if _, ok := v.(string); !ok {
				bad("description must be a string")
			}
		default:
			bad("keyword %q is not supported by the test validator", k)
		}
	}
	if req, ok := sch["required"].([]any); ok {
		props, _ := sch["properties"].(map[string]any)
		for _, r := range req {
			if name, _ := r.(string); props[name] == nil {
				bad("required %q is not among the properties", r)
			}
		}
	}
	return probs
}

// typeNames reads a type keyword: one name or a list of names.
func typeNames(v any) ([]string, error) {
	known := []string{"object", "array", "string", "integer", "number", "boolean", "null"}
	var names []string
	switch t := v.(type) {
	case string:
		names = []string{t}
	case []any:
		for _, e := range t {
			n, _ := e.(string)
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("type %v: want a name or a list of names", v)
	}
	for _, n := range names {
		if !slices.Contains(known, n) {
			return nil, fmt.Errorf("type %q is not a JSON Schema type", n)
		}
	}
	return names, nil
}

// schemaTypeOf is the JSON Schema type name of a decoded value; a number is "integer" when it has no fraction.
func schemaTypeOf(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		if r, ok := new(big.Rat).SetString(x.String()); ok && r.IsInt() {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// validate returns the ways v (a decoded JSON value) breaks schema, each prefixed with its JSON path.
func (s *schemaSet) validate(schema any, v any, at string) []string {
	sch, ok := schema.(map[string]any)
	if !ok {
		return []string{at + ": bad schema"}
	}
	var probs []string
	bad := func(format string, args ...any) { probs = append(probs, at+": "+fmt.Sprintf(format, args...)) }
	if r, ok := sch["$ref"].(string); ok {
		target, err := s.resolve(r)
		if err != nil {
			return []string{at + ": " + err.Error()}
		}
		probs = append(probs, s.validate(target, v, at)...)
	}
	got := schemaTypeOf(v)
	if t, ok := sch["type"]; ok {
		names, err := typeNames(t)
		if err != nil {
			return append(probs, at+": "+err.Error())
		}
		if !slices.Contains(names, got) && !(got == "integer" && slices.Contains(names, "number")) {
			return append(probs, at+fmt.Sprintf(": a JSON %s where the schema wants %s", got, strings.Join(names, " or ")))
		}
	}
	if enum, ok := sch["enum"].([]any); ok && !slices.ContainsFunc(enum, func(e any) bool { return jsonEqual(e, v) }) {
		bad("%s is not one of %s", compact(v), compact(enum))
	}
	switch x := v.(type) {
	case map[string]any:
		props, _ := sch["properties"].(map[string]any)
		req, _ := sch["required"].([]any)
		for _, r := range req {
			if name, _ := r.(string); !hasKey(x, name) {
				bad("required property %q is missing", name)
			}
		}
		closed := sch["additionalProperties"] == false || s.closed && props != nil
		for _, k := range sortedKeys(x) {
			if p, ok := props[k]; ok {
				probs = append(probs, s.validate(p, x[k], at+"."+k)...)
			} else if closed {
				bad("property %q is not described", k)
			}
		}
	case []any:
		if items, ok := sch["items"]; ok {
			for i, e := range x {
				probs = append(probs, s.validate(items, e, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	case string:
		n := len([]rune(x))
		if m, ok := schemaInt(sch, "minLength"); ok && n < m {
			bad("%d characters, fewer than minLength %d", n, m)
		}
		if m, ok := schemaInt(sch, "maxLength"); ok && n > m {
			bad("%d characters, more than maxLength %d", n, m)
		}
		if p, ok := sch["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(x) {
			bad("%q does not match pattern %s", x, p)
		}
		if sch["format"] == "date-time" {
			if t, err := time.Parse(time.RFC3339, x); err != nil || t.Location() != time.UTC {
				bad("%q is not an RFC 3339 UTC time", x)
			}
		}
	case json.Number:
		r, _ := new(big.Rat).SetString(x.String())
		if m, ok := sch["minimum"].(json.Number); ok {
			if mr, _ := new(big.Rat).SetString(m.String()); r.Cmp(mr) < 0 {
				bad("%s is below minimum %s", x, m)
			}
		}
		if m, ok := sch["maximum"].(json.Number); ok {
			if mr, _ := new(big.Rat).SetString(m.String()); r.Cmp(mr) > 0 {
				bad("%s is above maximum %s", x, m)
			}
		}
	}
	return probs
}

func hasKey(m map[string]any, k string) bool { _, ok := m[k]; return ok }

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func schemaInt(sch map[string]any, k string) (int, bool) {
	n, ok := sch[k].(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	return int(i), err == nil
}

// jsonEqual compares two decoded JSON values (numbers by value).
func jsonEqual(a, b any) bool {
	an, aok := a.(json.Number)
	bn, bok := b.(json.Number)
	if aok && bok {
		ar, _ := new(big.Rat).SetString(an.String())
		br, _ := new(big.Rat).SetString(bn.String())
		return ar != nil && br != nil && ar.Cmp(br) == 0
	}
	return compact(a) == compact(b)
}

func compact(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestSchemaValidator: the validator's own table: each keyword accepts what it should and refuses what it
// should, with the path of the fault.
func TestSchemaValidator(t *testing.T) {
	components := `{
		"Pair": {"type": "object", "required": ["a"], "properties": {"a": {"type": "integer", "minimum": 1, "maximum": 5}, "b": {"type": ["string", "null"]}}},
		"Closed": {"type": "object", "properties": {"x": {"type": "boolean"}}, "additionalProperties": false}
	}`
	comps, err := decodeJSONValue([]byte(components))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, schema, value string
		closed              bool
		want                string // a substring of the first problem; "" for none
	}{
		{"string", `{"type":"string"}`, `"x"`, false, ""},
		{"string: a number", `{"type":"string"}`, `5`, false, "a JSON integer where the schema wants string"},
		{"integer", `{"type":"integer"}`, `5`, false, ""},
		{"integer: a fraction", `{"type":"integer"}`, `5.5`, false, "a JSON number where the schema wants integer"},
		{"number takes an integer", `{"type":"number"}`, `5`, false, ""},
		{"boolean: a string", `{"type":"boolean"}`, `"true"`, false, "a JSON string"},
		{"null in a type list", `{"type":["string","null"]}`, `null`, false, ""},
		{"null not in the type", `{"type":"string"}`, `null`, false, "a JSON null"},
		{"object: an array", `{"type":"object"}`, `[]`, false, "a JSON array"},
		{"enum", `{"type":"string","enum":["a","b"]}`, `"b"`, false, ""},
		{"enum: other", `{"type":"string","enum":["a","b"]}`, `"c"`, false, `"c" is not one of ["a","b"]`},
		{"enum of numbers", `{"enum":[1,2]}`, `2.0`, false, ""},
		{"minLength", `{"type":"string","minLength":2}`, `"é"`, false, "fewer than minLength 2"},
		{"maxLength counts characters", `{"type":"string","maxLength":2}`, `"授权"`, false, ""},
		{"maxLength", `{"type":"string","maxLength":2}`, `"abc"`, false, "more than maxLength 2"},
		{"pattern", `{"type":"string","pattern":"^a+$"}`, `"aab"`, false, "does not match pattern"},
		{"date-time", `{"type":"string","format":"date-time"}`, `"2027-03-01T00:00:00Z"`, false, ""},
		{"date-time: not UTC", `{"type":"string","format":"date-time"}`, `"2027-03-01T08:00:00+08:00"`, false, "not an RFC 3339 UTC time"},
		{"date-time: a date", `{"type":"string","format":"date-time"}`, `"2027/03/01"`, false, "not an RFC 3339 UTC time"},
		{"minimum", `{"$ref":"#/components/schemas/Pair"}`, `{"a":0}`, false, "$.a: 0 is below minimum 1"},
		{"maximum", `{"$ref":"#/components/schemas/Pair"}`, `{"a":6}`, false, "$.a: 6 is above maximum 5"},
		{"required", `{"$ref":"#/components/schemas/Pair"}`, `{"b":"x"}`, false, `required property "a" is missing`},
		{"nested type", `{"$ref":"#/components/schemas/Pair"}`, `{"a":1,"b":5}`, false, "$.b: a JSON integer"},
		{"open object", `{"$ref":"#/components/schemas/Pair"}`, `{"a":1,"c":true}`, false, ""},
		{"closed mode", `{"$ref":"#/components/schemas/Pair"}`, `{"a":1,"c":true}`, true, `property "c" is not described`},
		{"additionalProperties false", `{"$ref":"#/components/schemas/Closed"}`, `{"y":1}`, false, `property "y" is not described`},
		{"items", `{"type":"array","items":{"type":"integer"}}`, `[1,"x"]`, false, "$[1]: a JSON string"},
		{"$ref with a description", `{"$ref":"#/components/schemas/Pair","description":"d"}`, `{"a":2}`, false, ""},
		{"bad $ref", `{"$ref":"#/components/schemas/Nope"}`, `{}`, false, "no such schema"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &schemaSet{components: comps.(map[string]any), closed: tt.closed}
			sch, err := decodeJSONValue([]byte(tt.schema))
			if err != nil {
				t.Fatal(err)
			}
			v, err := decodeJSONValue([]byte(tt.value))
			if err != nil {
				t.Fatal(err)
			}
			probs := s.validate(sch, v, "$")
			switch {
			case tt.want == "" && len(probs) > 0:
				t.Errorf("validate(%s) = %q, want no problem", tt.value, probs)
			case tt.want != "" && (len(probs) == 0 || !strings.Contains(probs[0], tt.want)):
				t.Errorf("validate(%s) = %q, want a problem containing %q", tt.value, probs, tt.want)
			}
		})
	}
}

// TestSchemaCheck: checkSchema refuses what the validator would not check.
func TestSchemaCheck(t *testing.T) {
	comps := map[string]any{"A": map[string]any{"type": "string"}}
	tests := []struct{ schema, want string }{
		{`{"type":"object","required":["a"],"properties":{"a":{"$ref":"#/components/schemas/A","description":"x"}},"additionalProperties":false}`, ""},
		{`{"type":"string","oneOf":[]}`, `keyword "oneOf" is not supported`},
		{`{"type":"object","properties":{"a":{"allOf":[]}}}`, `.properties.a: keyword "allOf"`},
		{`{"type":"strin"}`, `type "strin" is not a JSON Schema type`},
		{`{"type":"object","additionalProperties":{"type":"string"}}`, "only false"},
		{`{"type":"object","required":["b"],"properties":{"a":{}}}`, `required "b" is not among the properties`},
		{`{"$ref":"#/definitions/A"}`, "only #/components/schemas/NAME"},
		{`{"type":"string","format":"email"}`, "only date-time"},
		{`{"type":"array","items":{"nullable":true}}`, `.items: keyword "nullable"`},
	}
	for _, tt := range tests {
		sch, err := decodeJSONValue([]byte(tt.schema))
		if err != nil {
			t.Fatal(err)
		}
		probs := (&schemaSet{components: comps}).checkSchema(sch, "$")
		switch {
		case tt.want == "" && len(probs) > 0:
			t.Errorf("checkSchema(%s) = %q, want none", tt.schema, probs)
		case tt.want != "" && (len(probs) == 0 || !strings.Contains(strings.Join(probs, "\n"), tt.want)):
			t.Errorf("checkSchema(%s) = %q, want one containing %q", tt.schema, probs, tt.want)
		}
	}
}
