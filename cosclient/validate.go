package cosclient

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Validation is done before anything is sent, and the HTTP handler reuses
// these functions so that the client and the API refuse the same inputs.
// Field names are the wire names.

// Limits the service documents.
const (
	MaxBucketLen    = 63   // the whole name stays within one DNS label
	MaxJobNameRunes = 128  // characters, not bytes
	MaxObjectKeyLen = 850  // bytes of UTF-8
	MaxUserDataLen  = 1024 // bytes of printable ASCII
	MaxListSize     = 100
	MaxJobLevel     = 2
)

func invalid(field, reason string) error { return &ValidationError{Field: field, Reason: reason} }

// ValidateBucket checks a "<name>-<appid>" bucket: the name is lower-case
// letters, digits and '-', not starting or ending with '-'; the APPID is
// the last '-' segment, all digits; the whole is at most 63 characters.
func ValidateBucket(b string) error {
	const f = "bucket"
	if b == "" {
		return invalid(f, "is empty")
	}
	if len(b) > MaxBucketLen {
		return invalid(f, "is longer than 63 characters")
	}
	i := strings.LastIndexByte(b, '-')
	if i < 0 {
		return invalid(f, "is not <name>-<appid>")
	}
	name, appid := b[:i], b[i+1:]
	if name == "" || appid == "" || !allDigits(appid) {
		return invalid(f, "is not <name>-<appid> with a numeric APPID")
	}
	if name[0] == '-' || name[len(name)-1] == '-' {
		return invalid(f, "name starts or ends with '-'")
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !(lowerAlnum(c) || c == '-') {
			return invalid(f, "name may hold only lower-case letters, digits and '-'")
		}
	}
	return nil
}

// ValidateRegion checks a region's shape: lower-case segments joined by
// '-', the first of letters, e.g. ap-guangzhou, na-siliconvalley,
// ap-beijing-1.
func ValidateRegion(r string) error {
	const f = "region"
	if r == "" {
		return invalid(f, "is empty")
	}
	if len(r) > 64 {
		return invalid(f, "is too long")
	}
	segs := strings.Split(r, "-")
	if len(segs) < 2 {
		return invalid(f, "is not like ap-guangzhou")
	}
	for i, s := range segs {
		if s == "" {
			return invalid(f, "has an empty segment")
		}
		for j := 0; j < len(s); j++ {
			c := s[j]
			if !(c >= 'a' && c <= 'z' || (i > 0 && c >= '0' && c <= '9')) {
				return invalid(f, "is not like ap-guangzhou (lower-case letters, digits and '-')")
			}
		}
	}
	return nil
}

// ValidateWorkflowID checks a workflow ID: 'w' and 32 lower-case hex digits.
func ValidateWorkflowID(id string) error {
	if !workflowIDShape(id) {
		return invalid("workflowId", "is not 'w' and 32 lower-case hex digits")
	}
	return nil
}

func workflowIDShape(id string) bool {
	if len(id) != 33 || id[0] != 'w' {
		return false
	}
	for i := 1; i < len(id); i++ {
		if c := id[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// ValidateJobName checks a job name: 1 to 128 characters, each a Chinese
// (Han) character, an ASCII letter or digit, '-' or '_'.
func ValidateJobName(name string) error {
	const f = "Name"
	if name == "" {
		return invalid(f, "is empty")
	}
	n := 0
	for _, r := range name {
		n++
		if r < utf8.RuneSelf {
			if !(lowerAlnum(byte(r)) || r >= 'A' && r <= 'Z' || r == '-' || r == '_') {
				return invalid(f, "may hold only Chinese characters, letters, digits, '-' and '_'")
			}
		} else if !unicode.Is(unicode.Han, r) {
			return invalid(f, "may hold only Chinese characters, letters, digits, '-' and '_'")
		}
	}
	if n > MaxJobNameRunes {
		return invalid(f, "is longer than 128 characters")
	}
	return nil
}

// ValidateObjectKey checks an object key: non-empty valid UTF-8 of at most
// 850 bytes.
func ValidateObjectKey(key string) error {
	return validateKey("object", key, false)
}

func validateKey(field, key string, emptyOK bool) error {
	if key == "" && !emptyOK {
		return invalid(field, "is empty")
	}
	if len(key) > MaxObjectKeyLen {
		return invalid(field, "is longer than 850 bytes")
	}
	if !utf8.ValidString(key) {
		return invalid(field, "is not valid UTF-8")
	}
	return nil
}

// Validate checks the input before it is sent.
func (in *TriggerWorkflowInput) Validate() error {
	if in == nil {
		return invalid("input", "is nil")
	}
	if err := ValidateWorkflowID(in.WorkflowID); err != nil {
		return err
	}
	if err := ValidateObjectKey(in.Object); err != nil {
		return err
	}
	if in.Name != "" {
		if err := ValidateJobName(in.Name); err != nil {
			return renameField(err, "name")
		}
	}
	return nil
}

// Validate checks the input before it is sent.
func (in *CreateInventoryTriggerJobInput) Validate() error {
	if in == nil {
		return invalid("input", "is nil")
	}
	if err := ValidateJobName(in.Name); err != nil {
		return err
	}
	typ := in.Type
	switch typ {
	case "":
		typ = JobTypeWorkflow
	case JobTypeWorkflow, JobTypeJob:
	default:
		return invalid("Type", "is not Workflow or Job")
	}
	if err := in.Input.validate(); err != nil {
		return err
	}
	op := &in.Operation
	if op.TimeInterval != nil {
		if err := op.TimeInterval.validate(); err != nil {
			return err
		}
	}
	if typ == JobTypeWorkflow {
		if op.WorkflowIDs == "" {
			return invalid("Operation.WorkflowIds", "is required for a Workflow job")
		}
		for _, id := range strings.Split(op.WorkflowIDs, ",") {
			if !workflowIDShape(id) {
				return invalid("Operation.WorkflowIds", "holds an ID that is not 'w' and 32 lower-case hex digits")
			}
		}
	} else if op.Tag == "" {
		return invalid("Operation.Tag", "is required for a Job job")
	}
	if op.JobLevel < 0 || op.JobLevel > MaxJobLevel {
		return invalid("Operation.JobLevel", "is not 0, 1 or 2")
	}
	if len(op.UserData) > MaxUserDataLen {
		return invalid("Operation.UserData", "is longer than 1024 bytes")
	}
	for i := 0; i < len(op.UserData); i++ {
		if c := op.UserData[i]; c < 0x20 || c > 0x7e {
			return invalid("Operation.UserData", "holds a character that is not printable ASCII")
		}
	}
	switch op.CallBackFormat {
	case "", "JSON", "XML":
	default:
		return invalid("Operation.CallBackFormat", "is not JSON or XML")
	}
	switch op.CallBackType {
	case "", "Url", "TDMQ":
	default:
		return invalid("Operation.CallBackType", "is not Url or TDMQ")
	}
	return nil
}

func (in *JobInput) validate() error {
	n := 0
	for _, p := range []*string{in.Prefix, in.Object, in.Manifest, in.URLFile} {
		if p != nil {
			n++
		}
	}
	if n != 1 {
		return invalid("Input", "needs exactly one of Prefix, Object, Manifest, UrlFile")
	}
	switch {
	case in.Prefix != nil:
		return validateKey("Input.Prefix", *in.Prefix, true)
	case in.Object != nil:
		return validateKey("Input.Object", *in.Object, false)
	case in.Manifest != nil:
		return validateKey("Input.Manifest", *in.Manifest, false)
	default:
		return validateKey("Input.UrlFile", *in.URLFile, false)
	}
}

func (ti *TimeInterval) validate() error {
	var start, end int64
	if ti.Start != "" {
		t, err := ParseTime(ti.Start)
		if err != nil {
			return invalid("Operation.TimeInterval.Start", "is not a time like 2026-11-22T02:00:00+0800")
		}
		start = t.Unix()
	}
	if ti.End != "" {
		t, err := ParseTime(ti.End)
		if err != nil {
			return invalid("Operation.TimeInterval.End", "is not a time like 2026-11-22T02:00:00+0800")
		}
		end = t.Unix()
		if ti.Start != "" && start > end {
			return invalid("Operation.TimeInterval", "Start is after End")
		}
	}
	return nil
}

// Validate checks the input before it is sent.
func (in *DescribeInventoryTriggerJobsInput) Validate() error {
	if in == nil {
		return invalid("input", "is nil")
	}
	if in.Size < 0 || in.Size > MaxListSize {
		return invalid("size", "is not 1..100 (or 0 for the default)")
	}
	switch in.Type {
	case "", JobTypeWorkflow, JobTypeJob:
	default:
		return invalid("type", "is not Workflow or Job")
	}
	switch in.OrderByTime {
	case "", "Desc", "Asc":
	default:
		return invalid("orderByTime", "is not Desc or Asc")
	}
	for _, s := range in.States {
		switch s {
		case "All", JobStateSubmitted, JobStateRunning, JobStateSuccess, JobStateFailed, JobStatePause, JobStateCancel:
		default:
			return invalid("states", "holds "+strconv.Quote(string(s))+", not one of All, Submitted, Running, Success, Failed, Pause, Cancel")
		}
	}
	if in.StartCreationTime != "" {
		if _, err := ParseTime(in.StartCreationTime); err != nil {
			return invalid("startCreationTime", "is not a time like 2026-11-22T02:00:00+0800")
		}
	}
	if in.EndCreationTime != "" {
		if _, err := ParseTime(in.EndCreationTime); err != nil {
			return invalid("endCreationTime", "is not a time like 2026-11-22T02:00:00+0800")
		}
	}
	if in.WorkflowID != "" {
		if err := ValidateWorkflowID(in.WorkflowID); err != nil {
			return err
		}
	}
	if in.Name != "" {
		if err := ValidateJobName(in.Name); err != nil {
			return renameField(err, "name")
		}
	}
	return nil
}

// validateJobID checks an ID used as a path segment: opaque, but present
// and printable.
func validateJobID(id string) error {
	if id == "" {
		return invalid("jobId", "is empty")
	}
	if len(id) > 256 || !utf8.ValidString(id) {
		return invalid("jobId", "is not a job ID")
	}
	return nil
}

func renameField(err error, field string) error {
	if ve, ok := err.(*ValidationError); ok {
		return &ValidationError{Field: field, Reason: ve.Reason}
	}
	return err
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func lowerAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }
