package sdkdiff

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	cos "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/internal/citest"
)

// TestEmulatorOfficialSDK: the SDK's calls of the batch API (trigger,
// create, describe, list and cancel jobs) and the emulator's call log.
func TestEmulatorOfficialSDK(t *testing.T) {
	e, _, c := newEmulator(t, ciemu.Options{})
	ctx := context.Background()

	// TriggerWorkflow (the SDK also sends an empty name=).
	tw, _, err := c.CI.TriggerWorkflow(ctx, &cos.TriggerWorkflowOptions{WorkflowId: workflowID, Object: "dir/中文 key+1.jpg"})
	if err != nil {
		t.Fatalf("TriggerWorkflow: %v", err)
	}
	if len(tw.InstanceId) != 33 || tw.InstanceId[0] != 'i' || tw.RequestId == "" {
		t.Errorf("TriggerWorkflow answer %+v", tw)
	}
	if n := e.TriggerCount(citest.Bucket, workflowID, "dir/中文 key+1.jpg"); n != 1 {
		t.Errorf("TriggerCount = %d, want 1", n)
	}

	// CreateInventoryTriggerJob, type Workflow.
	wf, _, err := c.CI.CreateInventoryTriggerJob(ctx, &cos.CreateInventoryTriggerJobOptions{
		Name:      "sdk-workflow",
		Type:      "Workflow",
		Input:     &cos.InventoryTriggerJobInput{Prefix: "photos/"},
		Operation: &cos.InventoryTriggerJobOperation{WorkflowIds: workflowID},
	})
	if err != nil {
		t.Fatalf("CreateInventoryTriggerJob Workflow: %v", err)
	}
	d := wf.JobsDetail
	if d == nil || d.JobId[0] != 'b' || d.State != "Submitted" || d.Code != "Success" ||
		d.EndTime != "-" || d.QueueId == "" || d.Input.Prefix != "photos/" || d.Operation.WorkflowIds != workflowID {
		t.Fatalf("Workflow job detail %+v", d)
	}

	// CreateInventoryTriggerJob, type Job with an ImageInspect JobParam.
	jb, _, err := c.CI.CreateInventoryTriggerJob(ctx, &cos.CreateInventoryTriggerJobOptions{
		Name:  "sdk-inspect",
		Type:  "Job",
		Input: &cos.InventoryTriggerJobInput{Object: "a.jpg"},
		Operation: &cos.InventoryTriggerJobOperation{
			Tag:      "ImageInspect",
			JobParam: &cos.InventoryTriggerJobOperationJobParam{ImageInspect: &cos.ImageInspect{AutoProcess: "true", ProcessType: "BackupObject"}},
		},
	})
	if err != nil {
		t.Fatalf("CreateInventoryTriggerJob Job: %v", err)
	}
	jd := jb.JobsDetail
	if jd == nil || jd.Tag != "ImageInspect" || jd.Operation.JobParam == nil || jd.Operation.JobParam.ImageInspect == nil ||
		jd.Operation.JobParam.ImageInspect.ProcessType != "BackupObject" || jd.Input.Object != "a.jpg" {
		t.Fatalf("Job job detail %+v", jd)
	}

	// DescribeInventoryTriggerJob, known and unknown.
	one, _, err := c.CI.DescribeInventoryTriggerJob(ctx, d.JobId)
	if err != nil || one.JobsDetail == nil || one.JobsDetail.JobId != d.JobId {
		t.Fatalf("DescribeInventoryTriggerJob: %+v, %v", one, err)
	}
	missing, _, err := c.CI.DescribeInventoryTriggerJob(ctx, "b00000000000000000000000000000000")
	if err != nil || missing.JobsDetail != nil {
		t.Fatalf("DescribeInventoryTriggerJob unknown: %+v, %v", missing, err)
	}

	// DescribeInventoryTriggerJobs: page one Workflow job at a time. The
	// SDK keeps one JobsDetail per page, so size=1 lets it see every job.
	for i := 0; i < 3; i++ {
		if _, _, err := c.CI.CreateInventoryTriggerJob(ctx, &cos.CreateInventoryTriggerJobOptions{
			Name: "sdk-more", Input: &cos.InventoryTriggerJobInput{Prefix: "more/"},
			Operation: &cos.InventoryTriggerJobOperation{WorkflowIds: workflowID},
		}); err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
	}
	seen := map[string]bool{}
	opt := &cos.DescribeInventoryTriggerJobsOptions{Size: "1", Type: "Workflow", States: "All"}
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		page, _, err := c.CI.DescribeInventoryTriggerJobs(ctx, opt)
		if err != nil {
			t.Fatalf("DescribeInventoryTriggerJobs page %d: %v", pages, err)
		}
		if page.JobsDetail == nil {
			t.Fatalf("page %d has no job", pages)
		}
		seen[page.JobsDetail.JobId] = true
		if page.NextToken == "" {
			break
		}
		opt.NextToken = page.NextToken
	}
	if len(seen) != 4 || !seen[d.JobId] {
		t.Errorf("paged through %d Workflow jobs %v, want 4 including %s", len(seen), seen, d.JobId)
	}
	jobs, _, err := c.CI.DescribeInventoryTriggerJobs(ctx, &cos.DescribeInventoryTriggerJobsOptions{Type: "Job"})
	if err != nil || jobs.JobsDetail == nil || jobs.JobsDetail.JobId != jd.JobId || jobs.NextToken != "" {
		t.Fatalf("DescribeInventoryTriggerJobs type=Job: %+v, %v", jobs, err)
	}

	// CancelInventoryTriggerJob (the SDK sends no ?cancel), then again: the
	// job is terminal now.
	if _, err := c.CI.CancelInventoryTriggerJob(ctx, d.JobId); err != nil {
		t.Fatalf("CancelInventoryTriggerJob: %v", err)
	}
	after, _, err := c.CI.DescribeInventoryTriggerJob(ctx, d.JobId)
	if err != nil || after.JobsDetail.State != "Cancel" {
		t.Fatalf("after cancel: %+v, %v", after.JobsDetail, err)
	}
	_, err = c.CI.CancelInventoryTriggerJob(ctx, d.JobId)
	var er *cos.ErrorResponse
	if !errors.As(err, &er) || er.Code != "InvalidArgument" || er.Response.StatusCode != http.StatusBadRequest {
		t.Fatalf("second cancel: %v", err)
	}
	for _, call := range e.Calls() {
		if call.Operation == "" || call.Bucket != citest.Bucket {
			t.Errorf("call logged as %+v", call)
		}
	}
}

// TestEmulatorOfficialSDKAuthErrors: the SDK decodes the emulator's
// refusals of a wrong key and an unknown SecretId as CI's errors.
func TestEmulatorOfficialSDKAuthErrors(t *testing.T) {
	_, u, _ := newEmulator(t, ciemu.Options{})
	ctx := context.Background()
	tests := []struct {
		name, id, key string
		status        int
		code          string
	}{
		{"bad key", ciemu.DefaultSecretID, "wrongSecretKey00000000000000000", http.StatusForbidden, "SignatureDoesNotMatch"},
		{"unknown id", "AKIDunknown", ciemu.DefaultSecretKey, http.StatusUnauthorized, "SecretidNotExist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := sdkClient(t, u, tt.id, tt.key)
			_, _, err := c.CI.TriggerWorkflow(ctx, &cos.TriggerWorkflowOptions{WorkflowId: workflowID, Object: "a.jpg"})
			var er *cos.ErrorResponse
			if !errors.As(err, &er) {
				t.Fatalf("err = %v, want *cos.ErrorResponse", err)
			}
			if er.Code != tt.code || er.Response.StatusCode != tt.status || er.RequestID == "" {
				t.Errorf("got %d %s (request %q), want %d %s", er.Response.StatusCode, er.Code, er.RequestID, tt.status, tt.code)
			}
		})
	}
}

// TestEmulatorOfficialSDKBucket: the SDK's PUT Object (which checks the
// answer's CRC-64) and GET Bucket against the COS host, paging by marker.
func TestEmulatorOfficialSDKBucket(t *testing.T) {
	e, u, c := newEmulator(t, ciemu.Options{})
	ctx := context.Background()
	keys := []string{"photos/b.jpg", "photos/a b+c.jpg", "photos/中文.jpg", "other/x.jpg", "photos/a.jpg"}
	for _, k := range keys {
		if _, err := c.Object.Put(ctx, k, strings.NewReader("body of "+k), nil); err != nil {
			t.Fatalf("Object.Put %s: %v", k, err)
		}
	}
	if n := len(e.Objects(citest.Bucket)); n != len(keys) {
		t.Fatalf("emulator stored %d objects, want %d", n, len(keys))
	}

	var got []string
	opt := &cos.BucketGetOptions{Prefix: "photos/", MaxKeys: 2}
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		res, _, err := c.Bucket.Get(ctx, opt)
		if err != nil {
			t.Fatalf("Bucket.Get: %v", err)
		}
		for _, o := range res.Contents {
			sum := md5.Sum([]byte("body of " + o.Key))
			if o.ETag != `"`+hex.EncodeToString(sum[:])+`"` || o.Size != int64(len("body of "+o.Key)) || o.StorageClass != "STANDARD" {
				t.Errorf("entry %+v", o)
			}
			if _, err := time.Parse(time.RFC3339, o.LastModified); err != nil {
				t.Errorf("LastModified %q: %v", o.LastModified, err)
			}
			got = append(got, o.Key)
		}
		if !res.IsTruncated {
			break
		}
		opt.Marker = res.NextMarker
	}
	want := []string{"photos/a b+c.jpg", "photos/a.jpg", "photos/b.jpg", "photos/中文.jpg"}
	if !slices.Equal(got, want) {
		t.Errorf("listed %q, want %q", got, want)
	}

	bad := sdkClient(t, u, ciemu.DefaultSecretID, "wrongSecretKey00000000000000000")
	_, _, err := bad.Bucket.Get(ctx, nil)
	var er *cos.ErrorResponse
	if !errors.As(err, &er) || er.Code != "SignatureDoesNotMatch" || er.Response.StatusCode != http.StatusForbidden || er.RequestID == "" {
		t.Errorf("Bucket.Get with a wrong key: %v", err)
	}
}

// TestEmulatorOfficialSDKWorkflowExecutions: the SDK reads back the runs
// its triggers started, paging by NextToken, and one run with its topology.
func TestEmulatorOfficialSDKWorkflowExecutions(t *testing.T) {
	_, _, c := newEmulator(t, ciemu.Options{})
	ctx := context.Background()
	var runs []string
	for _, obj := range []string{"a.mp4", "b.mp4", "c.mp4"} {
		tw, _, err := c.CI.TriggerWorkflow(ctx, &cos.TriggerWorkflowOptions{WorkflowId: workflowID, Object: obj})
		if err != nil {
			t.Fatalf("TriggerWorkflow: %v", err)
		}
		runs = append(runs, tw.InstanceId)
	}

	var got []string
	opt := &cos.DescribeWorkflowExecutionsOptions{WorkflowId: workflowID, Size: 2, OrderByTime: "Asc", States: "All"}
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		res, _, err := c.CI.DescribeWorkflowExecutions(ctx, opt)
		if err != nil {
			t.Fatalf("DescribeWorkflowExecutions: %v", err)
		}
		for _, x := range res.WorkflowExecutionList {
			// The SDK maps CreationTime; the emulator answers the API
			// reference's CreateTime, so the SDK sees none.
			if x.WorkflowId != workflowID || x.State != "Running" || x.CreationTime != "" {
				t.Errorf("list element %+v", x)
			}
			got = append(got, x.RunId)
		}
		if res.NextToken == "" {
			break
		}
		opt.NextToken = res.NextToken
	}
	if !slices.Equal(got, runs) {
		t.Errorf("listed %v, want %v", got, runs)
	}

	one, _, err := c.CI.DescribeWorkflowExecution(ctx, runs[1])
	if err != nil || len(one.WorkflowExecution) != 1 {
		t.Fatalf("DescribeWorkflowExecution: %+v, %v", one, err)
	}
	x := one.WorkflowExecution[0]
	if x.RunId != runs[1] || x.Object != "b.mp4" || x.WorkflowName != "workflow-12345678" || x.CreateTime == "" ||
		x.Topology.Dependencies["Start"] != "Transcode_1581665960537" || x.Topology.Nodes["Start"].Type != "Start" {
		t.Errorf("execution %+v", x)
	}
	none, _, err := c.CI.DescribeWorkflowExecution(ctx, "i00000000000000000000000000000000")
	if err != nil || len(none.WorkflowExecution) != 0 {
		t.Errorf("unknown run: %+v, %v", none, err)
	}
}
