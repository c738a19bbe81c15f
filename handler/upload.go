package handler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/events"
	"github.com/cosflow/cosflow/internal/clip"
	"github.com/cosflow/cosflow/internal/logx"
)

// Skip reasons, as reported in UploadResult.Skipped and the logs.
const (
	ReasonIgnoredPrefix    = "ignored prefix "
	ReasonNoRuleMatches    = "no rule matches"
	ReasonNoRuleConfigured = "no rule configured"
	ReasonAlreadyTriggered = "already triggered"
	ReasonDryRun           = "dry run"
)

// UploadResult is what a COS upload invocation did. The lists are never
// nil, so they encode as [] rather than null.
type UploadResult struct {
	Triggered []Triggered `json:"triggered"`
	Skipped   []Skipped   `json:"skipped"`
	Failed    []Failed    `json:"failed"`
}

// Triggered is one workflow run started for one object.
type Triggered struct {
	Bucket     string `json:"bucket"`
	Key        string `json:"key"`
	WorkflowID string `json:"workflowId"`
	InstanceID string `json:"instanceId"`
}

// Skipped is an object (or an object and workflow) that was not triggered,
// and why. In dry-run mode every planned trigger is Skipped with reason
// "dry run" and its WorkflowID.
type Skipped struct {
	Key        string `json:"key"`
	Reason     string `json:"reason"`
	WorkflowID string `json:"workflowId,omitempty"`
}

// Failed is a trigger (or a record) that failed. Retryable failures make
// Handle return an *IncompleteError so that the platform retries.
type Failed struct {
	Key        string `json:"key"`
	WorkflowID string `json:"workflowId,omitempty"`
	Error      string `json:"error"`
	Retryable  bool   `json:"retryable"`
}

func newUploadResult() *UploadResult {
	return &UploadResult{Triggered: []Triggered{}, Skipped: []Skipped{}, Failed: []Failed{}}
}

// summary is the counts the "invocation done" line carries; the whole
// result is added when something failed, so a retried delivery can be
// understood from the logs alone.
func (r *UploadResult) summary() []slog.Attr {
	attrs := []slog.Attr{
		slog.Int("triggered", len(r.Triggered)),
		slog.Int("skipped", len(r.Skipped)),
		slog.Int("failed", len(r.Failed)),
	}
	if len(r.Failed) > 0 {
		attrs = append(attrs, slog.Any("result", r))
	}
	return attrs
}

// IncompleteError means some work failed in a way a retry can fix; the
// platform retries the whole delivery, and what already succeeded is
// remembered, so it does not fire again.
type IncompleteError struct {
	Failed int    // retryable failures
	Total  int    // work items attempted or planned
	First  string // the first retryable failure
}

func (e *IncompleteError) Error() string {
	return fmt.Sprintf("%d of %d item(s) failed and will be retried; first: %s", e.Failed, e.Total, e.First)
}

// uploadTask is one planned TriggerWorkflow call.
type uploadTask struct {
	obj   events.ObjectRef
	rule  *Rule
	fired string // firedSet key
}

// handleUpload plans and runs the triggers of one COS delivery.
func (h *Handler) handleUpload(ctx context.Context, ev *events.COSEvent) (*UploadResult, error) {
	log := logx.From(ctx, h.logger)
	res := newUploadResult()
	records := ev.Records
	usable := make([]events.COSRecord, 0, len(records))
	for i := range records {
		r := &records[i]
		if r.Err == nil {
			usable = append(usable, *r)
			continue
		}
		key := recordKey(r, i)
		log.Warn("record failed", slog.String("key", key), slog.String("error", r.Err.Error()))
		res.Failed = append(res.Failed, Failed{Key: key, Error: r.Err.Error()})
	}
	records = usable

	tasks := h.planUploads(ctx, records, res)
	if len(tasks) == 0 {
		return res, nil
	}
	outcomes := make([]taskOutcome, len(tasks))
	runBounded(h.cfg.Concurrency, len(tasks), func(i int) {
		outcomes[i] = h.trigger(ctx, &tasks[i])
	})

	var incomplete *IncompleteError
	for i, o := range outcomes {
		t := &tasks[i]
		if o.err == nil {
			res.Triggered = append(res.Triggered, Triggered{Bucket: t.obj.Bucket, Key: t.obj.Key, WorkflowID: t.rule.WorkflowID, InstanceID: o.instanceID})
			continue
		}
		retryable := cosclient.Retryable(o.err)
		res.Failed = append(res.Failed, Failed{Key: t.obj.Key, WorkflowID: t.rule.WorkflowID, Error: o.err.Error(), Retryable: retryable})
		if retryable {
			if incomplete == nil {
				incomplete = &IncompleteError{Total: len(tasks), First: fmt.Sprintf("%s → %s: %v", t.obj.Key, t.rule.WorkflowID, o.err)}
			}
			incomplete.Failed++
		}
	}
	if incomplete != nil {
		return res, incomplete
	}
	return res, nil
}

// planUploads decides, per record and rule, what to trigger; everything it
// does not plan lands in res.Skipped with its reason.
func (h *Handler) planUploads(ctx context.Context, records []events.COSRecord, res *UploadResult) []uploadTask {
	log := logx.From(ctx, h.logger)
	skip := func(obj *events.ObjectRef, reason, workflowID string) {
		log.Info("skipped", slog.String("bucket", obj.Bucket), slog.String("key", obj.Key), slog.String("reason", reason))
		res.Skipped = append(res.Skipped, Skipped{Key: obj.Key, Reason: reason, WorkflowID: workflowID})
	}
	var tasks []uploadTask
	inDelivery := make(map[string]bool)
	for i := range records {
		obj := &records[i].Object
		if p, ok := ignoredBy(h.cfg.IgnorePrefixes, obj.Key); ok {
			skip(obj, ReasonIgnoredPrefix+p, "")
			continue
		}
		if len(h.cfg.Rules) == 0 {
			skip(obj, ReasonNoRuleConfigured, "")
			continue
		}
		matched := false
		for r := range h.cfg.Rules {
			rule := &h.cfg.Rules[r]
			if !rule.Matches(obj) {
				continue
			}
			matched = true
			// The same key twice in one delivery fires once per workflow,
			// whatever its version; across deliveries, once per version.
			deliveryKey := firedKey(obj.Bucket, obj.Key, "", rule.WorkflowID)
			version := obj.VersionID
			if version == "" {
				version = obj.ETag
			}
			fired := firedKey(obj.Bucket, obj.Key, version, rule.WorkflowID)
			if inDelivery[deliveryKey] || h.fired.has(fired) {
				skip(obj, ReasonAlreadyTriggered, rule.WorkflowID)
				continue
			}
			inDelivery[deliveryKey] = true
			if h.cfg.DryRun {
				log.Info("dry run", slog.String("bucket", obj.Bucket), slog.String("key", obj.Key),
					slog.String("workflowId", rule.WorkflowID), slog.String("rule", rule.Name))
				res.Skipped = append(res.Skipped, Skipped{Key: obj.Key, Reason: ReasonDryRun, WorkflowID: rule.WorkflowID})
				continue
			}
			tasks = append(tasks, uploadTask{obj: *obj, rule: rule, fired: fired})
		}
		if !matched {
			skip(obj, ReasonNoRuleMatches, "")
		}
	}
	return tasks
}

// taskOutcome is what one TriggerWorkflow call came to.
type taskOutcome struct {
	instanceID string
	err        error
}

// errNotAttempted marks work the invocation ran out of time for.
var errNotAttempted = errors.New("not attempted before the invocation deadline")

// trigger runs one planned call and logs its one line.
func (h *Handler) trigger(ctx context.Context, t *uploadTask) taskOutcome {
	log := logx.From(ctx, h.logger)
	if err := ctx.Err(); err != nil {
		err = fmt.Errorf("%w: %w", errNotAttempted, err)
		log.Warn("trigger failed", slog.String("bucket", t.obj.Bucket), slog.String("key", t.obj.Key),
			slog.String("workflowId", t.rule.WorkflowID), slog.String("error", err.Error()), slog.Bool("retryable", true))
		return taskOutcome{err: err}
	}
	start := time.Now()
	out, err := h.ci.TriggerWorkflow(ctx, &cosclient.TriggerWorkflowInput{WorkflowID: t.rule.WorkflowID, Object: t.obj.Key},
		cosclient.WithBucket(t.obj.Bucket, t.obj.Region))
	if err != nil {
		attempts := 1
		var oe *cosclient.OperationError
		if errors.As(err, &oe) {
			attempts = oe.Attempts
		}
		log.Warn("trigger failed", slog.String("bucket", t.obj.Bucket), slog.String("key", t.obj.Key),
			slog.String("workflowId", t.rule.WorkflowID), slog.String("rule", t.rule.Name),
			slog.Int("attempts", attempts), slog.Int64("durationMs", time.Since(start).Milliseconds()),
			slog.String("error", err.Error()), slog.Bool("retryable", cosclient.Retryable(err)))
		return taskOutcome{err: err}
	}
	h.fired.add(t.fired) // only successes: a failure must fire on the retry
	log.Info("workflow triggered", slog.String("instanceId", out.InstanceID),
		slog.String("bucket", t.obj.Bucket), slog.String("key", t.obj.Key),
		slog.String("workflowId", t.rule.WorkflowID), slog.String("rule", t.rule.Name),
		slog.Int("attempts", out.Meta.Attempts), slog.Int64("durationMs", out.Meta.Duration.Milliseconds()))
	return taskOutcome{instanceID: out.InstanceID}
}

// recordKey is the best name for a record that failed to resolve: its raw
// cosObject.key when there is one (clipped), else its position.
func recordKey(r *events.COSRecord, i int) string {
	if k := r.COS.Object.Key; k != "" {
		return clip.String(strings.ToValidUTF8(k, "?"), 200)
	}
	return fmt.Sprintf("Records[%d]", i)
}
