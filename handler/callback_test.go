package handler

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/events"
	"github.com/cosflow/cosflow/internal/clip"
	"github.com/cosflow/cosflow/ledger"
	"github.com/cosflow/cosflow/model"
)

// callbackOf is the callback CI posts when run ends, as the route parses
// it.
func callbackOf(t *testing.T, emu *ciemu.Emulator, runID string) *events.CICallback {
	t.Helper()
	n, ok := emu.Notice(testBucket, runID)
	if !ok {
		t.Fatalf("run %s has not ended", runID)
	}
	return &events.CICallback{EventName: events.CIEventWorkflowFinish, RunID: n.RunID, WorkflowID: n.WorkflowID,
		BucketID: n.BucketID, Object: n.Object, State: string(n.State)}
}

// latestRun is the newest run of wfA for key.
func (e *sweepEnv) latestRun(t *testing.T, key string) cosclient.WorkflowExecution {
	t.Helper()
	var latest cosclient.WorkflowExecution
	for _, x := range e.emu.Executions(testBucket, wfA) {
		if x.Object == key {
			latest = x // in creation order
		}
	}
	if latest.RunID == "" {
		t.Fatalf("no run of %s", key)
	}
	return latest
}

// callback runs one callback through the handler.
func (e *sweepEnv) callback(t *testing.T, cb *events.CICallback) model.CallbackResult {
	t.Helper()
	res, err := e.h.CICallback(context.Background(), cb)
	if err != nil {
		t.Fatalf("callback %+v: %v", cb, err)
	}
	return res
}

// TestCallbackBound: against staged outcomes, the first run started by a
// sweep, then CI's callbacks, each posted twice (the repeat comes after
// the redrive it caused), and a sweep pass after each pair: a run that
// fails once is redriven at once by its callback and ends in a success
// with 2 runs; one that always fails gets exactly COSFLOW_MAX_ATTEMPTS
// runs between the two paths (the callback redrives the first failure,
// the sweep the second, which it sees before its callback) and is
// reported exhausted with CI's code; a Running run, whatever its callback
// says, and a successful one are never redriven; a repeat adds nothing.
func TestCallbackBound(t *testing.T) {
	tests := []struct {
		name      string
		staging   ciemu.Staging
		runs      int
		redriven  int // by callbacks
		swept     int // redriven by sweeps
		exhausted bool
		final     cosclient.ExecutionState
	}{
		{"fails once", ciemu.Staging{Next: []ciemu.Outcome{ciemu.Fail("InternalError", "once")}}, 2, 1, 0, false, cosclient.ExecutionStateSuccess},
		{"always fails", ciemu.Staging{Then: ciemu.Fail("InvalidInput", "the source cannot be decoded")}, 3, 1, 1, true, cosclient.ExecutionStateFailed},
		{"stays running", ciemu.Staging{Then: ciemu.StayRunning()}, 1, 0, 0, false, cosclient.ExecutionStateRunning},
		{"succeeds", ciemu.Staging{}, 1, 0, 0, false, cosclient.ExecutionStateSuccess},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newOutcomeEnv(t, map[string]string{EnvCallbackToken: strings.Repeat("t", MinCallbackToken)}, nil)
			env.emu.StageRuns(testBucket, wfA, "in/x.jpg", tt.staging)
			env.put(t, "in/x.jpg", 1, time.Hour)
			if r := env.sweepOnce(t, `"window":"6h"`); len(r.Triggered) != 1 {
				t.Fatalf("first sweep: %+v", r)
			}
			redriven, swept, exhausted := 0, 0, 0
			for i := range 5 {
				latest := env.latestRun(t, "in/x.jpg")
				var cb *events.CICallback
				if latest.State == cosclient.ExecutionStateRunning {
					// CI posts nothing for a running run: a forged
					// callback claims it failed.
					cb = &events.CICallback{EventName: events.CIEventWorkflowFinish, RunID: latest.RunID,
						WorkflowID: wfA, Object: "in/x.jpg", State: "Failed"}
				} else {
					cb = callbackOf(t, env.emu, latest.RunID)
				}
				for repeat := range 2 {
					res := env.callback(t, cb)
					if res.RunID != latest.RunID || res.Key != "in/x.jpg" || res.State != string(latest.State) {
						t.Errorf("callback %d.%d: %+v, want the run read back (%s %s)", i, repeat, res, latest.RunID, latest.State)
					}
					switch res.Action {
					case model.CallbackRedriven:
						redriven++
						if repeat > 0 || res.InstanceID == "" || res.InstanceID == latest.RunID {
							t.Errorf("callback %d.%d redriven: %+v", i, repeat, res)
						}
					case model.CallbackFinished:
						if res.Reason == ledger.Exhausted.String() {
							exhausted++
							if res.Code != "InvalidInput" || res.Runs != ledger.DefaultMaxAttempts {
								t.Errorf("callback %d.%d exhausted: %+v", i, repeat, res)
							}
						}
					default:
						t.Errorf("callback %d.%d: %+v", i, repeat, res)
					}
				}
				// A pass at every tick (no "every"): the sweep reads the
				// history afresh after each pair of callbacks.
				r := env.sweepOnce(t, `"window":"6h"`)
				if len(r.Triggered) != 0 || r.Checked != 1 || r.Error != "" {
					t.Errorf("sweep after callback %d: %+v", i, r)
				}
				swept += len(r.Redriven)
			}
			if n := env.emu.TriggerCount(testBucket, wfA, "in/x.jpg"); n != tt.runs {
				t.Errorf("%d runs, want %d", n, tt.runs)
			}
			if redriven != tt.redriven || swept != tt.swept {
				t.Errorf("%d redrives by callbacks and %d by sweeps, want %d and %d", redriven, swept, tt.redriven, tt.swept)
			}
			if tt.exhausted != (exhausted > 0) {
				t.Errorf("exhausted reported %d times, want it %v", exhausted, tt.exhausted)
			}
			if got := env.latestRun(t, "in/x.jpg").State; got != tt.final {
				t.Errorf("last run %s, want %s", got, tt.final)
			}
			for _, l := range withMsg(env.log.Lines(t), "run finished") {
				if l["state"] == "Failed" && (l["level"] != "WARN" || l["code"] == "" || l["runId"] == "" || l["key"] != "in/x.jpg") {
					t.Errorf("run finished line %v", l)
				}
			}
			if tt.exhausted {
				lines := withMsg(env.log.Lines(t), "run failed permanently")
				if len(lines) == 0 || lines[0]["code"] != "InvalidInput" || lines[0]["level"] != "ERROR" {
					t.Errorf("run failed permanently lines %v", lines)
				}
			}
		})
	}
}

// TestCallbackRefusals: a callback that names another event, bucket or
// workflow costs no call; one about an unknown run, a run of another
// workflow than it says, an object no rule takes, a run a later one
// followed, or an object gone from the bucket starts nothing.
func TestCallbackRefusals(t *testing.T) {
	env := newOutcomeEnv(t, map[string]string{EnvRules: rulesJSON(
		Rule{Name: "images", Prefix: "in/", Suffix: ".jpg", WorkflowID: wfA},
		Rule{Name: "videos", Prefix: "vid/", WorkflowID: wfB})}, nil)
	fail := ciemu.Staging{Then: ciemu.Fail("InternalError", "always")}
	env.emu.StageRuns(testBucket, wfA, "in/x.jpg", fail)
	env.emu.StageRuns(testBucket, wfB, "vid/y.mp4", fail)
	env.put(t, "in/x.jpg", 1, time.Hour)
	env.put(t, "vid/y.mp4", 1, time.Hour)
	if _, err := env.sweep(t, sweepSpec(`"window":"6h"`)); err != nil {
		t.Fatal(err)
	}
	first := env.latestRun(t, "in/x.jpg")
	valid := callbackOf(t, env.emu, first.RunID)
	// The valid callback redrives once: first is no longer the newest.
	if res := env.callback(t, valid); res.Action != model.CallbackRedriven {
		t.Fatalf("valid callback: %+v", res)
	}
	var other cosclient.WorkflowExecution
	for _, x := range env.emu.Executions(testBucket, wfB) {
		other = x
	}
	edit := func(f func(cb *events.CICallback)) *events.CICallback {
		cb := *valid
		f(&cb)
		return &cb
	}
	tests := []struct {
		name   string
		cb     *events.CICallback
		reason string
		calls  int
	}{
		{"start event", edit(func(cb *events.CICallback) { cb.EventName = events.CIEventWorkflowStart }), reasonNotFinish, 0},
		{"task event", edit(func(cb *events.CICallback) { cb.EventName = "TaskFinish" }), reasonNotFinish, 0},
		{"another bucket", edit(func(cb *events.CICallback) { cb.BucketID = "otherbucket-1250000000" }), reasonOtherBucket, 0},
		{"a workflow no rule takes", edit(func(cb *events.CICallback) { cb.WorkflowID = "w" + strings.Repeat("9", 32) }), reasonNoRule, 0},
		{"unknown run", edit(func(cb *events.CICallback) { cb.RunID = "i" + strings.Repeat("0", 32) }), reasonUnknownRun, 1},
		{"another workflow's run", edit(func(cb *events.CICallback) { cb.RunID = other.RunID }), reasonWrongWorkflow, 1},
		{"late: a later run followed", valid, reasonNotLatest, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := env.emu.TotalTriggers()
			res := env.callback(t, tt.cb)
			if res.Action != model.CallbackIgnored && res.Action != model.CallbackFinished || res.Reason != tt.reason || res.CICalls != tt.calls {
				t.Errorf("%+v, want reason %q after %d calls", res, tt.reason, tt.calls)
			}
			if n := env.emu.TotalTriggers(); n != before {
				t.Errorf("%d triggers", n-before)
			}
		})
	}
	t.Run("object not in the bucket", func(t *testing.T) {
		env.emu.StageRuns(testBucket, wfA, "in/never.jpg", fail)
		out, err := env.ci.TriggerWorkflow(context.Background(), &cosclient.TriggerWorkflowInput{WorkflowID: wfA, Object: "in/never.jpg"})
		if err != nil {
			t.Fatal(err)
		}
		before := env.emu.TotalTriggers()
		if res := env.callback(t, callbackOf(t, env.emu, out.InstanceID)); res.Reason != reasonObjectGone || res.CICalls != 2 {
			t.Errorf("%+v", res)
		}
		if n := env.emu.TotalTriggers(); n != before {
			t.Errorf("%d triggers", n-before)
		}
	})
	t.Run("bad run ID", func(t *testing.T) {
		// Refused before anything echoes it, even where the callback
		// would be ignored (another bucket) or is not a finish (a start).
		huge := strings.Repeat("x", 64<<10)
		for _, cb := range []*events.CICallback{
			edit(func(cb *events.CICallback) { cb.RunID = "../x" }),
			edit(func(cb *events.CICallback) { cb.RunID, cb.BucketID = huge, "otherbucket-1250000000" }),
			edit(func(cb *events.CICallback) { cb.RunID, cb.EventName = huge, events.CIEventWorkflowStart }),
		} {
			before := len(env.log.String())
			res, err := env.h.CICallback(context.Background(), cb)
			if err == nil || cosclient.Classify(err) != cosclient.RetryNever || res.RunID != "" {
				t.Errorf("%+v, error %v; want a validation error, no run ID", clip.String(res.RunID, 40), err)
			}
			if strings.Contains(env.log.String()[before:], huge[:300]) {
				t.Error("the run ID reached the log")
			}
		}
	})
}

// TestCallbackAndSweepShareClaims: the two redrive paths claim the same
// attempt of the same upload (its time from the listing, to the second):
// an attempt the callback claimed but could not start is not started by
// the sweep, and one the sweep claimed is not started by the callback,
// although neither run is listed for the other to see. (Upload times
// carry milliseconds, as COS lists them.)
func TestCallbackAndSweepShareClaims(t *testing.T) {
	env := newOutcomeEnv(t, nil, nil)
	fail := ciemu.Staging{Then: ciemu.Fail("InternalError", "always")}
	for _, key := range []string{"in/callback-first.jpg", "in/sweep-first.jpg"} {
		env.emu.StageRuns(testBucket, wfA, key, fail)
		env.put(t, key, 1, time.Hour+345*time.Millisecond)
	}
	if r := env.sweepOnce(t, `"window":"6h"`); len(r.Triggered) != 2 {
		t.Fatalf("first sweep: %+v", r)
	}
	// Every trigger refused from here (a final 400): a claim is won, and
	// its run never starts.
	env.emu.SetFaults(ciemu.Faults{ErrorRate: 1, ErrorStatus: 400, Ops: []string{ciemu.OpTriggerWorkflow}})
	cb := callbackOf(t, env.emu, env.latestRun(t, "in/callback-first.jpg").RunID)
	if _, err := env.h.CICallback(context.Background(), cb); err == nil {
		t.Fatal("the callback's redrive did not fail")
	}
	r := env.sweepOnce(t, `"window":"6h"`)
	if len(r.Failed) != 1 || r.Failed[0].Key != "in/sweep-first.jpg" || len(r.Redriven) != 0 {
		t.Errorf("sweep: %+v, want only in/sweep-first.jpg claimed (and failed)", r)
	}
	env.emu.SetFaults(ciemu.Faults{})
	res := env.callback(t, callbackOf(t, env.emu, env.latestRun(t, "in/sweep-first.jpg").RunID))
	if res.Action != model.CallbackFinished || res.Reason != reasonClaimed {
		t.Errorf("callback after the sweep's claim: %+v, want %q", res, reasonClaimed)
	}
	for _, key := range []string{"in/callback-first.jpg", "in/sweep-first.jpg"} {
		if n := env.emu.TriggerCount(testBucket, wfA, key); n != 1 {
			t.Errorf("%s: %d runs, want 1", key, n)
		}
	}
}
