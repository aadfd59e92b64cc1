package store

import (
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/licentia/licentia/server/license"
)

// familyColumn is the licenses.product_family column (migration 00007): a license's product family
// (license.License.ProductFamily), stored as a JSON array of strings, the empty string for none.
type familyColumn []string

// Value encodes the family: the empty string when empty, so a license that never changed product
// stores the column's default.
func (f familyColumn) Value() (driver.Value, error) {
	if len(f) == 0 {
		return "", nil
	}
	b, err := json.Marshal([]string(f))
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// Scan decodes the column. A value that is not a JSON array of at most license.MaxProductFamily
// non-empty strings is an error: the license cannot be read rather than its family silently lost.
func (f *familyColumn) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("product_family: unexpected %T", src)
	}
	*f = nil
	if len(b) == 0 {
		return nil
	}
	var ids []string
	if err := json.Unmarshal(b, &ids); err != nil {
		return fmt.Errorf("product_family: %w", err)
	}
	if len(ids) > license.MaxProductFamily {
		return fmt.Errorf("product_family: %d entries, at most %d", len(ids), license.MaxProductFamily)
	}
	for _, id := range ids {
		if id == "" {
			return errors.New("product_family: an empty entry")
		}
	}
	if len(ids) > 0 {
		*f = ids
	}
	return nil
}
