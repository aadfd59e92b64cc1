package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/licentia/licentia/server/licensing"
)

// writeJSON writes v as JSON with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeError writes the API error body {"error":{"code","message"}}.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	type body struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	writeJSON(w, status, map[string]body{"error": {Code: code, Message: msg}})
}

// SeatCount is the "seats" member of a seat refusal: the license's limit and the seats in use.
type SeatCount struct {
	Limit int64 `json:"limit"`
	Used  int64 `json:"used"`
}

// writeSeatError writes a 409 seat refusal: {"error":{"code","message","seats":{"limit","used"}}}.
func writeSeatError(w http.ResponseWriter, e *licensing.SeatError, msg string) {
	type body struct {
		Code    string    `json:"code"`
		Message string    `json:"message"`
		Seats   SeatCount `json:"seats"`
	}
	writeJSON(w, http.StatusConflict, map[string]body{"error": {Code: e.Code, Message: msg, Seats: SeatCount{e.Limit, e.Used}}})
}

// maxJSONBody caps a JSON request body.
const maxJSONBody = 1 << 20

// decodeJSON decodes the request body (at most 1 MiB, one JSON value, no unknown fields) into v. Its
// errors are request errors (400), or *http.MaxBytesError (413) for a body too large.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := readJSONBody(w, r)
	if err != nil {
		return err
	}
	defer body.release()
	return unmarshalJSON(body.b, v)
}

// jsonBody is a request body read whole into a pooled buffer; release returns the buffer, so nothing
// may keep body.b (or a slice of it) past it.
type jsonBody struct{ b []byte }

var jsonBodies = sync.Pool{New: func() any { return &jsonBody{b: make([]byte, 0, 2048)} }}

// maxPooledBody is the largest buffer kept for reuse: a rare large body is not held for ever.
const maxPooledBody = 64 << 10

// readJSONBody reads the request body, at most maxJSONBody bytes (*http.MaxBytesError beyond).
func readJSONBody(w http.ResponseWriter, r *http.Request) (*jsonBody, error) {
	body := jsonBodies.Get().(*jsonBody)
	b := body.b[:0]
	rd := http.MaxBytesReader(w, r.Body, maxJSONBody)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := rd.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			body.b = b
			body.release()
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				return nil, err
			}
			return nil, badRequest("request body could not be read")
		}
	}
	body.b = b
	return body, nil
}

func (body *jsonBody) release() {
	if cap(body.b) <= maxPooledBody {
		body.b = body.b[:0]
		jsonBodies.Put(body)
	}
}

// unmarshalJSON decodes data, one JSON value with no unknown fields, into v; its errors are request
// errors (400).
func unmarshalJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("request body is not the expected JSON: %s", jsonProblem(err))
	}
	if dec.More() {
		return badRequest("request body holds more than one JSON value")
	}
	return nil
}

// codeOnly returns the code of a body that is exactly {"code":"…"} (JSON white space allowed around the
// tokens) whose value is printable ASCII without escapes — what every buyer's client sends to refresh —
// reading it without a JSON decoder. Any other body is not ok and goes to unmarshalJSON, which decodes
// the same value from this shape (FuzzCodeOnly checks that).
func codeOnly(b []byte) (string, bool) {
	b = trimJSONSpace(b)
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return "", false
	}
	b, ok := bytes.CutPrefix(trimJSONSpace(b[1:len(b)-1]), []byte(`"code"`))
	if !ok {
		return "", false
	}
	b = trimJSONSpace(b)
	if len(b) == 0 || b[0] != ':' {
		return "", false
	}
	b = trimJSONSpace(b[1:])
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return "", false
	}
	v := b[1 : len(b)-1]
	for _, c := range v {
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return "", false
		}
	}
	return string(v), true
}

// trimJSONSpace trims JSON's white space (RFC 8259: space, tab, line feed, carriage return).
func trimJSONSpace(b []byte) []byte {
	return bytes.Trim(b, " \t\n\r")
}

// jsonProblem says what is wrong with a request body in the request's terms: the JSON field and value
// kind, never the server's Go type names.
func jsonProblem(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("not valid JSON at byte %d", syntax.Offset)
	case errors.As(err, &typ) && typ.Field != "":
		return fmt.Sprintf("field %q does not take a JSON %s", typ.Field, typ.Value)
	case errors.As(err, &typ):
		return fmt.Sprintf("a JSON %s where an object is expected", typ.Value)
	case errors.Is(err, io.EOF):
		return "the body is empty"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON ends early"
	default: // an unknown field: encoding/json names it, as sent
		return err.Error()
	}
}
