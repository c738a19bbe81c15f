package handler

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/cosflow/cosflow/events"
	"github.com/cosflow/cosflow/internal/clip"
	"github.com/cosflow/cosflow/internal/jsonscan"
	"github.com/cosflow/cosflow/internal/logx"
	"github.com/cosflow/cosflow/internal/valid"
	"github.com/cosflow/cosflow/model"
)

// TimerResult is what a timer invocation did: one item per backfill spec,
// and one per rule a reconcile sweep covered. Continued is set when a
// sweep stopped with work left and the function was invoked again to go
// on at once (sweep_continue.go).
type TimerResult struct {
	Jobs      []JobResult       `json:"jobs"`
	Reconcile []ReconcileResult `json:"reconcile,omitempty"`
	Continued bool              `json:"continued,omitempty"`
}

// JobResult is one backfill spec's outcome. Created is false when a job of
// that name already existed (a retry of the same tick), in dry-run mode,
// and on failure (Error set).
type JobResult struct {
	Name      string `json:"name"`              // the spec's name
	JobName   string `json:"jobName,omitempty"` // the CI job name
	JobID     string `json:"jobId,omitempty"`
	Created   bool   `json:"created"`
	DryRun    bool   `json:"dryRun,omitempty"`
	Error     string `json:"error,omitempty"`
	Retryable bool   `json:"retryable,omitempty"`
}

func (r *TimerResult) summary() []slog.Attr {
	created, existing, failed := 0, 0, 0
	for _, j := range r.Jobs {
		switch {
		case j.Error != "":
			failed++
		case j.Created:
			created++
		case j.JobID != "":
			existing++
		}
	}
	swept := 0
	for _, rc := range r.Reconcile {
		swept += len(rc.Triggered)
		if rc.Error != "" {
			failed++
		}
		failed += len(rc.Failed)
	}
	attrs := []slog.Attr{slog.Int("jobs", len(r.Jobs)), slog.Int("created", created), slog.Int("existing", existing), slog.Int("failed", failed)}
	if len(r.Reconcile) > 0 {
		attrs = append(attrs, slog.Int("swept", swept))
	}
	if failed > 0 {
		attrs = append(attrs, slog.Any("result", r))
	}
	return attrs
}

// TimerSpec is one element of a timer's argument (or of
// COSFLOW_BACKFILLS): a backfill, or a reconcile sweep when it has a
// "reconcile" member.
type TimerSpec struct {
	Backfill  *BackfillSpec
	Reconcile *ReconcileSpec
}

// Name is the spec's name, unique within its argument.
func (s *TimerSpec) Name() string {
	if s.Reconcile != nil {
		return s.Reconcile.Name
	}
	return s.Backfill.Name
}

// timerSpec is one spec to run, or why it cannot run.
type timerSpec struct {
	spec *TimerSpec
	name string // spec name, best effort when invalid
	err  error  // validation failure, path included
}

// handleTimer runs the specs of one tick: it creates the backfills'
// inventory trigger jobs and runs the reconcile sweeps.
func (h *Handler) handleTimer(ctx context.Context, ev *events.TimerEvent) (*TimerResult, error) {
	res := &TimerResult{Jobs: []JobResult{}}
	tick := ev.ScheduledAt
	specs, err := h.timerSpecs(ev)
	if err != nil {
		return res, &InvalidPayloadError{Trigger: TriggerTimer, Err: err}
	}
	log := logx.From(ctx, h.logger)
	var backfills, sweeps []timerSpec
	for _, ts := range specs {
		if ts.err == nil && ts.spec.Reconcile != nil {
			sweeps = append(sweeps, ts)
		} else {
			backfills = append(backfills, ts)
		}
	}
	res.Jobs = make([]JobResult, len(backfills))
	h.inParallel(len(backfills), func(i int) {
		ts := backfills[i]
		if ts.err != nil {
			log.Warn("timer spec invalid", slog.String("name", ts.name), slog.String("error", ts.err.Error()))
			res.Jobs[i] = JobResult{Name: ts.name, Error: ts.err.Error()}
			return
		}
		res.Jobs[i] = h.backfill(ctx, ts.spec.Backfill, tick)
	})
	// Sweeps run one after the other: each already runs its triggers
	// concurrently, and each stops at its own maxTriggers.
	for _, ts := range sweeps {
		res.Reconcile = append(res.Reconcile, h.reconcile(ctx, ts.spec.Reconcile, tick, ev.CosflowContinuation > 0)...)
	}

	var incomplete *IncompleteError
	note := func(name, msg string) {
		if incomplete == nil {
			incomplete = &IncompleteError{First: name + ": " + msg}
		}
		incomplete.Failed++
	}
	for _, j := range res.Jobs {
		if j.Retryable {
			note(j.Name, j.Error)
		}
	}
	for _, rc := range res.Reconcile {
		if rc.Retryable {
			note(rc.Rule, rc.Error)
		}
		for _, f := range rc.Failed {
			if f.Retryable {
				note(f.Key, f.Error)
			}
		}
	}
	if incomplete != nil {
		// The platform retries the tick, which goes on with the sweeps:
		// no continuation besides.
		incomplete.Total = len(res.Jobs) + len(res.Reconcile)
		return res, incomplete
	}
	h.continueSweeps(ctx, ev, sweeps, res)
	return res, nil
}

// errNoBackfill is a tick with nothing to do.
var errNoBackfill = errors.New("the Message is empty and " + EnvBackfills + " is not set: there is no timer spec to run")

// timerSpecs reads the tick's specs: the Message when set (validated
// here; each bad spec is reported on its own), else COSFLOW_BACKFILLS
// (validated at start-up).
func (h *Handler) timerSpecs(t *events.TimerEvent) ([]timerSpec, error) {
	if strings.TrimSpace(t.Message) == "" {
		if len(h.cfg.Backfills) == 0 {
			return nil, errNoBackfill
		}
		out := make([]timerSpec, len(h.cfg.Backfills))
		for i := range h.cfg.Backfills {
			out[i] = timerSpec{spec: &h.cfg.Backfills[i], name: h.cfg.Backfills[i].Name()}
		}
		return out, nil
	}
	specs, err := parseSpecs([]byte(t.Message), h.cfg.defaultTarget())
	if err != nil {
		return nil, prefixFieldError("Message", err)
	}
	for i := range specs {
		if specs[i].err != nil {
			specs[i].err = prefixFieldError("Message", specs[i].err)
		}
	}
	return specs, nil
}

// parseSpecs strictly decodes and checks a timer argument: one spec or an
// array of them, of unique names. A mistake in the argument as a whole is
// the error; a spec's own is its timerSpec's, with its path below data, so
// that one bad spec does not keep the others from running.
func parseSpecs(data []byte, def model.Target) ([]timerSpec, error) {
	raws, single, err := splitSpecs(data)
	if err != nil {
		return nil, err
	}
	if err := uniqueNames(raws, single); err != nil {
		return nil, err
	}
	out := make([]timerSpec, len(raws))
	for i, raw := range raws {
		s, err := parseSpec(raw, def)
		if err != nil {
			out[i] = timerSpec{name: rawSpecName(raw), err: prefixFieldError(specIndex(i, single), err)}
			continue
		}
		out[i] = timerSpec{spec: s, name: s.Name()}
	}
	return out, nil
}

// rawSpecName is an invalid spec's name, when it has a readable one.
func rawSpecName(raw json.RawMessage) string {
	var s struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return clip.String(strings.ToValidUTF8(s.Name, "?"), maxNameEcho)
}

// uniqueNames refuses two specs of one name in one argument: they would
// share job names and log lines, and one would hide the other.
func uniqueNames(raws []json.RawMessage, single bool) error {
	seen := make(map[string]int, len(raws))
	for i, raw := range raws {
		name := rawSpecName(raw)
		if name == "" {
			continue // reported by the spec's own validation
		}
		if j, dup := seen[name]; dup {
			return &valid.FieldError{Field: specIndex(i, single) + ".name",
				Reason: fmt.Sprintf("%q is already the name of spec %s: names must be unique", name, specIndex(j, false))}
		}
		seen[name] = i
	}
	return nil
}

// splitSpecs strictly decodes a JSON timer spec or an array of them into
// the raw elements; single reports the former (paths then have no index).
func splitSpecs(data []byte) (raws []json.RawMessage, single bool, err error) {
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		if err := valid.Decode(data, &raws); err != nil {
			return nil, false, err
		}
		if len(raws) == 0 {
			return nil, false, &valid.FieldError{Reason: "is an empty array: at least one spec is required"}
		}
		return raws, false, nil
	}
	var one json.RawMessage
	if err := valid.Decode(data, &one); err != nil {
		return nil, false, err
	}
	return []json.RawMessage{one}, true, nil
}

// specIndex is the JSON path of element i: "[i]", or "" for a single spec.
func specIndex(i int, single bool) string {
	if single {
		return ""
	}
	return fmt.Sprintf("[%d]", i)
}

// decodeSpecs is parseSpecs for a setting read at start-up, where every
// spec must be good: it fails on the first bad one with a
// *valid.FieldError whose Field is the path below data.
func decodeSpecs(data []byte, def model.Target) ([]TimerSpec, error) {
	parsed, err := parseSpecs(data, def)
	if err != nil {
		return nil, err
	}
	specs := make([]TimerSpec, len(parsed))
	for i, ts := range parsed {
		if ts.err != nil {
			return nil, ts.err
		}
		specs[i] = *ts.spec
	}
	return specs, nil
}

// prefixFieldError puts a *valid.FieldError under prefix.
func prefixFieldError(prefix string, err error) error {
	var fe *valid.FieldError
	if errors.As(err, &fe) {
		return &valid.FieldError{Field: jsonscan.Join(prefix, fe.Field), Reason: fe.Reason}
	}
	return &valid.FieldError{Field: prefix, Reason: err.Error()}
}

// specFields is what parseSpec needs of either kind of spec.
type specFields interface {
	// common points at the spec's name and target.
	common() (name *string, target *model.Target)
	// check validates the spec's own fields.
	check() error
}

// parseSpec strictly decodes one spec (a reconcile sweep when it has a
// "reconcile" member), fills in the default bucket and region (def) and
// checks it. Errors are *valid.FieldError relative to the spec.
func parseSpec(raw []byte, def model.Target) (*TimerSpec, error) {
	var keys map[string]json.RawMessage
	_ = json.Unmarshal(raw, &keys) // a non-object fails the strict decode below
	var spec TimerSpec
	var fields specFields
	if _, ok := keys["reconcile"]; ok {
		spec.Reconcile = &ReconcileSpec{}
		fields = spec.Reconcile
	} else {
		spec.Backfill = &BackfillSpec{}
		fields = spec.Backfill
	}
	if err := valid.Decode(raw, fields); err != nil {
		return nil, err
	}
	name, target := fields.common()
	*target = target.Or(def)
	if reason := nameProblem(*name); reason != "" {
		return nil, &valid.FieldError{Field: "name", Reason: reason}
	}
	switch {
	case target.Bucket == "":
		return nil, &valid.FieldError{Field: "bucket", Reason: "is required (or set " + EnvBucket + ")"}
	case target.Region == "":
		return nil, &valid.FieldError{Field: "region", Reason: "is required (or set " + EnvRegion + ")"}
	}
	if err := fields.check(); err != nil {
		return nil, err
	}
	return &spec, nil
}
