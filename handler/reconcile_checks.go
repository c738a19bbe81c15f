package handler

import (
	"context"
	"log/slog"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/doctor"
	"github.com/cosflow/cosflow/internal/logx"
	"github.com/cosflow/cosflow/model"
)

// The reconcile sweep runs doctor's workflow checks once at its start,
// so that a misconfiguration made later in the CI console (a workflow
// deleted, paused, or given an upload trigger over a rule's uploads) is
// caught within the hour, in the function's own log, and a rule whose
// workflow does not exist is not swept into triggers that would all fail.

// DoctorRules are the rules as the configuration checks read them
// (package doctor, which knows nothing of the handler): `cosflow doctor`
// and the sweep give it the same view.
func DoctorRules(rules []Rule) []doctor.Rule {
	out := make([]doctor.Rule, len(rules))
	for i := range rules {
		r := &rules[i]
		out[i] = doctor.Rule{Name: r.Name, Prefix: r.Prefix, Suffix: r.Suffix, WorkflowID: r.WorkflowID, Swept: r.coversCreated()}
	}
	return out
}

// ParseTimerArgument reads a timer trigger's argument as a tick reads its
// Message: one spec or an array of uniquely named ones, the bucket and
// region defaulting to def. It returns the specs that parse and the
// mistake of each that does not, a *valid.FieldError whose Field is its
// path in the argument ("[1].window"); err is a mistake of the argument
// as a whole. `cosflow doctor` checks with it the timers' arguments,
// which the function sees only when they fire.
func ParseTimerArgument(data []byte, def model.Target) (specs []TimerSpec, bad []error, err error) {
	parsed, err := parseSpecs(data, def)
	if err != nil {
		return nil, nil, err
	}
	for _, ts := range parsed {
		if ts.err != nil {
			bad = append(bad, ts.err)
			continue
		}
		specs = append(specs, *ts.spec)
	}
	return specs, bad, nil
}

// sweepChecks runs the workflow checks for the rules a sweep is about to
// sweep, in the spec's bucket: one DescribeMediaWorkflow call. It logs
// each error at ERROR and each warning at WARN, and returns the rules not
// to sweep, by name, with why: those whose workflow does not exist, each
// error a *cosclient.NotFoundError underneath, so that the rule's result
// is not retryable. A failed call is logged at WARN and skips nothing:
// the sweep itself reads no workflow (the role may lack the CAM action
// the call needs, which the line names).
//
// The function cannot tell its own URL, so a callback is checked by its
// path and token only; info findings are not logged.
func (h *Handler) sweepChecks(ctx context.Context, s *ReconcileSpec, rules []Rule) map[string]error {
	if h.ci == nil || len(rules) == 0 {
		return nil
	}
	log := logx.From(ctx, h.logger)
	d := doctor.Deployment{Bucket: s.Bucket, Rules: DoctorRules(rules), Ignore: h.cfg.IgnorePrefixes,
		Callback: doctor.Callback{Token: h.cfg.CallbackToken}}
	findings, err := doctor.CheckWorkflows(ctx, h.ci, d, s.Target.Options(log)...)
	for _, f := range findings {
		level := slog.LevelError
		switch {
		case err != nil || f.Level == doctor.LevelWarn:
			level = slog.LevelWarn
		case f.Level != doctor.LevelError:
			continue
		}
		log.LogAttrs(ctx, level, "workflow check", slog.String("sweep", s.Name), slog.String("bucket", s.Bucket),
			slog.String("check", f.Check), slog.String("rule", f.Rule), slog.String("workflowId", f.WorkflowID),
			slog.String("message", f.Message))
	}
	skip := map[string]error{}
	for rule, f := range doctor.MissingWorkflows(findings) {
		skip[rule] = &missingWorkflowError{finding: f}
	}
	return skip
}

// missingWorkflowError is why a rule was not swept: CI says its workflow
// does not exist in the bucket.
type missingWorkflowError struct{ finding doctor.Finding }

func (e *missingWorkflowError) Error() string { return "not swept: " + e.finding.Message }

// Unwrap makes the error what cosclient calls an unknown ID: never worth
// retrying.
func (e *missingWorkflowError) Unwrap() error {
	return &cosclient.NotFoundError{Resource: "workflow", ID: e.finding.WorkflowID}
}
