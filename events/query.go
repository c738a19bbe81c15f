package events

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/cosflow/cosflow/internal/clip"
)

// QueryValues are the values of one query parameter in an HTTP event. The
// gateway sends a single value as a string, repeated ones as an array of
// strings, and a bare "?flag" as true; all three decode to a list, true
// to one empty value (as url.ParseQuery reads "?flag").
type QueryValues []string

// UnmarshalJSON accepts a string, true, null or an array of strings/true.
func (q *QueryValues) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return fmt.Errorf("query value: empty JSON")
	}
	switch data[0] {
	case 'n':
		if string(data) == "null" {
			*q = nil
			return nil
		}
	case '[':
		var items []json.RawMessage
		if err := json.Unmarshal(data, &items); err != nil {
			return fmt.Errorf("query value: %w", err)
		}
		vals := make(QueryValues, 0, len(items))
		for i, item := range items {
			v, err := scalarQueryValue(item)
			if err != nil {
				return fmt.Errorf("query value [%d]: %w", i, err)
			}
			vals = append(vals, v)
		}
		*q = vals
		return nil
	}
	v, err := scalarQueryValue(data)
	if err != nil {
		return fmt.Errorf("query value: %w", err)
	}
	*q = QueryValues{v}
	return nil
}

// scalarQueryValue decodes one value: a string, or true for a bare flag.
func scalarQueryValue(data []byte) (string, error) {
	data = bytes.TrimSpace(data)
	if string(data) == "true" {
		return "", nil
	}
	var s string
	if len(data) > 0 && data[0] == '"' {
		if err := json.Unmarshal(data, &s); err != nil {
			return "", err
		}
		return s, nil
	}
	return "", fmt.Errorf("expected a string, an array of strings or true, got %s", clip.String(string(data), maxValueEcho))
}

// MarshalJSON writes the gateway's forms back: one empty value as true (a
// bare flag; "?a=" reads the same), one value as a string, several as an
// array of strings.
func (q QueryValues) MarshalJSON() ([]byte, error) {
	switch {
	case len(q) == 1 && q[0] == "":
		return []byte("true"), nil
	case len(q) == 1:
		return json.Marshal(q[0])
	default:
		return json.Marshal([]string(q))
	}
}
