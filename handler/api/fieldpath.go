package api

import (
	"bytes"
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
)

// encoding/json names an unknown field by its key alone ("bucket"), not
// where it is ("input.bucket"). unknownFieldPath finds the full JSON path
// of the first key of data (in document order, as the decoder meets it)
// that type t has no field for; "" when there is none or data is not JSON.
func unknownFieldPath(data []byte, t reflect.Type) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	path, _ := findUnknown(dec, t, "")
	return path
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// findUnknown walks the value at dec's position as type t would be
// decoded, returning the path of the first unknown key.
func findUnknown(dec *json.Decoder, t reflect.Type, path string) (string, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	custom := reflect.PointerTo(t).Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler)
	walkable := t.Kind() == reflect.Struct || t.Kind() == reflect.Map || t.Kind() == reflect.Slice || t.Kind() == reflect.Array
	if custom || !walkable {
		var skip json.RawMessage
		return "", dec.Decode(&skip)
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
				f, ok := jsonField(t, key)
				if !ok {
					return joinPath(path, key), nil
				}
				elem = f
			default: // a type mismatch, reported by the decoder itself
				return "", nil
			}
			if p, err := findUnknown(dec, elem, joinPath(path, key)); p != "" || err != nil {
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
			if p, err := findUnknown(dec, t.Elem(), path); p != "" || err != nil {
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
