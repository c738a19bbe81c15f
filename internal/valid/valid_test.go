package valid

import (
	"errors"
	"strings"
	"testing"

	"github.com/cosflow/cosflow/cosclient"
)

type inner struct {
	WorkflowIDs string              `json:"workflowIds" validate:"required,ci_workflowid"`
	JobParam    *cosclient.JobParam `json:"jobParam,omitempty"`
}

type payload struct {
	Name   string `json:"name" validate:"required,ci_jobname"`
	Bucket string `json:"bucket,omitempty" validate:"omitempty,ci_bucket"`
	Size   int    `json:"size" validate:"gte=0,lte=100"`
	Type   string `json:"type" validate:"omitempty,oneof=Workflow Job"`
	Op     inner  `json:"operation"`
}

const okWorkflow = "w0123456789abcdef0123456789abcdef"

func TestStruct(t *testing.T) {
	good := payload{Name: "nightly", Op: inner{WorkflowIDs: okWorkflow}}
	tests := []struct {
		name      string
		mutate    func(*payload)
		wantField string
		wantIn    string
	}{
		{"valid", func(*payload) {}, "", ""},
		{"missing name", func(p *payload) { p.Name = "" }, "name", "required"},
		{"bad name", func(p *payload) { p.Name = "a b" }, "name", ""},
		{"bad bucket", func(p *payload) { p.Bucket = "NoAppID" }, "bucket", ""},
		{"size", func(p *payload) { p.Size = 101 }, "size", "at most 100"},
		{"type", func(p *payload) { p.Type = "Other" }, "type", "Workflow, Job"},
		{"nested", func(p *payload) { p.Op.WorkflowIDs = "w123" }, "operation.workflowIds", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := good
			tt.mutate(&p)
			err := Struct(&p)
			if tt.wantField == "" && tt.wantIn == "" {
				if err != nil {
					t.Fatalf("Struct = %v, want nil", err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Struct = %v, want *FieldError", err)
			}
			if fe.Field != tt.wantField {
				t.Errorf("Field = %q, want %q", fe.Field, tt.wantField)
			}
			if !strings.Contains(fe.Reason, tt.wantIn) || fe.Reason == "" {
				t.Errorf("Reason = %q, want it to contain %q", fe.Reason, tt.wantIn)
			}
		})
	}
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
		{"nested wrong type", `{"operation":{"workflowIds":[1]}}`, "operation.workflowIds", "must be a string"},
		{"nested unknown field", `{"operation":{"workflowIds":"w","extra":1}}`, "operation.extra", "not a known field"},
		{"custom decoder fails", `{"name":"x","operation":{"jobParam":[1]}}`, "operation.jobParam", "object"},
		{"syntax", `{"name":`, "", "not valid JSON"},
		{"empty", ``, "", "empty"},
		{"trailing", `{"name":"x"} {}`, "", "after the JSON value"},
		{"invalid utf8", "{\"name\":\"\xff\"}", "", "UTF-8"},
		{"too deep", strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1), "", "deeper"},
		{"deep inside string is fine", `{"name":"` + strings.Repeat("[", 100) + `"}`, "", ""},
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

func TestFromCI(t *testing.T) {
	err := FromCI(&cosclient.ValidationError{Field: "Operation.WorkflowIds", Reason: "is required"}, "")
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "operation.workflowIds" {
		t.Fatalf("FromCI = %v", err)
	}
	err = FromCI(&cosclient.ValidationError{Field: "Input.UrlFile", Reason: "x"}, "spec")
	if !errors.As(err, &fe) || fe.Field != "spec.input.urlFile" {
		t.Fatalf("FromCI with prefix = %v", err)
	}
	plain := errors.New("other")
	if FromCI(plain, "") != plain {
		t.Error("FromCI changed a non-validation error")
	}
}
