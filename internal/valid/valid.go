// Package valid validates the payloads cosflow accepts (configuration,
// timer backfill specs, HTTP API bodies) and reports the first failure as a
// *FieldError naming the JSON field path, so every caller tells users the
// same thing the same way. The CI wire rules themselves live in cosclient;
// the custom tags here call them, so there is one source of truth.
package valid

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/go-playground/validator/v10"

	"github.com/cosflow/cosflow/cosclient"
)

const reasonUnknownField = "is not a known field"

// MaxDepth is the deepest JSON nesting accepted: payloads are shallow, and a
// bound keeps a hostile body from costing stack and time.
const MaxDepth = 32

// FieldError is a payload field that failed validation.
type FieldError struct {
	Field  string // JSON path, e.g. "operation.workflowIds"; "" for the whole payload
	Reason string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Reason
	}
	return e.Field + ": " + e.Reason
}

var validate = newValidator()

func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		if name == "" {
			return f.Name
		}
		return name
	})
	for tag, check := range map[string]func(string) error{
		"ci_bucket":     cosclient.ValidateBucket,
		"ci_region":     cosclient.ValidateRegion,
		"ci_workflowid": cosclient.ValidateWorkflowID,
		"ci_jobname":    cosclient.ValidateJobName,
		"ci_key":        cosclient.ValidateObjectKey,
	} {
		check := check
		if err := v.RegisterValidation(tag, func(fl validator.FieldLevel) bool {
			return check(fl.Field().String()) == nil
		}); err != nil {
			panic(err) // programming error: a bad tag name
		}
	}
	return v
}

// Struct checks v's `validate` tags and returns the first failure as a
// *FieldError whose Field is the JSON path below v.
func Struct(v any) error {
	err := validate.Struct(v)
	if err == nil {
		return nil
	}
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) || len(ves) == 0 {
		return &FieldError{Reason: err.Error()}
	}
	fe := ves[0]
	return &FieldError{Field: jsonPath(fe.Namespace()), Reason: reason(fe)}
}

// jsonPath drops the root struct's name from a validator namespace.
func jsonPath(ns string) string {
	if _, rest, ok := strings.Cut(ns, "."); ok {
		return rest
	}
	return ns
}

func reason(fe validator.FieldError) string {
	p := fe.Param()
	switch fe.Tag() {
	case "required":
		return "is required"
	case "required_without", "required_without_all":
		return "is required when " + lowerFirst(p) + " is not set"
	case "excluded_with", "excluded_with_all":
		return "cannot be set together with " + lowerFirst(p)
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
	case "ci_bucket":
		return ciReason(cosclient.ValidateBucket, fe)
	case "ci_region":
		return ciReason(cosclient.ValidateRegion, fe)
	case "ci_workflowid":
		return ciReason(cosclient.ValidateWorkflowID, fe)
	case "ci_jobname":
		return ciReason(cosclient.ValidateJobName, fe)
	case "ci_key":
		return ciReason(cosclient.ValidateObjectKey, fe)
	}
	return fmt.Sprintf("fails the %q rule", fe.Tag())
}

// ciReason re-runs a cosclient check to recover its explanation.
func ciReason(check func(string) error, fe validator.FieldError) string {
	s, _ := fe.Value().(string)
	var ve *cosclient.ValidationError
	if err := check(s); errors.As(err, &ve) {
		return ve.Reason
	} else if err != nil {
		return err.Error()
	}
	return "is invalid"
}

// FromCI turns a *cosclient.ValidationError (fields named the wire way,
// e.g. "Operation.WorkflowIds") into a *FieldError with the JSON path
// ("operation.workflowIds"), under prefix when given. Other errors pass
// through unchanged.
func FromCI(err error, prefix string) error {
	var ve *cosclient.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	segs := strings.Split(ve.Field, ".")
	for i, s := range segs {
		segs[i] = lowerFirst(s)
	}
	path := strings.Join(segs, ".")
	if prefix != "" {
		path = prefix + "." + path
	}
	return &FieldError{Field: path, Reason: ve.Reason}
}

func lowerFirst(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return s
	}
	// Leading acronyms stay readable: "URLFile" is not a wire name, but
	// "UrlFile" → "urlFile", "WorkflowIds" → "workflowIds".
	return string(s[0]+'a'-'A') + s[1:]
}

// Decode strictly decodes one JSON value from data into v: valid UTF-8,
// nesting no deeper than MaxDepth, no unknown fields, nothing after the
// value. Failures are *FieldError, naming the field where JSON tells it.
func Decode(data []byte, v any) error {
	if !utf8.Valid(data) {
		return &FieldError{Reason: "is not valid UTF-8"}
	}
	if err := checkDepth(data); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		fe := decodeError(err)
		switch {
		case fe.Reason == reasonUnknownField:
			// encoding/json names only the key; find where it stands.
			if path := faultPath(data, reflect.TypeOf(v), unknownKey); path != "" {
				fe.Field = path
			}
		case fe.Field == "" && !isJSONError(err):
			// A custom UnmarshalJSON failed; encoding/json does not say where.
			fe.Field = faultPath(data, reflect.TypeOf(v), failingDecoder)
		}
		return fe
	}
	if dec.More() {
		return &FieldError{Reason: "has data after the JSON value"}
	}
	return nil
}

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

// isJSONError reports whether err comes from encoding/json itself rather
// than from a type's own UnmarshalJSON.
func isJSONError(err error) bool {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	return errors.As(err, &syn) || errors.As(err, &typ) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || strings.HasPrefix(err.Error(), "json: ")
}

// checkDepth refuses JSON nested deeper than MaxDepth, scanning the bytes
// once without building anything.
func checkDepth(data []byte) error {
	depth, inString, escaped := 0, false, false
	for _, c := range data {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			if depth > MaxDepth {
				return &FieldError{Reason: fmt.Sprintf("is nested deeper than %d levels", MaxDepth)}
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return nil
}
