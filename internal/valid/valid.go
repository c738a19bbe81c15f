// Package valid decodes and validates the payloads cosflow accepts
// (configuration, timer backfill specs, HTTP API bodies) and reports the
// first failure as a *FieldError naming the JSON field path, so every
// caller tells users the same thing the same way.
//
// The package knows no domain: rules such as CI's bucket or workflow ID
// syntax live with the code that owns them (cosclient) and are registered
// by the caller as Rules on a Validator, so each rule has one home.
package valid

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-playground/validator/v10"

	"github.com/cosflow/cosflow/internal/clip"
	"github.com/cosflow/cosflow/internal/jsonscan"
)

const reasonUnknownField = "is not a known field"

// MaxDepth is the deepest JSON nesting accepted: payloads are shallow, and a
// bound keeps a hostile body from costing stack and time.
const MaxDepth = 32

// FieldError is a payload field that failed validation.
type FieldError struct {
	Field  string // JSON path, e.g. "operation.workflowIds" or "[2].name"; "" for the whole payload
	Reason string
}

// Error renders the failure as "field: reason", or the reason alone for the
// whole payload.
func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Reason
	}
	return e.Field + ": " + e.Reason
}

// Rule checks one string value; a non-nil error means invalid. The reason
// shown is the error's Reason() string when it has that method, else its
// Error().
type Rule func(value string) error

// Validator checks `validate` struct tags (validator/v10) with the caller's
// Rules as extra tags, and names fields by their JSON names. Build one at
// start-up (validator/v10 caches per struct type) and share it: it is safe
// for concurrent use.
type Validator struct {
	validate *validator.Validate
	rules    map[string]Rule
}

// New returns a Validator with each rule registered as a custom tag of that
// name (e.g. "ci_bucket"). It panics on a tag name validator/v10 refuses: a
// programming error, caught by any test that builds the Validator.
func New(rules map[string]Rule) *Validator {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name := jsonName(f)
		if name == "" && f.Anonymous {
			return embedded // its fields are the outer struct's, in JSON
		}
		return name
	})
	for tag, rule := range rules {
		if rule == nil {
			panic(fmt.Sprintf("valid.New: rule %q is nil", tag))
		}
		err := v.RegisterValidation(tag, func(fl validator.FieldLevel) bool {
			// A rule on a field that is not a string fails (see
			// ruleReason) rather than panicking on a live payload.
			return fl.Field().Kind() == reflect.String && rule(fl.Field().String()) == nil
		})
		if err != nil {
			panic(fmt.Sprintf("valid.New: rule %q: %v", tag, err))
		}
	}
	return &Validator{validate: v, rules: maps.Clone(rules)}
}

// Struct checks s's `validate` tags and returns the first failure as a
// *FieldError whose Field is the JSON path below s.
func (v *Validator) Struct(s any) error {
	err := v.validate.Struct(s)
	if err == nil {
		return nil
	}
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) || len(ves) == 0 {
		return &FieldError{Reason: err.Error()}
	}
	fe := ves[0]
	path := jsonPath(fe.Namespace())
	if fe.Tag() == "unique" {
		if dup := duplicate(fe); dup != nil {
			return &FieldError{Field: jsonscan.Join(path, dup.Field), Reason: dup.Reason}
		}
	}
	return &FieldError{Field: path, Reason: v.reason(fe)}
}

// duplicate names the element of a slice that failed the "unique" tag:
// the first that repeats an earlier one (in the field the tag names, for
// "unique=Name"), relative to the slice, e.g. "[2].name", with a reason
// naming the element it repeats by its type ("rule [0]" in a []Rule); nil
// when none does (then the tag did not fail on a slice).
func duplicate(fe validator.FieldError) *FieldError {
	list := reflect.ValueOf(fe.Value())
	if list.Kind() != reflect.Slice {
		return nil
	}
	seen := map[any]int{}
	for i := range list.Len() {
		item, name := reflect.Indirect(list.Index(i)), ""
		if fe.Param() != "" {
			if item.Kind() != reflect.Struct {
				return nil
			}
			f, ok := item.Type().FieldByName(fe.Param())
			if !ok || !f.Type.Comparable() {
				return nil
			}
			item, name = item.FieldByIndex(f.Index), jsonName(f)
		}
		key := item.Interface()
		if j, dup := seen[key]; dup {
			field := jsonscan.JoinKey(jsonscan.JoinIndex("", i), name)
			if name == "" {
				field = jsonscan.JoinIndex("", i)
			}
			return &FieldError{Field: field, Reason: fmt.Sprintf("%s is already the %s of %s [%d]: it must be unique", quoted(item), orValue(name), elementNoun(list.Type()), j)}
		}
		seen[key] = i
	}
	return nil
}

// quoted is a value as a reason shows it: strings quoted, and clipped to
// maxEcho bytes (a payload's values are untrusted).
func quoted(v reflect.Value) string {
	if v.Kind() == reflect.String {
		return strconv.Quote(clip.String(v.String(), maxEcho))
	}
	return clip.String(fmt.Sprint(v.Interface()), maxEcho)
}

// maxEcho bounds, in bytes, how much of a value a reason repeats.
const maxEcho = 100

// elementNoun is what a reason calls an element of slice type t: its type's
// name, lower-cased ("rule" for []Rule), or "element".
func elementNoun(t reflect.Type) string {
	if name := indirect(t.Elem()).Name(); name != "" {
		return strings.ToLower(name)
	}
	return "element"
}

func orValue(name string) string {
	if name == "" {
		return "value"
	}
	return name
}

// jsonName is the name encoding/json gives struct field f: its tag's name,
// else its Go name; "" for a field it leaves out ("-") or, when untagged,
// an embedded struct, whose fields it promotes.
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	switch {
	case name == "-":
		return ""
	case name != "":
		return name
	case f.Anonymous && indirect(f.Type).Kind() == reflect.Struct:
		return ""
	}
	return f.Name
}

func indirect(t reflect.Type) reflect.Type {
	if t.Kind() == reflect.Pointer {
		return t.Elem()
	}
	return t
}

// embedded names an untagged embedded struct in validator namespaces;
// jsonPath drops it, as encoding/json promotes the struct's fields.
const embedded = "\x00embedded"

// jsonPath turns a validator namespace into the JSON path below its root:
// the root struct's name and the embedded structs' dropped.
func jsonPath(ns string) string {
	segs := strings.Split(ns, ".")[1:]
	segs = slices.DeleteFunc(segs, func(s string) bool { return s == embedded })
	return strings.Join(segs, ".")
}

func (v *Validator) reason(fe validator.FieldError) string {
	if rule, ok := v.rules[fe.Tag()]; ok {
		return ruleReason(rule, fe)
	}
	p := fe.Param()
	switch fe.Tag() {
	case "required":
		return "is required"
	case "required_without", "required_without_all":
		return "is required when " + LowerFirst(p) + " is not set"
	case "excluded_with", "excluded_with_all":
		return "cannot be set together with " + LowerFirst(p)
	case "oneof":
		return "must be one of: " + strings.ReplaceAll(p, " ", ", ")
	case "min", "gte":
		if fe.Kind() == reflect.String || fe.Kind() == reflect.Slice {
			return "must have at least " + p + " element(s) or character(s)"
		}
		return "must be at least " + p
	case "max", "lte":
		if fe.Kind() == reflect.String || fe.Kind() == reflect.Slice {
			return "must have at most " + p + " element(s) or character(s)"
		}
		return "must be at most " + p
	case "gt":
		return "must be greater than " + p
	}
	return fmt.Sprintf("fails the %q rule", fe.Tag())
}

// ruleReason re-runs a failed rule to recover its explanation: validator/v10
// keeps only whether a custom tag passed.
func ruleReason(rule Rule, fe validator.FieldError) string {
	value := reflect.ValueOf(fe.Value())
	if value.Kind() != reflect.String {
		return fmt.Sprintf("must be a string for the %q rule", fe.Tag())
	}
	err := rule(value.String())
	if err == nil {
		return "is invalid"
	}
	var r interface{ Reason() string }
	if errors.As(err, &r) {
		return r.Reason()
	}
	return err.Error()
}

// LowerFirst turns a field name (a Go field from a validator parameter, a
// segment of a CI wire path) into its JSON spelling: an upper-case ASCII
// first letter lower-cased, anything else as given.
func LowerFirst(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return s
	}
	// Leading acronyms stay readable: "URLFile" is not a wire name, but
	// "UrlFile" → "urlFile", "WorkflowIds" → "workflowIds".
	return string(s[0]+'a'-'A') + s[1:]
}

// Decode strictly decodes one JSON value from data into v. Beyond what
// encoding/json checks, it refuses, each as a *FieldError naming the JSON
// path where one applies:
//   - invalid UTF-8, and nesting deeper than MaxDepth;
//   - anything but whitespace after the value;
//   - a string (key or value) holding an escaped lone UTF-16 surrogate,
//     which encoding/json would silently turn into U+FFFD;
//   - an object key given twice (encoding/json keeps the last), at any depth;
//   - a key that is no field of its struct, or matches one only by case
//     (encoding/json matches case-insensitively). Map keys are free-form
//     (only exact duplicates are refused), and the inside of a value whose
//     type has its own UnmarshalJSON is left to that method.
//
// Type errors and failures of a type's own decoder name their path too,
// array elements included ("rules[2].size").
func Decode(data []byte, v any) error {
	if !utf8.Valid(data) {
		return &FieldError{Reason: "is not valid UTF-8"}
	}
	if jsonscan.Depth(data) > MaxDepth {
		return &FieldError{Reason: fmt.Sprintf("is nested deeper than %d levels", MaxDepth)}
	}
	// Syntax first, as encoding/json itself does, so the scans below read
	// well-formed JSON.
	dec := json.NewDecoder(bytes.NewReader(data))
	var value json.RawMessage
	if err := dec.Decode(&value); err != nil {
		return decodeError(err)
	}
	if rest := data[dec.InputOffset():]; len(bytes.TrimLeft(rest, " \t\r\n")) > 0 {
		return &FieldError{Reason: "has data after the JSON value"}
	}
	if e := jsonscan.FindLoneSurrogate(value); e != nil {
		return &FieldError{Field: e.Path, Reason: e.Reason()}
	}
	if fe := walk(value, reflect.TypeOf(v)); fe != nil {
		return fe
	}
	dec = json.NewDecoder(bytes.NewReader(value))
	dec.DisallowUnknownFields() // walk refused them already; this keeps it so should the two ever disagree
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	return nil
}

// decodeError turns an error from encoding/json, or from a type's own
// decoder, into a *FieldError.
func decodeError(err error) *FieldError {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return &FieldError{Reason: fmt.Sprintf("is not valid JSON (at byte %d): %v", syn.Offset, syn)}
	case errors.As(err, &typ):
		return &FieldError{Field: typ.Field, Reason: fmt.Sprintf("must be %s, not %s", jsonKind(typ.Type), typ.Value)}
	case errors.Is(err, io.EOF):
		return &FieldError{Reason: "is empty: a JSON value is required"}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &FieldError{Reason: "is not valid JSON: it ends too early"}
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return &FieldError{Field: strings.Trim(name, `"`), Reason: reasonUnknownField}
	}
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe
	}
	return &FieldError{Reason: strings.TrimPrefix(msg, "json: ")}
}

// jsonKind names the JSON value type t takes, for "must be ..." reasons.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return t.String()
}

// CheckMembers holds data, one well-formed JSON value, to Decode's rules
// for object members as v's type would take it, without decoding it: a
// key given twice, or one that matches a struct field only by case, at any
// depth, is refused as a *FieldError naming its JSON path. Members that
// are no field of their struct are allowed (their own members are checked
// all the same), and values are left to the caller's decoder, types and
// all. It is how payloads another system writes, and may extend (the
// platform's trigger events), are read with the strictness of the
// payloads cosflow defines: encoding/json alone would let the last of two
// keys, or a key of another case, win silently.
func CheckMembers(data []byte, v any) error {
	if fe := (walker{dec: json.NewDecoder(bytes.NewReader(data)), membersOnly: true}).run(reflect.TypeOf(v)); fe != nil {
		return fe
	}
	return nil
}
