package handler

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/cirules"
	"github.com/cosflow/cosflow/internal/logx"
	"github.com/cosflow/cosflow/internal/valid"
	"github.com/cosflow/cosflow/ledger"
	"github.com/cosflow/cosflow/model"
)

// The reconcile sweep is the safety net under the upload path: a delivery
// the platform dropped after its retries, or a record whose every attempt
// failed, leaves an object with no run. A timer spec such as
//
//	{"name":"sweep","reconcile":{"window":"6h","lag":"5m","maxTriggers":1000}}
//
// lists the bucket under every upload rule, keeps the objects last modified
// in [tick - window, tick - lag) that the rule matches, and triggers those
// CI's execution list shows no run for. The lag leaves uploads whose events
// may still be on their way to the upload path.

// Reconcile defaults.
const (
	DefaultReconcileLag         = 5 * time.Minute
	DefaultReconcileMaxTriggers = 1000
	MaxReconcileMaxTriggers     = 100_000
)

// listPageKeys is how many keys one listing call asks for (COS's most).
const listPageKeys = cosclient.MaxListKeys

// ReconcileSpec is a timer spec that sweeps a bucket for uploads that
// never ran. Bucket and region default as in backfill specs.
type ReconcileSpec struct {
	Name string `json:"name" validate:"required"`
	model.Target
	Reconcile ReconcileParams `json:"reconcile"`
}

// ReconcileParams bound one sweep.
type ReconcileParams struct {
	// Window ("6h") is how far back, from the tick, the sweep looks.
	Window string `json:"window"`
	// Lag ("5m", default 5m) skips the newest uploads, whose events may
	// still be on their way.
	Lag string `json:"lag,omitempty"`
	// MaxTriggers (default 1000) bounds the runs one sweep starts; the
	// result says when it stopped there.
	MaxTriggers int `json:"maxTriggers,omitempty"`

	window, lag time.Duration
	maxTriggers int
}

func (s *ReconcileSpec) common() (name *string, target *model.Target) { return &s.Name, &s.Target }

// ParseReconcileSpec strictly decodes and checks one reconcile spec, as a
// timer's argument holds it; def's bucket and region fill in when the spec
// names none. It is how `cosflow reconcile -f` reads the timer's own spec. The
// first mistake is a *valid.FieldError naming the JSON field.
func ParseReconcileSpec(data []byte, def model.Target) (*ReconcileSpec, error) {
	// A spec without "reconcile" is a backfill to parseSpec; say what is
	// missing rather than report the backfill fields it lacks.
	var keys map[string]json.RawMessage
	if json.Unmarshal(data, &keys) == nil {
		if _, ok := keys["reconcile"]; !ok {
			return nil, &valid.FieldError{Field: "reconcile", Reason: `is required: a reconcile spec is {"name":…,"reconcile":{"window":"6h"}}`}
		}
	}
	spec, err := parseSpec(data, def)
	if err != nil {
		return nil, err
	}
	return spec.Reconcile, nil
}

// check validates the spec and parses its durations.
func (s *ReconcileSpec) check() error {
	if err := cirules.Struct(s); err != nil {
		return err
	}
	p := &s.Reconcile
	bad := func(field, reason string) error {
		return &valid.FieldError{Field: "reconcile." + field, Reason: reason}
	}
	if p.Window == "" {
		return bad("window", "is required")
	}
	d, err := parseWindow(p.Window)
	if err != nil {
		return bad("window", err.Error())
	}
	p.window, p.lag = d, DefaultReconcileLag
	if p.Lag != "" {
		lag, err := time.ParseDuration(p.Lag)
		if err != nil || lag < 0 {
			return bad("lag", fmt.Sprintf("%q is not a duration like \"5m\" (0s or more)", p.Lag))
		}
		p.lag = lag
	}
	if p.lag >= p.window {
		return bad("lag", "must be shorter than the window")
	}
	switch n := p.MaxTriggers; {
	case n == 0:
		p.maxTriggers = DefaultReconcileMaxTriggers
	case n < 0 || n > MaxReconcileMaxTriggers:
		return bad("maxTriggers", fmt.Sprintf("must be from 1 to %d", MaxReconcileMaxTriggers))
	default:
		p.maxTriggers = n
	}
	return nil
}

// ReconcileResult is what one sweep did for one upload rule.
type ReconcileResult struct {
	Name string `json:"name"` // the spec's name
	Rule string `json:"rule"`
	// Checked counts the objects the rule matches in the window;
	// AlreadyRan those CI's execution list shows a run for.
	Checked    int `json:"checked"`
	AlreadyRan int `json:"alreadyRan"`
	// UnreadableTimes counts the checked objects whose LastModified the
	// sweep could not read: they were looked up over the whole window and
	// triggered when CI showed no run (see sweepCandidates).
	UnreadableTimes int `json:"unreadableTimes,omitempty"`
	// Triggered and Failed are the runs started and those that failed;
	// Planned (dry run) the keys that would have been triggered.
	Triggered []SweptObject `json:"triggered"`
	Failed    []Failed      `json:"failed"`
	Planned   []string      `json:"planned,omitempty"`
	// Truncated is set when the sweep stopped at maxTriggers.
	Truncated bool `json:"truncated"`
	// Error is set when the rule could not be swept (the listing or the
	// ledger failed); Retryable when a later tick may do better.
	Error     string `json:"error,omitempty"`
	Retryable bool   `json:"retryable,omitempty"`
	// Calls counts the CI and COS calls the sweep made for the rule.
	Calls SweepCalls `json:"calls"`
}

// SweptObject is one run a sweep started.
type SweptObject struct {
	Key        string `json:"key"`
	InstanceID string `json:"instanceId"`
}

// SweepCalls counts a sweep's calls by kind.
type SweepCalls struct {
	List    int `json:"list"`
	Ledger  int `json:"ledger"`
	Trigger int `json:"trigger"`
}

// sweepCandidate is one object a rule matches in the window.
type sweepCandidate struct {
	key string
	// modified is the object's LastModified; the window's start when it
	// could not be read (unreadable), so that every run in the window
	// counts for it.
	modified   time.Time
	unreadable bool
}

// Reconcile runs one sweep at tick over every upload rule that covers
// uploads, one result each, in rule order. s must have been checked: it
// comes from a timer's argument or from ParseReconcileSpec. The timer
// runs it at every tick; `cosflow reconcile` runs it once, now.
func (h *Handler) Reconcile(ctx context.Context, s *ReconcileSpec, tick time.Time) []ReconcileResult {
	log := logx.From(ctx, h.logger)
	p := &s.Reconcile
	from, to := tick.Add(-p.window), tick.Add(-p.lag)
	opts := s.Target.Options(log)
	budget := p.maxTriggers
	done := map[string]bool{} // key + workflow already swept by an earlier rule
	results := make([]ReconcileResult, 0, len(h.cfg.Rules))
	skip := h.sweepChecks(ctx, s, h.cfg.Rules) // rules whose workflow does not exist
	for i := range h.cfg.Rules {
		rule := &h.cfg.Rules[i]
		if !rule.coversCreated() {
			continue
		}
		res := ReconcileResult{Name: s.Name, Rule: rule.Name, Triggered: []SweptObject{}, Failed: []Failed{}}
		cands, err := []sweepCandidate(nil), skip[rule.Name]
		if err == nil {
			cands, err = h.sweepCandidates(ctx, rule, from, to, opts, &res.Calls)
		}
		if err == nil {
			cands = slices.DeleteFunc(cands, func(c sweepCandidate) bool { return done[c.key+"\x00"+rule.WorkflowID] })
			res.Checked = len(cands)
			for _, c := range cands {
				if c.unreadable {
					res.UnreadableTimes++
				}
			}
			err = h.sweepRule(ctx, s, rule, cands, opts, &budget, &res)
			for _, c := range cands {
				done[c.key+"\x00"+rule.WorkflowID] = true
			}
		}
		if err != nil {
			res.Error = err.Error()
			res.Retryable = retryable(err)
		}
		level := slog.LevelInfo
		if res.Error != "" || len(res.Failed) > 0 || res.UnreadableTimes > 0 {
			level = slog.LevelWarn
		}
		log.LogAttrs(ctx, level, "reconcile done", slog.String("name", s.Name), slog.String("rule", rule.Name),
			slog.String("bucket", s.Bucket), slog.String("from", cosclient.FormatTime(from)), slog.String("to", cosclient.FormatTime(to)),
			slog.Int("checked", res.Checked), slog.Int("unreadableTimes", res.UnreadableTimes), slog.Int("alreadyRan", res.AlreadyRan), slog.Int("triggered", len(res.Triggered)),
			slog.Int("failed", len(res.Failed)), slog.Int("planned", len(res.Planned)), slog.Bool("truncated", res.Truncated),
			slog.Int("listCalls", res.Calls.List), slog.Int("ledgerCalls", res.Calls.Ledger), slog.Int("triggerCalls", res.Calls.Trigger),
			slog.String("error", res.Error))
		results = append(results, res)
	}
	return results
}

// sweepCandidates lists the bucket under the rule's prefix and keeps the
// objects modified in [from, to) that the rule matches and no ignore
// prefix covers. Listing costs one call per 1,000 keys under the prefix.
//
// An object whose LastModified cannot be read is kept too, as modified at
// from: the safe reading, the ledger's own for a run whose time it cannot
// read. Its lookup then counts every run in the window, and when none is
// listed it is triggered. Dropping it could lose an upload that never
// ran; keeping it can, at worst, run again an object uploaded before the
// window or one whose upload event is still within the lag.
func (h *Handler) sweepCandidates(ctx context.Context, rule *Rule, from, to time.Time, opts []func(*cosclient.Options), calls *SweepCalls) ([]sweepCandidate, error) {
	var out []sweepCandidate
	pager := cosclient.NewObjectsPaginator(h.ci, &cosclient.ListObjectsInput{Prefix: rule.Prefix, MaxKeys: listPageKeys}, opts...)
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		calls.List++
		if err != nil {
			return nil, fmt.Errorf("list the bucket under %q: %w", rule.Prefix, err)
		}
		for _, o := range page.Contents {
			c := sweepCandidate{key: o.Key}
			modified, err := time.Parse(time.RFC3339, o.LastModified)
			switch {
			case err != nil:
				c.modified, c.unreadable = from, true
			case modified.Before(from) || !modified.Before(to):
				continue
			default:
				c.modified = modified
			}
			if _, ignored := ignoredBy(h.cfg.IgnorePrefixes, o.Key); ignored || !rule.matchesObject(o.Key, o.Size) {
				continue
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// sweepRule looks the candidates up in CI's execution list and triggers
// those with no run, within the sweep's remaining budget.
func (h *Handler) sweepRule(ctx context.Context, s *ReconcileSpec, rule *Rule, cands []sweepCandidate, opts []func(*cosclient.Options), budget *int, res *ReconcileResult) error {
	if len(cands) == 0 {
		return nil
	}
	items := make([]ledger.Item, len(cands))
	for i, c := range cands {
		items[i] = ledger.Item{Key: c.key, Uploaded: c.modified}
	}
	found, err := h.ledger.Lookup(ctx, rule.WorkflowID, items, opts...)
	res.Calls.Ledger += found.Calls
	if err != nil {
		return err
	}
	res.AlreadyRan = len(found.Runs)
	var todo []sweepCandidate
	for _, c := range cands {
		if _, ran := found.Runs[c.key]; !ran {
			todo = append(todo, c)
		}
	}
	if len(todo) > *budget {
		todo, res.Truncated = todo[:*budget], true
	}
	*budget -= len(todo)
	log := logx.From(ctx, h.logger)
	if h.cfg.DryRun {
		for _, c := range todo {
			log.Info("dry run", slog.String("bucket", s.Bucket), slog.String("key", c.key),
				slog.String("workflowId", rule.WorkflowID), slog.String("rule", rule.Name), slog.String("sweep", s.Name))
			res.Planned = append(res.Planned, c.key)
		}
		return nil
	}
	outcomes := make([]taskOutcome, len(todo))
	h.inParallel(len(todo), func(i int) {
		c := todo[i]
		outcomes[i] = h.triggerOnce(ctx, triggerTask{
			target: s.Target, key: c.key, rule: rule,
			uploaded: c.modified, sweep: s.Name,
		})
	})
	for i, o := range outcomes {
		res.Calls.Trigger += o.calls
		res.Calls.Ledger += o.ledgerCalls
		if o.err != nil {
			res.Failed = append(res.Failed, Failed{Key: todo[i].key, WorkflowID: rule.WorkflowID, Error: o.err.Error(), Retryable: retryable(o.err)})
			continue
		}
		res.Triggered = append(res.Triggered, SweptObject{Key: todo[i].key, InstanceID: o.instanceID})
	}
	return nil
}
