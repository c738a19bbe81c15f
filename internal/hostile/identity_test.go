package hostile_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/hostile"
)

// TestAnswersAboutAnotherID: an answer about another job, run or workflow
// than the one asked for is a *MismatchError naming both, and not used: a
// waited job answered about another does not "end Failed".
func TestAnswersAboutAnotherID(t *testing.T) {
	t.Parallel()
	const other = "b-someone-else"
	s := hostile.Start(t, hostile.About(other))
	c := newClient(t, s, nil)
	ctx := bounded(t)
	_, jobErr := c.DescribeInventoryTriggerJob(ctx, &cosclient.DescribeInventoryTriggerJobInput{JobID: jobID})
	_, runErr := c.DescribeWorkflowExecution(ctx, &cosclient.DescribeWorkflowExecutionInput{RunID: runID})
	_, runsErr := c.DescribeWorkflowExecutions(ctx, &cosclient.DescribeWorkflowExecutionsInput{WorkflowID: workflowID})
	last, waitErr := cosclient.NewJobWaiter(c).Wait(ctx, jobID)
	for _, tt := range []struct {
		name, resource, asked string
		err                   error
	}{
		{"DescribeInventoryTriggerJob", "job", jobID, jobErr},
		{"DescribeWorkflowExecution", "workflow execution", runID, runErr},
		{"DescribeWorkflowExecutions", "workflow", workflowID, runsErr},
		{"JobWaiter.Wait", "job", jobID, waitErr},
	} {
		var me *cosclient.MismatchError
		if !errors.As(tt.err, &me) || me.Resource != tt.resource || me.Asked != tt.asked || me.Answered != other {
			t.Errorf("%s: err = %v, want a *MismatchError of %s %s answered about %s", tt.name, tt.err, tt.resource, tt.asked, other)
			continue
		}
		if msg := tt.err.Error(); !strings.Contains(msg, tt.asked) || !strings.Contains(msg, other) {
			t.Errorf("%s: message %q does not name both IDs", tt.name, msg)
		}
		if cosclient.Classify(tt.err) != cosclient.RetryNever {
			t.Errorf("%s: Classify %v", tt.name, cosclient.Classify(tt.err))
		}
	}
	if last != nil {
		t.Errorf("the waiter took %+v as the job's", last)
	}
}

// TestAnswersAboutTheAskedID: the same answers about the IDs asked for
// are taken.
func TestAnswersAboutTheAskedID(t *testing.T) {
	t.Parallel()
	c := newClient(t, hostile.Start(t, hostile.About(hostile.SameID)), nil)
	ctx := bounded(t)
	job, err := c.DescribeInventoryTriggerJob(ctx, &cosclient.DescribeInventoryTriggerJobInput{JobID: jobID})
	if err != nil || job.JobsDetail.JobID != jobID {
		t.Errorf("job: %v", err)
	}
	run, err := c.DescribeWorkflowExecution(ctx, &cosclient.DescribeWorkflowExecutionInput{RunID: runID})
	if err != nil || run.WorkflowExecution.RunID != runID {
		t.Errorf("run: %v", err)
	}
	runs, err := c.DescribeWorkflowExecutions(ctx, &cosclient.DescribeWorkflowExecutionsInput{WorkflowID: workflowID})
	if err != nil || len(runs.WorkflowExecutionList) != 1 {
		t.Errorf("runs: %v", err)
	}
}
