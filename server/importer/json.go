package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// jsonFields parses one JSON object into vals: known keys only, each once, every value a string (or null
// for an optional field; a number for quantity), nothing after the object.
func jsonFields(line []byte, vals *[nColumns]*string) error {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return errors.New("not a JSON object")
	}
	seen := [nColumns]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return notJSON(err)
		}
		key, _ := tok.(string)
		c := columnIndex(key)
		switch {
		case c < 0:
			return fmt.Errorf("unknown field %q (known: %s)", key, strings.Join(columns[:], ", "))
		case seen[c]:
			return fmt.Errorf("field %q appears twice", key)
		}
		seen[c] = true
		tok, err = dec.Token()
		if err != nil {
			return notJSON(err)
		}
		var v string
		switch t := tok.(type) {
		case string:
			v = t
		case json.Number:
			if c != colQuantity {
				return fmt.Errorf("field %q must be a JSON string", key)
			}
			v = t.String()
		case nil:
			if c == colInstance || c == colOrder || c == colProduct {
				return fmt.Errorf("field %q must not be null", key)
			}
		default:
			return fmt.Errorf("field %q must be a JSON string", key)
		}
		vals[c] = &v
	}
	if _, err := dec.Token(); err != nil {
		return notJSON(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("not valid JSON: more after the object's closing brace")
	}
	var missing []string
	for c := range nRequired {
		if !seen[c] {
			missing = append(missing, columns[c])
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing field %s", strings.Join(missing, ", "))
	}
	return nil
}

func notJSON(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("not valid JSON at byte %d: %w", se.Offset, err)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("not valid JSON: the object is not closed on its line")
	}
	return fmt.Errorf("not valid JSON: %w", err)
}
