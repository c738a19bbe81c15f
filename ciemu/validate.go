package ciemu

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cosflow/cosflow/cosclient"
)

// The service's own input checks. They are written here, server-side, rather
// than borrowed from cosclient: the emulator must reject what CI rejects even
// when a client (the official SDK, or a buggy cosclient) skipped its checks.
// Each returns a 400 InvalidArgument naming the field and why.

const (
	maxNameChars     = 128
	maxObjectBytes   = 850
	maxUserDataBytes = 1024
)

// checkWorkflowID requires w + 32 lower-case hex.
func checkWorkflowID(field, id string) *apiError {
	if id == "" {
		return invalidArgument(field, "is required")
	}
	if len(id) != 33 || id[0] != 'w' || !isLowerHex(id[1:]) {
		return invalidArgument(field, "%q is not w followed by 32 lower-case hex characters", id)
	}
	return nil
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// checkObjectKey requires a non-empty UTF-8 key of at most 850 bytes.
func checkObjectKey(field, key string) *apiError {
	switch {
	case key == "":
		return invalidArgument(field, "is required")
	case !utf8.ValidString(key):
		return invalidArgument(field, "is not valid UTF-8")
	case len(key) > maxObjectBytes:
		return invalidArgument(field, "is %d bytes, over the %d-byte limit", len(key), maxObjectBytes)
	}
	return nil
}

// checkJobName allows up to 128 characters: Chinese, letters, digits, '-'
// and '_'. required says whether an empty name is an error.
func checkJobName(field, name string, required bool) *apiError {
	if name == "" {
		if required {
			return invalidArgument(field, "is required")
		}
		return nil
	}
	if n := utf8.RuneCountInString(name); n > maxNameChars {
		return invalidArgument(field, "is %d characters, over the %d-character limit", n, maxNameChars)
	}
	for _, c := range name {
		if !(c < utf8.RuneSelf && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') ||
			unicode.Is(unicode.Han, c)) {
			return invalidArgument(field, "has %q; only Chinese, letters, digits, '-' and '_' are allowed", c)
		}
	}
	return nil
}

// checkCreate validates a CreateInventoryTriggerJob body.
func checkCreate(in *cosclient.CreateInventoryTriggerJobInput) *apiError {
	if err := checkJobName("Name", in.Name, true); err != nil {
		return err
	}
	switch in.Type {
	case "", cosclient.JobTypeWorkflow, cosclient.JobTypeJob:
	default:
		return invalidArgument("Type", "%q is not Workflow or Job", in.Type)
	}
	if err := checkInput(&in.Input); err != nil {
		return err
	}
	return checkOperation(in.Type, &in.Operation)
}

func checkInput(in *cosclient.JobInput) *apiError {
	var set []string
	for _, f := range []struct {
		name string
		v    *string
	}{{"Prefix", in.Prefix}, {"Object", in.Object}, {"Manifest", in.Manifest}, {"UrlFile", in.URLFile}} {
		if f.v != nil {
			set = append(set, f.name)
		}
	}
	switch {
	case len(set) == 0:
		return invalidArgument("Input", "needs exactly one of Manifest, UrlFile, Prefix or Object; none is set")
	case len(set) > 1:
		return invalidArgument("Input", "needs exactly one of Manifest, UrlFile, Prefix or Object; got %s", strings.Join(set, ", "))
	}
	switch {
	case in.Object != nil:
		return checkObjectKey("Input.Object", *in.Object)
	case in.Manifest != nil:
		return checkObjectKey("Input.Manifest", *in.Manifest)
	case in.URLFile != nil:
		return checkObjectKey("Input.UrlFile", *in.URLFile)
	}
	// An empty prefix is the whole bucket; only its length is limited.
	if len(*in.Prefix) > maxObjectBytes {
		return invalidArgument("Input.Prefix", "is %d bytes, over the %d-byte limit", len(*in.Prefix), maxObjectBytes)
	}
	return nil
}

func checkOperation(typ cosclient.JobType, op *cosclient.JobOperation) *apiError {
	if ti := op.TimeInterval; ti != nil {
		for _, f := range []struct{ name, v string }{{"Start", ti.Start}, {"End", ti.End}} {
			if f.v == "" {
				continue
			}
			if _, err := cosclient.ParseTime(f.v); err != nil {
				return invalidArgument("Operation.TimeInterval."+f.name, "%q is not a time like 2026-11-22T02:00:00+0800", f.v)
			}
		}
	}
	if typ == cosclient.JobTypeJob {
		if op.Tag == "" {
			return invalidArgument("Operation.Tag", "is required for a Job job (e.g. ImageInspect, Transcode, Snapshot)")
		}
	} else {
		ids := splitWorkflowIDs(op.WorkflowIDs)
		if len(ids) == 0 {
			return invalidArgument("Operation.WorkflowIds", "is required for a Workflow job")
		}
		for _, id := range ids {
			if err := checkWorkflowID("Operation.WorkflowIds", id); err != nil {
				return err
			}
		}
	}
	if n := len(op.UserData); n > maxUserDataBytes {
		return invalidArgument("Operation.UserData", "is %d bytes, over the %d-byte limit", n, maxUserDataBytes)
	}
	for _, c := range []byte(op.UserData) {
		if c < 0x20 || c > 0x7e {
			return invalidArgument("Operation.UserData", "must be printable ASCII")
		}
	}
	if op.JobLevel < 0 || op.JobLevel > 2 {
		return invalidArgument("Operation.JobLevel", "%d is not 0, 1 or 2", op.JobLevel)
	}
	switch op.CallBackFormat {
	case "", "JSON", "XML":
	default:
		return invalidArgument("Operation.CallBackFormat", "%q is not JSON or XML", op.CallBackFormat)
	}
	switch op.CallBackType {
	case "", "Url", "TDMQ":
	default:
		return invalidArgument("Operation.CallBackType", "%q is not Url or TDMQ", op.CallBackType)
	}
	if op.CallBackType == "TDMQ" && op.CallBackMqConfig == nil {
		return invalidArgument("Operation.CallBackMqConfig", "is required when CallBackType is TDMQ")
	}
	return nil
}
