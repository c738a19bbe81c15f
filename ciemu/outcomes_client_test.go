package ciemu_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/citest"
)

// outcomeEnv is an emulator on a fake clock near now with RunningFor 10s,
// and a client of it.
type outcomeEnv struct {
	emu   *ciemu.Emulator
	clock *ciemu.FakeClock
	c     *cosclient.Client
}

func newOutcomeEnv(t *testing.T, opts ciemu.Options) *outcomeEnv {
	t.Helper()
	clock := clockNearNow()
	opts.Now = clock.Now
	if opts.RunningFor == 0 {
		opts.RunningFor = 10 * time.Second
	}
	emu, url := citest.Emulator(t, opts)
	return &outcomeEnv{emu: emu, clock: clock, c: citest.Client(t, url, nil)}
}

func (env *outcomeEnv) trigger(t *testing.T, object string) string {
	t.Helper()
	out, err := env.c.TriggerWorkflow(context.Background(), &cosclient.TriggerWorkflowInput{WorkflowID: wf, Object: object})
	if err != nil {
		t.Fatalf("trigger %s: %v", object, err)
	}
	return out.InstanceID
}

func (env *outcomeEnv) describe(t *testing.T, runID string) *cosclient.WorkflowExecution {
	t.Helper()
	out, err := env.c.DescribeWorkflowExecution(context.Background(), &cosclient.DescribeWorkflowExecutionInput{RunID: runID})
	if err != nil {
		t.Fatalf("describe %s: %v", runID, err)
	}
	return out.WorkflowExecution
}

// states is the state of each run, as DescribeWorkflowExecution reads it.
func (env *outcomeEnv) states(t *testing.T, runs []string) []cosclient.ExecutionState {
	t.Helper()
	var out []cosclient.ExecutionState
	for _, r := range runs {
		out = append(out, env.describe(t, r).State)
	}
	return out
}

// TestStagedOutcomes: each staging ends an object's runs as it says,
// Running for RunningFor first; other objects succeed.
func TestStagedOutcomes(t *testing.T) {
	const (
		S = cosclient.ExecutionStateSuccess
		F = cosclient.ExecutionStateFailed
		R = cosclient.ExecutionStateRunning
	)
	tests := []struct {
		name    string
		staging ciemu.Staging
		want    []cosclient.ExecutionState // of four runs
	}{
		{"default", ciemu.Staging{}, []cosclient.ExecutionState{S, S, S, S}},
		{"fail once", ciemu.Staging{Next: []ciemu.Outcome{ciemu.Fail("c", "m")}}, []cosclient.ExecutionState{F, S, S, S}},
		{"fail twice, then succeed", ciemu.Staging{Next: []ciemu.Outcome{ciemu.Fail("c", "m"), ciemu.Fail("c", "m")}}, []cosclient.ExecutionState{F, F, S, S}},
		{"always fail", ciemu.Staging{Then: ciemu.Fail("c", "m")}, []cosclient.ExecutionState{F, F, F, F}},
		{"stay running", ciemu.Staging{Next: []ciemu.Outcome{ciemu.StayRunning()}}, []cosclient.ExecutionState{R, S, S, S}},
		{"succeed, then fail", ciemu.Staging{Next: []ciemu.Outcome{{}}, Then: ciemu.Fail("c", "m")}, []cosclient.ExecutionState{S, F, F, F}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newOutcomeEnv(t, ciemu.Options{})
			env.emu.StageRuns(citest.Bucket, wf, "a.mp4", tt.staging)
			var runs []string
			for range 4 {
				runs = append(runs, env.trigger(t, "a.mp4"))
			}
			bystander := env.trigger(t, "b.mp4")
			if got := env.states(t, runs); !slices.Equal(got, []cosclient.ExecutionState{R, R, R, R}) {
				t.Errorf("at once: %v, want all Running", got)
			}
			env.clock.Advance(10 * time.Second)
			if got := env.states(t, runs); !slices.Equal(got, tt.want) {
				t.Errorf("after RunningFor: %v, want %v", got, tt.want)
			}
			if got := env.describe(t, bystander).State; got != S {
				t.Errorf("another object: %s", got)
			}
			// Much later (beyond a signature window: the emulator's own view).
			env.clock.Advance(1000 * time.Hour)
			for i, x := range env.emu.Executions(citest.Bucket, wf)[:4] {
				if x.State != tt.want[i] {
					t.Errorf("much later, run %d is %s, want %s", i, x.State, tt.want[i])
				}
			}
		})
	}
}

// TestStagingCountsFromNow: a staging applies to the runs after it;
// runs already started keep their outcome; the zero Staging restores the
// default; Reset counts from the first run again.
func TestStagingCountsFromNow(t *testing.T) {
	env := newOutcomeEnv(t, ciemu.Options{RunningFor: -1})
	first := env.trigger(t, "a.mp4")
	env.emu.StageRuns(citest.Bucket, wf, "a.mp4", ciemu.Staging{Next: []ciemu.Outcome{ciemu.Fail("c", "m")}})
	runs := []string{first, env.trigger(t, "a.mp4"), env.trigger(t, "a.mp4")}
	want := []cosclient.ExecutionState{"Success", "Failed", "Success"}
	if got := env.states(t, runs); !slices.Equal(got, want) {
		t.Errorf("%v, want %v", got, want)
	}

	env.emu.Reset()
	again := env.trigger(t, "a.mp4") // the staging's first run again
	if got := env.describe(t, again).State; got != cosclient.ExecutionStateFailed {
		t.Errorf("after Reset: %s, want Failed", got)
	}
	env.emu.StageRuns(citest.Bucket, wf, "a.mp4", ciemu.Staging{})
	if got := env.describe(t, env.trigger(t, "a.mp4")).State; got != cosclient.ExecutionStateSuccess {
		t.Errorf("unstaged: %s, want Success", got)
	}
}

// TestFailedRunTasks: the tasks of a run, as cosclient decodes them, go
// through the workflow's nodes in turn; a failed run's last task carries
// the staged code and message, and FailedTask finds it.
func TestFailedRunTasks(t *testing.T) {
	env := newOutcomeEnv(t, ciemu.Options{})
	env.emu.StageRuns(citest.Bucket, wf, "a.mp4", ciemu.Staging{Then: ciemu.Fail("InvalidInput", "the input has no video stream")})
	env.emu.StageRuns(citest.Bucket, wf, "c.mp4", ciemu.Staging{Then: ciemu.StayRunning()})
	t0 := env.clock.Now()
	failed, ok, running := env.trigger(t, "a.mp4"), env.trigger(t, "b.mp4"), env.trigger(t, "c.mp4")

	type task struct {
		typ   string
		state cosclient.JobState
		end   bool
	}
	check := func(when string, runID string, want []task) *cosclient.WorkflowExecution {
		t.Helper()
		x := env.describe(t, runID)
		var got []task
		for _, tk := range x.Tasks {
			got = append(got, task{tk.Type, tk.State, tk.EndTime != "-"})
			if len(tk.JobID) != 33 || tk.JobID[0] != 'j' || tk.Name == "" {
				t.Errorf("%s: task %+v", when, tk)
			}
			if _, err := tk.Started(); err != nil {
				t.Errorf("%s: task start %q: %v", when, tk.StartedAt(), err)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: tasks %+v, want %+v", when, got, want)
		}
		return x
	}
	for _, r := range []string{failed, ok, running} {
		check("at once", r, []task{{"Transcode", "Running", false}})
	}
	env.clock.Advance(5 * time.Second)
	for _, r := range []string{failed, ok, running} {
		check("halfway", r, []task{{"Transcode", "Success", true}, {"Snapshot", "Running", false}})
	}
	env.clock.Advance(5 * time.Second)
	x := check("failed", failed, []task{{"Transcode", "Success", true}, {"Snapshot", "Failed", true}})
	ft := x.FailedTask()
	if ft == nil || ft.Code != "InvalidInput" || ft.Message != "the input has no video stream" || ft.Name != "Snapshot_1581665960536" {
		t.Fatalf("FailedTask = %+v", ft)
	}
	if end, err := cosclient.ParseTime(ft.EndTime); err != nil || !end.Equal(t0.Add(10*time.Second)) {
		t.Errorf("failed task ended %q (%v), want RunningFor after the start", ft.EndTime, err)
	}
	if x := check("succeeded", ok, []task{{"Transcode", "Success", true}, {"Snapshot", "Success", true}}); x.FailedTask() != nil {
		t.Errorf("a successful run has a failed task: %+v", x.FailedTask())
	}
	env.clock.Advance(time.Minute)
	check("stays running", running, []task{{"Transcode", "Success", true}, {"Snapshot", "Running", false}})
	env.clock.Advance(1000 * time.Hour)
	if x, _ := env.emu.Execution(citest.Bucket, running); x.State != cosclient.ExecutionStateRunning || x.Tasks[1].State != cosclient.JobStateRunning {
		t.Errorf("much later: %+v", x)
	}

	// The emulator's own view agrees with the wire.
	if got, ok := env.emu.Execution(citest.Bucket, failed); !ok || got.FailedTask() == nil || got.FailedTask().Code != "InvalidInput" {
		t.Errorf("Execution(failed) = %+v, %v", got, ok)
	}
	if _, ok := env.emu.Execution(citest.Bucket, "i00000000000000000000000000000000"); ok {
		t.Error("Execution of an unknown run is ok")
	}
}

// TestFailedRunsListed: the list's states filter finds the failed runs
// ("what failed today").
func TestFailedRunsListed(t *testing.T) {
	env := newOutcomeEnv(t, ciemu.Options{RunningFor: -1})
	env.emu.StageRuns(citest.Bucket, wf, "bad.mp4", ciemu.Staging{Then: ciemu.Fail("", "")})
	bad := env.trigger(t, "bad.mp4")
	env.trigger(t, "good.mp4")
	out, err := env.c.DescribeWorkflowExecutions(context.Background(), &cosclient.DescribeWorkflowExecutionsInput{
		WorkflowID: wf, States: []cosclient.ExecutionState{cosclient.ExecutionStateFailed}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.WorkflowExecutionList) != 1 || out.WorkflowExecutionList[0].RunID != bad {
		t.Errorf("failed runs %+v, want %s", out.WorkflowExecutionList, bad)
	}
	// A staged failure without a reason takes the defaults.
	if ft := env.describe(t, bad).FailedTask(); ft == nil || ft.Code != ciemu.DefaultFailCode || ft.Message != ciemu.DefaultFailMessage {
		t.Errorf("FailedTask = %+v", ft)
	}
}

// TestOutcomeMix: the mix fails the first FailRuns runs of the same
// objects whatever the order they run in, and no others; a staging wins
// over it.
func TestOutcomeMix(t *testing.T) {
	mix := ciemu.OutcomeMix{FailRate: 0.5, FailRuns: 2, Failure: ciemu.Fail("Mixed", "drawn"), Seed: 7}
	var objects []string
	for i := range 40 {
		objects = append(objects, fmt.Sprintf("soak/%02d.jpg", i))
	}
	failedOnce := func(order []string) map[string][]cosclient.ExecutionState {
		env := newOutcomeEnv(t, ciemu.Options{RunningFor: -1})
		env.emu.SetOutcomeMix(mix)
		env.emu.StageRuns(citest.Bucket, wf, "staged.jpg", ciemu.Staging{Then: ciemu.Fail("Staged", "")})
		got := map[string][]cosclient.ExecutionState{}
		for range 3 {
			for _, o := range append(slices.Clone(order), "staged.jpg") {
				x := env.describe(t, env.trigger(t, o))
				got[o] = append(got[o], x.State)
				if ft := x.FailedTask(); x.State == cosclient.ExecutionStateFailed && (ft == nil || ft.Code != map[bool]string{true: "Staged", false: "Mixed"}[o == "staged.jpg"]) {
					t.Errorf("%s: failed task %+v", o, ft)
				}
			}
		}
		return got
	}
	forward := failedOnce(objects)
	reversed := slices.Clone(objects)
	slices.Reverse(reversed)
	backward := failedOnce(reversed)
	n := 0
	for _, o := range objects {
		switch s := forward[o]; {
		case slices.Equal(s, []cosclient.ExecutionState{"Failed", "Failed", "Success"}):
			n++
		case !slices.Equal(s, []cosclient.ExecutionState{"Success", "Success", "Success"}):
			t.Errorf("%s: %v", o, s)
		}
		if !slices.Equal(forward[o], backward[o]) {
			t.Errorf("%s: %v in one order, %v in the other", o, forward[o], backward[o])
		}
	}
	if n < 10 || n > 30 {
		t.Errorf("%d of %d objects failed, want about half", n, len(objects))
	}
	if s := forward["staged.jpg"]; !slices.Equal(s, []cosclient.ExecutionState{"Failed", "Failed", "Failed"}) {
		t.Errorf("staged object under the mix: %v", s)
	}
}
