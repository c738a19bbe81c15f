package ledger

import (
	"context"
	"fmt"
	"time"

	"github.com/cosflow/cosflow/cosclient"
)

// An operator's retry starts one new run of a run's object on its
// workflow (`cosflow runs retry`, POST /v1/runs/{runId}/retry). It is
// refused, unless forced, when it would do what the redrive bound exists
// to prevent: run again what did not fail, or beside a later run of the
// same object. Retry is the one home of that rule.

// Why a retry is refused (RetryRefusedError.Reason), as the API's error
// codes name it.
const (
	RefusedNotFailed = "RunNotFailed"   // the run did not fail
	RefusedLaterRun  = "LaterRunExists" // a later run of the same object exists
)

// RetryRefusedError is a retry refused by its rule: nothing was
// triggered. Force overrides it.
type RetryRefusedError struct {
	RunID  string
	Reason string // RefusedNotFailed or RefusedLaterRun
	// State is the run's state (RefusedNotFailed); Later the later run's
	// ID and State its state (RefusedLaterRun).
	State  cosclient.ExecutionState
	Later  string
	Object string
}

func (e *RetryRefusedError) Error() string {
	if e.Reason == RefusedLaterRun {
		return fmt.Sprintf("run %s is not the latest of %q: run %s (%s) came after it; force to retry anyway", e.RunID, e.Object, e.Later, e.State)
	}
	return fmt.Sprintf("run %s did not fail (it is %s); force to retry anyway", e.RunID, e.State)
}

// RetryOutcome is what Retry did: the run retried, as CI reads it, and
// the trigger of its successor.
type RetryOutcome struct {
	Run *cosclient.WorkflowExecution
	Outcome
}

// Retry starts one new run of runID's object on runID's workflow, at
// time at (the caller's clock: a trigger whose answer is lost is looked
// up from there, so the run retried is never taken for its successor).
// Unless force, it is refused with a *RetryRefusedError when the run did
// not fail or a later run of the same object exists. An unknown run is
// the read's error (cosclient.NotFound).
func (l *Ledger) Retry(ctx context.Context, runID string, force bool, at time.Time, opts ...func(*cosclient.Options)) (RetryOutcome, error) {
	out, err := l.ci.DescribeWorkflowExecution(ctx, &cosclient.DescribeWorkflowExecutionInput{RunID: runID}, opts...)
	if err != nil {
		return RetryOutcome{}, fmt.Errorf("read run %s: %w", runID, err)
	}
	run := out.WorkflowExecution
	res := RetryOutcome{Run: run}
	if !force {
		if err := l.retryRefusal(ctx, run, &res.Outcome, opts...); err != nil {
			return res, err
		}
	}
	o, err := l.Trigger(ctx, &cosclient.TriggerWorkflowInput{WorkflowID: run.WorkflowID, Object: run.Object}, at, opts...)
	o.LedgerCalls += res.LedgerCalls
	res.Outcome = o
	if err != nil {
		return res, fmt.Errorf("retry run %s: %w", runID, err)
	}
	return res, nil
}

// retryRefusal is why run may not be retried unforced, or nil: it did not
// fail, or a later run of its object is listed (newest first, any run
// listed before it; one created in the same second, which CI's order may
// put either side, counts as later when listed first). o counts the list
// calls.
func (l *Ledger) retryRefusal(ctx context.Context, run *cosclient.WorkflowExecution, o *Outcome, opts ...func(*cosclient.Options)) error {
	if run.State != cosclient.ExecutionStateFailed {
		return &RetryRefusedError{RunID: run.RunID, Reason: RefusedNotFailed, State: run.State, Object: run.Object}
	}
	from := time.Time{} // a run whose time is unreadable: every run of the object counts
	if created, err := run.Created(); err == nil {
		from = created.Truncate(time.Second)
	}
	var later *cosclient.WorkflowExecution
	err := l.eachRunOf(ctx, run.WorkflowID, run.Object, from, &o.LedgerCalls, func(e *cosclient.WorkflowExecution) bool {
		if e.RunID == run.RunID {
			return false
		}
		later = e
		return false
	}, opts...)
	if err != nil {
		return fmt.Errorf("retry run %s: %w", run.RunID, err)
	}
	if later != nil {
		return &RetryRefusedError{RunID: run.RunID, Reason: RefusedLaterRun, State: later.State, Later: later.RunID, Object: run.Object}
	}
	return nil
}
