package cosclient_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/citest"
)

const (
	emuBucket   = citest.Bucket
	emuWorkflow = "w0123456789abcdef0123456789abcdef"
)

// newEmulator serves a CI emulator on loopback, its jobs finishing within
// milliseconds, and returns a client of it with temporary credentials.
func newEmulator(t *testing.T, opts ciemu.Options) (*ciemu.Emulator, *cosclient.Client) {
	t.Helper()
	if opts.SubmittedFor == 0 {
		opts.SubmittedFor, opts.RunningFor = time.Millisecond, time.Millisecond
	}
	emu, url := citest.Emulator(t, opts)
	c := citest.Client(t, url, func(o *cosclient.Options) {
		creds := citest.Credentials
		creds.SessionToken = "tok"
		o.Credentials = creds
		// The default attempts, not citest.FastRetry's two.
		o.Retry = cosclient.RetryOptions{BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}
	})
	return emu, c
}

// TestAgainstEmulator runs the job operations, the paginator and the
// waiter against the CI emulator (which the official SDK also checks).
func TestAgainstEmulator(t *testing.T) {
	emu, c := newEmulator(t, ciemu.Options{Seed: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	tr, err := c.TriggerWorkflow(ctx, &cosclient.TriggerWorkflowInput{WorkflowID: emuWorkflow, Object: "dir/a b+c%图.jpg", Name: "one"})
	if err != nil || tr.InstanceID == "" {
		t.Fatalf("TriggerWorkflow: %+v %v", tr, err)
	}
	if n := emu.TriggerCount(emuBucket, emuWorkflow, "dir/a b+c%图.jpg"); n != 1 {
		t.Errorf("emulator counted %d triggers", n)
	}

	var ids []string
	for _, name := range []string{"job-a", "job-b", "job-c"} {
		out, err := c.CreateInventoryTriggerJob(ctx, &cosclient.CreateInventoryTriggerJobInput{Name: name,
			Input: cosclient.JobInput{Prefix: new(string)}, Operation: cosclient.JobOperation{WorkflowIDs: emuWorkflow}})
		if err != nil || out.JobsDetail == nil || out.JobsDetail.JobID == "" || out.JobsDetail.Name != name {
			t.Fatalf("CreateInventoryTriggerJob: %+v %v", out, err)
		}
		ids = append(ids, out.JobsDetail.JobID)
	}

	w := cosclient.NewJobWaiter(c, func(o *cosclient.JobWaiterOptions) { o.Interval = time.Millisecond })
	d, err := w.Wait(ctx, ids[0])
	if err != nil || d.State != cosclient.JobStateSuccess || d.JobID != ids[0] {
		t.Fatalf("Wait: %+v %v", d, err)
	}

	var listed []string
	for _, page := range citest.AllPages(t, cosclient.NewJobsPaginator(c, &cosclient.DescribeInventoryTriggerJobsInput{Size: 1, OrderByTime: "Asc"})) {
		for _, d := range page.JobsDetail {
			listed = append(listed, d.JobID)
		}
	}
	if !reflect.DeepEqual(listed, ids) {
		t.Errorf("paginator listed %v, want %v", listed, ids)
	}

	if _, err := c.CancelInventoryTriggerJob(ctx, &cosclient.CancelInventoryTriggerJobInput{JobID: ids[2]}); err != nil && cosclient.ErrorStatus(err) == 0 {
		t.Fatalf("Cancel: %v", err) // cancelling a finished job may be refused, but on the wire
	}

	_, err = c.DescribeInventoryTriggerJob(ctx, &cosclient.DescribeInventoryTriggerJobInput{JobID: "b00000000000000000000000000000000"})
	var nf *cosclient.NotFoundError
	if !errors.As(err, &nf) || nf.RequestID == "" {
		t.Fatalf("Describe unknown: %v, want *NotFoundError", err)
	}
}

// TestListObjectsAgainstEmulator pages through the emulator's bucket on
// its COS host and gets every object as the emulator holds it.
func TestListObjectsAgainstEmulator(t *testing.T) {
	emu, c := newEmulator(t, ciemu.Options{})
	modified := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	for i, key := range []string{"dir/a b.jpg", "dir/图片.jpg", "dir/z", "dir/sub/x", "other", "dir/\t😀"} {
		if err := emu.PutObject(emuBucket, key, int64(i*100), modified.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	var want []cosclient.Object
	for _, o := range emu.Objects(emuBucket) {
		if o.Key != "other" {
			want = append(want, o)
		}
	}
	pages := citest.AllPages(t, cosclient.NewObjectsPaginator(c, &cosclient.ListObjectsInput{Prefix: "dir/", MaxKeys: 2}))
	var got []cosclient.Object
	for _, page := range pages {
		got = append(got, page.Contents...)
	}
	if len(want) != 5 || !reflect.DeepEqual(got, want) || len(pages) != 3 {
		t.Errorf("%d pages of %v\nwant %v", len(pages), got, want)
	}
	for _, o := range got {
		if o.ETag == "" || o.LastModified == "" {
			t.Errorf("object %+v lacks its ETag or time", o)
		}
	}
}

// TestExecutionsAgainstEmulator finds the run a TriggerWorkflow started in
// CI's execution list, by paging and by its RunID.
func TestExecutionsAgainstEmulator(t *testing.T) {
	emu, c := newEmulator(t, ciemu.Options{Seed: 2})
	ctx := context.Background()
	runs := map[string]string{} // object → RunID
	for _, object := range []string{"dir/a.mp4", "dir/a.mp4.bak", "dir/b.mp4"} {
		out, err := c.TriggerWorkflow(ctx, &cosclient.TriggerWorkflowInput{WorkflowID: emuWorkflow, Object: object})
		if err != nil {
			t.Fatal(err)
		}
		runs[object] = out.InstanceID
	}

	// The name filter may match more than the key: compare each Object.
	var found []string
	for _, page := range citest.AllPages(t, cosclient.NewExecutionsPaginator(c, &cosclient.DescribeWorkflowExecutionsInput{WorkflowID: emuWorkflow, Name: "dir/a.mp4", Size: 1})) {
		for _, x := range page.WorkflowExecutionList {
			if _, err := x.Created(); err != nil || x.WorkflowID != emuWorkflow {
				t.Errorf("execution %+v: %v", x, err)
			}
			if x.Object == "dir/a.mp4" {
				found = append(found, x.RunID)
			}
		}
	}
	if !reflect.DeepEqual(found, []string{runs["dir/a.mp4"]}) {
		t.Errorf("found runs %v of dir/a.mp4, want %v", found, runs["dir/a.mp4"])
	}

	out, err := c.DescribeWorkflowExecution(ctx, &cosclient.DescribeWorkflowExecutionInput{RunID: runs["dir/b.mp4"]})
	if err != nil {
		t.Fatal(err)
	}
	x := out.WorkflowExecution
	var want cosclient.WorkflowExecution
	for _, e := range emu.Executions(emuBucket, emuWorkflow) {
		if e.RunID == x.RunID {
			want = e
		}
	}
	if x.Object != "dir/b.mp4" || x.Topology == nil || len(x.Topology.Nodes) == 0 || x.WorkflowName != want.WorkflowName || x.CreateTime != want.CreateTime {
		t.Errorf("execution %+v\nwant %+v", x, want)
	}

	_, err = c.DescribeWorkflowExecution(ctx, &cosclient.DescribeWorkflowExecutionInput{RunID: "i00000000000000000000000000000000"})
	if !cosclient.NotFound(err) || cosclient.Classify(err) != cosclient.RetryNever {
		t.Errorf("unknown run: %v", err)
	}
}

// TestUnreadable2xxFiresOnce: a TriggerWorkflow that ran and was answered
// 200 with an unreadable body is Accepted (the run started: never retry
// it), after exactly one request, and ran exactly once. (ciemu's
// TestLostAnswers takes the client through every way an answer is lost.)
func TestUnreadable2xxFiresOnce(t *testing.T) {
	emu, c := newEmulator(t, ciemu.Options{})
	emu.SetAnswer(ciemu.OpTriggerWorkflow, []byte("<Response><InstanceId>i0123"))
	ctx := context.Background()
	_, err := c.TriggerWorkflow(ctx, &cosclient.TriggerWorkflowInput{WorkflowID: emuWorkflow, Object: "a.jpg"})
	if !cosclient.Accepted(err) || !cosclient.Ambiguous(err) || cosclient.Classify(err) != cosclient.RetryNever ||
		cosclient.ErrorStatus(err) != 200 || cosclient.ErrorAttempts(err) != 1 {
		t.Errorf("%v: accepted %v, ambiguous %v, retry %v, status %d, attempts %d", err, cosclient.Accepted(err),
			cosclient.Ambiguous(err), cosclient.Classify(err), cosclient.ErrorStatus(err), cosclient.ErrorAttempts(err))
	}
	if calls := emu.Calls(); len(calls) != 1 || calls[0].Fault != ciemu.FaultCanned {
		t.Errorf("calls %+v, want the one canned", calls)
	}
	if n := emu.TriggerCount(emuBucket, emuWorkflow, "a.jpg"); n != 1 {
		t.Errorf("ran %d times, want 1", n)
	}
	// The run is there to be found.
	out, err := c.DescribeWorkflowExecutions(ctx, &cosclient.DescribeWorkflowExecutionsInput{WorkflowID: emuWorkflow, Name: "a.jpg"})
	if err != nil || len(out.WorkflowExecutionList) != 1 || out.WorkflowExecutionList[0].Object != "a.jpg" {
		t.Errorf("executions %+v, %v", out, err)
	}
}
