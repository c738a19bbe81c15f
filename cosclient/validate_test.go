package cosclient

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestValidateBucketRegion(t *testing.T) {
	long := strings.Repeat("a", 63-len("-1250000000"))
	tests := []struct {
		fn    func(string) error
		in    string
		valid bool
	}{
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
		{ValidateRegion, "guangzhou", false},
		{ValidateRegion, "AP-guangzhou", false},
		{ValidateRegion, "ap--guangzhou", false},
		{ValidateRegion, "ap-guangzhou-", false},
		{ValidateRegion, "1p-guangzhou", false},
		{ValidateRegion, "ap.guangzhou", false},
		{ValidateWorkflowID, testWorkflow, true},
		{ValidateWorkflowID, "w0123456789ABCDEF0123456789abcdef", false},
		{ValidateWorkflowID, "x0123456789abcdef0123456789abcdef", false},
		{ValidateWorkflowID, "w0123456789abcdef0123456789abcde", false},
		{ValidateWorkflowID, "w0123456789abcdef0123456789abcdeg", false},
		{ValidateJobName, "图片审核_job-1", true},
		{ValidateJobName, strings.Repeat("汉", 128), true},
		{ValidateJobName, strings.Repeat("汉", 129), false},
		{ValidateJobName, strings.Repeat("a", 128), true},
		{ValidateJobName, "", false},
		{ValidateJobName, "has space", false},
		{ValidateJobName, "a.b", false},
		{ValidateJobName, "こんにちは", false},
		{ValidateObjectKey, "a/b c/图片.jpg", true},
		{ValidateObjectKey, strings.Repeat("k", 850), true},
		{ValidateObjectKey, strings.Repeat("k", 851), false},
		{ValidateObjectKey, "", false},
		{ValidateObjectKey, "bad\xff", false},
	}
	for _, tt := range tests {
		err := tt.fn(tt.in)
		if (err == nil) != tt.valid {
			t.Errorf("%q: err = %v, want valid=%v", tt.in, err, tt.valid)
		}
		var ve *ValidationError
		if err != nil && !errors.As(err, &ve) {
			t.Errorf("%q: %T is not a *ValidationError", tt.in, err)
		}
	}
}

// TestValidationRefusesBeforeSending runs every rule through the client:
// each bad input is a *ValidationError naming its field, and no request
// reaches the server.
func TestValidationRefusesBeforeSending(t *testing.T) {
	f := newFakeCI(t, func(int, http.ResponseWriter, *http.Request) {})
	c := f.client(t)
	okCreate := func(mod func(*CreateInventoryTriggerJobInput)) *CreateInventoryTriggerJobInput {
		in := &CreateInventoryTriggerJobInput{Name: "n", Input: JobInput{Prefix: ptr("p/")}, Operation: JobOperation{WorkflowIDs: testWorkflow}}
		mod(in)
		return in
	}
	okJob := func(mod func(*CreateInventoryTriggerJobInput)) *CreateInventoryTriggerJobInput {
		return okCreate(func(in *CreateInventoryTriggerJobInput) {
			in.Type, in.Operation = JobTypeJob, JobOperation{Tag: "ImageInspect"}
			mod(in)
		})
	}
	create := func(in *CreateInventoryTriggerJobInput) func() error {
		return func() error { _, err := c.CreateInventoryTriggerJob(bg, in); return err }
	}
	list := func(in DescribeInventoryTriggerJobsInput) func() error {
		return func() error { _, err := c.DescribeInventoryTriggerJobs(bg, &in); return err }
	}
	trig := func(in TriggerWorkflowInput) func() error {
		return func() error { _, err := c.TriggerWorkflow(bg, &in); return err }
	}
	tests := []struct {
		name  string
		call  func() error
		field string
	}{
		{"trigger bad workflow", trig(TriggerWorkflowInput{WorkflowID: "w1", Object: "a"}), "workflowId"},
		{"trigger empty object", trig(TriggerWorkflowInput{WorkflowID: testWorkflow}), "object"},
		{"trigger long object", trig(TriggerWorkflowInput{WorkflowID: testWorkflow, Object: strings.Repeat("a", 851)}), "object"},
		{"trigger bad name", trig(TriggerWorkflowInput{WorkflowID: testWorkflow, Object: "a", Name: "a b"}), "name"},
		{"trigger nil", func() error { _, err := c.TriggerWorkflow(bg, nil); return err }, "input"},
		{"trigger bad bucket override", func() error {
			_, err := c.TriggerWorkflow(bg, &TriggerWorkflowInput{WorkflowID: testWorkflow, Object: "a"}, WithBucket("x", testRegion))
			return err
		}, "bucket"},
		{"trigger bad region override", func() error {
			_, err := c.TriggerWorkflow(bg, &TriggerWorkflowInput{WorkflowID: testWorkflow, Object: "a"}, WithBucket(testBucket, "gz"))
			return err
		}, "region"},
		{"create no name", create(okCreate(func(in *CreateInventoryTriggerJobInput) { in.Name = "" })), "Name"},
		{"create long name", create(okCreate(func(in *CreateInventoryTriggerJobInput) { in.Name = strings.Repeat("a", 129) })), "Name"},
		{"create bad type", create(okCreate(func(in *CreateInventoryTriggerJobInput) { in.Type = "Batch" })), "Type"},
		{"create no input", create(okCreate(func(in *CreateInventoryTriggerJobInput) { in.Input = JobInput{} })), "Input"},
		{"create two inputs", create(okCreate(func(in *CreateInventoryTriggerJobInput) { in.Input.Object = ptr("o") })), "Input"},
		{"create empty object", create(okCreate(func(in *CreateInventoryTriggerJobInput) { in.Input = JobInput{Object: ptr("")} })), "Input.Object"},
		{"create empty manifest", create(okCreate(func(in *CreateInventoryTriggerJobInput) { in.Input = JobInput{Manifest: ptr("")} })), "Input.Manifest"},
		{"create empty urlfile", create(okCreate(func(in *CreateInventoryTriggerJobInput) { in.Input = JobInput{URLFile: ptr("")} })), "Input.UrlFile"},
		{"workflow without ids", create(okCreate(func(in *CreateInventoryTriggerJobInput) { in.Operation.WorkflowIDs = "" })), "Operation.WorkflowIds"},
		{"workflow bad id in list", create(okCreate(func(in *CreateInventoryTriggerJobInput) { in.Operation.WorkflowIDs = testWorkflow + ",wbad" })), "Operation.WorkflowIds"},
		{"job without tag", create(okJob(func(in *CreateInventoryTriggerJobInput) { in.Operation.Tag = "" })), "Operation.Tag"},
		{"job level 3", create(okJob(func(in *CreateInventoryTriggerJobInput) { in.Operation.JobLevel = 3 })), "Operation.JobLevel"},
		{"job level -1", create(okJob(func(in *CreateInventoryTriggerJobInput) { in.Operation.JobLevel = -1 })), "Operation.JobLevel"},
		{"userdata long", create(okJob(func(in *CreateInventoryTriggerJobInput) { in.Operation.UserData = strings.Repeat("u", 1025) })), "Operation.UserData"},
		{"userdata not ascii", create(okJob(func(in *CreateInventoryTriggerJobInput) { in.Operation.UserData = "数据" })), "Operation.UserData"},
		{"userdata control", create(okJob(func(in *CreateInventoryTriggerJobInput) { in.Operation.UserData = "a\nb" })), "Operation.UserData"},
		{"callback format", create(okJob(func(in *CreateInventoryTriggerJobInput) { in.Operation.CallBackFormat = "YAML" })), "Operation.CallBackFormat"},
		{"callback type", create(okJob(func(in *CreateInventoryTriggerJobInput) { in.Operation.CallBackType = "Kafka" })), "Operation.CallBackType"},
		{"bad start", create(okCreate(func(in *CreateInventoryTriggerJobInput) {
			in.Operation.TimeInterval = &TimeInterval{Start: "yesterday"}
		})), "Operation.TimeInterval.Start"},
		{"bad end", create(okCreate(func(in *CreateInventoryTriggerJobInput) {
			in.Operation.TimeInterval = &TimeInterval{End: "2026-13-01T00:00:00+0800"}
		})), "Operation.TimeInterval.End"},
		{"start after end", create(okCreate(func(in *CreateInventoryTriggerJobInput) {
			in.Operation.TimeInterval = &TimeInterval{Start: "2026-11-22T02:00:00+0800", End: "2026-11-22T01:00:00+08:00"}
		})), "Operation.TimeInterval"},
		{"list size 101", list(DescribeInventoryTriggerJobsInput{Size: 101}), "size"},
		{"list size -1", list(DescribeInventoryTriggerJobsInput{Size: -1}), "size"},
		{"list type", list(DescribeInventoryTriggerJobsInput{Type: "Batch"}), "type"},
		{"list order", list(DescribeInventoryTriggerJobsInput{OrderByTime: "desc"}), "orderByTime"},
		{"list state", list(DescribeInventoryTriggerJobsInput{States: []JobState{"Done"}}), "states"},
		{"list start time", list(DescribeInventoryTriggerJobsInput{StartCreationTime: "now"}), "startCreationTime"},
		{"list end time", list(DescribeInventoryTriggerJobsInput{EndCreationTime: "now"}), "endCreationTime"},
		{"list workflow", list(DescribeInventoryTriggerJobsInput{WorkflowID: "w"}), "workflowId"},
		{"describe no id", func() error {
			_, err := c.DescribeInventoryTriggerJob(bg, &DescribeInventoryTriggerJobInput{})
			return err
		}, "jobId"},
		{"cancel no id", func() error {
			_, err := c.CancelInventoryTriggerJob(bg, &CancelInventoryTriggerJobInput{})
			return err
		}, "jobId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.field {
				t.Fatalf("err = %v, want *ValidationError for %s", err, tt.field)
			}
			if Retryable(err) {
				t.Error("validation error is retryable")
			}
		})
	}
	if n := len(f.requests()); n != 0 {
		t.Fatalf("%d requests reached the server", n)
	}
	// The same inputs, made valid, do pass validation.
	for _, in := range []*CreateInventoryTriggerJobInput{okCreate(func(*CreateInventoryTriggerJobInput) {}), okJob(func(*CreateInventoryTriggerJobInput) {})} {
		if err := in.Validate(); err != nil {
			t.Errorf("valid input refused: %v", err)
		}
	}
}
