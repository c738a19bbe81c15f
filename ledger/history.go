package ledger

import (
	"context"
	"fmt"
	"time"

	"github.com/cosflow/cosflow/cosclient"
)

// An upload's outcome is decided from its history: the runs of its
// workflow that count for it (created since it was uploaded, less Slack),
// newest first. CI offers no way to re-run an execution: a run that
// failed is followed, if at all, by a new TriggerWorkflow, which starts a
// new run with a new RunID (../shared/spec/ci-api.md, "Run outcomes and
// workflows"). So the number of runs in the history is the number of
// attempts the upload has had, and the bound on redrives is a bound on
// that number.

// Redrive bounds: COSFLOW_MAX_ATTEMPTS is the most runs one upload gets.
const (
	DefaultMaxAttempts = 3
	MaxMaxAttempts     = 10
)

// Run is what the ledger keeps of one execution: what a verdict needs,
// and no more (a sweep keeps one per run of every candidate).
type Run struct {
	RunID string
	State cosclient.ExecutionState
	// Created is CI's creation time; zero when CI's time was unreadable
	// (such a run counts for every upload, see Histories).
	Created time.Time
}

// runOf is what the ledger keeps of e.
func runOf(e *cosclient.WorkflowExecution) Run {
	created, _ := e.Created() // zero when unreadable
	return Run{RunID: e.RunID, State: e.State, Created: created}
}

// History is the runs that count for one upload, newest first, as CI
// lists them.
type History []Run

// Latest is the newest run, or nil when there is none.
func (h History) Latest() *Run {
	if len(h) == 0 {
		return nil
	}
	return &h[0]
}

// has reports whether runID is one of h's runs.
func (h History) has(runID string) bool {
	for i := range h {
		if h[i].RunID == runID {
			return true
		}
	}
	return false
}

// Verdict is what happens next to an upload, given its history.
type Verdict int

// The verdicts, in the order Decide tests them.
const (
	// Trigger: no run counts for the upload: start its first.
	Trigger Verdict = iota
	// Done: a run succeeded. Nothing more, ever.
	Done
	// Wait: a run is still going (Running, or a state cosflow does not
	// know): it may yet succeed, so nothing is started beside it.
	Wait
	// Cancelled: the newest run was cancelled (by an operator, since
	// cosflow cancels no run): not redriven, and not a failure to report.
	Cancelled
	// Redrive: the newest run failed and the upload has had fewer runs
	// than the bound: start another.
	Redrive
	// Exhausted: the newest run failed and the upload has had as many
	// runs as the bound allows: report it, with CI's reason.
	Exhausted
)

var verdictNames = [...]string{"trigger", "done", "wait", "cancelled", "redrive", "exhausted"}

func (v Verdict) String() string {
	if int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return fmt.Sprintf("Verdict(%d)", int(v))
}

// Decide is the one home of the redrive decision: what happens next to
// an upload whose history is h, when it may have at most maxAttempts
// runs. Never beside a run that is still going, never after a success;
// only the newest run's failure is redriven, and only while the upload
// has had fewer than maxAttempts runs.
func Decide(h History, maxAttempts int) Verdict {
	if len(h) == 0 {
		return Trigger
	}
	for _, r := range h {
		if r.State == cosclient.ExecutionStateSuccess {
			return Done
		}
	}
	for _, r := range h {
		switch r.State {
		case cosclient.ExecutionStateFailed, cosclient.ExecutionStateCancel:
		default:
			return Wait // Running, or unknown: it may still succeed
		}
	}
	switch {
	case h[0].State == cosclient.ExecutionStateCancel:
		return Cancelled
	case len(h) < maxAttempts:
		return Redrive
	}
	return Exhausted
}

// decisive reports whether r alone settles that no run is to be started
// beside it, whatever runs came before: a Success (Done), or a run still
// going (Wait, unless an older one succeeded: Done). Only a history of
// runs that ended Failed or Cancelled depends on all of them.
func decisive(r Run) bool {
	return r.State != cosclient.ExecutionStateFailed && r.State != cosclient.ExecutionStateCancel
}

// History reads the runs of workflowID that count for one object
// uploaded at uploaded (see Item), newest first: every page of the
// object's own lookup, up to maxPagesPerObject. Calls is how many list
// calls it made.
func (l *Ledger) History(ctx context.Context, workflowID, key string, uploaded time.Time, opts ...func(*cosclient.Options)) (h History, calls int, err error) {
	return l.historySince(ctx, workflowID, key, since(uploaded), opts...)
}

// historySince is History of the runs created from from (whole seconds).
func (l *Ledger) historySince(ctx context.Context, workflowID, key string, from time.Time, opts ...func(*cosclient.Options)) (h History, calls int, err error) {
	err = l.eachRunOf(ctx, workflowID, key, from, &calls, func(e *cosclient.WorkflowExecution) bool {
		h = append(h, runOf(e))
		return true
	}, opts...)
	return h, calls, err
}

// eachRunOf calls yield, newest first, with every execution of workflowID
// whose Object is exactly key and which counts from since (whole seconds,
// as its callers round it; a run whose time is unreadable counts), until
// yield answers false or maxPagesPerObject pages are read. calls counts
// the list calls.
func (l *Ledger) eachRunOf(ctx context.Context, workflowID, key string, since time.Time, calls *int, yield func(*cosclient.WorkflowExecution) bool, opts ...func(*cosclient.Options)) error {
	pager := cosclient.NewExecutionsPaginator(l.ci, &cosclient.DescribeWorkflowExecutionsInput{
		WorkflowID:        workflowID,
		Name:              key,
		States:            []cosclient.ExecutionState{cosclient.StateAll},
		StartCreationTime: cosclient.FormatTime(since),
		OrderByTime:       "Desc",
		Size:              PageSize,
	}, opts...)
	for pages := 0; pager.HasMorePages() && pages < maxPagesPerObject; pages++ {
		out, err := pager.NextPage(ctx)
		*calls++
		if err != nil {
			return fmt.Errorf("look up executions of %s for %q: %w", workflowID, key, err)
		}
		for i := range out.WorkflowExecutionList {
			e := &out.WorkflowExecutionList[i]
			if e.Object != key {
				continue // the name filter may match loosely
			}
			if created, err := e.Created(); err == nil && created.Before(since) {
				continue
			}
			if !yield(e) {
				return nil
			}
		}
	}
	return nil
}
