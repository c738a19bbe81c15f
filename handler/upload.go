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
	"github.com/cosflow/cosflow/internal/cirules"
	"github.com/cosflow/cosflow/internal/clip"
	"github.com/cosflow/cosflow/internal/logx"
	"github.com/cosflow/cosflow/ledger"
	"github.com/cosflow/cosflow/model"
)

// Skip reasons, as reported in UploadResult.Skipped and the logs.
const (
	ReasonIgnoredPrefix    = "ignored prefix "
	ReasonNoRuleMatches    = "no rule matches"
	ReasonNoRuleConfigured = "no rule configured"
	ReasonAlreadyTriggered = "already triggered"
	ReasonAlreadyRan       = "already ran"
	ReasonDryRun           = "dry run"
)

// UploadResult is what a COS upload invocation did. The lists are never
// nil, so they encode as [] rather than null.
type UploadResult struct {
	Triggered []Triggered `json:"triggered"`
	Skipped   []Skipped   `json:"skipped"`
	Failed    []Failed    `json:"failed"`
}

// Triggered is one workflow run started for one object. InstanceID is ""
// only when CI accepted the trigger but its answer could not be read.
type Triggered struct {
	Bucket     string `json:"bucket"`
	Key        string `json:"key"`
	WorkflowID string `json:"workflowId"`
	InstanceID string `json:"instanceId"`
}

// Skipped is an object (or an object and workflow) that was not triggered,
// and why. In dry-run mode every planned trigger is Skipped with reason
// "dry run" and its WorkflowID; a record CI's execution list shows a run
// for is "already ran" with that RunID.
type Skipped struct {
	Key        string `json:"key"`
	Reason     string `json:"reason"`
	WorkflowID string `json:"workflowId,omitempty"`
	RunID      string `json:"runId,omitempty"`
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
// platform retries the whole delivery, and what already succeeded is not
// run again (remembered on this instance, found in CI's execution list on
// any other).
type IncompleteError struct {
	Failed int    // retryable failures
	Total  int    // work items attempted or planned
	First  string // the first retryable failure
}

func (e *IncompleteError) Error() string {
	return fmt.Sprintf("%d of %d item(s) failed and will be retried; first: %s", e.Failed, e.Total, e.First)
}

// triggerTask is one planned TriggerWorkflow: an object and the rule that
// fires for it.
type triggerTask struct {
	target model.Target
	key    string
	rule   *Rule
	// uploaded is the object's event time, from which the ledger knows
	// which runs count for it.
	uploaded time.Time
	// check has checkLedger look the object up in CI's execution list
	// before triggering (a late record, or one whose earlier attempt was
	// ambiguous). A sweep looks all its candidates up itself.
	check bool
	// fired is the firedSet key; "" for a sweep's trigger, which has no
	// delivery to deduplicate and is not remembered.
	fired string
	sweep string // the reconcile spec's name, for a sweep's trigger
	// claims, for a sweep's redrive, make it ledger.Redrive of the
	// upload whose history is redrive, claimed as token.
	claims  *ledger.Claims
	redrive ledger.History
	token   string
}

// handleUpload plans and runs the triggers of one COS delivery.
func (h *Handler) handleUpload(ctx context.Context, ev *events.COSEvent) (*UploadResult, error) {
	log := logx.From(ctx, h.logger)
	res := newUploadResult()
	records := make([]*events.COSRecord, 0, len(ev.Records))
	for i := range ev.Records {
		r := &ev.Records[i]
		err := r.Err
		if err == nil {
			// The key rule's one home is cosclient: a key CI would refuse
			// (too long, a character its XML cannot carry) fails here,
			// named, instead of at every attempt.
			if kerr := cosclient.ValidateObjectKey(r.Object.Key); kerr != nil {
				err = &events.DecodeError{Problem: events.ProblemInvalidField, Kind: events.KindCOS, Offset: -1,
					Field: fmt.Sprintf("Records[%d].cos.cosObject.key", i), Reason: cirules.Reason(kerr)}
			}
		}
		if err != nil {
			key := recordKey(r, i)
			log.Warn("record failed", slog.String("key", key), slog.String("error", err.Error()))
			res.Failed = append(res.Failed, Failed{Key: key, Error: err.Error()})
			continue
		}
		if r.Object.URLKey != "" {
			// The key is trusted as delivered; the url is only a
			// cross-check whose encoding is unconfirmed (see events).
			log.Warn("cosObject.key and cosObject.url disagree; using the key",
				slog.String("key", clip.String(r.Object.Key, maxKeyEcho)), slog.String("urlKey", clip.String(r.Object.URLKey, maxKeyEcho)))
		}
		records = append(records, r)
	}

	tasks := h.planUploads(ctx, records, res)
	planned := len(tasks)
	// A task whose lookup failed lands in res.Failed, retryable: it is
	// counted below with the triggers that failed.
	tasks = h.checkLedger(ctx, tasks, res)
	outcomes := make([]taskOutcome, len(tasks))
	h.inParallel(len(tasks), func(i int) {
		outcomes[i] = h.triggerOnce(ctx, tasks[i])
	})
	for i, o := range outcomes {
		t := &tasks[i]
		if o.err == nil {
			res.Triggered = append(res.Triggered, Triggered{Bucket: t.target.Bucket, Key: t.key, WorkflowID: t.rule.WorkflowID, InstanceID: o.instanceID})
			continue
		}
		res.Failed = append(res.Failed, Failed{Key: t.key, WorkflowID: t.rule.WorkflowID, Error: o.err.Error(), Retryable: retryable(o.err)})
	}
	if err := incompleteOf(res.Failed, planned); err != nil {
		return res, err
	}
	return res, nil
}

// incompleteOf is the *IncompleteError for the retryable failures among
// failed, out of total planned triggers; nil when there is none.
func incompleteOf(failed []Failed, total int) *IncompleteError {
	var incomplete *IncompleteError
	for _, f := range failed {
		if !f.Retryable {
			continue
		}
		if incomplete == nil {
			incomplete = &IncompleteError{Total: total, First: fmt.Sprintf("%s → %s: %s", f.Key, f.WorkflowID, f.Error)}
		}
		incomplete.Failed++
	}
	return incomplete
}

// planUploads decides, per record and rule, what to trigger; everything it
// does not plan lands in res.Skipped with its reason.
func (h *Handler) planUploads(ctx context.Context, records []*events.COSRecord, res *UploadResult) []triggerTask {
	log := logx.From(ctx, h.logger)
	skip := func(obj *events.ObjectRef, reason, workflowID string) {
		log.Info("skipped", slog.String("bucket", obj.Bucket), slog.String("key", obj.Key), slog.String("reason", reason))
		res.Skipped = append(res.Skipped, Skipped{Key: obj.Key, Reason: reason, WorkflowID: workflowID})
	}
	now := h.now()
	var tasks []triggerTask
	inDelivery := make(map[string]bool)
	for _, rec := range records {
		obj := &rec.Object
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
			tasks = append(tasks, triggerTask{
				target: model.Target{Bucket: obj.Bucket, Region: obj.Region}, key: obj.Key, rule: rule,
				uploaded: obj.EventTime,
				check:    h.needsLedger(obj.EventTime, now, fired),
				fired:    fired,
			})
		}
		if !matched {
			skip(obj, ReasonNoRuleMatches, "")
		}
	}
	return tasks
}

// needsLedger says whether a record is looked up in CI's execution list
// before it is triggered (COSFLOW_LEDGER): always, never, or when it is
// late (an event older than COSFLOW_LEDGER_AFTER is most likely a platform
// retry, on this instance or another) or an earlier attempt on this
// instance failed ambiguously.
func (h *Handler) needsLedger(eventTime, now time.Time, fired string) bool {
	switch h.cfg.Ledger {
	case LedgerOff:
		return false
	case LedgerAlways:
		return true
	}
	return now.Sub(eventTime) > h.cfg.LedgerAfter || h.ambiguous.has(fired)
}

// checkLedger reads the histories of the tasks that need it from CI's
// execution list, one ledger.Histories per bucket and workflow, one after
// another (at most n + 1 list calls for its n records, at the handler's
// concurrency: R + 1 for R records of one bucket and workflow, one more
// for each other pair with two records or more): a task with a run is
// skipped ("already ran"), one whose lookup failed fails (retryable:
// triggering blind could run it twice). It returns the tasks left to
// trigger.
func (h *Handler) checkLedger(ctx context.Context, tasks []triggerTask, res *UploadResult) []triggerTask {
	type group struct {
		target     model.Target
		workflowID string
	}
	groups := map[group][]int{} // the indices of the tasks to check
	for i, t := range tasks {
		if t.check {
			g := group{t.target, t.rule.WorkflowID}
			groups[g] = append(groups[g], i)
		}
	}
	if len(groups) == 0 {
		return tasks
	}
	log := logx.From(ctx, h.logger)
	type verdict struct {
		latest *ledger.Run // the newest run that counts, when one does
		err    error
	}
	verdicts := make([]verdict, len(tasks)) // by task index; set for the checked ones
	for g, members := range groups {
		items := make([]ledger.Item, len(members))
		for j, i := range members {
			items[j] = ledger.Item{Key: tasks[i].key, Uploaded: tasks[i].uploaded}
		}
		found, err := h.ledger.Histories(ctx, g.workflowID, items, h.cfg.Concurrency, ledger.NewestFirst, g.target.Options(log)...)
		log.Debug("ledger lookup", slog.String("bucket", g.target.Bucket), slog.String("workflowId", g.workflowID),
			slog.Int("records", len(items)), slog.Int("read", len(found.Of)), slog.Int("calls", found.Calls))
		for _, i := range members {
			hist, read := found.Of[tasks[i].key]
			switch {
			case !read:
				verdicts[i] = verdict{err: err}
			case ledger.Decide(hist, h.cfg.MaxAttempts) != ledger.Trigger:
				// A run counts for it: the upload path starts none beside
				// it (redriving a failed one is the sweep's and the
				// callback's).
				verdicts[i] = verdict{latest: hist.Latest()}
			}
		}
	}
	left := tasks[:0]
	for i, t := range tasks {
		v := verdicts[i]
		switch {
		case !t.check:
			left = append(left, t)
		case v.err != nil:
			err := fmt.Errorf("look up earlier runs: %w", v.err)
			log.Warn("trigger failed", slog.String("bucket", t.target.Bucket), slog.String("key", t.key),
				slog.String("workflowId", t.rule.WorkflowID), slog.String("error", err.Error()), slog.Bool("retryable", true))
			res.Failed = append(res.Failed, Failed{Key: t.key, WorkflowID: t.rule.WorkflowID, Error: err.Error(), Retryable: true})
		case v.latest != nil:
			h.fired.add(t.fired)
			log.Info("skipped", slog.String("bucket", t.target.Bucket), slog.String("key", t.key), slog.String("workflowId", t.rule.WorkflowID),
				slog.String("reason", ReasonAlreadyRan), slog.String("runId", v.latest.RunID))
			res.Skipped = append(res.Skipped, Skipped{Key: t.key, Reason: ReasonAlreadyRan, WorkflowID: t.rule.WorkflowID, RunID: v.latest.RunID})
		default:
			left = append(left, t)
		}
	}
	return left
}

// taskOutcome is what one trigger came to.
type taskOutcome struct {
	instanceID                     string
	err                            error
	calls, ledgerCalls, stateCalls int
	// unclaimed is a redrive another claimant holds: nothing was
	// triggered, and that is no failure.
	unclaimed bool
}

// retryable reports whether a failure (a trigger's, a sweep's, a
// backfill's) is worth the platform's retry: anything cosclient does not
// call final. Work not attempted (errNotAttempted) wraps the context's
// error, which cosclient calls RetryLater.
func retryable(err error) bool {
	return cosclient.Classify(err) != cosclient.RetryNever
}

// errNotAttempted marks work the invocation ran out of time for.
var errNotAttempted = errors.New("not attempted before the invocation deadline")

// triggerOnce runs one planned trigger through the ledger (so an ambiguous
// failure is looked up, not repeated) and logs its one line.
func (h *Handler) triggerOnce(ctx context.Context, t triggerTask) taskOutcome {
	log := logx.From(ctx, h.logger)
	attrs := []slog.Attr{slog.String("bucket", t.target.Bucket), slog.String("key", t.key),
		slog.String("workflowId", t.rule.WorkflowID), slog.String("rule", t.rule.Name)}
	if t.sweep != "" {
		attrs = append(attrs, slog.String("sweep", t.sweep))
	}
	if err := ctx.Err(); err != nil {
		err = fmt.Errorf("%w: %w", errNotAttempted, err)
		log.LogAttrs(ctx, slog.LevelWarn, "trigger failed", append(attrs, slog.String("error", err.Error()), slog.Bool("retryable", true))...)
		return taskOutcome{err: err}
	}
	start := time.Now()
	in := &cosclient.TriggerWorkflowInput{WorkflowID: t.rule.WorkflowID, Object: t.key}
	var (
		out ledger.Outcome
		err error
	)
	if t.claims != nil {
		attrs = append(attrs, slog.String("redriveOf", t.redrive.Latest().RunID), slog.Int("attempt", len(t.redrive)+1))
		var claimed bool
		out, claimed, err = h.ledger.Redrive(ctx, t.claims, in, t.uploaded, t.redrive, t.token, t.target.Options(log)...)
		if err == nil && !claimed {
			log.LogAttrs(ctx, slog.LevelInfo, "redrive claimed elsewhere", attrs...)
			return taskOutcome{unclaimed: true, stateCalls: 1}
		}
	} else {
		out, err = h.ledger.Trigger(ctx, in, t.uploaded, t.target.Options(log)...)
	}
	o := taskOutcome{instanceID: out.InstanceID, err: err, calls: out.Calls, ledgerCalls: out.LedgerCalls}
	if t.claims != nil {
		o.stateCalls = 1 // the claim (more when its answer was lost)
	}
	attrs = append(attrs, slog.Int("attempts", out.Calls), slog.Int64("durationMs", time.Since(start).Milliseconds()))
	if out.LedgerCalls > 0 {
		attrs = append(attrs, slog.Int("ledgerCalls", out.LedgerCalls))
	}
	if err != nil {
		if t.fired != "" && ledger.MayHaveTakenEffect(err) {
			h.ambiguous.add(t.fired) // this instance's next attempt looks first
		}
		log.LogAttrs(ctx, slog.LevelWarn, "trigger failed", append(attrs,
			slog.String("error", err.Error()), slog.Bool("retryable", retryable(o.err)))...)
		return o
	}
	if t.fired != "" {
		h.fired.add(t.fired) // only successes: a failure must fire on the retry
	}
	switch {
	case out.Accepted:
		attrs = append(attrs, slog.String("ciRequestId", out.RequestID), slog.Int("status", out.Status),
			slog.String("note", "CI accepted the trigger but its answer could not be read: instance ID unknown"))
	case out.Found:
		attrs = append(attrs, slog.String("note", "found in CI's execution list after an ambiguous failure; not triggered again"))
	}
	log.LogAttrs(ctx, slog.LevelInfo, "workflow triggered", append([]slog.Attr{slog.String("instanceId", out.InstanceID)}, attrs...)...)
	return o
}

// recordKey is the best name for a record that failed to resolve: its raw
// cosObject.key when there is one (clipped), else its position.
func recordKey(r *events.COSRecord, i int) string {
	if k := r.COS.Object.Key; k != "" {
		return clip.String(strings.ToValidUTF8(k, "?"), maxKeyEcho)
	}
	return fmt.Sprintf("Records[%d]", i)
}
