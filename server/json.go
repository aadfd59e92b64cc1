package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

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
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSONBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return badRequest("request body is not the expected JSON: %s", jsonProblem(err))
	}
	if dec.More() {
		return badRequest("request body holds more than one JSON value")
	}
	return nil
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
