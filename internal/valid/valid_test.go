package valid

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode"
)

// reasonError is a rule failure that carries its own short reason, as
// cosclient's validation errors do.
type reasonError struct{ reason string }

func (e *reasonError) Error() string  { return "invalid value: " + e.reason }
func (e *reasonError) Reason() string { return e.reason }

// testRules are small rules standing in for a caller's domain rules.
var testRules = map[string]Rule{
	"lower": func(s string) error {
		if strings.ToLower(s) != s {
			return &reasonError{"must be lower-case"}
		}
		return nil
	},
	"nospace": func(s string) error {
		if strings.ContainsFunc(s, unicode.IsSpace) {
			return fmt.Errorf("holds a space")
		}
		return nil
	},
}

var testValidator = New(testRules)

// code is a string type of its own: rules see its string value.
type code string

// opaque decodes itself and refuses anything but a JSON string, to stand
// for a field type with its own UnmarshalJSON.
type opaque struct{ s string }

func (o *opaque) UnmarshalJSON(data []byte) error {
	if len(data) == 0 || data[0] != '"' {
		return errors.New("opaque: expected a JSON string")
	}
	o.s = string(data)
	return nil
}

// MarshalJSON writes back the string o was decoded from.
func (o opaque) MarshalJSON() ([]byte, error) { return []byte(o.s), nil }

type inner struct {
	WorkflowIDs string  `json:"workflowIds" validate:"required,lower"`
	Param       *opaque `json:"jobParam,omitempty"`
}

type item struct {
	Name string `json:"name" validate:"required,nospace"`
}

// place is a field set payloads embed, as cosflow's share a bucket and
// region: in JSON and in paths its fields are the payload's own.
type place struct {
	Region string `json:"region,omitempty" validate:"omitempty,lower"`
}

type payload struct {
	Name string `json:"name" validate:"required,nospace"`
	place
	Bucket string  `json:"bucket,omitempty" validate:"omitempty,lower"`
	Tag    *string `json:"tag,omitempty" validate:"omitempty,lower"`
	Code   code    `json:"code,omitempty" validate:"omitempty,lower"`
	Size   int     `json:"size" validate:"gte=0,lte=100"`
	Type   string  `json:"type" validate:"omitempty,oneof=Workflow Job"`
	Op     inner   `json:"operation"`
	Items  []item  `json:"items,omitempty" validate:"unique=Name,dive"`
	Codes  []code  `json:"codes,omitempty" validate:"unique"`
	Number int     `json:"number,omitempty" validate:"omitempty,lower"` // a rule on a non-string

	Labels map[string]string `json:"labels,omitempty"`
	Extra  any               `json:"extra,omitempty"`
}

func TestStruct(t *testing.T) {
	good := payload{Name: "nightly", Op: inner{WorkflowIDs: "w1"}}
	upper := "UP"
	tests := []struct {
		name      string
		mutate    func(*payload)
		wantField string
		wantIn    string
	}{
		{"valid", func(*payload) {}, "", ""},
		{"missing name", func(p *payload) { p.Name = "" }, "name", "is required"},
		{"rule with plain error", func(p *payload) { p.Name = "a b" }, "name", "holds a space"},
		{"rule with Reason()", func(p *payload) { p.Bucket = "NoAppID" }, "bucket", "must be lower-case"},
		{"rule on a pointer", func(p *payload) { p.Tag = &upper }, "tag", "must be lower-case"},
		{"rule on a string type", func(p *payload) { p.Code = "X" }, "code", "must be lower-case"},
		{"rule on a non-string", func(p *payload) { p.Number = 3 }, "number", `must be a string for the "lower" rule`},
		{"size", func(p *payload) { p.Size = 101 }, "size", "at most 100"},
		{"type", func(p *payload) { p.Type = "Other" }, "type", "Workflow, Job"},
		{"nested", func(p *payload) { p.Op.WorkflowIDs = "W123" }, "operation.workflowIds", "must be lower-case"},
		{"slice element", func(p *payload) { p.Items = []item{{"a"}, {"b c"}} }, "items[1].name", "holds a space"},
		{"embedded field", func(p *payload) { p.Region = "AP" }, "region", "must be lower-case"},
		{"duplicate element", func(p *payload) { p.Items = []item{{"a"}, {"b"}, {"a"}} }, "items[2].name", `"a" is already the name of item [0]: it must be unique`},
		{"duplicate value", func(p *payload) { p.Codes = []code{"x", "x"} }, "codes[1]", `"x" is already the value of code [0]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := good
			tt.mutate(&p)
			err := testValidator.Struct(&p)
			if tt.wantIn == "" {
				if err != nil {
					t.Fatalf("Struct = %v, want nil", err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Struct = %v, want *FieldError", err)
			}
			if fe.Field != tt.wantField || fe.Reason != tt.wantIn && !strings.Contains(fe.Reason, tt.wantIn) {
				t.Errorf("Struct = {%q, %q}, want field %q and reason containing %q", fe.Field, fe.Reason, tt.wantField, tt.wantIn)
			}
		})
	}
	if err := testValidator.Struct(3); err == nil {
		t.Error("Struct(3) succeeded")
	}
}

// TestNewPanics checks a bad rule is a programming error caught at start-up.
func TestNewPanics(t *testing.T) {
	ok := func(string) error { return nil }
	for _, rules := range []map[string]Rule{
		{"": ok},
		{"a,b": ok},
		{"a|b": ok},
		{"nil": nil},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New(%v) did not panic", rules)
				}
			}()
			New(rules)
		}()
	}
	New(nil) // no rules is fine
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		wantField string
		wantIn    string
	}{
		{"ok", `{"name":"x","size":3}`, "", ""},
		{"unknown field", `{"name":"x","nope":1}`, "nope", "not a known field"},
		{"wrong type", `{"name":5}`, "name", "must be a string"},
		{"nested wrong type", `{"operation":{"workflowIds":[1]}}`, "operation.workflowIds", "must be a string, not array"},
		{"nested unknown field", `{"operation":{"workflowIds":"w","extra":1}}`, "operation.extra", "not a known field"},
		{"custom decoder fails", `{"name":"x","operation":{"jobParam":[1]}}`, "operation.jobParam", "expected a JSON string"},
		{"syntax", `{"name":`, "", "not valid JSON"},
		{"empty", ``, "", "empty"},
		{"trailing", `{"name":"x"} {}`, "", "after the JSON value"},
		{"invalid utf8", "{\"name\":\"\xff\"}", "", "UTF-8"},
		{"too deep", strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1), "", "deeper"},
		{"deep inside string is fine", `{"name":"` + strings.Repeat("[", 100) + `"}`, "", ""},
		{"trailing closer", `{"name":"x"} }`, "", "after the JSON value"},
		{"trailing space is fine", "{\"name\":\"x\"} \r\n\t", "", ""},
		{"not an object", `[]`, "", "must be an object, not array"},
		{"type error in an element", `{"items":[{"name":"a"},{"name":7}]}`, "items[1].name", "must be a string, not number"},
		// The escaped forms a client can use to reach a key or value that
		// encoding/json would silently rewrite.
		{"lone high surrogate", `{"name":"a\ud800b"}`, "name", `holds an escaped lone surrogate (\ud800), which is not a character`},
		{"lone low surrogate", `{"operation":{"workflowIds":"\uDC00"}}`, "operation.workflowIds", `(\uDC00)`},
		{"high without its low", `{"items":[{"name":"a"},{"name":"\ud83d\u0041"}]}`, "items[1].name", `(\ud83d)`},
		{"surrogate in a key", `{"na\udfffme":"x"}`, `na\udfffme`, "lone surrogate"},
		{"surrogate in an opaque value", `{"operation":{"jobParam":"\ud800"}}`, "operation.jobParam", "lone surrogate"},
		{"surrogate pair is a character", `{"name":"\ud83d\ude00"}`, "", ""},
		{"escaped backslash is no escape", `{"name":"\\ud800"}`, "", ""},
		{"case variant", `{"name":"x","NAME":"y"}`, "NAME", `"NAME" matches field "name" only by case; field names are case-sensitive`},
		{"case variant alone", `{"Name":"x"}`, "Name", "only by case"},
		{"nested case variant", `{"operation":{"WorkflowIds":"w"}}`, "operation.WorkflowIds", `matches field "workflowIds" only by case`},
		{"duplicate", `{"name":"x","name":"y"}`, "name", "given twice"},
		{"nested duplicate", `{"items":[{"name":"a","name":"b"}]}`, "items[0].name", "given twice"},
		{"map keys differing in case", `{"labels":{"a":"1","A":"2"}}`, "", ""},
		{"map duplicate", `{"labels":{"a":"1","a":"2"}}`, "labels.a", "given twice"},
		{"duplicate inside any", `{"extra":{"k":[{"x":1,"x":2}]}}`, "extra.k[0].x", "given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p payload
			err := Decode([]byte(tt.in), &p)
			if tt.wantIn == "" {
				if err != nil {
					t.Fatalf("Decode = %v, want nil", err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Decode = %v, want *FieldError", err)
			}
			if fe.Field != tt.wantField || !strings.Contains(fe.Reason, tt.wantIn) {
				t.Errorf("Decode = {%q, %q}, want field %q and reason containing %q", fe.Field, fe.Reason, tt.wantField, tt.wantIn)
			}
		})
	}
}
