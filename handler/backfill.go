package handler

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/clip"
	"github.com/cosflow/cosflow/internal/valid"
)

// MaxWindow bounds a backfill window: a year of objects is already a very
// large job.
const MaxWindow = 8760 * time.Hour

// BackfillSpec describes one inventory trigger job a timer tick creates:
// which objects (exactly one of Prefix, Object, Manifest, URLFile) and what
// to run on them (WorkflowID, or Tag with JobParam and the other Job-only
// options).
type BackfillSpec struct {
	// Name identifies the backfill; the job name is derived from it and the
	// tick time.
	Name   string `json:"name" validate:"required"`
	Bucket string `json:"bucket,omitempty" validate:"omitempty,ci_bucket"`
	Region string `json:"region,omitempty" validate:"omitempty,ci_region"`

	Prefix   *string `json:"prefix,omitempty"`
	Object   *string `json:"object,omitempty" validate:"omitempty,ci_key"`
	Manifest *string `json:"manifest,omitempty" validate:"omitempty,ci_key"`
	URLFile  *string `json:"urlFile,omitempty" validate:"omitempty,ci_key"`

	WorkflowID     string               `json:"workflowId,omitempty" validate:"omitempty,ci_workflowid"`
	Tag            string               `json:"tag,omitempty" validate:"omitempty,max=64"`
	JobParam       *cosclient.JobParam  `json:"jobParam,omitempty"`
	QueueID        string               `json:"queueId,omitempty" validate:"omitempty,max=64"`
	Output         *cosclient.JobOutput `json:"output,omitempty"`
	UserData       string               `json:"userData,omitempty" validate:"omitempty,max=1024"`
	JobLevel       int                  `json:"jobLevel,omitempty" validate:"gte=0,lte=2"`
	CallBack       string               `json:"callBack,omitempty" validate:"omitempty,max=1024"`
	CallBackFormat string               `json:"callBackFormat,omitempty" validate:"omitempty,oneof=JSON XML"`
	CallBackType   string               `json:"callBackType,omitempty" validate:"omitempty,oneof=Url TDMQ"`

	// Window ("24h") limits the job to objects last modified in
	// [tick - Window, tick). Empty means no time limit.
	Window string `json:"window,omitempty"`

	window time.Duration // Window, parsed by check
}

// splitSpecs strictly decodes a JSON backfill spec or an array of them into
// the raw elements; single reports the former (paths then have no index).
func splitSpecs(data []byte) (raws []json.RawMessage, single bool, err error) {
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		if err := valid.Decode(data, &raws); err != nil {
			return nil, false, err
		}
		if len(raws) == 0 {
			return nil, false, &valid.FieldError{Reason: "is an empty array: at least one backfill spec is required"}
		}
		return raws, false, nil
	}
	var one json.RawMessage
	if err := valid.Decode(data, &one); err != nil {
		return nil, false, err
	}
	return []json.RawMessage{one}, true, nil
}

// specPath is the JSON path prefix of element i.
func specPath(i int, single bool) string {
	if single {
		return ""
	}
	return fmt.Sprintf("[%d]", i)
}

// decodeSpecs decodes and checks every spec, failing on the first bad one
// with a *valid.FieldError whose Field is the path below data.
func decodeSpecs(data []byte, bucket, region string) ([]BackfillSpec, error) {
	raws, single, err := splitSpecs(data)
	if err != nil {
		return nil, err
	}
	specs := make([]BackfillSpec, len(raws))
	for i, raw := range raws {
		s, err := parseSpec(raw, bucket, region)
		if err != nil {
			return nil, prefixFieldError(specPath(i, single), err)
		}
		specs[i] = *s
	}
	return specs, nil
}

// prefixFieldError puts a *valid.FieldError under prefix.
func prefixFieldError(prefix string, err error) error {
	var fe *valid.FieldError
	if errors.As(err, &fe) {
		return &valid.FieldError{Field: joinPath(prefix, fe.Field), Reason: fe.Reason}
	}
	return &valid.FieldError{Field: prefix, Reason: err.Error()}
}

// parseSpec strictly decodes one spec, fills in the default bucket and
// region and checks it. Errors are *valid.FieldError relative to the spec.
func parseSpec(raw []byte, bucket, region string) (*BackfillSpec, error) {
	var s BackfillSpec
	if err := valid.Decode(raw, &s); err != nil {
		return nil, err
	}
	if s.Bucket == "" {
		s.Bucket = bucket
	}
	if s.Region == "" {
		s.Region = region
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	return &s, nil
}

// check validates the spec (tags, then the rules between fields, then
// cosclient's own check of the request it makes) and parses Window.
func (s *BackfillSpec) check() error {
	if err := valid.Struct(s); err != nil {
		return err
	}
	bad := func(field, reason string) error { return &valid.FieldError{Field: field, Reason: reason} }
	if reason := nameProblem(s.Name); reason != "" {
		return bad("name", reason)
	}
	if s.Bucket == "" {
		return bad("bucket", "is required (or set "+EnvBucket+")")
	}
	if s.Region == "" {
		return bad("region", "is required (or set "+EnvRegion+")")
	}
	inputs := 0
	for _, p := range []*string{s.Prefix, s.Object, s.Manifest, s.URLFile} {
		if p != nil {
			inputs++
		}
	}
	if inputs != 1 {
		return bad("", fmt.Sprintf("must set exactly one of prefix, object, manifest, urlFile (has %d)", inputs))
	}
	if s.Prefix != nil {
		if reason := prefixProblem(*s.Prefix); reason != "" {
			return bad("prefix", reason)
		}
	}
	switch {
	case s.WorkflowID == "" && s.Tag == "":
		return bad("workflowId", "is required when tag is not set")
	case s.WorkflowID != "" && s.Tag != "":
		return bad("workflowId", "cannot be set together with tag")
	case s.Tag != "" && strings.ContainsFunc(s.Tag, func(r rune) bool { return r > unicode.MaxASCII || !unicode.IsLetter(r) && !unicode.IsDigit(r) }):
		return bad("tag", "must hold only ASCII letters and digits")
	case s.WorkflowID != "" && s.JobParam != nil:
		return bad("jobParam", "is only for tag jobs")
	case s.WorkflowID != "" && s.Output != nil:
		return bad("output", "is only for tag jobs")
	}
	if s.Window != "" {
		d, err := time.ParseDuration(s.Window)
		if err != nil {
			return bad("window", fmt.Sprintf("%q is not a duration like \"24h\" or \"90m\"", clip.String(s.Window, 40)))
		}
		if d <= 0 {
			return bad("window", "must be positive")
		}
		if d > MaxWindow {
			return bad("window", "must be at most "+MaxWindow.String())
		}
		if s.Prefix == nil {
			return bad("window", "needs a prefix input (a time window filters the objects a prefix lists)")
		}
		s.window = d
	}
	// A representative tick checks the request cosclient would send.
	in := s.jobInput(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err := in.Validate(); err != nil {
		return specFieldFromCI(err)
	}
	return nil
}

// specFieldFromCI maps a cosclient.ValidationError's wire field name
// ("Operation.WorkflowIds") to the spec's field ("workflowId").
func specFieldFromCI(err error) error {
	var ve *cosclient.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	field := ve.Field
	switch {
	case strings.HasPrefix(field, "Operation.TimeInterval"):
		field = "window"
	case field == "Operation.WorkflowIds":
		field = "workflowId"
	default:
		if i := strings.LastIndexByte(field, '.'); i >= 0 {
			field = field[i+1:]
		}
		if field != "" && field[0] >= 'A' && field[0] <= 'Z' {
			field = string(field[0]+'a'-'A') + field[1:]
		}
	}
	return &valid.FieldError{Field: field, Reason: ve.Reason}
}

// jobInput is the CreateInventoryTriggerJob request for the tick at tick.
func (s *BackfillSpec) jobInput(tick time.Time) *cosclient.CreateInventoryTriggerJobInput {
	in := &cosclient.CreateInventoryTriggerJobInput{
		Name:  JobName(s.Name, tick),
		Input: cosclient.JobInput{Prefix: s.Prefix, Object: s.Object, Manifest: s.Manifest, URLFile: s.URLFile},
		Operation: cosclient.JobOperation{
			WorkflowIDs:    s.WorkflowID,
			Tag:            s.Tag,
			JobParam:       s.JobParam,
			Output:         s.Output,
			QueueID:        s.QueueID,
			UserData:       s.UserData,
			JobLevel:       s.JobLevel,
			CallBack:       s.CallBack,
			CallBackFormat: s.CallBackFormat,
			CallBackType:   s.CallBackType,
		},
	}
	in.Type = cosclient.JobTypeWorkflow
	if s.Tag != "" {
		in.Type = cosclient.JobTypeJob
	}
	if s.window > 0 {
		in.Operation.TimeInterval = windowInterval(tick, s.window)
	}
	return in
}

// windowInterval is [tick-window, tick) as CI's inclusive, whole-second
// TimeInterval: End is the last whole second before tick, so consecutive
// ticks cover each object exactly once.
func windowInterval(tick time.Time, window time.Duration) *cosclient.TimeInterval {
	end := tick.Truncate(time.Second)
	if end.Equal(tick) {
		end = end.Add(-time.Second)
	}
	return &cosclient.TimeInterval{
		Start: cosclient.FormatTime(tick.Add(-window)),
		End:   cosclient.FormatTime(end),
	}
}

// jobTimeLayout is the tick-time suffix of job names (UTC, compact).
const jobTimeLayout = "20060102T150405Z"

// JobName is the deterministic job name of a backfill at one tick:
// "<sanitised name>-<UTC tick>", e.g. "nightly-20261122T020000Z". Characters
// CI refuses become '-'; the name part is cut so the whole stays within
// cosclient.MaxJobNameRunes while the time suffix, which makes the name
// unique per tick, is always kept.
func JobName(name string, tick time.Time) string {
	suffix := "-" + tick.UTC().Format(jobTimeLayout)
	room := cosclient.MaxJobNameRunes - len(suffix) // the suffix is ASCII
	var b strings.Builder
	n := 0
	for _, r := range name {
		if n == room {
			break
		}
		if !jobNameRune(r) {
			r = '-'
		}
		b.WriteRune(r)
		n++
	}
	if n == 0 {
		b.WriteString("backfill")
	}
	return b.String() + suffix
}

// jobNameRune reports whether CI accepts r in a job name.
func jobNameRune(r rune) bool {
	if r < 0x80 {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_'
	}
	return unicode.Is(unicode.Han, r)
}
