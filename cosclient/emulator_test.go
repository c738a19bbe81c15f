package cosclient_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
)

// TestAgainstEmulator runs every operation against the CI emulator (which
// the official SDK also checks), over loopback.
func TestAgainstEmulator(t *testing.T) {
	emu := ciemu.New(ciemu.Options{SubmittedFor: time.Millisecond, RunningFor: time.Millisecond, Seed: 1})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	c, err := cosclient.New(cosclient.Options{Region: "ap-guangzhou", Bucket: "examplebucket-1250000000", Endpoint: srv.URL,
		Credentials: cosclient.StaticCredentials{SecretID: ciemu.DefaultSecretID, SecretKey: ciemu.DefaultSecretKey, SessionToken: "tok"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	const wf = "w0123456789abcdef0123456789abcdef"

	tr, err := c.TriggerWorkflow(ctx, &cosclient.TriggerWorkflowInput{WorkflowID: wf, Object: "dir/a b+c.jpg", Name: "one"})
	if err != nil || tr.InstanceID == "" {
		t.Fatalf("TriggerWorkflow: %+v %v", tr, err)
	}
	if n := emu.TriggerCount("examplebucket-1250000000", wf, "dir/a b+c.jpg"); n != 1 {
		t.Errorf("emulator counted %d triggers", n)
	}

	var ids []string
	for _, name := range []string{"job-a", "job-b", "job-c"} {
		out, err := c.CreateInventoryTriggerJob(ctx, &cosclient.CreateInventoryTriggerJobInput{Name: name,
			Input: cosclient.JobInput{Prefix: new(string)}, Operation: cosclient.JobOperation{WorkflowIDs: wf}})
		if err != nil || out.JobsDetail == nil || out.JobsDetail.JobID == "" {
			t.Fatalf("CreateInventoryTriggerJob: %+v %v", out, err)
		}
		ids = append(ids, out.JobsDetail.JobID)
	}

	d, err := c.WaitForJob(ctx, ids[0], 2*time.Millisecond)
	if err != nil || d.State != cosclient.JobStateSuccess {
		t.Fatalf("WaitForJob: %+v %v", d, err)
	}

	p := cosclient.NewJobsPaginator(c, &cosclient.DescribeInventoryTriggerJobsInput{Size: 1})
	seen := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		seen += len(page.JobsDetail)
	}
	if seen != 3 {
		t.Errorf("paginator saw %d jobs, want 3", seen)
	}

	if _, err := c.CancelInventoryTriggerJob(ctx, &cosclient.CancelInventoryTriggerJobInput{JobID: ids[2]}); err != nil {
		var re *cosclient.ResponseError
		if !errors.As(err, &re) { // cancelling a finished job may be refused, but on the wire
			t.Fatalf("Cancel: %v", err)
		}
	}

	_, err = c.DescribeInventoryTriggerJob(ctx, &cosclient.DescribeInventoryTriggerJobInput{JobID: "b00000000000000000000000000000000"})
	var nf *cosclient.NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("Describe unknown: %v, want *NotFoundError", err)
	}
}
