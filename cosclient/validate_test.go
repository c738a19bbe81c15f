package cosclient

import (
	"encoding/xml"
	"errors"
	"net/http"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// Characters of the XML 1.0 rule: every value that reaches CI is text XML
// can carry, or is refused (never altered).
var (
	xmlRefused = []string{"\x00", "\x01", "\x08", "\x1b", "\uFFFE", "\uFFFF", "bad\xff", "\xed\xa0\x80" /* a surrogate */}
	xmlAllowed = []string{"\t", "\n", "\r", "\uFFFD", "图片", "😀", "\U0010FFFD", `<&>"'`}
)

func TestValidateFuncs(t *testing.T) {
	long := strings.Repeat("a", 63-len("-1250000000"))
	listSize := func(s string) error { n, _ := strconv.Atoi(s); return ValidateListSize(n) }
	type row struct {
		fn    func(string) error
		in    string
		valid bool
	}
	tests := []row{
		{ValidateBucket, testBucket, true},
		{ValidateBucket, "my-bucket-2-1250000000", true},
		{ValidateBucket, long + "-1250000000", true},
		{ValidateBucket, long + "a-1250000000", false},
		{ValidateBucket, "", false},
		{ValidateBucket, "bucket", false},
		{ValidateBucket, "-bucket-125", false},
		{ValidateBucket, "bucket--125", false},
		{ValidateBucket, "Bucket-125", false},
		{ValidateBucket, "bu_cket-125", false},
		{ValidateBucket, "bucket-12a5", false},
		{ValidateBucket, "bucket-", false},
		{ValidateBucket, "-125", false},
		{ValidateRegion, "ap-guangzhou", true},
		{ValidateRegion, "na-siliconvalley", true},
		{ValidateRegion, "ap-beijing-1", true},
		{ValidateRegion, "ap-shanghai-fsi", true},
		{ValidateRegion, "", false},
		{ValidateRegion, "guangzhou", false},
		{ValidateRegion, "AP-guangzhou", false},
		{ValidateRegion, "ap--guangzhou", false},
		{ValidateRegion, "ap-guangzhou-", false},
		{ValidateRegion, "1p-guangzhou", false},
		{ValidateRegion, "ap.guangzhou", false},
		{ValidateRegion, "ap-" + strings.Repeat("g", 62), false},
		{ValidateWorkflowID, testWorkflow, true},
		{ValidateWorkflowID, "", false},
		{ValidateWorkflowID, "w0123456789ABCDEF0123456789abcdef", false},
		{ValidateWorkflowID, "x0123456789abcdef0123456789abcdef", false},
		{ValidateWorkflowID, "w0123456789abcdef0123456789abcde", false},
		{ValidateWorkflowID, "w0123456789abcdef0123456789abcdeg", false},
		{ValidateWorkflowIDs, testWorkflow, true},
		{ValidateWorkflowIDs, testWorkflow + "," + testWorkflow, true},
		{ValidateWorkflowIDs, "", false},
		{ValidateWorkflowIDs, testWorkflow + ",", false},
		{ValidateWorkflowIDs, testWorkflow + ", " + testWorkflow, false},
		{ValidateID, testJobID, true},
		{ValidateID, "b-xxx-xxx", true},
		{ValidateID, "Job_1", true},
		{ValidateID, strings.Repeat("b", 128), true},
		{ValidateID, strings.Repeat("b", 129), false},
		{ValidateID, "", false},
		{ValidateID, "b/1", false},
		{ValidateID, "b 1", false},
		{ValidateID, "b?1", false},
		{ValidateID, "图", false},
		{ValidateJobName, "图片审核_job-1", true},
		{ValidateJobName, strings.Repeat("汉", 128), true},
		{ValidateJobName, strings.Repeat("汉", 129), false},
		{ValidateJobName, strings.Repeat("a", 128), true},
		{ValidateJobName, strings.Repeat("a", 129), false},
		{ValidateJobName, "", false},
		{ValidateJobName, "has space", false},
		{ValidateJobName, "a.b", false},
		{ValidateJobName, "こんにちは", false},
		{ValidateJobName, "tab\t", false},
		{ValidateTag, "ImageInspect", true},
		{ValidateTag, "Transcode2", true},
		{ValidateTag, strings.Repeat("T", 64), true},
		{ValidateTag, strings.Repeat("T", 65), false},
		{ValidateTag, "", false},
		{ValidateTag, "Image-Inspect", false},
		{ValidateTag, "审核", false},
		{ValidateObjectKey, "a/b c/图片.jpg", true},
		{ValidateObjectKey, strings.Repeat("k", 850), true},
		{ValidateObjectKey, strings.Repeat("图", 283) + "k", true}, // 850 bytes
		{ValidateObjectKey, strings.Repeat("k", 851), false},
		{ValidateObjectKey, strings.Repeat("图", 284), false}, // 284 characters, 852 bytes
		{ValidateObjectKey, "", false},
		{ValidatePrefix, "", true},
		{ValidatePrefix, "/", true},
		{ValidatePrefix, strings.Repeat("k", 851), false},
		{ValidateToken, "", true},
		{ValidateToken, strings.Repeat("t", 1024), true},
		{ValidateToken, strings.Repeat("t", 1025), false},
		{ValidateText, "", true},
		{ValidateTime, "2026-11-22T02:00:00+0800", true},
		{ValidateTime, "2026-11-22T02:00:00+08:00", false}, // answers only: requests carry CI's layout
		{ValidateTime, "2026-11-22T02:00:00Z", false},
		{ValidateTime, "2026-11-22 02:00:00", false},
		{ValidateTime, "2026-13-01T00:00:00+0800", false},
		{ValidateTime, "", false},
		{ValidateOrder, "Desc", true},
		{ValidateOrder, "Asc", true},
		{ValidateOrder, "desc", false},
		{ValidateOrder, "", false},
		{listSize, "1", true},
		{listSize, "100", true},
		{listSize, "0", false},
		{listSize, "101", false},
		{listSize, "-1", false},
	}
	// The XML 1.0 rule, in every check of text.
	for _, fn := range []func(string) error{ValidateText, ValidateObjectKey, ValidatePrefix, ValidateToken} {
		for _, s := range xmlRefused {
			tests = append(tests, row{fn, "k" + s, false})
		}
		for _, s := range xmlAllowed {
			tests = append(tests, row{fn, "k" + s, true})
		}
	}
	for _, tt := range tests {
		err := tt.fn(tt.in)
		if (err == nil) != tt.valid {
			t.Errorf("%s(%q): err = %v, want valid=%v", funcName(tt.fn), tt.in, err, tt.valid)
		}
		var pe *ParamError
		if err != nil && (!errors.As(err, &pe) || pe.Path() == "" || Classify(err) != RetryNever) {
			t.Errorf("%s(%q): %v (%T) is not a *ParamError with a path", funcName(tt.fn), tt.in, err, err)
		}
	}
}

func funcName(fn any) string {
	return strings.TrimPrefix(runtime.FuncForPC(reflect.ValueOf(fn).Pointer()).Name(), "github.com/cosflow/cosflow/cosclient.")
}

func TestJobNameRune(t *testing.T) {
	for r, want := range map[rune]bool{'a': true, 'Z': true, '0': true, '-': true, '_': true, '图': true,
		' ': false, '.': false, 'é': false, 'こ': false, '\t': false, '😀': false} {
		if JobNameRune(r) != want {
			t.Errorf("JobNameRune(%q) = %v", r, !want)
		}
	}
}

func TestParseStates(t *testing.T) {
	tests := []struct {
		list      string
		jobs      []JobState // nil: refused
		execution []ExecutionState
	}{
		{"All", []JobState{StateAll}, []ExecutionState{StateAll}},
		{"Running,Failed", []JobState{JobStateRunning, JobStateFailed}, []ExecutionState{ExecutionStateRunning, ExecutionStateFailed}},
		{"Submitted,Pause", []JobState{JobStateSubmitted, JobStatePause}, nil},
		{"Success,Cancel", []JobState{JobStateSuccess, JobStateCancel}, []ExecutionState{ExecutionStateSuccess, ExecutionStateCancel}},
		{"", nil, nil},
		{"running", nil, nil},
		{"Running,", nil, nil},
		{"Running, Failed", nil, nil},
	}
	for _, tt := range tests {
		jobs, err := ParseJobStates(tt.list)
		if !reflect.DeepEqual(jobs, tt.jobs) || (err == nil) != (tt.jobs != nil) {
			t.Errorf("ParseJobStates(%q) = %v, %v; want %v", tt.list, jobs, err, tt.jobs)
		}
		execs, err := ParseExecutionStates(tt.list)
		if !reflect.DeepEqual(execs, tt.execution) || (err == nil) != (tt.execution != nil) {
			t.Errorf("ParseExecutionStates(%q) = %v, %v; want %v", tt.list, execs, err, tt.execution)
		}
	}
	if JobStates[0] != StateAll || ExecutionStates[0] != StateAll {
		t.Error("All does not come first")
	}
	for s, want := range map[JobState]bool{JobStateSuccess: true, JobStateFailed: true, JobStateCancel: true,
		JobStateSubmitted: false, JobStateRunning: false, JobStatePause: false} {
		if s.Terminal() != want {
			t.Errorf("%s.Terminal() = %v", s, !want)
		}
	}
}

// Valid inputs the rows below change one field of.
func validTrigger() *TriggerWorkflowInput {
	return &TriggerWorkflowInput{WorkflowID: testWorkflow, Object: "a.jpg"}
}

func okWorkflowJob(mod func(*CreateInventoryTriggerJobInput)) *CreateInventoryTriggerJobInput {
	in := &CreateInventoryTriggerJobInput{Name: "n", Input: JobInput{Prefix: ptr("p/")}, Operation: JobOperation{WorkflowIDs: testWorkflow}}
	mod(in)
	return in
}

func okTagJob(mod func(*CreateInventoryTriggerJobInput)) *CreateInventoryTriggerJobInput {
	return okWorkflowJob(func(in *CreateInventoryTriggerJobInput) {
		in.Type, in.Operation = JobTypeJob, JobOperation{Tag: "ImageInspect"}
		mod(in)
	})
}

func node(name, text string, children ...Node) Node {
	return Node{XMLName: xml.Name{Local: name}, Text: text, Nodes: children}
}

// textFields are the fields whose text reaches CI, each with the input
// that carries it and its length bound.
var textFields = []struct {
	path   string
	set    func(string) interface{ Validate() error }
	maxLen int // bytes; 0: no bound of its own
}{
	{"object", func(s string) interface{ Validate() error } { in := validTrigger(); in.Object = s; return in }, MaxObjectKeyLen},
	{"Input.Prefix", func(s string) interface{ Validate() error } {
		return okWorkflowJob(func(in *CreateInventoryTriggerJobInput) { in.Input = JobInput{Prefix: &s} })
	}, MaxObjectKeyLen},
	{"Input.Object", func(s string) interface{ Validate() error } {
		return okWorkflowJob(func(in *CreateInventoryTriggerJobInput) { in.Input = JobInput{Object: &s} })
	}, MaxObjectKeyLen},
	{"Input.Manifest", func(s string) interface{ Validate() error } {
		return okWorkflowJob(func(in *CreateInventoryTriggerJobInput) { in.Input = JobInput{Manifest: &s} })
	}, MaxObjectKeyLen},
	{"Input.UrlFile", func(s string) interface{ Validate() error } {
		return okWorkflowJob(func(in *CreateInventoryTriggerJobInput) { in.Input = JobInput{URLFile: &s} })
	}, MaxObjectKeyLen},
	{"Operation.JobParam.ImageInspect.AutoProcess", func(s string) interface{ Validate() error } {
		return okTagJob(func(in *CreateInventoryTriggerJobInput) {
			in.Operation.JobParam = &JobParam{Nodes: []Node{node("ImageInspect", "", node("AutoProcess", s))}}
		})
	}, 0},
	{"Operation.Output.Object", func(s string) interface{ Validate() error } {
		return okTagJob(func(in *CreateInventoryTriggerJobInput) { in.Operation.Output = &JobOutput{Object: s} })
	}, MaxObjectKeyLen},
	{"Operation.CallBack", func(s string) interface{ Validate() error } {
		return okTagJob(func(in *CreateInventoryTriggerJobInput) { in.Operation.CallBack = s })
	}, MaxCallBackLen},
	{"Operation.CallBackMqConfig.MqRegion", func(s string) interface{ Validate() error } {
		return okTagJob(func(in *CreateInventoryTriggerJobInput) {
			in.Operation.CallBackMqConfig = &CallBackMqConfig{MqRegion: s}
		})
	}, 0},
	{"Operation.CallBackMqConfig.MqMode", func(s string) interface{ Validate() error } {
		return okTagJob(func(in *CreateInventoryTriggerJobInput) { in.Operation.CallBackMqConfig = &CallBackMqConfig{MqMode: s} })
	}, 0},
	{"Operation.CallBackMqConfig.MqName", func(s string) interface{ Validate() error } {
		return okTagJob(func(in *CreateInventoryTriggerJobInput) { in.Operation.CallBackMqConfig = &CallBackMqConfig{MqName: s} })
	}, 0},
	{"nextToken", func(s string) interface{ Validate() error } { return &DescribeInventoryTriggerJobsInput{NextToken: s} }, MaxTokenLen},
	{"name", func(s string) interface{ Validate() error } {
		return &DescribeWorkflowExecutionsInput{WorkflowID: testWorkflow, Name: s}
	}, MaxObjectKeyLen},
	{"nextToken", func(s string) interface{ Validate() error } {
		return &DescribeWorkflowExecutionsInput{WorkflowID: testWorkflow, NextToken: s}
	}, MaxTokenLen},
	{"prefix", func(s string) interface{ Validate() error } { return &ListObjectsInput{Prefix: s} }, MaxObjectKeyLen},
	{"marker", func(s string) interface{ Validate() error } { return &ListObjectsInput{Marker: s} }, MaxObjectKeyLen},
}

// inputCase is one input and the wire path of the field it is refused
// for ("" when it is valid; space-separated when it is refused for more).
type inputCase struct {
	name string
	in   interface{ Validate() error }
	path string
}

func inputCases() []inputCase {
	tagJob := func(name, path string, mod func(*CreateInventoryTriggerJobInput)) inputCase {
		return inputCase{name, okTagJob(mod), path}
	}
	workflowJob := func(name, path string, mod func(*CreateInventoryTriggerJobInput)) inputCase {
		return inputCase{name, okWorkflowJob(mod), path}
	}
	jobParam := func(nodes ...Node) func(*CreateInventoryTriggerJobInput) {
		return func(in *CreateInventoryTriggerJobInput) { in.Operation.JobParam = &JobParam{Nodes: nodes} }
	}
	list := func(name, path string, in DescribeInventoryTriggerJobsInput) inputCase {
		return inputCase{name, &in, path}
	}
	execs := func(name, path string, in DescribeWorkflowExecutionsInput) inputCase {
		if in.WorkflowID == "" {
			in.WorkflowID = testWorkflow
		}
		return inputCase{name, &in, path}
	}
	cases := []inputCase{
		{"trigger", validTrigger(), ""},
		{"trigger with name", &TriggerWorkflowInput{WorkflowID: testWorkflow, Object: "a", Name: "任务_1"}, ""},
		{"trigger bad workflow", &TriggerWorkflowInput{WorkflowID: "w1", Object: "a"}, "workflowId"},
		{"trigger no workflow", &TriggerWorkflowInput{Object: "a"}, "workflowId"},
		{"trigger empty object", &TriggerWorkflowInput{WorkflowID: testWorkflow}, "object"},
		{"trigger bad name", &TriggerWorkflowInput{WorkflowID: testWorkflow, Object: "a", Name: "a b"}, "name"},

		workflowJob("workflow job", "", func(*CreateInventoryTriggerJobInput) {}),
		workflowJob("workflow job, type named", "", func(in *CreateInventoryTriggerJobInput) { in.Type = JobTypeWorkflow }),
		workflowJob("workflow job, two workflows", "", func(in *CreateInventoryTriggerJobInput) { in.Operation.WorkflowIDs += "," + testWorkflow }),
		workflowJob("whole bucket", "", func(in *CreateInventoryTriggerJobInput) { in.Input = JobInput{Prefix: ptr("")} }),
		workflowJob("time range", "", func(in *CreateInventoryTriggerJobInput) {
			in.Operation.TimeInterval = &TimeInterval{Start: "2026-11-22T01:00:00+0800", End: "2026-11-22T02:00:00+0800"}
		}),
		workflowJob("offset with a colon", "Operation.TimeInterval.End", func(in *CreateInventoryTriggerJobInput) {
			in.Operation.TimeInterval = &TimeInterval{End: "2026-11-22T02:00:00+08:00"}
		}),
		workflowJob("open time range", "", func(in *CreateInventoryTriggerJobInput) {
			in.Operation.TimeInterval = &TimeInterval{End: "2026-11-22T02:00:00+0800"}
		}),
		workflowJob("no name", "Name", func(in *CreateInventoryTriggerJobInput) { in.Name = "" }),
		workflowJob("long name", "Name", func(in *CreateInventoryTriggerJobInput) { in.Name = strings.Repeat("a", 129) }),
		workflowJob("name of 128 Han", "", func(in *CreateInventoryTriggerJobInput) { in.Name = strings.Repeat("汉", 128) }),
		workflowJob("name with a tab", "Name", func(in *CreateInventoryTriggerJobInput) { in.Name = "a\tb" }),
		// An unknown type is checked by the Job rules too.
		workflowJob("bad type", "Type Operation.Tag Operation.WorkflowIds", func(in *CreateInventoryTriggerJobInput) { in.Type = "Batch" }),
		workflowJob("no input", "Input", func(in *CreateInventoryTriggerJobInput) { in.Input = JobInput{} }),
		workflowJob("two inputs", "Input", func(in *CreateInventoryTriggerJobInput) { in.Input.Object = ptr("o") }),
		workflowJob("empty object", "Input.Object", func(in *CreateInventoryTriggerJobInput) { in.Input = JobInput{Object: ptr("")} }),
		workflowJob("empty manifest", "Input.Manifest", func(in *CreateInventoryTriggerJobInput) { in.Input = JobInput{Manifest: ptr("")} }),
		workflowJob("empty urlfile", "Input.UrlFile", func(in *CreateInventoryTriggerJobInput) { in.Input = JobInput{URLFile: ptr("")} }),
		workflowJob("workflow without ids", "Operation.WorkflowIds", func(in *CreateInventoryTriggerJobInput) { in.Operation.WorkflowIDs = "" }),
		workflowJob("workflow bad id in list", "Operation.WorkflowIds", func(in *CreateInventoryTriggerJobInput) { in.Operation.WorkflowIDs += ",wbad" }),
		workflowJob("workflow job with Tag", "Operation.Tag", func(in *CreateInventoryTriggerJobInput) { in.Operation.Tag = "ImageInspect" }),
		workflowJob("workflow job with JobParam", "Operation.JobParam", jobParam(node("TemplateId", "t1"))),
		workflowJob("workflow job with Output", "Operation.Output", func(in *CreateInventoryTriggerJobInput) { in.Operation.Output = &JobOutput{Object: "o"} }),
		workflowJob("bad start", "Operation.TimeInterval.Start", func(in *CreateInventoryTriggerJobInput) {
			in.Operation.TimeInterval = &TimeInterval{Start: "yesterday"}
		}),
		workflowJob("bad end", "Operation.TimeInterval.End", func(in *CreateInventoryTriggerJobInput) {
			in.Operation.TimeInterval = &TimeInterval{End: "2026-13-01T00:00:00+0800"}
		}),
		workflowJob("start after end", "Operation.TimeInterval.End", func(in *CreateInventoryTriggerJobInput) {
			in.Operation.TimeInterval = &TimeInterval{Start: "2026-11-22T02:00:00+0800", End: "2026-11-22T01:00:00+0800"}
		}),

		tagJob("tag job", "", func(*CreateInventoryTriggerJobInput) {}),
		tagJob("tag job, every field", "", func(in *CreateInventoryTriggerJobInput) {
			in.Operation = JobOperation{Tag: "ImageInspect", QueueID: "p0123", UserData: "u=1&x<y> ~", JobLevel: 2,
				JobParam:         &JobParam{Nodes: []Node{node("ImageInspect", "", node("AutoProcess", "true"), node("ProcessType", "BackupObject"))}},
				Output:           &JobOutput{Region: testRegion, Bucket: testBucket, Object: "out/${Name}"},
				CallBack:         "https://cb.example/x",
				CallBackFormat:   "XML",
				CallBackType:     "Url",
				CallBackMqConfig: &CallBackMqConfig{MqRegion: "bj", MqMode: "Queue", MqName: "q"},
			}
		}),
		tagJob("tag job with WorkflowIds", "Operation.WorkflowIds", func(in *CreateInventoryTriggerJobInput) { in.Operation.WorkflowIDs = testWorkflow }),
		tagJob("tag job without tag", "Operation.Tag", func(in *CreateInventoryTriggerJobInput) { in.Operation.Tag = "" }),
		tagJob("tag job bad tag", "Operation.Tag", func(in *CreateInventoryTriggerJobInput) { in.Operation.Tag = "Image Inspect" }),
		tagJob("job level 3", "Operation.JobLevel", func(in *CreateInventoryTriggerJobInput) { in.Operation.JobLevel = 3 }),
		tagJob("job level -1", "Operation.JobLevel", func(in *CreateInventoryTriggerJobInput) { in.Operation.JobLevel = -1 }),
		tagJob("bad queue", "Operation.QueueId", func(in *CreateInventoryTriggerJobInput) { in.Operation.QueueID = "p 1" }),
		tagJob("bad output region", "Operation.Output.Region", func(in *CreateInventoryTriggerJobInput) {
			in.Operation.Output = &JobOutput{Region: "gz", Object: "o"}
		}),
		tagJob("bad output bucket", "Operation.Output.Bucket", func(in *CreateInventoryTriggerJobInput) {
			in.Operation.Output = &JobOutput{Bucket: "b", Object: "o"}
		}),
		tagJob("userdata of 1024", "", func(in *CreateInventoryTriggerJobInput) { in.Operation.UserData = strings.Repeat("u", 1024) }),
		tagJob("userdata long", "Operation.UserData", func(in *CreateInventoryTriggerJobInput) { in.Operation.UserData = strings.Repeat("u", 1025) }),
		tagJob("userdata not ascii", "Operation.UserData", func(in *CreateInventoryTriggerJobInput) { in.Operation.UserData = "数据" }),
		tagJob("userdata tab", "Operation.UserData", func(in *CreateInventoryTriggerJobInput) { in.Operation.UserData = "a\tb" }),
		tagJob("userdata LF", "Operation.UserData", func(in *CreateInventoryTriggerJobInput) { in.Operation.UserData = "a\nb" }),
		tagJob("userdata DEL", "Operation.UserData", func(in *CreateInventoryTriggerJobInput) { in.Operation.UserData = "a\x7f" }),
		tagJob("userdata U+FFFD", "Operation.UserData", func(in *CreateInventoryTriggerJobInput) { in.Operation.UserData = "\uFFFD" }),
		tagJob("callback format", "Operation.CallBackFormat", func(in *CreateInventoryTriggerJobInput) { in.Operation.CallBackFormat = "YAML" }),
		tagJob("callback type", "Operation.CallBackType", func(in *CreateInventoryTriggerJobInput) { in.Operation.CallBackType = "Kafka" }),
		tagJob("job param element names", "", jobParam(node("_x", "1"), node("a-b.c", "", node("图片", "2")), node("Tag2", "3"))),
		tagJob("job param empty name", "Operation.JobParam[0]", jobParam(node("", "1"))),
		tagJob("job param name with a space", "Operation.JobParam[1]", jobParam(node("A", "1"), node("a b", "1"))),
		tagJob("job param name with a digit first", "Operation.JobParam[0]", jobParam(node("1x", "1"))),
		tagJob("job param name starting xml", "Operation.JobParam[0]", jobParam(node("xmlFoo", "1"))),
		tagJob("job param name with a colon", "Operation.JobParam[0]", jobParam(node("a:b", "1"))),
		tagJob("job param name with <", "Operation.JobParam.A[0]", jobParam(node("A", "", node("<", "1")))),
		tagJob("job param namespaced", "Operation.JobParam[0]", func(in *CreateInventoryTriggerJobInput) {
			in.Operation.JobParam = &JobParam{Nodes: []Node{{XMLName: xml.Name{Space: "urn:x", Local: "A"}}}}
		}),
		{"job param name µ, a letter but no XML name", okTagJob(jobParam(node("µ", "1"))), "Operation.JobParam[0]"},

		list("list defaults", "", DescribeInventoryTriggerJobsInput{}),
		list("list every filter", "", DescribeInventoryTriggerJobsInput{NextToken: "t", Size: 100, Type: JobTypeJob, OrderByTime: "Asc",
			States: []JobState{JobStateSubmitted, JobStatePause}, StartCreationTime: "2026-11-20T00:00:00+0800",
			EndCreationTime: "2026-11-22T00:00:00+0800", WorkflowID: testWorkflow, JobID: "b1", Name: "审核-1"}),
		list("list all states", "", DescribeInventoryTriggerJobsInput{States: []JobState{StateAll}}),
		list("list size 1", "", DescribeInventoryTriggerJobsInput{Size: 1}),
		list("list size 101", "size", DescribeInventoryTriggerJobsInput{Size: 101}),
		list("list size -1", "size", DescribeInventoryTriggerJobsInput{Size: -1}),
		list("list type", "type", DescribeInventoryTriggerJobsInput{Type: "Batch"}),
		list("list order", "orderByTime", DescribeInventoryTriggerJobsInput{OrderByTime: "desc"}),
		list("list state", "states", DescribeInventoryTriggerJobsInput{States: []JobState{JobStateRunning, "Done"}}),
		list("list empty state", "states", DescribeInventoryTriggerJobsInput{States: []JobState{""}}),
		list("list start time", "startCreationTime", DescribeInventoryTriggerJobsInput{StartCreationTime: "now"}),
		list("list end time", "endCreationTime", DescribeInventoryTriggerJobsInput{EndCreationTime: "now"}),
		list("list end before start", "endCreationTime", DescribeInventoryTriggerJobsInput{StartCreationTime: "2026-11-22T00:00:00+0800",
			EndCreationTime: "2026-11-21T00:00:00+0800"}),
		list("list workflow", "workflowId", DescribeInventoryTriggerJobsInput{WorkflowID: "w"}),
		list("list job", "jobId", DescribeInventoryTriggerJobsInput{JobID: "b/1"}),
		list("list name", "name", DescribeInventoryTriggerJobsInput{Name: "a b"}),

		execs("executions", "", DescribeWorkflowExecutionsInput{}),
		execs("executions every filter", "", DescribeWorkflowExecutionsInput{Name: "dir/a.mp4", States: []ExecutionState{ExecutionStateRunning, ExecutionStateCancel},
			StartCreationTime: "2022-06-30T00:00:00+0800", EndCreationTime: "2022-06-30T00:00:00+0800", OrderByTime: "Desc", Size: 100, NextToken: "t", JobID: "b1"}),
		execs("executions all states", "", DescribeWorkflowExecutionsInput{States: []ExecutionState{StateAll}}),
		{"executions without workflow", &DescribeWorkflowExecutionsInput{}, "workflowId"},
		execs("executions bad workflow", "workflowId", DescribeWorkflowExecutionsInput{WorkflowID: "w0"}),
		execs("executions job state", "states", DescribeWorkflowExecutionsInput{States: []ExecutionState{"Pause"}}),
		execs("executions submitted", "states", DescribeWorkflowExecutionsInput{States: []ExecutionState{"Submitted"}}),
		execs("executions size 101", "size", DescribeWorkflowExecutionsInput{Size: 101}),
		execs("executions size -1", "size", DescribeWorkflowExecutionsInput{Size: -1}),
		execs("executions order", "orderByTime", DescribeWorkflowExecutionsInput{OrderByTime: "Newest"}),
		execs("executions start", "startCreationTime", DescribeWorkflowExecutionsInput{StartCreationTime: "2022-06-30"}),
		execs("executions end before start", "endCreationTime", DescribeWorkflowExecutionsInput{StartCreationTime: "2022-06-30T00:00:01+0800",
			EndCreationTime: "2022-06-30T00:00:00+0800"}),
		execs("executions job", "jobId", DescribeWorkflowExecutionsInput{JobID: "b 1"}),

		{"describe job", &DescribeInventoryTriggerJobInput{JobID: "b-xxx-xxx"}, ""},
		{"describe no id", &DescribeInventoryTriggerJobInput{}, "jobId"},
		{"describe long id", &DescribeInventoryTriggerJobInput{JobID: strings.Repeat("b", 129)}, "jobId"},
		{"describe id with a slash", &DescribeInventoryTriggerJobInput{JobID: "b/../x"}, "jobId"},
		{"cancel", &CancelInventoryTriggerJobInput{JobID: testJobID}, ""},
		{"cancel no id", &CancelInventoryTriggerJobInput{}, "jobId"},
		{"cancel id with a query", &CancelInventoryTriggerJobInput{JobID: "b?x"}, "jobId"},
		{"execution", &DescribeWorkflowExecutionInput{RunID: testRunID}, ""},
		{"execution no id", &DescribeWorkflowExecutionInput{}, "runId"},
		{"execution bad id", &DescribeWorkflowExecutionInput{RunID: "i#1"}, "runId"},
		{"list objects", &ListObjectsInput{}, ""},
		{"list objects max keys", &ListObjectsInput{Prefix: "/", Marker: "a", MaxKeys: 1000}, ""},
		{"list objects max keys 1001", &ListObjectsInput{MaxKeys: 1001}, "max-keys"},
		{"list objects max keys -1", &ListObjectsInput{MaxKeys: -1}, "max-keys"},
	}
	// Job names are narrower than text: no XML-refused character passes.
	for _, s := range xmlRefused {
		q := strconv.QuoteToASCII(s)
		cases = append(cases,
			workflowJob("Name "+q, "Name", func(in *CreateInventoryTriggerJobInput) { in.Name = "n" + s }),
			inputCase{"trigger name " + q, &TriggerWorkflowInput{WorkflowID: testWorkflow, Object: "a", Name: "n" + s}, "name"},
			list("list name "+q, "name", DescribeInventoryTriggerJobsInput{Name: "n" + s}))
	}
	// The XML 1.0 character rule and the length bound of every text field.
	for _, f := range textFields {
		for _, s := range xmlRefused {
			cases = append(cases, inputCase{f.path + " " + strconv.QuoteToASCII(s), f.set("k" + s), f.path})
		}
		for _, s := range xmlAllowed {
			cases = append(cases, inputCase{f.path + " " + strconv.QuoteToASCII(s), f.set("k" + s), ""})
		}
		if f.maxLen > 0 {
			cases = append(cases,
				inputCase{f.path + " at its bound", f.set(strings.Repeat("k", f.maxLen)), ""},
				inputCase{f.path + " past its bound", f.set(strings.Repeat("k", f.maxLen+1)), f.path})
		}
	}
	return cases
}

// TestInputValidate: each input's Validate refuses exactly the bad value,
// naming it by its wire path, and the client refuses the same input
// before anything is sent.
func TestInputValidate(t *testing.T) {
	f := newFakeCI(t, always(xmlAnswer(http.StatusOK, "")))
	c := f.client(t, func(o *Options) { o.Retry.MaxAttempts = 1 })
	for _, tt := range inputCases() {
		t.Run(tt.name, func(t *testing.T) {
			var paths []string
			for _, pe := range ParamErrors(tt.in.Validate()) {
				paths = append(paths, pe.Path())
			}
			if want := strings.Fields(tt.path); !reflect.DeepEqual(paths, want) && (len(paths) > 0 || len(want) > 0) {
				t.Fatalf("Validate refuses %q, want %q", paths, want)
			}
			before := len(f.requests())
			err := send(c, tt.in)
			sent := len(f.requests()) - before
			if tt.path == "" {
				if sent != 1 || ParamErrors(err) != nil {
					t.Errorf("valid input: %d requests, err %v", sent, err)
				}
				return
			}
			pes := ParamErrors(err)
			if sent != 0 || len(pes) != len(paths) || pes[0].Path() != paths[0] || Classify(err) != RetryNever {
				t.Errorf("the call sent %d requests, err %v", sent, err)
			}
		})
	}
}

// send makes the call of an input.
func send(c *Client, in interface{ Validate() error }, optFns ...func(*Options)) error {
	var err error
	switch in := in.(type) {
	case *TriggerWorkflowInput:
		_, err = c.TriggerWorkflow(bg, in, optFns...)
	case *CreateInventoryTriggerJobInput:
		_, err = c.CreateInventoryTriggerJob(bg, in, optFns...)
	case *DescribeInventoryTriggerJobsInput:
		_, err = c.DescribeInventoryTriggerJobs(bg, in, optFns...)
	case *DescribeInventoryTriggerJobInput:
		_, err = c.DescribeInventoryTriggerJob(bg, in, optFns...)
	case *CancelInventoryTriggerJobInput:
		_, err = c.CancelInventoryTriggerJob(bg, in, optFns...)
	case *DescribeWorkflowExecutionsInput:
		_, err = c.DescribeWorkflowExecutions(bg, in, optFns...)
	case *DescribeWorkflowExecutionInput:
		_, err = c.DescribeWorkflowExecution(bg, in, optFns...)
	case *ListObjectsInput:
		_, err = c.ListObjects(bg, in, optFns...)
	default:
		panic("send: no call for " + reflect.TypeOf(in).String())
	}
	return err
}

// TestNilInput: a nil input is the zero input, refused where a field is
// required.
func TestNilInput(t *testing.T) {
	f := newFakeCI(t, always(xmlAnswer(http.StatusOK, "")))
	c := f.client(t, func(o *Options) { o.Retry.MaxAttempts = 1 })
	tests := []struct {
		name string
		call func() error
		path string // "" = sent
	}{
		{"TriggerWorkflow", func() error { _, err := c.TriggerWorkflow(bg, nil); return err }, "workflowId"},
		{"CreateInventoryTriggerJob", func() error { _, err := c.CreateInventoryTriggerJob(bg, nil); return err }, "Name"},
		{"DescribeInventoryTriggerJobs", func() error { _, err := c.DescribeInventoryTriggerJobs(bg, nil); return err }, ""},
		{"DescribeInventoryTriggerJob", func() error { _, err := c.DescribeInventoryTriggerJob(bg, nil); return err }, "jobId"},
		{"CancelInventoryTriggerJob", func() error { _, err := c.CancelInventoryTriggerJob(bg, nil); return err }, "jobId"},
		{"DescribeWorkflowExecutions", func() error { _, err := c.DescribeWorkflowExecutions(bg, nil); return err }, "workflowId"},
		{"DescribeWorkflowExecution", func() error { _, err := c.DescribeWorkflowExecution(bg, nil); return err }, "runId"},
		{"ListObjects", func() error { _, err := c.ListObjects(bg, nil); return err }, ""},
	}
	for _, tt := range tests {
		before := len(f.requests())
		err := tt.call()
		sent := len(f.requests()) - before
		pes := ParamErrors(err)
		switch {
		case tt.path == "" && (sent != 1 || pes != nil):
			t.Errorf("%s(nil): %d requests, %v", tt.name, sent, err)
		case tt.path != "" && (sent != 0 || len(pes) == 0 || pes[0].Path() != tt.path):
			t.Errorf("%s(nil): %d requests, %v; want refused for %s", tt.name, sent, err, tt.path)
		}
	}
}
