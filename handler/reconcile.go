package handler

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/cirules"
	"github.com/cosflow/cosflow/internal/valid"
	"github.com/cosflow/cosflow/model"
)

// The reconcile sweep is the safety net under the upload path: a delivery
// the platform dropped after its retries, or a record whose every attempt
// failed, leaves an object with no run; a run that failed at CI leaves it
// unprocessed. A timer spec such as
//
//	{"name":"sweep","reconcile":{"window":"6h","lag":"5m","every":"1h","maxTriggers":1000}}
//
// passes over the bucket under every upload rule, keeps the objects last
// modified in [pass - window, pass - lag) that the rule matches, and
// settles each by its history in CI's execution list (ledger.Decide):
// triggers those with no run, redrives those whose latest run failed
// while attempts remain (COSFLOW_MAX_ATTEMPTS), and reports those whose
// attempts are spent. The lag leaves uploads whose events may still be on
// their way to the upload path. A pass may span ticks (sweep.go).

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
	// MaxTriggers (default 1000) bounds the runs (first runs and
	// redrives) one invocation starts; the result says when it stopped
	// there, and a continuation (sweep_continue.go), or else the next
	// tick, goes on from where it stopped.
	MaxTriggers int `json:"maxTriggers,omitempty"`
	// Every ("1h") is how often a pass over the bucket starts, counted
	// from the tick the last one started at; empty, every tick that finds
	// no pass under way starts one. Ticks between passes go on with an
	// unfinished pass, or report that none is due.
	Every string `json:"every,omitempty"`

	window, lag, every time.Duration
	maxTriggers        int
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
	if p.Every != "" {
		every, err := time.ParseDuration(p.Every)
		switch {
		case err != nil || every < 0:
			return bad("every", fmt.Sprintf("%q is not a duration like \"1h\" (0s or more)", p.Every))
		case every >= p.window-p.lag:
			// Pass n+1's window must reach back to where pass n's ended.
			return bad("every", "must be shorter than the window less the lag, so that one pass's window meets the next one's")
		}
		p.every = every
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
	// Triggered and Failed are the first runs started and the triggers
	// that failed; Planned (dry run) the keys that would have been
	// triggered or redriven.
	Triggered []SweptObject `json:"triggered"`
	Failed    []Failed      `json:"failed"`
	Planned   []string      `json:"planned,omitempty"`
	// Redriven are the objects whose latest run failed and which were
	// triggered again; Exhausted those whose runs all failed and which
	// have had COSFLOW_MAX_ATTEMPTS of them: each is also logged at
	// ERROR, "run failed permanently".
	Redriven  []Redriven  `json:"redriven"`
	Exhausted []Exhausted `json:"exhausted"`
	// Truncated is set when the invocation stopped before the end of the
	// pass (at maxTriggers, or with its deadline near); LastKey is then
	// where the pass stands: every key up to it is settled, and the next
	// tick goes on after it.
	Truncated bool   `json:"truncated"`
	LastKey   string `json:"lastKey,omitempty"`
	// Pass is the tick whose window the pass sweeps (RFC 3339); Resumed
	// is set when this invocation went on with a pass an earlier one
	// began.
	Pass    string `json:"pass,omitempty"`
	Resumed bool   `json:"resumed,omitempty"`
	// Busy is set when another invocation holds the pass, until
	// BusyUntil at the latest: nothing was swept, and that is no failure.
	Busy      bool   `json:"busy,omitempty"`
	BusyUntil string `json:"busyUntil,omitempty"`
	// NextPass is set when no pass was due (see every): when the next
	// one is (without every, in a continuation of the tick whose pass is
	// done: that tick, any later one starts a pass).
	NextPass string `json:"nextPass,omitempty"`
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

// Redriven is one failed run a sweep followed with a new one.
type Redriven struct {
	Key         string `json:"key"`
	FailedRunID string `json:"failedRunId"`
	InstanceID  string `json:"instanceId"`
}

// Exhausted is one object whose every run failed, as many as
// COSFLOW_MAX_ATTEMPTS: Code and Message are the failing task's, read
// from the last run (empty when that read failed, or CI named no task).
type Exhausted struct {
	Key       string `json:"key"`
	Runs      int    `json:"runs"`
	LastRunID string `json:"lastRunId"`
	Code      string `json:"code"`
	Message   string `json:"message"`
}

// SweepCalls counts a sweep's calls by kind: bucket listings, execution
// listings, triggers (first runs and redrives), run reads (one per
// exhausted object) and state calls (cursor, lease and claims).
type SweepCalls struct {
	List    int `json:"list"`
	Ledger  int `json:"ledger"`
	Trigger int `json:"trigger"`
	Read    int `json:"read"`
	State   int `json:"state"`
}
