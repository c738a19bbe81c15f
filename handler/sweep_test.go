package handler

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/cosstate"
	"github.com/cosflow/cosflow/ledger"
	"github.com/cosflow/cosflow/scf"
)

// testClock is a settable clock for the handler (leases expire by it).
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newOutcomeEnv is a sweep env whose runs end at once (so a sweep sees
// how they ended), on clock, with one images rule and the handler's opts.
func newOutcomeEnv(t *testing.T, env map[string]string, clock *testClock, opts ...Option) *sweepEnv {
	t.Helper()
	vars := map[string]string{EnvBucket: testBucket, EnvRegion: testRegion,
		EnvRules: rulesJSON(Rule{Name: "images", Prefix: "in/", Suffix: ".jpg", WorkflowID: wfA})}
	maps.Copy(vars, env)
	if clock != nil {
		opts = append(opts, WithClock(clock.now))
	}
	return &sweepEnv{testEnv: newTestEnvOf(t, ciemu.Options{Seed: 1, RunningFor: -1}, vars, opts...), tick: time.Now().UTC().Truncate(time.Second)}
}

// sweepOnce runs one tick and returns its only rule's result.
func (e *sweepEnv) sweepOnce(t *testing.T, params string) ReconcileResult {
	t.Helper()
	res, err := e.sweep(t, sweepSpec(params))
	if err != nil || len(res.Reconcile) != 1 {
		t.Fatalf("sweep: %+v, %v", res, err)
	}
	return res.Reconcile[0]
}

// outcomeCases are the staged outcomes the sweep is held to: the runs an
// upload ends with, how many of them were redrives, whether it is
// reported exhausted, and the state of its last run.
var outcomeCases = []struct {
	name      string
	staging   ciemu.Staging
	runs      int
	redriven  int
	exhausted bool
	final     cosclient.ExecutionState
}{
	{"fails once", ciemu.Staging{Next: []ciemu.Outcome{ciemu.Fail("InternalError", "once")}}, 2, 1, false, cosclient.ExecutionStateSuccess},
	{"always fails", ciemu.Staging{Then: ciemu.Fail("InvalidInput", "the source cannot be decoded")}, 3, 2, true, cosclient.ExecutionStateFailed},
	{"stays running", ciemu.Staging{Then: ciemu.StayRunning()}, 1, 0, false, cosclient.ExecutionStateRunning},
	{"succeeds", ciemu.Staging{}, 1, 0, false, cosclient.ExecutionStateSuccess},
}

// TestSweepRedrive: against staged outcomes, sweep after sweep: a run
// that fails once is redriven once and succeeds; one that always fails
// gets exactly COSFLOW_MAX_ATTEMPTS runs and is then reported exhausted
// with CI's code and message, at every sweep; a Running run and a
// successful one are never redriven.
func TestSweepRedrive(t *testing.T) {
	for _, tt := range outcomeCases {
		t.Run(tt.name, func(t *testing.T) {
			env := newOutcomeEnv(t, nil, nil)
			env.emu.StageRuns(testBucket, wfA, "in/x.jpg", tt.staging)
			env.put(t, "in/x.jpg", 1, time.Hour)
			redriven, exhaustedSweeps := 0, 0
			const sweeps = 5
			for i := range sweeps {
				r := env.sweepOnce(t, `"window":"6h"`)
				if r.Error != "" || len(r.Failed) != 0 {
					t.Fatalf("sweep %d: %+v", i, r)
				}
				for _, rd := range r.Redriven {
					if rd.Key != "in/x.jpg" || rd.FailedRunID == "" || rd.InstanceID == "" || rd.InstanceID == rd.FailedRunID {
						t.Errorf("sweep %d: redriven %+v", i, rd)
					}
				}
				redriven += len(r.Redriven)
				if len(r.Exhausted) > 0 {
					exhaustedSweeps++
					x := r.Exhausted[0]
					if x.Key != "in/x.jpg" || x.Runs != ledger.DefaultMaxAttempts || x.Code != "InvalidInput" || x.Message != "the source cannot be decoded" || x.LastRunID == "" {
						t.Errorf("sweep %d: exhausted %+v", i, x)
					}
				}
			}
			if n := env.emu.TriggerCount(testBucket, wfA, "in/x.jpg"); n != tt.runs {
				t.Errorf("%d runs, want %d", n, tt.runs)
			}
			if redriven != tt.redriven {
				t.Errorf("%d redrives reported, want %d", redriven, tt.redriven)
			}
			// Exhausted from the sweep after the last run failed on.
			if want := map[bool]int{true: sweeps - tt.runs, false: 0}[tt.exhausted]; exhaustedSweeps != want {
				t.Errorf("reported exhausted by %d sweeps, want %d", exhaustedSweeps, want)
			}
			lines := withMsg(env.log.Lines(t), "run failed permanently")
			if len(lines) != exhaustedSweeps {
				t.Errorf("%d 'run failed permanently' lines, want one per sweep that found it (%d)", len(lines), exhaustedSweeps)
			}
			for _, l := range lines {
				if l["level"] != "ERROR" || l["key"] != "in/x.jpg" || l["code"] != "InvalidInput" || l["runs"] != float64(3) || l["lastRunId"] == "" {
					t.Errorf("line %v", l)
				}
			}
			execs := env.emu.Executions(testBucket, wfA)
			if len(execs) == 0 || execs[len(execs)-1].State != tt.final {
				t.Errorf("executions %+v, want the last %s", execs, tt.final)
			}
		})
	}
}

// TestSweepDrainsAcrossTicks: maxTriggers caps one invocation; the pass
// goes on at the next tick from where it stopped (lastKey), each object
// runs once, and a new pass starts only after the last one ended.
func TestSweepDrainsAcrossTicks(t *testing.T) {
	env := newOutcomeEnv(t, nil, nil)
	var keys []string
	for i := range 5 {
		k := fmt.Sprintf("in/%d.jpg", i)
		keys = append(keys, k)
		env.put(t, k, 1, time.Hour)
	}
	want := []struct {
		triggered []string
		truncated bool
		lastKey   string
		resumed   bool
	}{
		{keys[0:2], true, keys[1], false},
		{keys[2:4], true, keys[3], true},
		{keys[4:5], false, "", true},
		{nil, false, "", false}, // a new pass: everything ran
	}
	passes := map[string]bool{}
	for i, w := range want {
		r := env.sweepOnce(t, `"window":"6h","maxTriggers":2`)
		if !slices.Equal(sweptKeys(r), w.triggered) || r.Truncated != w.truncated || r.LastKey != w.lastKey || r.Resumed != w.resumed {
			t.Errorf("tick %d: triggered %v, truncated %v, lastKey %q, resumed %v; want %v, %v, %q, %v",
				i, sweptKeys(r), r.Truncated, r.LastKey, r.Resumed, w.triggered, w.truncated, w.lastKey, w.resumed)
		}
		passes[r.Pass] = true
		env.tick = env.tick.Add(time.Minute)
	}
	if len(passes) != 2 {
		t.Errorf("passes %v, want the first (three ticks) and a second", passes)
	}
	for _, k := range keys {
		if n := env.emu.TriggerCount(testBucket, wfA, k); n != 1 {
			t.Errorf("%s ran %d times", k, n)
		}
	}
}

// TestSweepEvery: with every, a tick between passes reports when the next
// is due and lists nothing.
func TestSweepEvery(t *testing.T) {
	env := newOutcomeEnv(t, nil, nil)
	env.put(t, "in/a.jpg", 1, time.Hour)
	first := env.sweepOnce(t, `"window":"6h","every":"1h"`)
	lists := env.opCalls(ciemu.OpListObjects)
	env.tick = env.tick.Add(30 * time.Minute)
	r := env.sweepOnce(t, `"window":"6h","every":"1h"`)
	if r.NextPass == "" || r.Pass != first.Pass || r.Checked != 0 || env.opCalls(ciemu.OpListObjects) != lists {
		t.Errorf("a tick before the pass is due: %+v", r)
	}
	env.tick = env.tick.Add(30 * time.Minute)
	if r := env.sweepOnce(t, `"window":"6h","every":"1h"`); r.NextPass != "" || r.Pass == first.Pass || r.Checked != 1 {
		t.Errorf("a tick when due: %+v", r)
	}
}

// TestSweepLostInvocation: an invocation that died holding the pass (its
// lease live, its cursor at in/1.jpg, in/2.jpg already triggered past
// it) keeps other ticks out until its lease expires; the next tick goes
// on from the marker, and nothing runs twice.
func TestSweepLostInvocation(t *testing.T) {
	clock := &testClock{t: time.Now().UTC()}
	env := newOutcomeEnv(t, nil, clock)
	for i := range 4 {
		env.put(t, fmt.Sprintf("in/%d.jpg", i), 1, time.Hour)
	}
	for _, k := range []string{"in/0.jpg", "in/1.jpg", "in/2.jpg"} {
		env.runBefore(t, wfA, k)
	}
	store := cosstate.New(env.ci, inBucket)
	state := newSweepState(store, DefaultStatePrefix, "sweep", "images", "dead-token", new(int))
	if _, err := store.Create(context.Background(), state.leaseKey(1), "dead-token", sweepLease{Holder: "dead", Expires: clock.now().Add(2 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := store.Write(context.Background(), state.cursorKey(), sweepCursor{Spec: "sweep", Rule: "images", Pass: env.tick, Marker: "in/1.jpg", Lease: 1, Holder: "dead"}); err != nil {
		t.Fatal(err)
	}

	if r := env.sweepOnce(t, `"window":"6h"`); !r.Busy || r.BusyUntil == "" || r.Checked != 0 || r.Error != "" {
		t.Errorf("while the lease lives: %+v, want busy", r)
	}
	clock.advance(3 * time.Minute)
	r := env.sweepOnce(t, `"window":"6h"`)
	if r.Busy || !r.Resumed || r.Checked != 2 || r.AlreadyRan != 1 || !slices.Equal(sweptKeys(r), []string{"in/3.jpg"}) || r.Truncated {
		t.Errorf("after the lease expired: %+v, want in/2.jpg found ran and in/3.jpg triggered", r)
	}
	for i := range 4 {
		if n := env.emu.TriggerCount(testBucket, wfA, fmt.Sprintf("in/%d.jpg", i)); n != 1 {
			t.Errorf("in/%d.jpg ran %d times", i, n)
		}
	}
	var cur sweepCursor
	if err := store.Read(context.Background(), state.cursorKey(), &cur); err != nil || !cur.Done || cur.Lease != 2 || cur.Holder != "" {
		t.Errorf("cursor %+v, %v; want the pass done under lease 2, released", cur, err)
	}
}

// TestSweepConcurrentTicks: of two ticks at once, one sweeps and the
// other reports busy (or finds the pass done and starts its own after);
// nothing runs twice.
func TestSweepConcurrentTicks(t *testing.T) {
	env := newOutcomeEnv(t, nil, nil)
	for i := range 20 {
		env.put(t, fmt.Sprintf("in/%02d.jpg", i), 1, time.Hour)
	}
	env.emu.SetFaults(ciemu.Faults{Latency: 20 * time.Millisecond, Ops: []string{ciemu.OpTriggerWorkflow}})
	var wg sync.WaitGroup
	results := make([]*TimerResult, 2)
	for i := range results {
		wg.Go(func() {
			ctx := scf.NewContext(context.Background(), &scf.InvocationContext{RequestID: fmt.Sprint("req-", i)})
			out, _ := env.h.Handle(ctx, timerEvent(env.tick.Format(time.RFC3339), sweepSpec(`"window":"6h"`)))
			results[i], _ = out.(*TimerResult)
		})
	}
	wg.Wait()
	busy := 0
	for _, r := range results {
		if r != nil && len(r.Reconcile) == 1 && r.Reconcile[0].Busy {
			busy++
		}
	}
	if busy != 1 {
		t.Errorf("%d ticks busy, want one: %+v %+v", busy, results[0], results[1])
	}
	for i := range 20 {
		if n := env.emu.TriggerCount(testBucket, wfA, fmt.Sprintf("in/%02d.jpg", i)); n != 1 {
			t.Errorf("in/%02d.jpg ran %d times", i, n)
		}
	}
}

// TestSweepTruncatedAtDeadline: a sweep whose listing cannot end before
// the deadline stops listing, triggers what it found, and answers
// truncated with lastKey, as a result and not an invocation error; the
// next tick goes on from there and the pass ends with every candidate run
// once.
func TestSweepTruncatedAtDeadline(t *testing.T) {
	env := newOutcomeEnv(t, nil, nil)
	const pages = 20
	for i := range pages * 1000 {
		age := 30 * time.Hour
		if i%200 == 0 {
			age = time.Hour
		}
		if err := env.emu.PutObject(testBucket, fmt.Sprintf("in/%06d.jpg", i), 1, env.tick.Add(-age)); err != nil {
			t.Fatal(err)
		}
	}
	env.emu.SetFaults(ciemu.Faults{Latency: 60 * time.Millisecond, Ops: []string{ciemu.OpListObjects}})
	ctx, cancel := context.WithTimeout(scf.NewContext(context.Background(), &scf.InvocationContext{RequestID: "req-deadline"}), 800*time.Millisecond)
	defer cancel()
	out, err := env.h.Handle(ctx, timerEvent(env.tick.Format(time.RFC3339), sweepSpec(`"window":"6h"`)))
	res, _ := out.(*TimerResult)
	if err != nil || res == nil || len(res.Reconcile) != 1 {
		t.Fatalf("out of time: %+v, %v; want a result, no error", out, err)
	}
	r := res.Reconcile[0]
	if !r.Truncated || r.Error != "" || len(r.Triggered) >= pages*5 {
		t.Fatalf("out of time: %+v, want truncated before the end", r)
	}
	if n := len(r.Triggered); n > 0 && sweptKeys(r)[n-1] > r.LastKey {
		t.Errorf("triggered %s past lastKey %q", sweptKeys(r)[n-1], r.LastKey)
	}
	env.emu.SetFaults(ciemu.Faults{})
	next := env.sweepOnce(t, `"window":"6h"`)
	if !next.Resumed || next.Truncated || len(r.Triggered)+len(next.Triggered) != pages*5 {
		t.Errorf("the next tick: %+v; want the rest (%d in all)", next, pages*5)
	}
	if n := env.emu.TotalTriggers(); n != pages*5 {
		t.Errorf("%d runs, want %d", n, pages*5)
	}
}
