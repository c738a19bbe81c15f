package handler

import (
	"context"
	"encoding/json"
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

// TimerResult is what a timer invocation did: one item per backfill spec.
type TimerResult struct {
	Jobs []JobResult `json:"jobs"`
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
	attrs := []slog.Attr{slog.Int("jobs", len(r.Jobs)), slog.Int("created", created), slog.Int("existing", existing), slog.Int("failed", failed)}
	if failed > 0 {
		attrs = append(attrs, slog.Any("result", r))
	}
	return attrs
}

// timerSpec is one spec to run, or why it cannot run.
type timerSpec struct {
	spec *BackfillSpec
	name string // spec name, best effort when invalid
	err  error  // validation failure, path included
}

// handleTimer creates the inventory trigger jobs of one tick.
func (h *Handler) handleTimer(ctx context.Context, ev *events.TimerEvent) (*TimerResult, error) {
	res := &TimerResult{Jobs: []JobResult{}}
	tick := ev.ScheduledAt
	specs, err := h.timerSpecs(ev)
	if err != nil {
		return res, &InvalidPayloadError{Trigger: TriggerTimer, Err: err}
	}
	log := logx.From(ctx, h.logger)
	res.Jobs = make([]JobResult, len(specs))
	runBounded(h.cfg.Concurrency, len(specs), func(i int) {
		ts := specs[i]
		if ts.err != nil {
			log.Warn("backfill spec invalid", slog.String("name", ts.name), slog.String("error", ts.err.Error()))
			res.Jobs[i] = JobResult{Name: ts.name, Error: ts.err.Error()}
			return
		}
		res.Jobs[i] = h.backfill(ctx, ts.spec, tick)
	})

	var incomplete *IncompleteError
	for _, j := range res.Jobs {
		if j.Retryable {
			if incomplete == nil {
				incomplete = &IncompleteError{Total: len(res.Jobs), First: j.Name + ": " + j.Error}
			}
			incomplete.Failed++
		}
	}
	if incomplete != nil {
		return res, incomplete
	}
	return res, nil
}

// errNoBackfill is a tick with nothing to do.
var errNoBackfill = errors.New("Message is empty and " + EnvBackfills + " is not set: there is no backfill spec to run")

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
			out[i] = timerSpec{spec: &h.cfg.Backfills[i], name: h.cfg.Backfills[i].Name}
		}
		return out, nil
	}
	raws, single, err := splitSpecs([]byte(t.Message))
	if err != nil {
		return nil, prefixFieldError("Message", err)
	}
	out := make([]timerSpec, len(raws))
	for i, raw := range raws {
		s, err := parseSpec(raw, h.cfg.Bucket, h.cfg.Region)
		if err != nil {
			out[i] = timerSpec{name: rawSpecName(raw), err: prefixFieldError("Message"+specPath(i, single), err)}
			continue
		}
		out[i] = timerSpec{spec: s, name: s.Name}
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
	return clip.String(strings.ToValidUTF8(s.Name, "?"), 100)
}

// backfill creates the job of one spec for one tick, unless a job of that
// name exists already (an earlier attempt at the same tick).
func (h *Handler) backfill(ctx context.Context, s *BackfillSpec, tick time.Time) JobResult {
	log := logx.From(ctx, h.logger)
	in := s.jobInput(tick)
	res := JobResult{Name: s.Name, JobName: in.Name}
	attrs := []slog.Attr{slog.String("name", in.Name), slog.String("bucket", s.Bucket)}
	attrs = append(attrs, in.Input.LogAttr())
	if s.WorkflowID != "" {
		attrs = append(attrs, slog.String("workflowId", s.WorkflowID))
	} else {
		attrs = append(attrs, slog.String("tag", s.Tag))
	}
	if ti := in.Operation.TimeInterval; ti != nil {
		attrs = append(attrs, slog.String("start", ti.Start), slog.String("end", ti.End))
	}
	if h.cfg.DryRun {
		log.LogAttrs(ctx, slog.LevelInfo, "dry run", attrs...)
		res.DryRun = true
		return res
	}
	fail := func(op string, err error) JobResult {
		res.Error = fmt.Sprintf("%s: %v", op, err)
		res.Retryable = cosclient.Retryable(err)
		log.LogAttrs(ctx, slog.LevelWarn, "job failed", append(attrs, slog.String("error", res.Error), slog.Bool("retryable", res.Retryable))...)
		return res
	}
	opt := cosclient.WithBucket(s.Bucket, s.Region)
	if err := ctx.Err(); err != nil {
		return fail("look up", fmt.Errorf("%w: %w", errNotAttempted, err))
	}
	start := time.Now()
	existing, meta, err := h.findJob(ctx, in.Name, in.Type, opt)
	if err != nil {
		return fail("look up existing job", err)
	}
	if existing != "" {
		res.JobID = existing
		log.LogAttrs(ctx, slog.LevelInfo, "job exists", append(attrs, slog.String("jobId", existing),
			slog.Int("attempts", meta.Attempts), slog.Int64("durationMs", time.Since(start).Milliseconds()))...)
		return res
	}
	out, err := h.ci.CreateInventoryTriggerJob(ctx, in, opt)
	if err != nil {
		return fail("create job", err)
	}
	if out.JobsDetail != nil {
		res.JobID = out.JobsDetail.JobID
	}
	res.Created = true
	log.LogAttrs(ctx, slog.LevelInfo, "job created", append(attrs, slog.String("jobId", res.JobID),
		slog.Int("attempts", out.Meta.Attempts), slog.Int64("durationMs", time.Since(start).Milliseconds()))...)
	return res
}

// maxLookupPages bounds the name lookup against a service that keeps
// answering pages: job names are unique per tick, so one page is normal.
const maxLookupPages = 50

// findJob returns the ID of a job named name (any state), or "".
func (h *Handler) findJob(ctx context.Context, name string, typ cosclient.JobType, opt cosclient.CallOption) (string, cosclient.CallMeta, error) {
	p := cosclient.NewJobsPaginator(h.ci, &cosclient.DescribeInventoryTriggerJobsInput{
		Name: name, Type: typ, States: []cosclient.JobState{"All"}, Size: cosclient.MaxListSize,
	}, opt)
	var meta cosclient.CallMeta
	for page := 0; p.HasMorePages() && page < maxLookupPages; page++ {
		out, err := p.NextPage(ctx)
		if err != nil {
			return "", meta, err
		}
		meta.Attempts += out.Meta.Attempts
		meta.Duration += out.Meta.Duration
		// The service filters by name; compare again, in case it matches
		// loosely.
		for _, j := range out.JobsDetail {
			if j.Name == name {
				return j.JobID, meta, nil
			}
		}
	}
	return "", meta, nil
}
