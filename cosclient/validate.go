package cosclient

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aws/smithy-go"
)

// Every rule CI and COS enforce on a value cosflow sends lives in this file,
// once. Operation inputs check themselves with these rules before anything
// is sent (Initialize step), the emulator refuses with them, and callers
// register the exported checks as their validation tags, so no path can
// accept what another refuses. A failure is a *ParamError naming the field
// by its wire path ("Operation.WorkflowIds", "object").

// Limits the service documents (see ../shared/spec/ci-api.md, "Limits to
// respect", and the COS object naming rules,
// cloud.tencent.com/document/product/436/13324).
const (
	MaxBucketLen    = 63   // the whole name stays within one DNS label
	MaxRegionLen    = 64   // no documented bound; regions are short
	MaxJobNameRunes = 128  // characters, not bytes
	MaxObjectKeyLen = 850  // bytes of UTF-8
	MaxUserDataLen  = 1024 // bytes of printable ASCII
	MaxCallBackLen  = 1024 // a URL or queue name
	MaxTagLen       = 64   // e.g. ImageInspect, Transcode
	MaxIDLen        = 128  // job, run and queue IDs
	MaxTokenLen     = 1024 // paging tokens and markers
	MaxListSize     = 100  // size of one page of jobs or executions
	MaxListKeys     = 1000 // max-keys of one COS bucket listing
	MaxJobLevel     = 2
	// MaxObjectBodyLen bounds the body of one small object, as GetObject
	// reads it and PutObject sends it: state objects of a few KiB, not
	// media (COS itself takes up to 5 GB in one PUT).
	MaxObjectBodyLen  = 64 << 10
	MaxContentTypeLen = 256 // no documented bound; a MIME type is short
)

// ParamError is one input value the client refused to send. It implements
// smithy.InvalidParamError, and operation inputs report their failures as a
// smithy.InvalidParamsError holding ParamErrors.
type ParamError struct {
	path    string // wire path, e.g. "Operation.WorkflowIds"
	reason  string
	context string // the input type, set by smithy.InvalidParamsError
	nested  string
}

// Path is the wire path of the refused field, e.g. "Operation.WorkflowIds"
// or "object": how CI itself names it.
func (e *ParamError) Path() string { return e.path }

// Reason says why the value was refused, e.g. "is not 'w' and 32
// lower-case hex digits".
func (e *ParamError) Reason() string { return e.reason }

// Error is "<path>: <reason>".
func (e *ParamError) Error() string { return e.path + ": " + e.reason }

// Field implements smithy.InvalidParamError: the path with the input type
// as context, e.g. "TriggerWorkflowInput.object".
func (e *ParamError) Field() string {
	parts := make([]string, 0, 3)
	for _, p := range []string{e.context, e.nested, e.path} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ".")
}

// SetContext implements smithy.InvalidParamError.
func (e *ParamError) SetContext(ctx string) { e.context = ctx }

// AddNestedContext implements smithy.InvalidParamError.
func (e *ParamError) AddNestedContext(ctx string) {
	if e.nested == "" {
		e.nested = ctx
	} else {
		e.nested = ctx + "." + e.nested
	}
}

var _ smithy.InvalidParamError = (*ParamError)(nil)

func paramErr(path, reason string) *ParamError { return &ParamError{path: path, reason: reason} }

// ParamErrors returns the ParamErrors err holds: err itself, or the
// members of a smithy.InvalidParamsError anywhere in its chain (an
// operation error wraps one). Nil when err is not a validation failure.
func ParamErrors(err error) []*ParamError {
	var pe *ParamError
	if errors.As(err, &pe) {
		return []*ParamError{pe}
	}
	var ipe smithy.InvalidParamsError
	if !errors.As(err, &ipe) {
		return nil
	}
	var out []*ParamError
	for _, e := range ipe.Errs() {
		if pe, ok := e.(*ParamError); ok {
			out = append(out, pe)
		}
	}
	return out
}

// checks gathers the ParamErrors of one input into a
// smithy.InvalidParamsError.
type checks struct{ smithy.InvalidParamsError }

func newChecks(input string) *checks {
	return &checks{smithy.InvalidParamsError{Context: input}}
}

// add records e unless it is nil.
func (c *checks) add(e *ParamError) {
	if e != nil {
		c.Add(e)
	}
}

// err is the collected failures, or nil.
func (c *checks) err() error {
	if c.Len() == 0 {
		return nil
	}
	return c.InvalidParamsError
}

// asErr turns a nil *ParamError into a nil error, so exported checks
// compare equal to nil when they pass.
func asErr(e *ParamError) error {
	if e == nil {
		return nil
	}
	return e
}

// ValidateBucket checks a "<name>-<appid>" bucket: the name is lower-case
// letters, digits and '-', not starting or ending with '-'; the APPID is
// the last '-' segment, all digits; the whole is at most 63 characters.
func ValidateBucket(b string) error { return asErr(checkBucket("bucket", b)) }

func checkBucket(path, b string) *ParamError {
	if b == "" {
		return paramErr(path, "is empty")
	}
	if len(b) > MaxBucketLen {
		return paramErr(path, fmt.Sprintf("is longer than %d characters", MaxBucketLen))
	}
	i := strings.LastIndexByte(b, '-')
	if i < 0 {
		return paramErr(path, "is not <name>-<appid>")
	}
	name, appid := b[:i], b[i+1:]
	if name == "" || !Digits(appid) {
		return paramErr(path, "is not <name>-<appid> with a numeric APPID")
	}
	if name[0] == '-' || name[len(name)-1] == '-' {
		return paramErr(path, "name starts or ends with '-'")
	}
	if !HostLabel(name) {
		return paramErr(path, "name may hold only lower-case letters, digits and '-'")
	}
	return nil
}

// HostLabel reports whether s is not empty and holds only what a bucket
// name or a region may: lower-case ASCII letters, digits and '-', the
// characters of the host names they make. It is the character set alone;
// ValidateBucket and ValidateRegion check the whole shape.
func HostLabel(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(lowerAlnum(c) || c == '-') {
			return false
		}
	}
	return s != ""
}

// ValidateEndpoint checks a connection override (Options.Endpoint): an
// http or https URL of a host and an optional port, nothing else.
func ValidateEndpoint(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return asErr(paramErr("endpoint", "must be http(s)://host[:port], with no path, query or user"))
	}
	return nil
}

// ValidateRegion checks a region's shape: lower-case segments joined by
// '-', the first of letters, e.g. ap-guangzhou, na-siliconvalley,
// ap-beijing-1.
func ValidateRegion(r string) error { return asErr(checkRegion("region", r)) }

func checkRegion(path, r string) *ParamError {
	if r == "" {
		return paramErr(path, "is empty")
	}
	if len(r) > MaxRegionLen {
		return paramErr(path, "is too long")
	}
	if !strings.Contains(r, "-") {
		return paramErr(path, "is not like ap-guangzhou")
	}
	i := 0
	for s := range strings.SplitSeq(r, "-") {
		if s == "" {
			return paramErr(path, "has an empty segment")
		}
		for j := 0; j < len(s); j++ {
			if c := s[j]; !(c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
				return paramErr(path, "is not like ap-guangzhou (lower-case letters, digits and '-')")
			}
		}
		i++
	}
	return nil
}

// ValidateText checks a string that travels to CI in an XML body or a
// query: valid UTF-8 of characters XML 1.0 can carry. Anything else would
// be replaced on the way (encoding/xml writes U+FFFD) or refused, so the
// service would act on a different value than the one given.
func ValidateText(s string) error { return asErr(checkText("value", s)) }

func checkText(path, s string) *ParamError {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return paramErr(path, "is not valid UTF-8")
			}
		}
		if !xmlChar(r) {
			return paramErr(path, fmt.Sprintf("holds %U, a character XML 1.0 cannot carry", r))
		}
	}
	return nil
}

// xmlChar reports whether r is a Char of XML 1.0 (§2.2).
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= unicode.MaxRune
}

// ValidateObjectKey checks an object key: 1 to 850 bytes of text (see
// ValidateText). COS allows more (control characters, except CAN, EM, SUB
// and ESC), but CI's XML answers, its execution list among them, could not
// report a run for such a key, so cosflow refuses it rather than alter it.
func ValidateObjectKey(key string) error { return asErr(checkKey("object", key, false)) }

// ValidatePrefix checks a key prefix: like an object key, but it may be
// empty (the whole bucket).
func ValidatePrefix(prefix string) error { return asErr(checkKey("prefix", prefix, true)) }

func checkKey(path, key string, emptyOK bool) *ParamError {
	if key == "" {
		if emptyOK {
			return nil
		}
		return paramErr(path, "is empty")
	}
	if len(key) > MaxObjectKeyLen {
		return paramErr(path, fmt.Sprintf("is %d bytes, longer than the %d an object key may have", len(key), MaxObjectKeyLen))
	}
	// COS itself refuses CAN, EM, SUB and ESC in keys; the XML rule
	// covers those with every other control character.
	return checkText(path, key)
}

// checkPathKey checks an object key that travels as the request path
// (GET and PUT Object): an object key (see ValidateObjectKey) without '.'
// or '..' segments and without an empty one but for a trailing '/'. A
// server or proxy that normalizes paths would send such a key to another
// object, or to the bucket itself (the official Go SDK refuses a GET whose
// key normalizes to the bucket root).
func checkPathKey(path, key string) *ParamError {
	if e := checkKey(path, key, false); e != nil {
		return e
	}
	segments := strings.Split(strings.TrimSuffix(key, "/"), "/")
	for _, s := range segments {
		switch s {
		case "":
			return paramErr(path, "has an empty segment ('//' or a leading '/')")
		case ".", "..":
			return paramErr(path, "has a '"+s+"' segment, which a path normalizer would resolve")
		}
	}
	return nil
}

// ValidateWorkflowID checks a workflow ID: 'w' and 32 lower-case hex digits.
func ValidateWorkflowID(id string) error { return asErr(checkWorkflowID("workflowId", id)) }

func checkWorkflowID(path, id string) *ParamError {
	if id == "" {
		return paramErr(path, "is empty")
	}
	if !workflowIDShape(id) {
		return paramErr(path, "is not 'w' and 32 lower-case hex digits")
	}
	return nil
}

// ValidateWorkflowIDs checks a comma list of workflow IDs, as a Workflow
// job's Operation.WorkflowIds takes them.
func ValidateWorkflowIDs(ids string) error { return asErr(checkWorkflowIDs("workflowIds", ids)) }

func checkWorkflowIDs(path, ids string) *ParamError {
	if ids == "" {
		return paramErr(path, "is empty")
	}
	for id := range strings.SplitSeq(ids, ",") {
		if !workflowIDShape(id) {
			return paramErr(path, "holds an ID that is not 'w' and 32 lower-case hex digits")
		}
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

// ValidateID checks a job, run (instance) or queue ID. CI issues them as a
// letter and 32 hex digits, and its documentation writes placeholders such
// as b-xxx-xxx, so any 1 to 128 letters, digits, '-' and '_' are accepted:
// IDs travel in paths and queries, and this set needs no escaping.
func ValidateID(id string) error { return asErr(checkID("id", id)) }

func checkID(path, id string) *ParamError {
	if id == "" {
		return paramErr(path, "is empty")
	}
	if len(id) > MaxIDLen {
		return paramErr(path, fmt.Sprintf("is longer than %d characters", MaxIDLen))
	}
	for i := 0; i < len(id); i++ {
		if !idByte(id[i]) {
			return paramErr(path, "may hold only letters, digits, '-' and '_'")
		}
	}
	return nil
}

// ValidateJobName checks a job name: 1 to 128 characters, each a Chinese
// (Han) character, an ASCII letter or digit, '-' or '_'.
func ValidateJobName(name string) error { return asErr(checkJobName("name", name)) }

func checkJobName(path, name string) *ParamError {
	if name == "" {
		return paramErr(path, "is empty")
	}
	n := 0
	for _, r := range name {
		n++
		if !JobNameRune(r) {
			return paramErr(path, "may hold only Chinese characters, letters, digits, '-' and '_'")
		}
	}
	if n > MaxJobNameRunes {
		return paramErr(path, fmt.Sprintf("is longer than %d characters", MaxJobNameRunes))
	}
	return nil
}

// JobNameRune reports whether CI accepts r in a job name.
func JobNameRune(r rune) bool {
	if r < utf8.RuneSelf {
		return idByte(byte(r))
	}
	return unicode.Is(unicode.Han, r)
}

// idByte reports whether c is an ASCII letter or digit, '-' or '_': the
// whole of an ID, and the ASCII part of a job name.
func idByte(c byte) bool { return lowerAlnum(c) || c >= 'A' && c <= 'Z' || c == '-' || c == '_' }

// ValidateTag checks a Job job's processing tag (ImageInspect, Transcode,
// Snapshot, ...): 1 to 64 ASCII letters and digits.
func ValidateTag(tag string) error { return asErr(checkTag("tag", tag)) }

func checkTag(path, tag string) *ParamError {
	if tag == "" {
		return paramErr(path, "is empty")
	}
	if len(tag) > MaxTagLen {
		return paramErr(path, fmt.Sprintf("is longer than %d characters", MaxTagLen))
	}
	for i := 0; i < len(tag); i++ {
		if c := tag[i]; !(lowerAlnum(c) || c >= 'A' && c <= 'Z') {
			return paramErr(path, "may hold only ASCII letters and digits")
		}
	}
	return nil
}

// ValidateToken checks an opaque paging token or listing marker passed back
// to the service: at most 1024 bytes of text (see ValidateText).
func ValidateToken(tok string) error { return asErr(checkLongText("nextToken", tok, MaxTokenLen)) }

// ValidateListSize checks a page size: 1 to 100.
func ValidateListSize(n int) error { return asErr(checkSize("size", n, MaxListSize)) }

func checkSize(path string, n, maxN int) *ParamError {
	if n < 1 || n > maxN {
		return paramErr(path, fmt.Sprintf("is not an integer from 1 to %d", maxN))
	}
	return nil
}

// ValidatePage checks a page number or page size of a page-numbered
// listing (DescribeMediaWorkflow): an integer from 1. CI documents pages
// counted from 1 and 10 a page by default, and no largest page size
// (docs 1045/50339; its queue listings, 1045/50328, give the defaults),
// so none is enforced.
func ValidatePage(n int) error { return asErr(checkPage("page", n)) }

func checkPage(path string, n int) *ParamError {
	if n < 1 {
		return paramErr(path, "is not an integer from 1")
	}
	return nil
}

// ValidateExtFilter checks a workflow's suffix filter as CI does when the
// workflow is created: a Custom filter lists 1 to 10 extensions in
// CustomExts (docs 1045/43733). The emulator refuses the workflows CI
// would.
func ValidateExtFilter(f *ExtFilter) error {
	if f == nil || !flagOn(f.Custom) {
		return nil
	}
	if n := len(f.customExts()); n == 0 || n > MaxCustomExts {
		return paramErr("ExtFilter.CustomExts", fmt.Sprintf("holds %d extensions; a Custom filter takes 1 to %d", n, MaxCustomExts))
	}
	return nil
}

// TimeLayout is CI's time format: an offset without a colon, e.g.
// 2026-11-22T02:00:00+0800.
const TimeLayout = "2006-01-02T15:04:05-0700"

// ValidateTime checks a time sent to CI: exactly its documented layout,
// TimeLayout (2026-11-22T02:00:00+0800). Answers are read more leniently
// (ParseTime), but a request carries what CI documents, as given.
func ValidateTime(s string) error {
	_, e := checkTime("time", s)
	return asErr(e)
}

// checkTime checks s and returns it parsed, so a range is compared without
// parsing its ends again.
func checkTime(path, s string) (time.Time, *ParamError) {
	t, err := time.Parse(TimeLayout, s)
	if err != nil {
		return time.Time{}, paramErr(path, "is not a time like 2026-11-22T02:00:00+0800")
	}
	return t, nil
}

// checkTimeRange checks two optional times and that start is not after end;
// the failure names endPath, the value to move.
func checkTimeRange(startPath, start, endPath, end string) *ParamError {
	var s time.Time
	if start != "" {
		var e *ParamError
		if s, e = checkTime(startPath, start); e != nil {
			return e
		}
	}
	if end == "" {
		return nil
	}
	t, e := checkTime(endPath, end)
	if e != nil {
		return e
	}
	if start != "" && t.Before(s) {
		return paramErr(endPath, "is before the start")
	}
	return nil
}

// ValidateOrder checks a listing order: Desc or Asc.
func ValidateOrder(s string) error { return asErr(checkOrder("orderByTime", s)) }

// checkOrder checks a listing order: Desc or Asc, both listings alike.
func checkOrder(path, s string) *ParamError { return checkOneOf(path, s, "Desc", "Asc") }

// checkJobType checks a job type given explicitly: Workflow or Job.
func checkJobType(path string, t JobType) *ParamError {
	return checkOneOf(path, string(t), string(JobTypeWorkflow), string(JobTypeJob))
}

func checkOneOf(path, s string, allowed ...string) *ParamError {
	for _, a := range allowed {
		if s == a {
			return nil
		}
	}
	return paramErr(path, "is not one of "+strings.Join(allowed, ", "))
}

// StateAll is the state filter that selects every state, in job and
// execution listings alike.
const StateAll = "All"

// JobStates are the states a job listing filters on, All first.
var JobStates = []JobState{StateAll, JobStateSubmitted, JobStateRunning, JobStateSuccess, JobStateFailed, JobStatePause, JobStateCancel}

// ExecutionStates are the states a workflow-execution listing filters on,
// All first.
var ExecutionStates = []ExecutionState{StateAll, ExecutionStateRunning, ExecutionStateSuccess, ExecutionStateFailed, ExecutionStateCancel}

// ParseJobStates reads a comma list of job states, as the states query
// parameter carries it.
func ParseJobStates(list string) ([]JobState, error) {
	return parseStates[JobState]("states", list, JobStates)
}

// ParseExecutionStates reads a comma list of workflow-execution states.
func ParseExecutionStates(list string) ([]ExecutionState, error) {
	return parseStates[ExecutionState]("states", list, ExecutionStates)
}

func parseStates[S ~string](path, list string, known []S) ([]S, error) {
	var out []S
	for _, s := range strings.Split(list, ",") {
		st := S(s)
		if e := checkState(path, st, known); e != nil {
			return nil, e
		}
		out = append(out, st)
	}
	return out, nil
}

func checkState[S ~string](path string, s S, known []S) *ParamError {
	for _, k := range known {
		if s == k {
			return nil
		}
	}
	names := make([]string, len(known))
	for i, k := range known {
		names[i] = string(k)
	}
	return paramErr(path, strconv.Quote(string(s))+" is not one of "+strings.Join(names, ", "))
}

// checkStates checks a state filter: each state one of known.
func checkStates[S ~string](path string, states []S, known []S) *ParamError {
	for _, s := range states {
		if e := checkState(path, s, known); e != nil {
			return e
		}
	}
	return nil
}

// joinStates encodes a state filter as CI's comma list. It does not check
// it: the serializers that call it run after the Initialize step's
// Validate, which did (checkStates).
func joinStates[S ~string](states []S) string {
	var b strings.Builder
	for i, s := range states {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(string(s))
	}
	return b.String()
}

// checkPrintable checks printable ASCII of at most maxLen bytes (UserData).
func checkPrintable(path, s string, maxLen int) *ParamError {
	if len(s) > maxLen {
		return paramErr(path, fmt.Sprintf("is longer than %d bytes", maxLen))
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return paramErr(path, "may hold only printable ASCII")
		}
	}
	return nil
}

// checkLongText checks text (see ValidateText) of at most maxLen bytes.
func checkLongText(path, s string, maxLen int) *ParamError {
	if len(s) > maxLen {
		return paramErr(path, fmt.Sprintf("is longer than %d bytes", maxLen))
	}
	return checkText(path, s)
}

// Digits reports whether s is a non-empty run of ASCII digits, as an APPID
// is.
func Digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func lowerAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }
