package handler

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/events"
	"github.com/cosflow/cosflow/internal/clip"
	"github.com/cosflow/cosflow/internal/cosstate"
	"github.com/cosflow/cosflow/internal/logx"
	"github.com/cosflow/cosflow/ledger"
	"github.com/cosflow/cosflow/model"
)

// CI's completion callback (POST /v1/callbacks/ci, served by package
// handler/api, which checks the token and parses the body) is a hint,
// never the truth: CI signs nothing (../shared/spec/ci-api.md, "Run
// outcomes and workflows"; docs 436/80040, 460/80039). So the hint only
// names a run to read back; everything decided here is decided on what CI
// answers:
//
//  1. the run (DescribeWorkflowExecution, in the configured bucket): its
//     workflow must be one an upload rule triggers, for an object the
//     rule matches; only a failed run goes on (a success, a run still
//     going or a cancelled one ends here, logged);
//  2. the object (the bucket listing, one key): its LastModified is the
//     upload's time, as the sweep reads it, so that both redrive paths
//     name the same upload when they claim its next attempt;
//  3. the upload's history (ledger.History): the run called back must be
//     the newest run of this upload (a late callback, about a run a later
//     one followed, or about an older upload of the key, starts nothing);
//     ledger.Decide says what follows, as for the sweep;
//  4. a redrive claims its attempt (ledger.Redrive) before it triggers,
//     so that a repeated callback, a second instance or the sweep never
//     start the same attempt twice, and the bound holds whoever sees the
//     failure.
//
// A callback that names another event, bucket or workflow is ignored
// before any call. Whatever is not redriven here is the sweep's: it is
// the safety net for callbacks lost, refused or answered in error.
//
// Cost: 1 call for a run that succeeded; 3 for a failed one that is not
// redriven (the run, the object, the history; more history pages for a
// key with many runs); 5 for a redrive (the claim and the trigger too).

// Reasons a callback started nothing, as CallbackResult.Reason says them.
const (
	reasonNotFinish     = "not a WorkflowFinish event"
	reasonOtherBucket   = "the run is of a bucket other than COSFLOW_BUCKET"
	reasonNoRule        = "no upload rule triggers this workflow for this object"
	reasonUnknownRun    = "CI knows no such run in COSFLOW_BUCKET"
	reasonNotFailed     = "the run did not fail"
	reasonObjectGone    = "the object is no longer in the bucket"
	reasonTimeUnread    = "the object's LastModified cannot be read; the sweep settles it"
	reasonNotLatest     = "the run is not the newest run of the object's upload"
	reasonClaimed       = "another instance or the sweep holds this attempt"
	reasonWrongWorkflow = "the run is of another workflow than the callback says"
	reasonNoClient      = "dry run without a CI client: nothing is read back"
)

// CICallback acts on a completion callback whose token the caller
// checked and whose body it parsed into cb: it reads the run back and,
// when CI says the run failed, the run is its upload's newest and
// attempts remain, redrives it at once. The error is a CI call's that
// kept the callback from being settled (the answer should make CI, or
// whoever posts, try again; the sweep settles it in any case), or the
// RunId's syntax (a cosclient validation error, checked first for a
// workflow event). The result carries RunID only once it is an ID, even
// beside an error, so what is echoed or logged of it is bounded.
func (h *Handler) CICallback(ctx context.Context, cb *events.CICallback) (model.CallbackResult, error) {
	log := logx.From(ctx, h.logger)
	res := model.CallbackResult{Action: model.CallbackIgnored}
	if cb.IsWorkflowEvent() {
		// The run ID's rule is cosclient's: one that is no ID is refused
		// before an answer or a log line repeats it.
		if err := (&cosclient.DescribeWorkflowExecutionInput{RunID: cb.RunID}).Validate(); err != nil {
			return res, fmt.Errorf("the callback's run: %w", err)
		}
		res.RunID = cb.RunID
	}
	target := h.cfg.defaultTarget()
	ignore := func(reason string) (model.CallbackResult, error) {
		res.Reason = reason
		log.LogAttrs(ctx, slog.LevelInfo, "callback ignored", slog.String("runId", res.RunID),
			slog.String("event", clip.String(cb.EventName, maxKeyEcho)), slog.String("reason", reason), slog.Int("ciCalls", res.CICalls))
		return res, nil
	}
	switch {
	case cb.EventName != events.CIEventWorkflowFinish:
		return ignore(reasonNotFinish)
	case cb.BucketID != "" && cb.BucketID != target.Bucket:
		return ignore(reasonOtherBucket)
	case !h.triggersWorkflow(cb.WorkflowID):
		return ignore(reasonNoRule)
	case h.ci == nil:
		return ignore(reasonNoClient)
	}
	opts := target.Options(log)
	res.CICalls++
	out, err := h.ci.DescribeWorkflowExecution(ctx, &cosclient.DescribeWorkflowExecutionInput{RunID: res.RunID}, opts...)
	if cosclient.NotFound(err) {
		return ignore(reasonUnknownRun)
	}
	if err != nil {
		return res, fmt.Errorf("read run %q back: %w", cb.RunID, err)
	}
	run := out.WorkflowExecution
	res.WorkflowID, res.Key, res.State = run.WorkflowID, run.Object, string(run.State)
	if run.WorkflowID != cb.WorkflowID {
		return ignore(reasonWrongWorkflow)
	}
	if h.ruleFor(run.WorkflowID, run.Object) == nil {
		return ignore(reasonNoRule)
	}
	if f := run.FailedTask(); f != nil && run.State == cosclient.ExecutionStateFailed {
		res.Code, res.Message = f.Code, f.Message
	}
	h.logRunFinished(ctx, target.Bucket, &res)
	res.Action = model.CallbackFinished
	if run.State != cosclient.ExecutionStateFailed {
		res.Reason = reasonNotFailed
		return res, nil
	}
	return h.redriveCalledBack(ctx, target, run, res)
}

// redriveCalledBack goes on with a failed run: the object's upload time
// from the listing, its history, the verdict, and the redrive it asks for.
func (h *Handler) redriveCalledBack(ctx context.Context, target model.Target, run *cosclient.WorkflowExecution, res model.CallbackResult) (model.CallbackResult, error) {
	log := logx.From(ctx, h.logger)
	opts := target.Options(log)
	settled := func(reason string) (model.CallbackResult, error) {
		res.Reason = reason
		log.LogAttrs(ctx, slog.LevelInfo, "callback settled", slog.String("runId", res.RunID), slog.String("key", res.Key),
			slog.String("reason", reason), slog.Int("runs", res.Runs), slog.Int("ciCalls", res.CICalls))
		return res, nil
	}
	res.CICalls++
	page, err := h.ci.ListObjects(ctx, &cosclient.ListObjectsInput{Prefix: run.Object, MaxKeys: 1}, opts...)
	if err != nil {
		return res, fmt.Errorf("read object %q of run %q: %w", run.Object, run.RunID, err)
	}
	// The key itself, if present, is the first key the prefix lists.
	if len(page.Contents) == 0 || page.Contents[0].Key != run.Object {
		return settled(reasonObjectGone)
	}
	obj := page.Contents[0]
	rule := h.ruleForObject(run.WorkflowID, obj.Key, obj.Size)
	if rule == nil {
		return settled(reasonNoRule)
	}
	uploaded, err := obj.Modified()
	if err != nil {
		return settled(reasonTimeUnread)
	}
	hist, calls, err := h.ledger.History(ctx, run.WorkflowID, run.Object, uploaded, opts...)
	res.CICalls += calls
	if err != nil {
		return res, fmt.Errorf("read the runs of %q: %w", run.Object, err)
	}
	res.Runs = len(hist)
	latest := hist.Latest()
	if latest == nil || latest.RunID != run.RunID {
		return settled(reasonNotLatest)
	}
	latest.State = run.State // the read-back is fresher than the list
	verdict := ledger.Decide(hist, h.cfg.MaxAttempts)
	switch verdict {
	case ledger.Exhausted:
		h.logExhausted(ctx, target.Bucket, rule,
			Exhausted{Key: run.Object, Runs: len(hist), LastRunID: run.RunID, Code: res.Code, Message: res.Message},
			slog.String("callback", res.RunID))
		return settled(verdict.String())
	case ledger.Redrive:
	default:
		return settled(verdict.String())
	}
	if h.cfg.DryRun {
		res.Action = model.CallbackPlanned
		return settled(verdict.String())
	}
	t := triggerTask{target: target, key: run.Object, rule: rule, uploaded: uploaded,
		claims:  h.claimsIn(cosstate.New(h.ci, opts...)),
		redrive: hist, token: cosstate.NewToken()}
	o := h.triggerOnce(ctx, t)
	res.CICalls += o.calls + o.ledgerCalls + o.stateCalls
	switch {
	case o.err != nil:
		return res, fmt.Errorf("redrive %q after run %q: %w", run.Object, run.RunID, o.err)
	case o.unclaimed:
		return settled(reasonClaimed)
	}
	res.Action, res.InstanceID = model.CallbackRedriven, o.instanceID
	return res, nil
}

// logRunFinished logs a run read back after its callback: "run finished",
// at WARN when it failed, with the failing task's code and message.
func (h *Handler) logRunFinished(ctx context.Context, bucket string, res *model.CallbackResult) {
	level, attrs := slog.LevelInfo, []slog.Attr{slog.String("runId", res.RunID), slog.String("bucket", bucket),
		slog.String("key", res.Key), slog.String("workflowId", res.WorkflowID), slog.String("state", res.State)}
	if res.State == string(cosclient.ExecutionStateFailed) {
		level = slog.LevelWarn
		attrs = append(attrs, slog.String("code", res.Code), slog.String("message", res.Message))
	}
	logx.From(ctx, h.logger).LogAttrs(ctx, level, "run finished", attrs...)
}

// triggersWorkflow reports whether some upload rule triggers workflowID.
func (h *Handler) triggersWorkflow(workflowID string) bool {
	for i := range h.cfg.Rules {
		if r := &h.cfg.Rules[i]; r.WorkflowID == workflowID && r.coversCreated() {
			return true
		}
	}
	return false
}

// ruleFor is the first upload rule that triggers workflowID for key,
// whatever its size; nil when none does.
func (h *Handler) ruleFor(workflowID, key string) *Rule {
	return h.ruleForObject(workflowID, key, -1)
}

// ruleForObject is the first upload rule that triggers workflowID for key
// of size (-1: unknown, not checked), as the sweep chooses its candidates
// (takes); nil when none does.
func (h *Handler) ruleForObject(workflowID, key string, size int64) *Rule {
	for i := range h.cfg.Rules {
		if r := &h.cfg.Rules[i]; r.WorkflowID == workflowID && r.coversCreated() && h.takes(r, key, size) {
			return r
		}
	}
	return nil
}
