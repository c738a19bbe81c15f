package handler

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/cirules"
	"github.com/cosflow/cosflow/internal/clip"
	"github.com/cosflow/cosflow/internal/logx"
	"github.com/cosflow/cosflow/internal/valid"
	"github.com/cosflow/cosflow/model"
)

// BackfillSpec describes one inventory trigger job a timer tick creates:
// which objects (exactly one of Prefix, Object, Manifest, URLFile) and what
// to run on them (WorkflowID, or Tag with JobParam and the other Job-only
// options). Field rules are CI's (tags naming cosclient's rules), and so
// are the rules between fields (cosclient checks the job input the spec
// makes).
type BackfillSpec struct {
	// Name identifies the backfill; the job name is derived from it, the
	// tick time and what the job does.
	Name string `json:"name" validate:"required"`
	model.Target
	model.JobInput

	WorkflowID string `json:"workflowId,omitempty" validate:"omitempty,ci_workflow_id"`
	model.JobOptions

	// Window ("24h") limits the job to objects last modified in
	// [tick - Window, tick). Empty means no time limit.
	Window string `json:"window,omitempty"`

	window time.Duration // Window, parsed by check
}

func (s *BackfillSpec) common() (name *string, target *model.Target) { return &s.Name, &s.Target }

// check validates the spec (tags, then cosclient's check of the request
// it makes, in the spec's field names) and parses Window.
func (s *BackfillSpec) check() error {
	if err := cirules.Struct(s); err != nil {
		return err
	}
	bad := func(field, reason string) error { return &valid.FieldError{Field: field, Reason: reason} }
	if s.Prefix != nil {
		if reason := prefixProblem(*s.Prefix); reason != "" {
			return bad("prefix", reason)
		}
	}
	if s.Window != "" {
		d, err := parseWindow(s.Window)
		if err != nil {
			return bad("window", err.Error())
		}
		if s.Prefix == nil {
			return bad("window", "needs a prefix input (a time window filters the objects a prefix lists)")
		}
		s.window = d
	}
	// A representative tick checks the request cosclient would send.
	if err := s.jobInput(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)).Validate(); err != nil {
		return cirules.FieldError(err, "", specPath)
	}
	return nil
}

// parseWindow reads a positive duration of at most model.MaxWindow.
func parseWindow(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return 0, fmt.Errorf("%q is not a duration like \"24h\" or \"90m\"", clip.String(s, maxValueEcho))
	case d <= 0:
		return 0, fmt.Errorf("must be positive")
	case d > model.MaxWindow:
		return 0, fmt.Errorf("must be at most %v", model.MaxWindow)
	}
	return d, nil
}

// specPath names a CI field the way a flat backfill spec does:
// Operation.WorkflowIds → workflowId, Input.UrlFile → urlFile, the time
// interval → window, Operation.Output.Object → output.object.
func specPath(wire string) string {
	switch {
	case wire == "Operation.WorkflowIds":
		return "workflowId"
	case strings.HasPrefix(wire, "Operation.TimeInterval"):
		return "window"
	case wire == "Input":
		return "" // "needs exactly one of prefix, object, manifest, urlFile"
	}
	if _, rest, ok := strings.Cut(wire, "."); ok && (strings.HasPrefix(wire, "Input.") || strings.HasPrefix(wire, "Operation.")) {
		wire = rest
	}
	return cirules.LowerPath(wire)
}

// jobType is the spec's job type: Workflow when it names a workflow, Job
// when it names only a tag.
func (s *BackfillSpec) jobType() cosclient.JobType {
	if s.WorkflowID == "" && s.Tag != "" {
		return cosclient.JobTypeJob
	}
	return cosclient.JobTypeWorkflow
}

// jobInput is the CreateInventoryTriggerJob request for the tick at tick.
func (s *BackfillSpec) jobInput(tick time.Time) *cosclient.CreateInventoryTriggerJobInput {
	op := model.JobOperation{WorkflowIDs: s.WorkflowID, JobOptions: s.JobOptions}
	in := &cosclient.CreateInventoryTriggerJobInput{
		Type:      s.jobType(),
		Input:     cosclient.JobInput(s.JobInput),
		Operation: op.ToCI(),
	}
	if s.window > 0 {
		in.Operation.TimeInterval = windowInterval(tick, s.window)
	}
	in.Name = JobName(s.Name, tick, contentDigest(in))
	return in
}

// windowInterval is [tick-window, tick) as CI's inclusive, whole-second
// TimeInterval: End is the last whole second before tick, so consecutive
// ticks cover each object exactly once.
func windowInterval(tick time.Time, window time.Duration) *cosclient.TimeInterval {
	end := tick.Truncate(time.Second)
	if end.Equal(tick) {
		end = end.Add(-time.Second)
	}
	return &cosclient.TimeInterval{
		Start: cosclient.FormatTime(tick.Add(-window)),
		End:   cosclient.FormatTime(end),
	}
}

// contentDigest is a short hash of what a job does: its type, input and
// operation (the time window included). Two specs that share a name (in
// two timer triggers, say) but not their work get different job names.
func contentDigest(in *cosclient.CreateInventoryTriggerJobInput) string {
	// encoding/xml refuses an unnamed struct type without an XMLName (and
	// the digest was then that of nothing, the same for every job): the
	// element is named here, and with it our own types cannot fail.
	body, _ := xml.Marshal(struct {
		XMLName   xml.Name `xml:"Work"`
		Type      cosclient.JobType
		Input     cosclient.JobInput
		Operation cosclient.JobOperation
	}{Type: in.Type, Input: in.Input, Operation: in.Operation})
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:4])
}

// jobTimeLayout is the tick-time part of job names (UTC, compact).
const jobTimeLayout = "20060102T150405Z"

// JobName is the deterministic job name of a backfill at one tick:
// "<sanitised name>-<UTC tick>-<digest>", e.g.
// "nightly-20261122T020000Z-1a2b3c4d". A platform retry of the tick makes
// the same name, so it finds its own job; a spec of the same name doing
// other work does not. Characters CI refuses in a name become '-'; the name
// part is cut so the whole stays within cosclient.MaxJobNameRunes while
// the suffix is always kept.
func JobName(name string, tick time.Time, digest string) string {
	suffix := "-" + tick.UTC().Format(jobTimeLayout) + "-" + digest
	room := cosclient.MaxJobNameRunes - len(suffix) // the suffix is ASCII
	var b strings.Builder
	n := 0
	for _, r := range name {
		if n == room {
			break
		}
		if !cosclient.JobNameRune(r) {
			r = '-'
		}
		b.WriteRune(r)
		n++
	}
	if n == 0 {
		b.WriteString("backfill")
	}
	return b.String() + suffix
}

// backfill creates the job of one spec for one tick, unless its job exists
// already (an earlier attempt at the same tick).
func (h *Handler) backfill(ctx context.Context, s *BackfillSpec, tick time.Time) JobResult {
	log := logx.From(ctx, h.logger)
	in := s.jobInput(tick)
	res := JobResult{Name: s.Name, JobName: in.Name}
	attrs := append([]any{slog.String("name", in.Name)}, model.JobAttrs(s.Bucket, in)...)
	if ti := in.Operation.TimeInterval; ti != nil {
		attrs = append(attrs, windowAttrs(ti)...)
	}
	if h.cfg.DryRun {
		log.Info("dry run", attrs...)
		res.DryRun = true
		return res
	}
	fail := func(op string, err error) JobResult {
		res.Error = fmt.Sprintf("%s: %v", op, err)
		res.Retryable = retryable(err)
		log.Warn("job failed", append(attrs, slog.String("error", res.Error), slog.Bool("retryable", res.Retryable))...)
		return res
	}
	opts := s.Target.Options(log)
	if err := ctx.Err(); err != nil {
		return fail("look up", fmt.Errorf("%w: %w", errNotAttempted, err))
	}
	start := time.Now()
	existing, err := h.findJob(ctx, in, opts)
	if err != nil {
		return fail("look up existing job", err)
	}
	if existing != nil {
		if !sameWork(existing, in) {
			res.JobID = existing.JobID
			res.Error = fmt.Sprintf("a job named %s exists (%s) with another input or operation: not created", in.Name, existing.JobID)
			log.Warn("job failed", append(attrs, slog.String("jobId", existing.JobID), slog.String("error", res.Error), slog.Bool("retryable", false))...)
			return res
		}
		res.JobID = existing.JobID
		log.Info("job exists", append(attrs, slog.String("jobId", existing.JobID),
			slog.Int64("durationMs", time.Since(start).Milliseconds()))...)
		return res
	}
	out, err := h.ci.CreateInventoryTriggerJob(ctx, in, opts...)
	if err != nil {
		return fail("create job", err)
	}
	if out.JobsDetail != nil {
		res.JobID = out.JobsDetail.JobID
	}
	res.Created = true
	attempts, _ := cosclient.GetAttemptsMetadata(out.ResultMetadata)
	log.Info("job created", append(attrs, slog.String("jobId", res.JobID),
		slog.Int("attempts", attempts), slog.Int64("durationMs", time.Since(start).Milliseconds()))...)
	return res
}

// windowAttrs log a job's time window in CI's +08:00 and in UTC, the
// timer event's own zone, so that a user can check it against the cron.
func windowAttrs(ti *cosclient.TimeInterval) []any {
	attrs := []any{slog.String("start", ti.Start), slog.String("end", ti.End)}
	for _, t := range []struct{ key, value string }{{"startUTC", ti.Start}, {"endUTC", ti.End}} {
		if at, err := cosclient.ParseTime(t.value); err == nil {
			attrs = append(attrs, slog.String(t.key, at.UTC().Format(time.RFC3339)))
		}
	}
	return attrs
}

// maxLookupPages bounds the name lookup against a service that keeps
// answering pages: job names are unique per tick, so one page is normal.
const maxLookupPages = 50

// findJob returns the job named like in (any state), or nil.
func (h *Handler) findJob(ctx context.Context, in *cosclient.CreateInventoryTriggerJobInput, opts []func(*cosclient.Options)) (*cosclient.JobDetail, error) {
	p := cosclient.NewJobsPaginator(h.ci, &cosclient.DescribeInventoryTriggerJobsInput{
		Name: in.Name, Type: in.Type, States: []cosclient.JobState{cosclient.StateAll}, Size: cosclient.MaxListSize,
	}, opts...)
	for page := 0; p.HasMorePages() && page < maxLookupPages; page++ {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		// The service filters by name; compare again, in case it matches
		// loosely.
		for i := range out.JobsDetail {
			if out.JobsDetail[i].Name == in.Name {
				return &out.JobsDetail[i], nil
			}
		}
	}
	return nil, nil
}

// sameWork reports whether an existing job does what in asks: the same
// input, workflows or tag, and time window. A job CI describes without its
// input or operation is taken at its name's word (the name carries a
// digest of the work).
func sameWork(job *cosclient.JobDetail, in *cosclient.CreateInventoryTriggerJobInput) bool {
	if job.Input == nil || job.Operation == nil {
		return true
	}
	a, b := job.Input, &in.Input
	if !sameString(a.Prefix, b.Prefix) || !sameString(a.Object, b.Object) || !sameString(a.Manifest, b.Manifest) || !sameString(a.URLFile, b.URLFile) {
		return false
	}
	op := job.Operation
	if op.WorkflowIDs != in.Operation.WorkflowIDs || op.Tag != in.Operation.Tag {
		return false
	}
	return sameInterval(op.TimeInterval, in.Operation.TimeInterval)
}

func sameString(a, b *string) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

// sameInterval compares time intervals as instants: CI may write the
// offset as +0800 or +08:00.
func sameInterval(a, b *cosclient.TimeInterval) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return sameInstant(a.Start, b.Start) && sameInstant(a.End, b.End)
}

func sameInstant(a, b string) bool {
	ta, errA := cosclient.ParseTime(a)
	tb, errB := cosclient.ParseTime(b)
	if errA != nil || errB != nil {
		return a == b
	}
	return ta.Equal(tb)
}
