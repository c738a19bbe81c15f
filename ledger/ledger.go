// Package ledger treats CI's workflow-execution list as the record of what
// ran, so that cosflow runs a workflow once per object although deliveries
// come at least once, answers get lost and instances forget.
//
// Histories answers "which runs has this workflow had for these objects
// since they were uploaded?" at bounded cost; Trigger starts a workflow for one object and,
// after a failure that may have reached CI, looks for the run before
// calling again, so an ambiguous failure never turns into a second run.
//
// A Ledger does both for one client, with its policy for a trigger whose
// call may have started the run (Retrigger): the one place that decides
// whether to call TriggerWorkflow again. cosclient only classifies a
// failure (cosclient.Ambiguous, cosclient.Accepted).
//
// Facts relied on (../shared/spec/ci-api.md, "Workflow executions"): the
// InstanceId TriggerWorkflow answers is the execution's RunId; the list
// filters by workflow and creation time and orders by creation time;
// whether its name filter matches keys exactly is undocumented, so every
// execution's Object is compared here, exactly. Check-then-trigger is not
// atomic: two callers checking the same object at the same moment can both
// trigger.
package ledger

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cosflow/cosflow/cosclient"
)

// Ledger reads one client's execution list and triggers through it. It
// reads no clock: what counts for an object is decided by CI's creation
// times and the upload time its caller gives. It is safe for concurrent
// use.
type Ledger struct {
	ci        *cosclient.Client
	retrigger Retrigger
}

// Retrigger is a policy for a trigger whose call may have started the run
// (cosclient.Ambiguous: sent, and no usable answer came back).
type Retrigger int

// The policies.
const (
	// RetriggerAfterLookup looks the run up in the execution list and
	// calls again only when none is listed: one run per Trigger, unless
	// CI lists runs late. When the lookup fails, Trigger stops
	// (ErrUnconfirmed).
	RetriggerAfterLookup Retrigger = iota
	// RetriggerBlind calls again without looking, as a plain retry would:
	// nothing is lost, but the workflow may run twice. It is cosflow's
	// COSFLOW_LEDGER=off, which reads no execution list at all.
	RetriggerBlind
)

// New returns the Ledger of ci, following retrigger after an ambiguous
// trigger.
func New(ci *cosclient.Client, retrigger Retrigger) *Ledger {
	return &Ledger{ci: ci, retrigger: retrigger}
}

// Slack is how long before an event a run still counts for it: CI's
// creation time and COS's event or modification time come from different
// clocks.
const Slack = 5 * time.Second

// PageSize is how many executions one listing call asks for (CI's most).
const PageSize = cosclient.MaxListSize

// maxPagesPerObject bounds the pages read for one object's own lookup, in
// case the service's name filter is looser than an exact match.
const maxPagesPerObject = 10

// Item is one object to look up: its key and when it was uploaded (its
// event or modification time). A run counts for it when created at or
// after Uploaded less Slack, in CI's whole seconds.
type Item struct {
	Key      string
	Uploaded time.Time
}

// since is the earliest creation time of a run that counts for an object
// uploaded at t: Slack before it, rounded down to CI's whole seconds.
func since(uploaded time.Time) time.Time {
	return uploaded.Add(-Slack).Truncate(time.Second)
}

// findRun looks one object up by name: the newest execution of workflowID
// whose Object is exactly key, created at or after since (whole seconds,
// as its callers round it), and not one of known; nil when none.
func (l *Ledger) findRun(ctx context.Context, workflowID, key string, since time.Time, known History, opts ...func(*cosclient.Options)) (*cosclient.WorkflowExecution, int, error) {
	var run *cosclient.WorkflowExecution
	calls := 0
	err := l.eachRunOf(ctx, workflowID, key, since, &calls, func(e *cosclient.WorkflowExecution) bool {
		if known.has(e.RunID) {
			return true
		}
		run = e
		return false
	}, opts...)
	return run, calls, err
}

// Outcome is what Trigger did.
type Outcome struct {
	// InstanceID is the run's ID: TriggerWorkflow's answer, or the run
	// found in the ledger. "" when CI accepted the call but its answer
	// could not be read (Accepted).
	InstanceID string
	// Found is set when an ambiguous failure was followed by a lookup that
	// found the run: no second call was made.
	Found bool
	// Accepted is set when CI answered 2xx but the answer was unreadable:
	// the run started, its ID is unknown.
	Accepted bool
	// Calls is how many TriggerWorkflow calls were made, LedgerCalls how
	// many lookups.
	Calls, LedgerCalls int
	// RequestID is CI's request ID of the last TriggerWorkflow answer,
	// Status its HTTP status when the answer was Accepted.
	RequestID string
	Status    int
}

// Trigger's bounds on its calls, the first included, while each fails
// ambiguously. After a lookup that showed no run, another call is as safe
// as the first if CI lists a run as soon as its trigger has answered.
// That is undocumented (see RetriggerAfterLookup): were a run listed
// late, a call that started one and lost its answer would be followed by
// another, and a Trigger could start up to as many runs as it makes calls
// (5 looked up, where it was 3). Read as CI listing at once, the bound
// only caps cost: a round is one lookup and one call, while a record given
// up on here fails its whole delivery, which the platform retries, on
// another instance as likely as not, and there every record of the
// delivery is looked up again (issue 17's outcome soak, 30% faults,
// 50-record deliveries: 3 rounds left 2.3% of the records failed and
// retried 3 deliveries in 4, at 1.4 lookups per object; 5 rounds, 0.5%
// and 1 in 5, at 0.3). Blind, each call again may run the workflow once
// more: the bound stays low.
const (
	maxLookedUpRounds = 5
	maxBlindRounds    = 3
)

// ErrUnconfirmed is wrapped when a call may have started the workflow and
// the ledger could not be read to tell: calling again could run it twice,
// so Trigger stops; a later attempt (which looks first) settles it.
var ErrUnconfirmed = errors.New("the trigger may have run and the ledger could not confirm it")

// MayHaveTakenEffect reports whether a failed CI call may nonetheless have
// changed something at CI, so that the caller looks before it calls again:
// a trigger whose lookup failed (ErrUnconfirmed), or a call that changes
// state and failed ambiguously (cosclient.MayHaveTakenEffect, which for a
// TriggerWorkflow error is cosclient.Ambiguous). The upload path decides
// by it whether its next attempt looks first, the HTTP API whether to tell
// its caller to look.
func MayHaveTakenEffect(err error) bool {
	return errors.Is(err, ErrUnconfirmed) || cosclient.MayHaveTakenEffect(err)
}

// Trigger runs in.WorkflowID for in.Object once. A failure that may have
// started the run (cosclient.Ambiguous) is followed as the ledger's
// policy says: after a lookup of runs that count for an object uploaded
// at uploaded (see Item), a run found ends it (Found) and none found
// allows another call, up to maxLookedUpRounds calls; blind, the call is
// simply made again, up to maxBlindRounds. The error, when not nil, is the last
// call's, for cosclient.Classify; it wraps ErrUnconfirmed when the lookup
// itself failed.
func (l *Ledger) Trigger(ctx context.Context, in *cosclient.TriggerWorkflowInput, uploaded time.Time, opts ...func(*cosclient.Options)) (Outcome, error) {
	return l.trigger(ctx, in, uploaded, nil, opts...)
}

// trigger is Trigger for an upload whose runs so far are known (a
// redrive's history): its lookup never takes one of them, which count for
// the upload too, for the run the call may have started.
func (l *Ledger) trigger(ctx context.Context, in *cosclient.TriggerWorkflowInput, uploaded time.Time, known History, opts ...func(*cosclient.Options)) (Outcome, error) {
	from := since(uploaded)
	var o Outcome
	for round := 1; ; round++ {
		out, err := l.ci.TriggerWorkflow(ctx, in, opts...)
		o.Calls++
		if err == nil {
			o.InstanceID = out.InstanceID
			o.RequestID, _ = cosclient.GetRequestIDMetadata(out.ResultMetadata)
			return o, nil
		}
		o.RequestID = cosclient.ErrorRequestID(err)
		if cosclient.Accepted(err) {
			o.Accepted, o.Status = true, cosclient.ErrorStatus(err)
			return o, nil
		}
		if !mayCallAgain(ctx, err, round, l.rounds()) {
			return o, err
		}
		if l.retrigger == RetriggerBlind {
			continue
		}
		run, calls, lerr := l.findRun(ctx, in.WorkflowID, in.Object, from, known, opts...)
		o.LedgerCalls += calls
		if lerr != nil {
			return o, fmt.Errorf("%w: %w (after %w)", ErrUnconfirmed, lerr, err)
		}
		if run != nil {
			o.InstanceID, o.Found = run.RunID, true
			return o, nil
		}
	}
}

// rounds is the most calls one Trigger makes under the ledger's policy.
func (l *Ledger) rounds() int {
	if l.retrigger == RetriggerBlind {
		return maxBlindRounds
	}
	return maxLookedUpRounds
}

// mayCallAgain says whether Trigger's round-th call, failed with err, may
// be followed by another (after a lookup, when the policy says so): only
// when it may have started the run, so that CI's client, which does not
// retry such a call, left it to the ledger; within rounds calls; and
// while the caller's context lasts. Any other failure is final here: the
// client has already retried what it could.
func mayCallAgain(ctx context.Context, err error, round, rounds int) bool {
	return cosclient.Ambiguous(err) && round < rounds && ctx.Err() == nil
}
