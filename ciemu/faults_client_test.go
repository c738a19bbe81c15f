package ciemu_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/citest"
)

// callFor returns the logged call of op whose query parameter name is
// value.
func callFor(t *testing.T, emu *ciemu.Emulator, op, name, value string) ciemu.Call {
	t.Helper()
	for _, c := range emu.Calls() {
		if c.Operation == op && c.Query.Get(name) == value {
			return c
		}
	}
	t.Fatalf("no %s call with %s=%s", op, name, value)
	return ciemu.Call{}
}

// TestLostAnswers: with every state-changing answer lost, each of the
// three ways shows in cosclient as the failure it is: ambiguous (the
// workflow may have run: it did), and, for the 200, accepted. The run is
// there to be found, as a caller recovering from the failure would look
// for it.
func TestLostAnswers(t *testing.T) {
	emu, url := citest.Emulator(t, ciemu.Options{Seed: 3, Faults: ciemu.Faults{LostAnswerRate: 1}})
	c := citest.Client(t, url, nil)
	ctx := context.Background()
	want := map[ciemu.FaultKind]struct {
		status   int
		accepted bool
		retry    cosclient.Retry
	}{
		ciemu.FaultLostReset: {0, false, cosclient.RetryNow},
		ciemu.FaultLostError: {500, false, cosclient.RetryNow},
		ciemu.FaultLostBody:  {200, true, cosclient.RetryNever},
	}
	seen := map[ciemu.FaultKind]int{}
	for i := 0; len(seen) < len(want); i++ {
		if i == 50 {
			t.Fatalf("50 triggers drew only %v", seen)
		}
		obj := fmt.Sprintf("lost/%d.jpg", i)
		_, err := c.TriggerWorkflow(ctx, &cosclient.TriggerWorkflowInput{WorkflowID: wf, Object: obj})
		kind := callFor(t, emu, ciemu.OpTriggerWorkflow, "object", obj).Fault
		seen[kind]++
		w, ok := want[kind]
		if !ok {
			t.Fatalf("%s: fault %q, want a lost answer", obj, kind)
		}
		if err == nil || !cosclient.Ambiguous(err) || cosclient.Accepted(err) != w.accepted ||
			cosclient.ErrorStatus(err) != w.status || cosclient.Classify(err) != w.retry || cosclient.ErrorAttempts(err) != 1 {
			t.Errorf("%s (%s): err %v: ambiguous %v, accepted %v, status %d, retry %v, attempts %d", obj, kind, err,
				cosclient.Ambiguous(err), cosclient.Accepted(err), cosclient.ErrorStatus(err), cosclient.Classify(err), cosclient.ErrorAttempts(err))
		}
		var ce *cosclient.ConnectionError
		if kind == ciemu.FaultLostReset && (!errors.As(err, &ce) || !ce.Sent) {
			t.Errorf("%s: reset is %v, want a *ConnectionError after sending", obj, err)
		}
		out, err := c.DescribeWorkflowExecutions(ctx, &cosclient.DescribeWorkflowExecutionsInput{WorkflowID: wf, Name: obj})
		if err != nil || len(out.WorkflowExecutionList) != 1 || out.WorkflowExecutionList[0].Object != obj {
			t.Errorf("%s: the run is not found: %+v, %v", obj, out, err)
		}
		if n := emu.TriggerCount(citest.Bucket, wf, obj); n != 1 {
			t.Errorf("%s ran %d times", obj, n)
		}
	}

	// A call that changes nothing keeps its answer; so does a refused one.
	if _, err := c.DescribeWorkflowExecutions(ctx, &cosclient.DescribeWorkflowExecutionsInput{WorkflowID: wf}); err != nil {
		t.Errorf("a listing lost its answer: %v", err)
	}
	if _, err := c.ListObjects(ctx, &cosclient.ListObjectsInput{}); err != nil {
		t.Errorf("a bucket listing lost its answer: %v", err)
	}
	_, err := c.TriggerWorkflow(ctx, &cosclient.TriggerWorkflowInput{WorkflowID: wf, Object: "refused"}, func(o *cosclient.Options) {
		o.Credentials = cosclient.StaticCredentials{SecretID: ciemu.DefaultSecretID, SecretKey: "wrong"}
	})
	var ae *cosclient.APIError
	if !errors.As(err, &ae) || ae.Code != "SignatureDoesNotMatch" {
		t.Errorf("refused trigger: %v", err)
	}
	if k := callFor(t, emu, ciemu.OpTriggerWorkflow, "object", "refused").Fault; k != ciemu.FaultNone {
		t.Errorf("refused trigger recorded fault %q", k)
	}

	// A job created with a lost answer exists all the same.
	_, err = c.CreateInventoryTriggerJob(ctx, &cosclient.CreateInventoryTriggerJobInput{Name: "lost",
		Input: cosclient.JobInput{Prefix: new(string)}, Operation: cosclient.JobOperation{WorkflowIDs: wf}})
	if jobs := emu.Jobs(citest.Bucket); len(jobs) != 1 || jobs[0].Name != "lost" {
		t.Errorf("after a create answered %v: jobs %+v", err, jobs)
	}
}

// TestFaultsByOperation: Ops limits the before-processing faults, and
// LostAnswerOps the lost answers, to the operations named.
func TestFaultsByOperation(t *testing.T) {
	emu, url := citest.Emulator(t, ciemu.Options{Faults: ciemu.Faults{
		ErrorRate: 1, Ops: []string{ciemu.OpDescribeWorkflowExecutions},
		LostAnswerRate: 1, LostAnswerOps: []string{ciemu.OpCreateInventoryTriggerJob},
	}})
	c := citest.Client(t, url, func(o *cosclient.Options) { o.Retry.MaxAttempts = 1 })
	ctx := context.Background()
	if _, err := c.TriggerWorkflow(ctx, &cosclient.TriggerWorkflowInput{WorkflowID: wf, Object: "a.jpg"}); err != nil {
		t.Errorf("TriggerWorkflow, in neither list: %v", err)
	}
	_, err := c.DescribeWorkflowExecutions(ctx, &cosclient.DescribeWorkflowExecutionsInput{WorkflowID: wf})
	if cosclient.ErrorStatus(err) != 503 {
		t.Errorf("DescribeWorkflowExecutions, in Ops: %v, want a 503", err)
	}
	_, err = c.CreateInventoryTriggerJob(ctx, &cosclient.CreateInventoryTriggerJobInput{Name: "n",
		Input: cosclient.JobInput{Prefix: new(string)}, Operation: cosclient.JobOperation{WorkflowIDs: wf}})
	if !cosclient.Ambiguous(err) || len(emu.Jobs(citest.Bucket)) != 1 {
		t.Errorf("CreateInventoryTriggerJob, in LostAnswerOps: %v, jobs %d", err, len(emu.Jobs(citest.Bucket)))
	}
	for _, call := range emu.Calls() {
		wantLost := call.Operation == ciemu.OpCreateInventoryTriggerJob
		wantError := call.Operation == ciemu.OpDescribeWorkflowExecutions
		if call.Fault.Lost() != wantLost || (call.Fault == ciemu.FaultError) != wantError {
			t.Errorf("%s: fault %q", call.Operation, call.Fault)
		}
	}
}
