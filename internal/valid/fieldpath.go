package valid

import (
	"bytes"
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
)

// encoding/json says where a type error is, but not where an unknown field
// is (it names the key alone: "bucket", not "input.bucket"), nor where a
// custom UnmarshalJSON failed. faultPath finds the full JSON path by
// walking data as type t would be decoded.

// fault is what faultPath looks for.
type fault int

const (
	unknownKey     fault = iota // an object key t has no field for
	failingDecoder              // a value whose own UnmarshalJSON fails
)

// faultPath returns the JSON path of the first fault of kind f in data (in
// document order, as the decoder meets it); "" when there is none or data
// is not JSON.
func faultPath(data []byte, t reflect.Type, f fault) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	path, _ := findFault(dec, t, "", f)
	return path
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// findFault walks the value at dec's position as type t would be
// decoded, returning the path of the first fault of kind f.
func findFault(dec *json.Decoder, t reflect.Type, path string, f fault) (string, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	custom := reflect.PointerTo(t).Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler)
	walkable := t.Kind() == reflect.Struct || t.Kind() == reflect.Map || t.Kind() == reflect.Slice || t.Kind() == reflect.Array
	if custom || !walkable {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return "", err
		}
		if custom && f == failingDecoder && json.Unmarshal(raw, reflect.New(t).Interface()) != nil {
			return path, nil
		}
		return "", nil
	}
	tok, err := dec.Token()
	if err != nil {
		return "", err
	}
	switch tok {
	case json.Delim('{'):
		for dec.More() {
			keyTok, err := dec.Token()
			if err != nil {
				return "", err
			}
			key, _ := keyTok.(string)
			var elem reflect.Type
			switch t.Kind() {
			case reflect.Map:
				elem = t.Elem()
			case reflect.Struct:
				ft, ok := jsonField(t, key)
				if !ok {
					if f == unknownKey {
						return joinPath(path, key), nil
					}
					var skip json.RawMessage
					if err := dec.Decode(&skip); err != nil {
						return "", err
					}
					continue
				}
				elem = ft
			default: // a type mismatch, reported by the decoder itself
				return "", nil
			}
			if p, err := findFault(dec, elem, joinPath(path, key), f); p != "" || err != nil {
				return p, err
			}
		}
		_, err = dec.Token() // '}'
		return "", err
	case json.Delim('['):
		if t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
			return "", nil
		}
		for dec.More() {
			if p, err := findFault(dec, t.Elem(), path, f); p != "" || err != nil {
				return p, err
			}
		}
		_, err = dec.Token() // ']'
		return "", err
	}
	return "", nil // a scalar where a composite was expected: a type error
}

// jsonField finds the type of the field key decodes into: an exact match
// of the JSON name first, then a case-insensitive one, as encoding/json.
func jsonField(t reflect.Type, key string) (reflect.Type, bool) {
	var fold reflect.Type
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			if f.Anonymous && f.Type.Kind() == reflect.Struct {
				if ft, ok := jsonField(f.Type, key); ok {
					return ft, true
				}
				continue
			}
			name = f.Name
		}
		if name == key {
			return f.Type, true
		}
		if fold == nil && strings.EqualFold(name, key) {
			fold = f.Type
		}
	}
	return fold, fold != nil
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
