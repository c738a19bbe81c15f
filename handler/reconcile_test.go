package handler

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
)

// sweepEnv is a handler whose bucket the tests seed, with a tick of now
// (the emulator's executions are created now, after every object).
type sweepEnv struct {
	*testEnv
	tick time.Time
}

func newSweepEnv(t *testing.T, env map[string]string) *sweepEnv {
	t.Helper()
	vars := map[string]string{EnvBucket: testBucket, EnvRegion: testRegion}
	maps.Copy(vars, env)
	return &sweepEnv{testEnv: newTestEnv(t, vars), tick: time.Now().UTC().Truncate(time.Second)}
}

// put stores an object modified age before the tick.
func (e *sweepEnv) put(t *testing.T, key string, size int64, age time.Duration) {
	t.Helper()
	if err := e.emu.PutObject(testBucket, key, size, e.tick.Add(-age)); err != nil {
		t.Fatal(err)
	}
}

// sweep runs one timer tick with message and returns its result.
func (e *sweepEnv) sweep(t *testing.T, message string) (*TimerResult, error) {
	t.Helper()
	return e.timer(t, timerEvent(e.tick.Format(time.RFC3339), message))
}

// sweepSpec is a reconcile spec named "sweep".
func sweepSpec(params string) string {
	return `{"name":"sweep","reconcile":{` + params + `}}`
}

// sweptKeys lists the keys a rule's sweep triggered, in order.
func sweptKeys(r ReconcileResult) []string {
	var out []string
	for _, s := range r.Triggered {
		out = append(out, s.Key)
	}
	return out
}

// TestReconcileSweep: which objects a sweep checks, which it finds already
// ran, which it triggers; and the result's JSON shape.
func TestReconcileSweep(t *testing.T) {
	env := newSweepEnv(t, map[string]string{
		EnvRules: rulesJSON(
			Rule{Name: "images", Prefix: "in/", Suffix: ".jpg", MaxSize: 1000, WorkflowID: wfA},
			Rule{Name: "videos", Prefix: "in/", Suffix: ".mp4", WorkflowID: wfB},
			Rule{Name: "removals", Events: []string{"cos:ObjectRemove:*"}, WorkflowID: wfA},
		),
		EnvIgnorePrefixes: "in/out/",
	})
	objects := []struct {
		key  string
		size int64
		age  time.Duration
		ran  string // a workflow that already ran for it
	}{
		{"in/a.jpg", 10, time.Hour, ""},          // images: triggered
		{"in/b.jpg", 10, 2 * time.Hour, wfA},     // images: already ran
		{"in/c.jpg", 5000, time.Hour, ""},        // too big for images
		{"in/d.png", 10, time.Hour, ""},          // no rule
		{"in/e.jpg", 10, 7 * time.Hour, ""},      // before the window
		{"in/f.jpg", 10, time.Minute, ""},        // within the lag
		{"in/g.jpg", 10, 6 * time.Hour, ""},      // the window's first second: in
		{"in/h.jpg", 10, 5 * time.Minute, ""},    // the lag's edge: out
		{"in/out/i.jpg", 10, time.Hour, ""},      // ignored prefix
		{"other/j.jpg", 10, time.Hour, ""},       // outside the rules' prefix
		{"in/v.mp4", 10, time.Hour, ""},          // videos: triggered
		{"in/w.mp4", 10, time.Hour, wfB},         // videos: already ran
		{"in/x.mp4", 10, time.Hour, wfA},         // a run of another workflow does not count
		{"in/y.jpg", 10, 3 * time.Hour, wfB},     // nor here
		{"in/z.jpg", 1000, 90 * time.Minute, ""}, // maxSize is inclusive
	}
	for _, o := range objects {
		env.put(t, o.key, o.size, o.age)
		if o.ran != "" {
			env.runBefore(t, o.ran, o.key)
		}
	}
	before := env.opCalls(ciemu.OpTriggerWorkflow)
	res, err := env.sweep(t, sweepSpec(`"window":"6h","lag":"5m"`))
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	if len(res.Jobs) != 0 || len(res.Reconcile) != 2 {
		t.Fatalf("result %+v, want one sweep result per rule that covers uploads (images, videos)", res)
	}
	want := []struct {
		rule       string
		checked    int
		alreadyRan int
		triggered  []string
	}{
		{"images", 5, 1, []string{"in/a.jpg", "in/g.jpg", "in/y.jpg", "in/z.jpg"}},
		{"videos", 3, 1, []string{"in/v.mp4", "in/x.mp4"}},
	}
	triggered := 0
	for i, w := range want {
		r := res.Reconcile[i]
		if r.Name != "sweep" || r.Rule != w.rule || r.Checked != w.checked || r.AlreadyRan != w.alreadyRan ||
			!slices.Equal(sweptKeys(r), w.triggered) || len(r.Failed) != 0 || r.Truncated || r.Error != "" {
			t.Errorf("rule %s = %+v\n  want checked %d, alreadyRan %d, triggered %v", w.rule, r, w.checked, w.alreadyRan, w.triggered)
		}
		if r.Calls.List != 1 || r.Calls.Trigger != len(w.triggered) || r.Calls.Ledger < 1 {
			t.Errorf("rule %s calls %+v, want 1 listing, ledger lookups, %d triggers", w.rule, r.Calls, len(w.triggered))
		}
		for _, s := range r.Triggered {
			if s.InstanceID == "" {
				t.Errorf("%s triggered without an instance ID", s.Key)
			}
		}
		triggered += len(w.triggered)
	}
	if n := env.opCalls(ciemu.OpTriggerWorkflow) - before; n != triggered {
		t.Errorf("%d TriggerWorkflow calls, want %d", n, triggered)
	}
	for _, o := range objects {
		for _, wf := range []string{wfA, wfB} {
			if n := env.emu.TriggerCount(testBucket, wf, o.key); n > 1 {
				t.Errorf("%s ran %d times under %s", o.key, n, wf)
			}
		}
	}
	if lines := withMsg(env.log.Lines(t), "reconcile done"); len(lines) != 2 {
		t.Errorf("%d \"reconcile done\" lines, want 2", len(lines))
	}

	// The JSON shape the platform and the logs see.
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var shape struct {
		Jobs      []json.RawMessage            `json:"jobs"`
		Reconcile []map[string]json.RawMessage `json:"reconcile"`
	}
	if err := json.Unmarshal(b, &shape); err != nil || shape.Jobs == nil || !strings.HasPrefix(string(b), `{"jobs":[],"reconcile":[{`) {
		t.Fatalf("result JSON %s", b)
	}
	keys := slices.Sorted(maps.Keys(shape.Reconcile[0]))
	if want := []string{"alreadyRan", "calls", "checked", "exhausted", "failed", "name", "pass", "redriven", "rule", "triggered", "truncated"}; !slices.Equal(keys, want) {
		t.Errorf("a sweep result has the members %v, want %v", keys, want)
	}
	if got := string(shape.Reconcile[0]["failed"]); got != "[]" {
		t.Errorf("failed = %s, want []", got)
	}
	var swept []map[string]any
	if err := json.Unmarshal(shape.Reconcile[0]["triggered"], &swept); err != nil || len(swept) == 0 || len(swept[0]) != 2 || swept[0]["key"] != "in/a.jpg" || swept[0]["instanceId"] == "" {
		t.Errorf("triggered = %s, want [{\"key\",\"instanceId\"},…]", shape.Reconcile[0]["triggered"])
	}
}

// twoRules are an images rule (wfA) and a videos rule (wfB) over in/.
var twoRules = rulesJSON(
	Rule{Name: "images", Prefix: "in/", Suffix: ".jpg", WorkflowID: wfA},
	Rule{Name: "videos", Prefix: "in/", Suffix: ".mp4", WorkflowID: wfB},
)

// TestReconcileMaxTriggers: one budget for the whole sweep, spent rule by
// rule; a rule that stops at it says so.
func TestReconcileMaxTriggers(t *testing.T) {
	tests := []struct {
		max            int
		images, videos int  // triggered
		truncImages    bool // truncated
		truncVideos    bool
	}{
		{5, 3, 2, false, false},
		{4, 3, 1, false, true},
		{3, 3, 0, false, true},
		{2, 2, 0, true, true},
		{1, 1, 0, true, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.max), func(t *testing.T) {
			env := newSweepEnv(t, map[string]string{EnvRules: twoRules})
			for _, k := range []string{"in/1.jpg", "in/2.jpg", "in/3.jpg", "in/1.mp4", "in/2.mp4"} {
				env.put(t, k, 1, time.Hour)
			}
			res, err := env.sweep(t, sweepSpec(fmt.Sprintf(`"window":"6h","maxTriggers":%d`, tt.max)))
			if err != nil || len(res.Reconcile) != 2 {
				t.Fatalf("result %+v, %v", res, err)
			}
			img, vid := res.Reconcile[0], res.Reconcile[1]
			if len(img.Triggered) != tt.images || img.Truncated != tt.truncImages || len(vid.Triggered) != tt.videos || vid.Truncated != tt.truncVideos {
				t.Errorf("images %d (truncated %v), videos %d (truncated %v); want %d (%v), %d (%v)",
					len(img.Triggered), img.Truncated, len(vid.Triggered), vid.Truncated, tt.images, tt.truncImages, tt.videos, tt.truncVideos)
			}
			if img.Checked != 3 || vid.Checked != 2 {
				t.Errorf("checked %d and %d, want 3 and 2: the budget bounds triggers, not checks", img.Checked, vid.Checked)
			}
			if n := env.opCalls(ciemu.OpTriggerWorkflow); n != tt.images+tt.videos {
				t.Errorf("%d TriggerWorkflow calls, want %d", n, tt.images+tt.videos)
			}
		})
	}
}

// TestReconcileDryRun: a dry run lists and looks up as a sweep does, and
// plans instead of triggering.
func TestReconcileDryRun(t *testing.T) {
	env := newSweepEnv(t, map[string]string{EnvRules: twoRules, EnvDryRun: "true"})
	for _, k := range []string{"in/1.jpg", "in/2.jpg", "in/3.jpg"} {
		env.put(t, k, 1, time.Hour)
	}
	env.runBefore(t, wfA, "in/2.jpg")
	before := env.opCalls(ciemu.OpTriggerWorkflow)
	res, err := env.sweep(t, sweepSpec(`"window":"6h","maxTriggers":1`))
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	img := res.Reconcile[0]
	if !slices.Equal(img.Planned, []string{"in/1.jpg"}) || len(img.Triggered) != 0 || img.AlreadyRan != 1 || !img.Truncated {
		t.Errorf("images = %+v, want in/1.jpg planned (maxTriggers 1), in/2.jpg already ran, truncated", img)
	}
	if n := env.opCalls(ciemu.OpTriggerWorkflow) - before; n != 0 {
		t.Errorf("%d TriggerWorkflow calls in a dry run", n)
	}
	lines := withMsg(env.log.Lines(t), "dry run")
	if len(lines) != 1 || lines[0]["key"] != "in/1.jpg" || lines[0]["sweep"] != "sweep" || lines[0]["workflowId"] != wfA {
		t.Errorf("dry-run lines %v, want one for in/1.jpg of sweep", lines)
	}
	if b, _ := json.Marshal(img); !strings.Contains(string(b), `"planned":["in/1.jpg"]`) {
		t.Errorf("result JSON %s lacks planned", b)
	}
}

// TestReconcileSpecErrors: a bad reconcile spec is refused, named, with no
// CI call, and no retry asked for.
func TestReconcileSpecErrors(t *testing.T) {
	tests := []struct {
		name, spec, want string
		env              map[string]string
	}{
		{"window required", sweepSpec(``), "Message.reconcile.window: is required", nil},
		{"window not a duration", sweepSpec(`"window":"1d"`), `Message.reconcile.window: "1d" is not a duration`, nil},
		{"window not positive", sweepSpec(`"window":"0s"`), "Message.reconcile.window: must be positive", nil},
		{"window over a year", sweepSpec(`"window":"8761h"`), "Message.reconcile.window: must be at most 8760h0m0s", nil},
		{"lag as long as the window", sweepSpec(`"window":"6h","lag":"6h"`), "Message.reconcile.lag: must be shorter than the window", nil},
		{"default lag over the window", sweepSpec(`"window":"5m"`), "Message.reconcile.lag: must be shorter than the window", nil},
		{"negative lag", sweepSpec(`"window":"6h","lag":"-1m"`), `Message.reconcile.lag: "-1m" is not a duration`, nil},
		{"maxTriggers negative", sweepSpec(`"window":"6h","maxTriggers":-1`), "Message.reconcile.maxTriggers: must be from 1 to 100000", nil},
		{"maxTriggers too many", sweepSpec(`"window":"6h","maxTriggers":100001`), "Message.reconcile.maxTriggers: must be from 1 to 100000", nil},
		{"maxTriggers not a number", sweepSpec(`"window":"6h","maxTriggers":"10"`), "Message.reconcile.maxTriggers: must be an integer", nil},
		{"unknown parameter", sweepSpec(`"window":"6h","windows":"1h"`), "Message.reconcile.windows: is not a known field", nil},
		{"a backfill field", `{"name":"sweep","prefix":"in/","reconcile":{"window":"6h"}}`, "Message.prefix: is not a known field", nil},
		{"no name", `{"reconcile":{"window":"6h"}}`, "Message.name: is required", nil},
		{"no bucket", sweepSpec(`"window":"6h"`), "Message.bucket: is required (or set COSFLOW_BUCKET)", map[string]string{EnvBucket: "", EnvRegion: ""}},
		{"bad bucket", `{"name":"sweep","bucket":"Bad_Bucket","reconcile":{"window":"6h"}}`, "Message.bucket:", nil},
		{"in an array", `[{"name":"a","prefix":"in/","workflowId":"` + wfA + `"},` + sweepSpec(`"window":"6h","lag":"7h"`) + `]`, "Message[1].reconcile.lag: must be shorter than the window", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := map[string]string{EnvRules: twoRules}
			maps.Copy(vars, tt.env)
			env := newSweepEnv(t, vars)
			env.put(t, "in/1.jpg", 1, time.Hour)
			before := env.ciCalls()
			res, err := env.sweep(t, tt.spec)
			if err != nil {
				t.Fatalf("a spec error is no reason to retry: %v", err)
			}
			var msgs []string
			for _, j := range res.Jobs {
				if j.Error != "" {
					msgs = append(msgs, j.Error)
				}
			}
			if len(msgs) != 1 || !strings.HasPrefix(msgs[0], tt.want) || len(res.Reconcile) != 0 {
				t.Errorf("errors %q (reconcile %+v), want one starting %q", msgs, res.Reconcile, tt.want)
			}
			// The array's good backfill makes its own calls; a lone bad
			// spec makes none.
			if strings.HasPrefix(tt.want, "Message.") && env.ciCalls() != before {
				t.Errorf("%d CI calls for a bad spec, want 0", env.ciCalls()-before)
			}
		})
	}
}

// TestReconcileSpecBounds: the edges that are accepted.
func TestReconcileSpecBounds(t *testing.T) {
	for _, params := range []string{
		`"window":"6h","maxTriggers":1`,
		`"window":"6h","maxTriggers":100000`,
		`"window":"8760h","lag":"0s"`,
		`"window":"10m","lag":"9m59s"`,
	} {
		t.Run(params, func(t *testing.T) {
			env := newSweepEnv(t, map[string]string{EnvRules: twoRules})
			res, err := env.sweep(t, sweepSpec(params))
			if err != nil || len(res.Jobs) != 0 || len(res.Reconcile) != 2 || res.Reconcile[0].Error != "" {
				t.Errorf("result %+v, %v; want a sweep of both rules", res, err)
			}
		})
	}
}

// TestReconcileFailures: what a failing listing, ledger or trigger makes
// of the result, and when the tick asks for the platform's retry.
func TestReconcileFailures(t *testing.T) {
	tests := []struct {
		name          string
		faults        ciemu.Faults
		wantError     string // the rule's Error
		wantRetryable bool   // the rule's or its failures'
		wantFailed    int
	}{
		{"listing unavailable", ciemu.Faults{ErrorRate: 1, ErrorStatus: 503, Ops: []string{ciemu.OpListObjects}}, "list the bucket under \"in/\"", true, 0},
		{"listing denied", ciemu.Faults{ErrorRate: 1, ErrorStatus: 403, Ops: []string{ciemu.OpListObjects}}, "AccessDenied", false, 0},
		{"ledger unavailable", ciemu.Faults{ErrorRate: 1, ErrorStatus: 503, Ops: []string{ciemu.OpDescribeWorkflowExecutions}}, "list executions of " + wfA, true, 0},
		{"triggers refused", ciemu.Faults{ErrorRate: 1, ErrorStatus: 400, Ops: []string{ciemu.OpTriggerWorkflow}}, "", false, 2},
		{"triggers throttled", ciemu.Faults{ThrottleRate: 1, ThrottleStatus: 429, Ops: []string{ciemu.OpTriggerWorkflow}}, "", true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newSweepEnv(t, map[string]string{EnvRules: rulesJSON(Rule{Name: "images", Prefix: "in/", Suffix: ".jpg", WorkflowID: wfA})})
			env.put(t, "in/1.jpg", 1, time.Hour)
			env.put(t, "in/2.jpg", 1, time.Hour)
			env.emu.SetFaults(tt.faults)
			res, err := env.sweep(t, sweepSpec(`"window":"6h"`))
			var ie *IncompleteError
			if tt.wantRetryable != errors.As(err, &ie) {
				t.Errorf("err = %v, want an IncompleteError: %v", err, tt.wantRetryable)
			}
			if len(res.Reconcile) != 1 {
				t.Fatalf("result %+v", res)
			}
			r := res.Reconcile[0]
			if !strings.Contains(r.Error, tt.wantError) || (tt.wantError == "") != (r.Error == "") {
				t.Errorf("error %q, want %q", r.Error, tt.wantError)
			}
			if len(r.Failed) != tt.wantFailed || len(r.Triggered) != 0 {
				t.Errorf("failed %+v, triggered %+v; want %d failed", r.Failed, r.Triggered, tt.wantFailed)
			}
			for _, f := range r.Failed {
				if f.Retryable != tt.wantRetryable || f.WorkflowID != wfA {
					t.Errorf("failure %+v, want retryable %v", f, tt.wantRetryable)
				}
			}
			if r.Error != "" && r.Retryable != tt.wantRetryable {
				t.Errorf("retryable %v, want %v", r.Retryable, tt.wantRetryable)
			}
			if n := env.emu.TotalTriggers(); n != 0 {
				t.Errorf("%d runs started", n)
			}
		})
	}
}

// TestReconcileOverlappingRules: a key two rules of one workflow match is
// swept once, by the first; another workflow sweeps it on its own.
func TestReconcileOverlappingRules(t *testing.T) {
	env := newSweepEnv(t, map[string]string{EnvRules: rulesJSON(
		Rule{Name: "jpg", Prefix: "in/", Suffix: ".jpg", WorkflowID: wfA},
		Rule{Name: "all", Prefix: "in/", WorkflowID: wfA},
		Rule{Name: "other", Prefix: "in/", WorkflowID: wfB},
	)})
	env.put(t, "in/a.jpg", 1, time.Hour)
	env.put(t, "in/b.png", 1, time.Hour)
	res, err := env.sweep(t, sweepSpec(`"window":"6h"`))
	if err != nil || len(res.Reconcile) != 3 {
		t.Fatalf("result %+v, %v", res, err)
	}
	want := map[string][]string{"jpg": {"in/a.jpg"}, "all": {"in/b.png"}, "other": {"in/a.jpg", "in/b.png"}}
	for _, r := range res.Reconcile {
		if got := sweptKeys(r); !slices.Equal(got, want[r.Rule]) || r.Checked != len(want[r.Rule]) {
			t.Errorf("rule %s swept %v (checked %d), want %v", r.Rule, got, r.Checked, want[r.Rule])
		}
	}
	for _, k := range []string{"in/a.jpg", "in/b.png"} {
		if a, b := env.emu.TriggerCount(testBucket, wfA, k), env.emu.TriggerCount(testBucket, wfB, k); a != 1 || b != 1 {
			t.Errorf("%s ran %d times under wfA and %d under wfB, want once each", k, a, b)
		}
	}
}

// TestReconcileCosts: listing costs one call per 1,000 keys under the
// rule's prefix; ledger lookups stay within one call more than the
// candidates, and about twice the cheaper of listing the workflow's
// executions (100 a call) and looking each candidate up (see
// ledger.Histories); the result counts the calls made.
func TestReconcileCosts(t *testing.T) {
	tests := []struct {
		name        string
		keys        int // objects under the prefix, outside the window
		candidates  int // objects in the window
		ranBefore   int // of the candidates, those that already ran
		otherRuns   int // runs of the workflow for keys that are not candidates
		wantListing int
	}{
		{"empty bucket", 0, 0, 0, 0, 1},
		{"1,000 keys", 1000, 0, 0, 0, 1},
		{"1,001 keys", 1000, 1, 0, 0, 2},
		{"2,500 keys, 10 candidates", 2490, 10, 0, 0, 3},
		{"250 candidates, all ran", 0, 250, 250, 0, 1},
		{"3 candidates among 500 runs", 0, 3, 1, 500, 1},
		{"120 candidates, 60 ran, 150 other runs", 880, 120, 60, 150, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newSweepEnv(t, map[string]string{EnvRules: rulesJSON(Rule{Name: "images", Prefix: "in/", Suffix: ".jpg", WorkflowID: wfA})})
			for i := range tt.keys {
				env.put(t, fmt.Sprintf("in/old/%05d.jpg", i), 1, 30*time.Hour)
			}
			var seed []string
			for i := range tt.candidates {
				key := fmt.Sprintf("in/new/%05d.jpg", i)
				env.put(t, key, 1, time.Hour)
				if i < tt.ranBefore {
					seed = append(seed, key)
				}
			}
			for i := range tt.otherRuns {
				seed = append(seed, fmt.Sprintf("elsewhere/%05d.bin", i))
			}
			errs := make([]error, len(seed))
			env.h.inParallel(len(seed), func(i int) { _, errs[i] = env.startRun(wfA, seed[i]) })
			if err := errors.Join(errs...); err != nil {
				t.Fatal(err)
			}
			lists, lookups := env.opCalls(ciemu.OpListObjects), env.opCalls(ciemu.OpDescribeWorkflowExecutions)

			res, err := env.sweep(t, sweepSpec(`"window":"6h"`))
			if err != nil || len(res.Reconcile) != 1 {
				t.Fatalf("result %+v, %v", res, err)
			}
			r := res.Reconcile[0]
			lists, lookups = env.opCalls(ciemu.OpListObjects)-lists, env.opCalls(ciemu.OpDescribeWorkflowExecutions)-lookups
			if r.Calls.List != lists || r.Calls.Ledger != lookups || r.Calls.Trigger != len(r.Triggered) {
				t.Errorf("the result counts %+v; the emulator saw %d listings and %d lookups", r.Calls, lists, lookups)
			}
			if lists != tt.wantListing {
				t.Errorf("%d listing calls for %d keys, want %d", lists, tt.keys+tt.candidates, tt.wantListing)
			}
			if r.Checked != tt.candidates || r.AlreadyRan != tt.ranBefore || len(r.Triggered) != tt.candidates-tt.ranBefore {
				t.Errorf("checked %d, alreadyRan %d, triggered %d; want %d, %d, %d",
					r.Checked, r.AlreadyRan, len(r.Triggered), tt.candidates, tt.ranBefore, tt.candidates-tt.ranBefore)
			}
			// Executions newer than the oldest candidate: every run here.
			executions := len(seed) + len(r.Triggered)
			cheaper := min((executions+99)/100, tt.candidates)
			if tt.candidates > 0 {
				cheaper = max(cheaper, 1)
			}
			// The lookups before triggering (none after: every answer
			// arrives) are within one more than the candidates
			// (ledger.Histories), and within about twice the cheaper way
			// unless the listing's first page showed no candidate's run
			// (then each is looked up: a history needs every run since
			// the upload, which the listing reaches only at its end).
			if bound := 2*cheaper + 1; lookups > bound && lookups > tt.candidates+1 {
				t.Errorf("%d ledger calls for %d candidates among %d executions, want at most %d", lookups, tt.candidates, len(seed), bound)
			}
		})
	}
}

// TestReconcileUnreadableTimes: an object whose LastModified the sweep
// cannot read stays a candidate, looked up over the whole window and
// triggered when CI shows no run for it (losing it is the worse mistake),
// and the result and the log line count it.
func TestReconcileUnreadableTimes(t *testing.T) {
	env := newSweepEnv(t, map[string]string{EnvRules: rulesJSON(Rule{Name: "images", Prefix: "in/", Suffix: ".jpg", WorkflowID: wfA})})
	env.put(t, "in/a.jpg", 1, time.Hour)   // readable, no run: triggered
	env.put(t, "in/b.jpg", 1, time.Hour)   // readable, ran
	env.put(t, "in/c.jpg", 1, 7*time.Hour) // unreadable, no run: triggered
	env.put(t, "in/d.jpg", 1, time.Hour)   // unreadable, ran
	env.put(t, "in/e.png", 1, time.Hour)   // unreadable, but no rule matches
	env.runBefore(t, wfA, "in/b.jpg")
	env.runBefore(t, wfA, "in/d.jpg")
	listing := env.emu.Objects(testBucket)
	for i := range listing {
		if k := listing[i].Key; k != "in/a.jpg" && k != "in/b.jpg" {
			listing[i].LastModified = "the day before yesterday"
		}
	}
	env.emu.SetAnswer(ciemu.OpListObjects, cosclient.ListObjectsOutput{Name: testBucket, Prefix: "in/", MaxKeys: 1000, Contents: listing})

	res, err := env.sweep(t, sweepSpec(`"window":"6h"`))
	if err != nil || len(res.Reconcile) != 1 {
		t.Fatalf("result %+v, %v", res, err)
	}
	r := res.Reconcile[0]
	if r.Checked != 4 || r.AlreadyRan != 2 || r.UnreadableTimes != 2 || !slices.Equal(sweptKeys(r), []string{"in/a.jpg", "in/c.jpg"}) || r.Error != "" {
		t.Errorf("sweep = %+v\n  want 4 checked, 2 already ran, 2 unreadable times, in/a.jpg and in/c.jpg triggered", r)
	}
	if b, _ := json.Marshal(r); !strings.Contains(string(b), `"unreadableTimes":2`) {
		t.Errorf("result JSON %s does not count the unreadable times", b)
	}
	lines := withMsg(env.log.Lines(t), "reconcile done")
	if len(lines) != 1 || lines[0]["unreadableTimes"] != float64(2) {
		t.Errorf("reconcile lines %v, want one with unreadableTimes 2", lines)
	}
	for _, k := range []string{"in/a.jpg", "in/b.jpg", "in/c.jpg", "in/d.jpg"} {
		if n := env.emu.TriggerCount(testBucket, wfA, k); n != 1 {
			t.Errorf("%s ran %d times, want once", k, n)
		}
	}
}
