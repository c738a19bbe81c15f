package handler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/events"
	"github.com/cosflow/cosflow/internal/cosstate"
	"github.com/cosflow/cosflow/model"
	"github.com/cosflow/cosflow/scf"
)

// captureContinuer keeps the continuations it is asked for, as SCF
// would queue them, and fails them with err when set; one asked with a
// context already done fails with its error, as the Invoke call would,
// and is kept only in late.
type captureContinuer struct {
	mu     sync.Mutex
	events [][]byte
	late   int
	err    error
}

func (c *captureContinuer) Continue(ctx context.Context, event []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := ctx.Err(); err != nil {
		c.late++
		return err
	}
	c.events = append(c.events, event)
	return c.err
}

// next takes the oldest continuation not yet delivered; false when none.
func (c *captureContinuer) next() ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.events) == 0 {
		return nil, false
	}
	ev := c.events[0]
	c.events = c.events[1:]
	return ev, true
}

// sent is how many continuations are waiting.
func (c *captureContinuer) sent() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.events)
}

// handleTimeout runs one invocation of payload with a deadline timeout
// away (none when 0), as SCF runs each.
func (e *sweepEnv) handleTimeout(t *testing.T, payload []byte, timeout time.Duration) (*TimerResult, error) {
	t.Helper()
	ctx := scf.NewContext(context.Background(), &scf.InvocationContext{RequestID: "req-continue"})
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	out, err := e.h.Handle(ctx, payload)
	res, ok := out.(*TimerResult)
	if !ok {
		t.Fatalf("result is %T (err %v), want *TimerResult", out, err)
	}
	return res, err
}

// checkContinuation checks that raw continues tick (a timer event of the
// tick's type, trigger and time) at depth, with a Message of the sweep
// spec alone, and returns it parsed.
func checkContinuation(t *testing.T, raw []byte, tick *events.TimerEvent, depth int) *events.TimerEvent {
	t.Helper()
	ev, err := events.Parse(raw)
	if err != nil || ev.Kind != events.KindTimer {
		t.Fatalf("continuation %s: %+v, %v; want a timer event", raw, ev, err)
	}
	c := ev.Timer
	if c.Type != tick.Type || c.TriggerName != tick.TriggerName || c.Time != tick.Time || c.CosflowContinuation != depth {
		t.Errorf("continuation %+v, want the tick's type, trigger and time %+v, depth %d", c, tick, depth)
	}
	// No default target: the spec carries the bucket and region it ran on.
	specs, err := parseSpecs([]byte(c.Message), model.Target{})
	if err != nil || len(specs) != 1 || specs[0].err != nil || specs[0].spec.Reconcile == nil || specs[0].name != "sweep" {
		t.Errorf("continuation Message %s: %+v, %v; want the sweep spec alone", c.Message, specs, err)
	}
	return c
}

// TestSweepContinues: a sweep that stops with work left (maxTriggers
// spent, or its deadline near) invokes the function again with its tick,
// the sweep spec alone (not the tick's backfill) and its depth plus one;
// fed back as SCF would, the chain drains the pass at once, every object
// triggered once, nothing twice, and ends with the pass.
func TestSweepContinues(t *testing.T) {
	tests := []struct {
		name    string
		objects int // in the window; as many again older when stride > 1
		stride  int // every stride-th object listed is in the window
		params  string
		timeout time.Duration // each invocation's
		latency time.Duration // a call's, of op
		op      string
		minInv  int // invocations at least, the tick included
	}{
		{"backlog over maxTriggers", 10, 1, `"window":"6h","maxTriggers":3`, 0, 0, "", 4},
		// Timings leave room for a loaded machine (-race on 2 cores): a
		// listing of 20 pages takes 3 s against each invocation's 2 s.
		{"pass cut by its deadline", 100, 200, `"window":"6h"`, 2 * time.Second, 150 * time.Millisecond, ciemu.OpListObjects, 2},
		// The chunk's triggers run into the deadline: the cursor is still
		// written, the lease released, and the continuation sent.
		{"chunk cut by its deadline", 120, 1, `"window":"6h"`, 1500 * time.Millisecond, 150 * time.Millisecond, ciemu.OpTriggerWorkflow, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cont := &captureContinuer{}
			env := newOutcomeEnv(t, nil, nil, WithContinuer(cont))
			for i := range tt.objects * tt.stride {
				age := 30 * time.Hour
				if i%tt.stride == 0 {
					age = time.Hour
				}
				if err := env.emu.PutObject(testBucket, fmt.Sprintf("in/%06d.jpg", i), 1, env.tick.Add(-age)); err != nil {
					t.Fatal(err)
				}
			}
			env.emu.SetFaults(ciemu.Faults{Latency: tt.latency, Ops: []string{tt.op}})
			backfill := `{"name":"nightly","prefix":"photos/","workflowId":"` + wfA + `","window":"24h"}`
			first := timerEvent(env.tick.Format(time.RFC3339), "["+backfill+","+sweepSpec(tt.params)+"]")
			tick, err := events.Parse(first)
			if err != nil {
				t.Fatal(err)
			}
			payload, invocations := first, 0
			reported := map[string]bool{} // keys a result reported triggered
			for depth := 0; ; depth++ {
				res, err := env.handleTimeout(t, payload, tt.timeout)
				invocations++
				if err != nil || len(res.Reconcile) != 1 || res.Reconcile[0].Error != "" {
					t.Fatalf("invocation %d: %+v, %v", depth, res, err)
				}
				if want := depth == 0; len(res.Jobs) == 1 != want {
					t.Errorf("invocation %d: jobs %+v; want the backfill at the tick only", depth, res.Jobs)
				}
				r := res.Reconcile[0]
				for _, o := range r.Triggered {
					if reported[o.Key] {
						t.Errorf("invocation %d reported %s triggered again", depth, o.Key)
					}
					reported[o.Key] = true
				}
				if res.Continued != r.Truncated || cont.sent() != map[bool]int{true: 1}[r.Truncated] || cont.late != 0 {
					t.Fatalf("invocation %d: truncated %v, continued %v, %d continuations sent, %d asked with the context done; want one exactly when truncated, in time",
						depth, r.Truncated, res.Continued, cont.sent(), cont.late)
				}
				if !r.Truncated {
					break
				}
				payload, _ = cont.next()
				checkContinuation(t, payload, tick.Timer, depth+1)
				if depth > maxContinuations {
					t.Fatalf("%d continuations: the chain does not end", depth)
				}
			}
			// Every object ran once (below); a trigger whose answer the
			// deadline cut is found run by the next invocation, not
			// reported triggered, so the reports may fall short of it, and
			// do under load (-race on 2 cores), but never exceed it.
			if invocations < tt.minInv || len(reported) > tt.objects || tt.latency == 0 && len(reported) != tt.objects {
				t.Errorf("%d invocations reported %d triggered; want %d (fewer only when a deadline cut answers) in %d or more", invocations, len(reported), tt.objects, tt.minInv)
			}
			if n := env.emu.TotalTriggers(); n != tt.objects {
				t.Errorf("%d runs, want %d", n, tt.objects)
			}
			for i := 0; i < tt.objects*tt.stride; i += tt.stride {
				if n := env.emu.TriggerCount(testBucket, wfA, fmt.Sprintf("in/%06d.jpg", i)); n != 1 {
					t.Errorf("in/%06d.jpg ran %d times", i, n)
				}
			}
			if lines := withMsg(env.log.Lines(t), "sweep continued"); len(lines) != invocations-1 || len(lines) > 0 && lines[len(lines)-1]["depth"] != float64(invocations-1) {
				t.Errorf("'sweep continued' lines %v; want %d, the last at depth %[2]d", lines, invocations-1)
			}
		})
	}
}

// TestSweepNotContinued: no continuation when the pass is done, another
// invocation holds it, in a dry run (no cursor to go on from), without a
// Continuer, or at the chain's bound; a failed one is logged and is no
// invocation error (the next tick goes on).
func TestSweepNotContinued(t *testing.T) {
	tests := []struct {
		name      string
		params    string // the sweep's; maxTriggers 1 of 3 objects when empty
		env       map[string]string
		noCont    bool
		contErr   error
		busy      bool   // another invocation holds the pass
		depth     int    // the event's CosflowContinuation
		truncated bool   // the sweep stopped with work left
		warn      string // the WARN line's msg, if any
	}{
		{name: "pass done", params: `"window":"6h","maxTriggers":10`},
		{name: "busy", busy: true},
		{name: "dry run", env: map[string]string{EnvDryRun: "true"}, truncated: true},
		{name: "no Continuer", noCont: true, truncated: true},
		{name: "at the bound", depth: maxContinuations, truncated: true, warn: "sweep not continued: its chain reached the bound, the next tick goes on"},
		{name: "Continue fails", contErr: errors.New("Invoke: 429"), truncated: true, warn: "sweep not continued: the next tick goes on"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cont := &captureContinuer{err: tt.contErr}
			var opts []Option
			if !tt.noCont {
				opts = append(opts, WithContinuer(cont))
			}
			env := newOutcomeEnv(t, tt.env, nil, opts...)
			for i := range 3 {
				env.put(t, fmt.Sprintf("in/%d.jpg", i), 1, time.Hour)
			}
			if tt.busy {
				store := cosstate.New(env.ci, inBucket)
				state := newSweepState(store, DefaultStatePrefix, "sweep", "images", "other-token", new(int))
				if _, err := store.Create(context.Background(), state.leaseKey(1), "other-token", sweepLease{Holder: "other", Expires: time.Now().Add(time.Hour)}); err != nil {
					t.Fatal(err)
				}
				if err := store.Write(context.Background(), state.cursorKey(), sweepCursor{Spec: "sweep", Rule: "images", Pass: env.tick, Lease: 1, Holder: "other"}); err != nil {
					t.Fatal(err)
				}
			}
			params := tt.params
			if params == "" {
				params = `"window":"6h","maxTriggers":1`
			}
			payload, err := json.Marshal(events.TimerEvent{Type: "Timer", TriggerName: "sweep", Time: env.tick.Format(time.RFC3339),
				Message: sweepSpec(params), CosflowContinuation: tt.depth})
			if err != nil {
				t.Fatal(err)
			}
			res, err := env.handleTimeout(t, payload, 0)
			if err != nil || len(res.Reconcile) != 1 {
				t.Fatalf("%+v, %v", res, err)
			}
			r := res.Reconcile[0]
			if r.Truncated != tt.truncated || r.Busy != tt.busy {
				t.Fatalf("truncated %v, busy %v; want %v, %v: %+v", r.Truncated, r.Busy, tt.truncated, tt.busy, r)
			}
			if res.Continued || cont.sent() != map[bool]int{true: 1}[tt.contErr != nil] {
				t.Errorf("continued %v, %d continuations sent; want none (one tried and failed when Continue fails)", res.Continued, cont.sent())
			}
			all := env.log.Lines(t)
			if n := len(withMsg(all, "sweep continued")); n != 0 {
				t.Errorf("%d 'sweep continued' lines", n)
			}
			if tt.warn == "" {
				return
			}
			lines := withMsg(all, tt.warn)
			if len(lines) != 1 || lines[0]["level"] != "WARN" {
				t.Errorf("lines %q: %v, want one at WARN", tt.warn, lines)
			}
			if tt.contErr != nil && !strings.Contains(fmt.Sprint(lines), "429") {
				t.Errorf("the WARN line does not say why: %v", lines)
			}
		})
	}
}

// TestContinuationKeepsDonePass: without every, a tick that finds its
// own pass done starts another (a repeat of the tick, as before), but a
// continuation of that tick does not: it would list the whole pass again
// for a rule that finished while another did not, or that the next tick
// ended first. Nor does a tick older than the pass done, a continuation
// or not (SCF retries an event it could not run every minute for up to
// 6 h, scf.md §4): it would move the pass back to an older window.
func TestContinuationKeepsDonePass(t *testing.T) {
	env := newOutcomeEnv(t, nil, nil, WithContinuer(&captureContinuer{}))
	env.put(t, "in/a.jpg", 1, time.Hour)
	spec := sweepSpec(`"window":"6h"`)
	if r := env.sweepOnce(t, `"window":"6h"`); r.Truncated || len(r.Triggered) != 1 {
		t.Fatalf("the tick: %+v, want the pass done", r)
	}
	tests := []struct {
		name    string
		at      time.Duration // the event's tick, from the pass's
		depth   int
		checked int // 0: the pass was not started again
	}{
		{"continuation", 0, 1, 0},
		{"late continuation of an earlier tick", -5 * time.Minute, 3, 0},
		{"late retry of an earlier tick", -5 * time.Minute, 0, 0},
		{"repeat of the tick", 0, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lists := env.opCalls(ciemu.OpListObjects)
			payload, err := json.Marshal(events.TimerEvent{Type: "Timer", TriggerName: "sweep", Time: env.tick.Add(tt.at).Format(time.RFC3339), Message: spec, CosflowContinuation: tt.depth})
			if err != nil {
				t.Fatal(err)
			}
			res, err := env.handleTimeout(t, payload, 0)
			if err != nil || len(res.Reconcile) != 1 {
				t.Fatalf("%+v, %v", res, err)
			}
			r := res.Reconcile[0]
			listed := env.opCalls(ciemu.OpListObjects) > lists
			if r.Checked != tt.checked || listed != (tt.checked > 0) || (r.NextPass != "") != (tt.checked == 0) || r.Truncated || len(r.Triggered) != 0 {
				t.Errorf("%+v (listed: %v); want %d checked, nothing triggered", r, listed, tt.checked)
			}
			if want := cosclient.FormatTime(env.tick); r.Pass != want {
				t.Errorf("pass %s, want %s: the pass done stays the last", r.Pass, want)
			}
		})
	}
}

// TestSweepLastWriteFails: when the sweep's last write (its lease
// released, the cursor as it leaves it) fails, the rule says so, and
// the sweep is not continued: the continuation would find the lease
// still held, and the pass's platform retry or next tick goes on from
// the marker last written. Here the state's writes take 300 ms against
// an 800 ms deadline: the lease is taken and released in time, the
// cursor's write is cut by the deadline.
func TestSweepLastWriteFails(t *testing.T) {
	cont := &captureContinuer{}
	env := newOutcomeEnv(t, nil, nil, WithContinuer(cont))
	env.put(t, "in/a.jpg", 1, time.Hour)
	env.emu.SetFaults(ciemu.Faults{Latency: 300 * time.Millisecond, Ops: []string{ciemu.OpPutObject}})
	res, err := env.handleTimeout(t, timerEvent(env.tick.Format(time.RFC3339), sweepSpec(`"window":"6h"`)), 800*time.Millisecond)
	if len(res.Reconcile) != 1 {
		t.Fatalf("%+v, %v", res, err)
	}
	r := res.Reconcile[0]
	if !strings.Contains(r.Error, "cursor") || !r.Retryable || !isIncomplete(err) {
		t.Errorf("error %q (retryable %v), invocation error %v; want the cursor's write, retryable", r.Error, r.Retryable, err)
	}
	if res.Continued || cont.sent() != 0 {
		t.Errorf("continued %v, %d sent; want none", res.Continued, cont.sent())
	}
}
