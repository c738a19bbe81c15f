// Package cirules binds CI's field rules, which live in cosclient, to
// validator/v10 tags, and maps cosclient's wire field paths back to the
// JSON paths of cosflow's payloads. It is the one place where payload
// validation (configuration, upload rules, timer specs, API bodies) meets
// the CI rules, so that every path refuses exactly what CI would.
package cirules

import (
	"strings"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/valid"
)

// The tags payload types declare, each one cosclient rule.
var validator = valid.New(map[string]valid.Rule{
	"ci_bucket":       cosclient.ValidateBucket,
	"ci_region":       cosclient.ValidateRegion,
	"ci_key":          cosclient.ValidateObjectKey,
	"ci_prefix":       cosclient.ValidatePrefix,
	"ci_text":         cosclient.ValidateText,
	"ci_workflow_id":  cosclient.ValidateWorkflowID,
	"ci_workflow_ids": cosclient.ValidateWorkflowIDs,
	"ci_id":           cosclient.ValidateID,
	"ci_job_name":     cosclient.ValidateJobName,
	"ci_tag":          cosclient.ValidateTag,
	"ci_token":        cosclient.ValidateToken,
	"ci_time":         cosclient.ValidateTime,
})

// Struct checks v's `validate` tags; the first failure is a
// *valid.FieldError with the JSON path below v.
func Struct(v any) error { return validator.Struct(v) }

// FieldError turns a cosclient validation failure into a *valid.FieldError
// in the caller's own field names: rename maps a wire path
// ("Operation.WorkflowIds") to the caller's JSON path; nil lower-cases the
// first letter of each segment ("operation.workflowIds"), which is how
// cosflow's API bodies name CI's fields. The result is under prefix when
// prefix is not empty. Nil when err is no validation failure.
func FieldError(err error, prefix string, rename func(wirePath string) string) *valid.FieldError {
	pes := cosclient.ParamErrors(err)
	if len(pes) == 0 {
		return nil
	}
	if rename == nil {
		rename = LowerPath
	}
	path := rename(pes[0].Path())
	switch {
	case prefix == "":
	case path == "":
		path = prefix
	default:
		path = prefix + "." + path
	}
	return &valid.FieldError{Field: path, Reason: pes[0].Reason()}
}

// Reason is why a cosclient rule refused a value, for a caller that names
// the field itself (a variable, a query parameter): FieldError's reason,
// or err.Error() when err is no validation failure.
func Reason(err error) string {
	if fe := FieldError(err, "", nil); fe != nil {
		return fe.Reason
	}
	return err.Error()
}

// LowerPath lower-cases the first letter of each segment of a wire path
// that names one of CI's fields: "Operation.TimeInterval.Start" →
// "operation.timeInterval.start". What follows JobParam are the caller's
// own element names, kept as written: "Operation.JobParam.Snapshot.Mode"
// → "operation.jobParam.Snapshot.Mode".
func LowerPath(wirePath string) string {
	segs := strings.Split(wirePath, ".")
	for i, s := range segs {
		segs[i] = valid.LowerFirst(s)
		if name, _, _ := strings.Cut(s, "["); name == "JobParam" {
			break
		}
	}
	return strings.Join(segs, ".")
}
