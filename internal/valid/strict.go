package valid

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/cosflow/cosflow/internal/jsonscan"
)

// encoding/json is lenient where a payload should not be: it matches an
// object key to a struct field case-insensitively and lets the last of two
// equal keys win, so {"object":"a.jpg","OBJECT":"b.jpg"} decodes b.jpg; and
// it does not say where an unknown key stands ("bucket", not
// "input.bucket"), where a type's own UnmarshalJSON failed, or which array
// element held a type error. walk reads the document as its Go type would
// be decoded and stops at the first of these faults, naming its JSON path.

// walk reads data, one well-formed JSON value, as type t would be decoded
// and returns its first fault in document order: a duplicate key, a key
// that matches a struct field only by case or not at all, or a value its
// type cannot take (a type error, or its own decoder failing). nil when
// none: then decoding data into t can fail only where walk cannot look
// (fields tagged ",string", map keys that are not strings).
func walk(data []byte, t reflect.Type) *FieldError {
	return walker{dec: json.NewDecoder(bytes.NewReader(data))}.run(t)
}

// run walks the whole document as type t.
func (w walker) run(t reflect.Type) *FieldError {
	fe, err := w.value(t, "")
	if err != nil {
		// data was checked well-formed: a read error cannot happen, and
		// the decoder that follows would report it anyway.
		return nil
	}
	return fe
}

// walker holds the token stream walk reads, and how strictly it reads it.
type walker struct {
	dec *json.Decoder
	// membersOnly checks the members alone (CheckMembers): a member that
	// is no field of its struct is walked as any, and a value its type
	// cannot take is left to the decoder that follows, not reported.
	membersOnly bool
}

// anyType is what a value of no known type is walked as: every value
// fits, and the members of its objects are still checked.
var anyType = reflect.TypeFor[any]()

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// ownDecoder reports whether t decodes itself: its value is opaque to walk.
func ownDecoder(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return p.Implements(jsonUnmarshaler) || p.Implements(textUnmarshaler)
}

// value walks the value at the decoder's position as type t at path.
func (w *walker) value(t reflect.Type, path string) (*FieldError, error) {
	pointer := false
	for t != nil && t.Kind() == reflect.Pointer {
		t, pointer = t.Elem(), true
	}
	var composite bool
	if t != nil && !ownDecoder(t) {
		switch t.Kind() {
		case reflect.Struct, reflect.Map, reflect.Array:
			composite = true
		case reflect.Slice:
			// A []byte is base64 text to encoding/json: a scalar.
			composite = t.Elem().Kind() != reflect.Uint8
		case reflect.Interface:
			composite = t.NumMethod() == 0 // any takes every JSON value
		}
	}
	if !composite {
		// A scalar type or one with its own decoder: decoding the value
		// alone is exactly what the decoder will do with it (a pointer
		// takes null without asking the type).
		var raw json.RawMessage
		if err := w.dec.Decode(&raw); err != nil {
			return nil, err
		}
		if t == nil || w.membersOnly || pointer && string(raw) == "null" {
			return nil, nil
		}
		if err := json.Unmarshal(raw, reflect.New(t).Interface()); err != nil {
			fe := decodeError(err)
			return &FieldError{Field: jsonscan.Join(path, fe.Field), Reason: fe.Reason}, nil
		}
		return nil, nil
	}
	tok, err := w.dec.Token()
	if err != nil {
		return nil, err
	}
	kind := t.Kind()
	switch tok {
	case json.Delim('{'):
		if kind != reflect.Struct && kind != reflect.Map && kind != reflect.Interface {
			if !w.membersOnly {
				return mismatch(path, t, "object"), nil
			}
			t, kind = anyType, reflect.Interface
		}
		return w.object(t, path)
	case json.Delim('['):
		if kind != reflect.Slice && kind != reflect.Array && kind != reflect.Interface {
			if !w.membersOnly {
				return mismatch(path, t, "array"), nil
			}
			t, kind = anyType, reflect.Interface
		}
		elem := t
		if kind != reflect.Interface {
			elem = t.Elem()
		}
		for i := 0; w.dec.More(); i++ {
			if fe, err := w.value(elem, jsonscan.JoinIndex(path, i)); fe != nil || err != nil {
				return fe, err
			}
		}
		_, err := w.dec.Token() // ']'
		return nil, err
	}
	if w.membersOnly {
		return nil, nil // a scalar where a composite goes: the decoder's to report
	}
	switch tok.(type) {
	case nil:
		return nil, nil // null leaves a composite as it is
	case string:
		return mismatchUnlessAny(path, t, "string"), nil
	case bool:
		return mismatchUnlessAny(path, t, "bool"), nil
	default:
		return mismatchUnlessAny(path, t, "number"), nil
	}
}

// object walks the members of an object (its '{' read) as type t: a
// struct, a map or any.
func (w *walker) object(t reflect.Type, path string) (*FieldError, error) {
	var fields *fieldSet
	if t.Kind() == reflect.Struct {
		fields = jsonFields(t)
	}
	seen := make(map[string]bool)
	for w.dec.More() {
		tok, err := w.dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		at := jsonscan.JoinKey(path, key)
		if seen[key] {
			return &FieldError{Field: at, Reason: "is given twice in one object"}, nil
		}
		seen[key] = true
		elem := t // any: members are any too
		switch t.Kind() {
		case reflect.Map:
			elem = t.Elem() // map keys are free-form
		case reflect.Struct:
			f, ok := fields.lookup(key)
			switch {
			case !ok && w.membersOnly:
				f.typ = anyType // another system's field: its members are checked all the same
			case !ok:
				return &FieldError{Field: at, Reason: reasonUnknownField}, nil
			case f.name != key:
				return &FieldError{Field: at, Reason: fmt.Sprintf(
					"%s matches field %s only by case; field names are case-sensitive",
					strconv.Quote(key), strconv.Quote(f.name))}, nil
			case f.quoted:
				// ",string": the value is JSON text inside a string, which
				// only the decoder reads.
				var skip json.RawMessage
				if err := w.dec.Decode(&skip); err != nil {
					return nil, err
				}
				continue
			}
			elem = f.typ
		}
		if fe, err := w.value(elem, at); fe != nil || err != nil {
			return fe, err
		}
	}
	_, err := w.dec.Token() // '}'
	return nil, err
}

// mismatch reports a JSON value of kind what where type t was expected.
func mismatch(path string, t reflect.Type, what string) *FieldError {
	return &FieldError{Field: path, Reason: fmt.Sprintf("must be %s, not %s", jsonKind(t), what)}
}

// mismatchUnlessAny is mismatch, except that any takes every value.
func mismatchUnlessAny(path string, t reflect.Type, what string) *FieldError {
	if t.Kind() == reflect.Interface {
		return nil
	}
	return mismatch(path, t, what)
}

// field is one member a struct decodes.
type field struct {
	name   string       // the JSON name, as spelled in the tag or the Go field
	typ    reflect.Type // what the member decodes into
	quoted bool         // tagged ",string"
}

// fieldSet holds the members of a struct type, by JSON name.
type fieldSet struct {
	byName map[string]field
	names  []string // sorted, so a case-only match names the same field every time
}

// lookup finds the field key decodes into: the field of that exact name,
// else one whose name matches key by case folding (what encoding/json
// would pick, and walk refuses).
func (s *fieldSet) lookup(key string) (field, bool) {
	if f, ok := s.byName[key]; ok {
		return f, true
	}
	for _, name := range s.names {
		if strings.EqualFold(name, key) {
			return s.byName[name], true
		}
	}
	return field{}, false
}

var fieldSets sync.Map // reflect.Type → *fieldSet

// jsonFields returns the members of struct type t as encoding/json decodes
// them: exported fields by tag name or Go name, "-" left out, and the
// fields of untagged embedded structs promoted, a shallower field hiding
// deeper ones of the same name and, at one depth, a tagged field winning
// over untagged ones (two of a kind cancel each other out).
func jsonFields(t reflect.Type) *fieldSet {
	if s, ok := fieldSets.Load(t); ok {
		return s.(*fieldSet)
	}
	s := &fieldSet{byName: make(map[string]field)}
	settled := make(map[string]bool) // names decided at a shallower depth
	visited := make(map[reflect.Type]bool)
	for level := []reflect.Type{t}; len(level) > 0; {
		var next []reflect.Type
		type candidate struct {
			field
			tagged bool
		}
		found := make(map[string][]candidate)
		for _, st := range level {
			if visited[st] {
				continue
			}
			visited[st] = true
			for i := range st.NumField() {
				sf := st.Field(i)
				ft := sf.Type
				if ft.Name() == "" && ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if sf.Anonymous {
					if !sf.IsExported() && ft.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
					next = append(next, ft)
					continue
				}
				tagged := name != ""
				if !tagged {
					name = sf.Name
				}
				quoted := slices.Contains(strings.Split(opts, ","), "string")
				found[name] = append(found[name], candidate{field{name, sf.Type, quoted}, tagged})
			}
		}
		for name, cands := range found {
			if settled[name] {
				continue
			}
			settled[name] = true
			if len(cands) > 1 {
				var tagged []candidate
				for _, c := range cands {
					if c.tagged {
						tagged = append(tagged, c)
					}
				}
				if len(tagged) != 1 {
					continue // ambiguous: encoding/json drops the name
				}
				cands = tagged
			}
			s.byName[name] = cands[0].field
			s.names = append(s.names, name)
		}
		level = next
	}
	slices.Sort(s.names)
	actual, _ := fieldSets.LoadOrStore(t, s)
	return actual.(*fieldSet)
}
