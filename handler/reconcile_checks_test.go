package handler

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/model"
)

// checksEnv is a handler with two rules over in/: images (wfA, which the
// bucket has) and gone (wfB, which it has not), and one upload of each
// an hour before the tick.
func checksEnv(t *testing.T, wfA ciemu.Workflow) (*testEnv, *ReconcileSpec, time.Time) {
	t.Helper()
	env := newTestEnv(t, map[string]string{EnvBucket: testBucket, EnvRegion: testRegion,
		EnvRules: `[{"name":"images","prefix":"in/","suffix":".jpg","workflowId":"` + wfA.ID + `"},` +
			`{"name":"gone","prefix":"in/","suffix":".png","workflowId":"` + wfB + `"}]`})
	if err := env.emu.RegisterWorkflow(testBucket, wfA); err != nil {
		t.Fatal(err)
	}
	tick := time.Now().UTC().Truncate(time.Second)
	for _, key := range []string{"in/a.jpg", "in/b.png"} {
		if err := env.emu.PutObject(testBucket, key, 1, tick.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	spec, err := ParseReconcileSpec([]byte(`{"name":"sweep","reconcile":{"window":"6h","lag":"1m"}}`), model.Target{Bucket: testBucket, Region: testRegion})
	if err != nil {
		t.Fatal(err)
	}
	return env, spec, tick
}

// checkLines are the sweep's workflow-check log lines.
func checkLines(t *testing.T, env *testEnv) []map[string]any {
	return withMsg(env.log.Lines(t), "workflow check")
}

// TestSweepSkipsMissingWorkflow: one DescribeMediaWorkflow call a sweep;
// the rule whose workflow does not exist is not swept, its result says
// why (not retryable) and an ERROR line says it too; the other is swept.
func TestSweepSkipsMissingWorkflow(t *testing.T) {
	env, spec, tick := checksEnv(t, ciemu.Workflow{ID: wfA, ObjectPrefix: "elsewhere/"})
	results := env.h.Reconcile(context.Background(), spec, tick)
	if n := env.opCalls(ciemu.OpDescribeMediaWorkflow); n != 1 {
		t.Errorf("%d DescribeMediaWorkflow calls, want 1", n)
	}
	if len(results) != 2 {
		t.Fatalf("results %+v", results)
	}
	images, gone := results[0], results[1]
	if images.Error != "" || len(images.Triggered) != 1 || images.Triggered[0].Key != "in/a.jpg" {
		t.Errorf("images: %+v, want in/a.jpg triggered", images)
	}
	if !strings.Contains(gone.Error, "not swept: workflow "+wfB+" does not exist") || gone.Retryable || gone.Calls != (SweepCalls{}) {
		t.Errorf("gone: %+v, want skipped, not retryable, no calls", gone)
	}
	if n := env.emu.TriggerCount(testBucket, wfB, "in/b.png"); n != 0 {
		t.Errorf("in/b.png triggered %d times", n)
	}
	lines := checkLines(t, env)
	if len(lines) != 1 || lines[0]["level"] != "ERROR" || lines[0]["rule"] != "gone" || lines[0]["check"] != "workflow" || lines[0]["sweep"] != "sweep" {
		t.Errorf("check lines %v, want one ERROR for rule gone", lines)
	}
}

// TestSweepLogsChecks: a double run is logged at ERROR and swept all the
// same (CI's own run is in the ledger); a paused workflow at WARN; a
// refused read at WARN, naming the CAM action, and nothing is skipped.
func TestSweepLogsChecks(t *testing.T) {
	for _, tt := range []struct {
		name   string
		wf     ciemu.Workflow
		faults ciemu.Faults
		level  string
		says   string
	}{
		{"double run", ciemu.Workflow{ID: wfA, ObjectPrefix: "in/", ExtFilter: &cosclient.ExtFilter{State: "On", Image: "true"}}, ciemu.Faults{}, "ERROR", `"in/example.jpg"`},
		{"paused", ciemu.Workflow{ID: wfA, State: cosclient.WorkflowStatePaused, ObjectPrefix: "in/"}, ciemu.Faults{}, "WARN", "is Paused"},
		{"refused", ciemu.Workflow{ID: wfA, ObjectPrefix: "elsewhere/"},
			ciemu.Faults{ErrorRate: 1, ErrorStatus: 403, ErrorCode: "AccessDenied", Ops: []string{ciemu.OpDescribeMediaWorkflow}}, "WARN", "ci:DescribeMediaWorkflows"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env, spec, tick := checksEnv(t, tt.wf)
			env.emu.SetFaults(tt.faults)
			results := env.h.Reconcile(context.Background(), spec, tick)
			var found bool
			for _, l := range checkLines(t, env) {
				if l["rule"] == "gone" {
					continue // the missing workflow's line
				}
				found = found || l["level"] == tt.level && strings.Contains(l["message"].(string), tt.says)
			}
			if !found {
				t.Errorf("no %s line saying %q in %v", tt.level, tt.says, checkLines(t, env))
			}
			if len(results) != 2 || results[0].Error != "" || results[0].Checked != 1 {
				t.Errorf("images: %+v, want swept", results)
			}
			if refused := tt.faults.ErrorRate > 0; refused == strings.HasPrefix(results[1].Error, "not swept") {
				t.Errorf("gone: %+v; skipped must mean the check ran", results[1])
			}
		})
	}
}

func TestParseTimerArgument(t *testing.T) {
	def := model.Target{Bucket: testBucket, Region: testRegion}
	specs, bad, err := ParseTimerArgument([]byte(`[{"name":"sweep","reconcile":{"window":"6h"}},
		{"name":"nightly","prefix":"in/","workflowId":"`+wfA+`","window":"24h"},
		{"name":"broken","reconcile":{"window":"6h","lag":"7h"}}]`), def)
	if err != nil || len(specs) != 2 || specs[0].Reconcile == nil || specs[0].Reconcile.Bucket != testBucket || specs[1].Backfill == nil {
		t.Fatalf("specs %+v, %v", specs, err)
	}
	if len(bad) != 1 || !strings.HasPrefix(bad[0].Error(), "[2].reconcile.lag: ") {
		t.Errorf("bad %v, want [2].reconcile.lag", bad)
	}
	if _, _, err := ParseTimerArgument([]byte(`[{"name":"a","reconcile":{"window":"1h"}},{"name":"a","reconcile":{"window":"1h"}}]`), def); err == nil {
		t.Error("two specs of one name parsed")
	}
}
