package ciemu_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/events"
	"github.com/cosflow/cosflow/internal/citest"
)

// receiver is a callback URL on loopback that keeps what it is posted
// and answers status (200 unless set).
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	posts  []post
	status int
	got    chan struct{} // a post arrived; buffered
}

type post struct {
	contentType string
	body        []byte
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	rc := &receiver{status: http.StatusOK, got: make(chan struct{}, 100)}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		if r.Method == http.MethodPost {
			rc.posts = append(rc.posts, post{r.Header.Get("Content-Type"), b})
		}
		status := rc.status
		rc.mu.Unlock()
		w.WriteHeader(status)
		select {
		case rc.got <- struct{}{}:
		default:
		}
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) url() string { return rc.srv.URL + "/v1/callbacks/ci?token=t" }

func (rc *receiver) received() []post {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.posts)
}

// parsed reads every post as cosflow does.
func (rc *receiver) parsed(t *testing.T, format events.CallbackFormat) []events.CICallback {
	t.Helper()
	var out []events.CICallback
	for _, p := range rc.received() {
		c, err := events.ParseCICallback(p.body, format)
		if err != nil {
			t.Fatalf("callback %s does not parse: %v", p.body, err)
		}
		out = append(out, *c)
	}
	return out
}

// TestCallbacksOnInjectedClock: with an injected clock, DeliverCallbacks
// posts each run's WorkflowFinish once, when the run has ended, saying how
// it ended; a run that never ends, and runs of a workflow without a target,
// post nothing.
func TestCallbacksOnInjectedClock(t *testing.T) {
	for _, format := range []string{"XML", "JSON"} {
		t.Run(format, func(t *testing.T) {
			env := newOutcomeEnv(t, ciemu.Options{})
			rc := newReceiver(t)
			if err := env.emu.SetCallback(citest.Bucket, wf, rc.url(), strings.ToLower(format)); err != nil {
				t.Fatal(err)
			}
			env.emu.StageRuns(citest.Bucket, wf, "bad.mp4", ciemu.Staging{Then: ciemu.Fail("InvalidInput", "no video stream")})
			env.emu.StageRuns(citest.Bucket, wf, "slow.mp4", ciemu.Staging{Then: ciemu.StayRunning()})
			good, bad := env.trigger(t, "dir/good.mp4"), env.trigger(t, "bad.mp4")
			env.trigger(t, "slow.mp4")
			if _, err := env.c.TriggerWorkflow(context.Background(), &cosclient.TriggerWorkflowInput{WorkflowID: otherWF, Object: "x.mp4"}); err != nil {
				t.Fatal(err)
			}

			if got := env.emu.DeliverCallbacks(context.Background()); len(got) != 0 {
				t.Fatalf("posted while running: %+v", got)
			}
			env.clock.Advance(10 * time.Second)
			delivered := env.emu.DeliverCallbacks(context.Background())
			if again := env.emu.DeliverCallbacks(context.Background()); len(again) != 0 {
				t.Errorf("posted twice: %+v", again)
			}
			env.clock.Advance(time.Hour)
			if again := env.emu.DeliverCallbacks(context.Background()); len(again) != 0 {
				t.Errorf("posted later: %+v", again)
			}

			want := []events.CICallback{
				{EventName: "WorkflowFinish", RunID: good, WorkflowID: wf, BucketID: citest.Bucket, Object: "dir/good.mp4", State: "Success"},
				{EventName: "WorkflowFinish", RunID: bad, WorkflowID: wf, BucketID: citest.Bucket, Object: "bad.mp4", State: "Failed"},
			}
			if got := rc.parsed(t, events.CallbackFormat(format)); !slices.Equal(got, want) {
				t.Fatalf("received\n%+v\nwant\n%+v", got, want)
			}
			for _, p := range rc.received() {
				if p.contentType != "application/"+strings.ToLower(format) {
					t.Errorf("Content-Type %q", p.contentType)
				}
			}
			if log := env.emu.Callbacks(); !slices.EqualFunc(log, delivered, func(a, b ciemu.Callback) bool { return a.RunID == b.RunID }) || len(log) != 2 {
				t.Fatalf("log %+v, delivered %+v", log, delivered)
			}
			for _, cb := range delivered {
				if cb.Status != http.StatusOK || cb.Err != "" || cb.Fault != ciemu.CallbackNone || cb.Format != format || cb.URL != rc.url() ||
					!cb.Time.Equal(env.clock.Now().Add(-time.Hour)) {
					t.Errorf("callback %+v", cb)
				}
			}
			// What the failed run's callback says of its tasks is what
			// DescribeWorkflowExecution says.
			cb := delivered[1]
			x, _ := env.emu.Execution(citest.Bucket, bad)
			if ft := x.FailedTask(); len(cb.Tasks) != 2 || cb.Tasks[1].Code != ft.Code || cb.Tasks[1].Message != ft.Message || cb.Tasks[1].JobID != ft.JobID ||
				cb.Tasks[1].CreateTime == "" || cb.Tasks[1].StartTime != "" {
				t.Errorf("callback tasks %+v, run's failed task %+v", cb.Tasks, ft)
			}
			if _, err := cosclient.ParseTime(cb.CreateTime); err != nil || !strings.Contains(cb.CreateTime, " ") {
				t.Errorf("callback CreateTime %q: %v", cb.CreateTime, err)
			}
		})
	}
}

// TestCallbackTargets: a run that ended before its workflow had a target
// posts nothing; a target removed posts nothing; replacing one keeps the
// runs already due; a receiver that fails is not retried; Reset clears
// the log and keeps the target; bad targets are refused.
func TestCallbackTargets(t *testing.T) {
	ctx := context.Background()
	env := newOutcomeEnv(t, ciemu.Options{RunningFor: -1})
	rc, rc2 := newReceiver(t), newReceiver(t)
	env.trigger(t, "before.jpg")
	env.clock.Advance(time.Second)
	if err := env.emu.SetCallback(citest.Bucket, wf, rc.url(), ""); err != nil {
		t.Fatal(err)
	}
	if got := env.emu.DeliverCallbacks(ctx); len(got) != 0 {
		t.Errorf("a run that ended before the target posted: %+v", got)
	}

	first := env.trigger(t, "first.jpg")
	if err := env.emu.SetCallback(citest.Bucket, wf, rc2.url(), "XML"); err != nil {
		t.Fatal(err)
	}
	if got := env.emu.DeliverCallbacks(ctx); len(got) != 1 || got[0].RunID != first || got[0].URL != rc2.url() {
		t.Errorf("after replacing the target: %+v", got)
	}

	rc2.mu.Lock()
	rc2.status = http.StatusInternalServerError
	rc2.mu.Unlock()
	failing := env.trigger(t, "failing.jpg")
	if got := env.emu.DeliverCallbacks(ctx); len(got) != 1 || got[0].RunID != failing || got[0].Status != 500 {
		t.Errorf("to a failing receiver: %+v", got)
	}
	if got := env.emu.DeliverCallbacks(ctx); len(got) != 0 {
		t.Errorf("retried: %+v", got)
	}

	env.emu.Reset()
	if log := env.emu.Callbacks(); len(log) != 0 {
		t.Errorf("log after Reset: %+v", log)
	}
	env.trigger(t, "after-reset.jpg")
	if got := env.emu.DeliverCallbacks(ctx); len(got) != 1 {
		t.Errorf("after Reset: %+v", got)
	}

	if err := env.emu.SetCallback(citest.Bucket, wf, "", ""); err != nil {
		t.Fatal(err)
	}
	env.trigger(t, "untargeted.jpg")
	if got := env.emu.DeliverCallbacks(ctx); len(got) != 0 {
		t.Errorf("without a target: %+v", got)
	}
	if n := len(rc.received()); n != 0 {
		t.Errorf("the first target got %d posts", n)
	}

	for _, bad := range []struct{ url, format string }{
		{"ftp://x/", "XML"}, {"/relative", "XML"}, {"http://", "XML"}, {rc.url(), "YAML"},
	} {
		if err := env.emu.SetCallback(citest.Bucket, wf, bad.url, bad.format); err == nil {
			t.Errorf("SetCallback(%q, %q) accepted", bad.url, bad.format)
		}
	}
	if _, err := env.emu.ForgeCallback(ctx, "not a url", "XML", ciemu.Notice{}); err == nil {
		t.Error("ForgeCallback to a bad URL accepted")
	}
}

// TestCallbackFaults: dropped, repeated and forged callbacks, and a late
// one, reach the receiver as the test asked and are logged as such.
func TestCallbackFaults(t *testing.T) {
	ctx := context.Background()
	env := newOutcomeEnv(t, ciemu.Options{RunningFor: -1, Seed: 3})
	rc := newReceiver(t)
	if err := env.emu.SetCallback(citest.Bucket, wf, rc.url(), "XML"); err != nil {
		t.Fatal(err)
	}

	env.emu.SetCallbackFaults(ciemu.CallbackFaults{DropRate: 1})
	dropped := env.trigger(t, "dropped.jpg")
	if got := env.emu.DeliverCallbacks(ctx); len(got) != 1 || got[0].Fault != ciemu.CallbackDropped || got[0].Status != 0 || len(got[0].Body) == 0 {
		t.Errorf("dropped: %+v", got)
	}
	env.emu.SetCallbackFaults(ciemu.CallbackFaults{RepeatRate: 1})
	repeated := env.trigger(t, "repeated.jpg")
	got := env.emu.DeliverCallbacks(ctx)
	if len(got) != 2 || got[0].Fault != ciemu.CallbackNone || got[1].Fault != ciemu.CallbackRepeated || !slices.Equal(got[0].Body, got[1].Body) {
		t.Errorf("repeated: %+v", got)
	}
	env.emu.SetCallbackFaults(ciemu.CallbackFaults{})

	// Late: the dropped one, posted at last.
	env.clock.Advance(time.Minute)
	late, err := env.emu.RepeatCallback(ctx, citest.Bucket, dropped)
	if err != nil || late.Fault != ciemu.CallbackRepeated || late.Status != 200 || !late.Time.Equal(env.clock.Now()) {
		t.Errorf("late: %+v, %v", late, err)
	}
	// Forged: the run succeeded; the body says it failed.
	n, ok := env.emu.Notice(citest.Bucket, repeated)
	if !ok || n.State != cosclient.ExecutionStateSuccess {
		t.Fatalf("Notice = %+v, %v", n, ok)
	}
	n.State = cosclient.ExecutionStateFailed
	n.CosHeaders = []ciemu.CosHeader{{Key: "Content-Type", Value: "image/jpeg"}}
	forged, err := env.emu.ForgeCallback(ctx, rc.url(), "JSON", n)
	if err != nil || forged.Fault != ciemu.CallbackForged || forged.Status != 200 {
		t.Errorf("forged: %+v, %v", forged, err)
	}

	posts := rc.received()
	var runs []string
	for _, p := range posts[:3] {
		c, err := events.ParseCICallback(p.body, events.CallbackXML)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, c.RunID)
	}
	if want := []string{repeated, repeated, dropped}; !slices.Equal(runs, want) {
		t.Errorf("received runs %v, want %v", runs, want)
	}
	if len(posts) != 4 {
		t.Fatalf("%d posts, want 4", len(posts))
	}
	if c, err := events.ParseCICallback(posts[3].body, events.CallbackJSON); err != nil || c.State != "Failed" || c.RunID != repeated {
		t.Errorf("forged body reads %+v, %v", c, err)
	}
	if log := env.emu.Callbacks(); len(log) != 5 {
		t.Errorf("%d logged, want 5 (one dropped)", len(log))
	}

	// What cannot be repeated.
	env.emu.StageRuns(citest.Bucket, wf, "slow.jpg", ciemu.Staging{Then: ciemu.StayRunning()})
	slow := env.trigger(t, "slow.jpg")
	for _, runID := range []string{slow, "i00000000000000000000000000000000"} {
		if cb, err := env.emu.RepeatCallback(ctx, citest.Bucket, runID); err == nil {
			t.Errorf("RepeatCallback(%s) = %+v", runID, cb)
		}
		if _, ok := env.emu.Notice(citest.Bucket, runID); ok {
			t.Errorf("Notice(%s) is ok", runID)
		}
	}
}

// TestCallbacksOnRealClock: with the real clock the scheduler posts each
// callback by itself, once, when its run ends; Close stops it, and
// nothing is posted after.
func TestCallbacksOnRealClock(t *testing.T) {
	emu, url := citest.Emulator(t, ciemu.Options{RunningFor: 50 * time.Millisecond})
	t.Cleanup(emu.Close)
	c := citest.Client(t, url, nil)
	rc := newReceiver(t)
	if err := emu.SetCallback(citest.Bucket, wf, rc.url(), "JSON"); err != nil {
		t.Fatal(err)
	}
	emu.StageRuns(citest.Bucket, wf, "b.jpg", ciemu.Staging{Then: ciemu.Fail("c", "m")})
	ctx := context.Background()
	var runs []string
	for _, o := range []string{"a.jpg", "b.jpg", "c.jpg"} {
		out, err := c.TriggerWorkflow(ctx, &cosclient.TriggerWorkflowInput{WorkflowID: wf, Object: o})
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, out.InstanceID)
	}
	deadline := time.After(10 * time.Second)
	for len(rc.received()) < len(runs) {
		select {
		case <-rc.got:
		case <-deadline:
			t.Fatalf("after 10s, %d of %d callbacks", len(rc.received()), len(runs))
		}
	}
	var got []string
	for _, cb := range rc.parsed(t, events.CallbackJSON) {
		got = append(got, cb.RunID+"/"+cb.State)
		for _, r := range runs {
			if x, _ := emu.Execution(citest.Bucket, r); r == cb.RunID && string(x.State) != cb.State {
				t.Errorf("callback says %s, the run is %s", cb.State, x.State)
			}
		}
	}
	slices.Sort(got)
	want := []string{runs[0] + "/Success", runs[1] + "/Failed", runs[2] + "/Success"}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("callbacks %v, want %v", got, want)
	}

	emu.Close()
	emu.Close()
	if _, err := c.TriggerWorkflow(ctx, &cosclient.TriggerWorkflowInput{WorkflowID: wf, Object: "late.jpg"}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // four running times
	if n := len(rc.received()); n != len(runs) {
		t.Errorf("%d callbacks after Close, want %d", n, len(runs))
	}
	if got := emu.DeliverCallbacks(ctx); len(got) != 1 || got[0].Object != "late.jpg" {
		t.Errorf("DeliverCallbacks after Close: %+v", got)
	}
}

// TestCallbacksFromRegisteredWorkflow: without SetCallback, a registered
// workflow's own notification (its Start node's NotifyConfig) says where
// its runs' WorkflowFinish goes, as on CI, and only while the workflow is
// Active (CI sends callbacks only while a workflow is enabled).
func TestCallbacksFromRegisteredWorkflow(t *testing.T) {
	env := newOutcomeEnv(t, ciemu.Options{})
	rc := newReceiver(t)
	if err := env.emu.RegisterWorkflow(citest.Bucket, ciemu.Workflow{ID: wf, State: cosclient.WorkflowStateActive, ObjectPrefix: "in/",
		NotifyConfig: &cosclient.NotifyConfig{URL: rc.url(), Event: "WorkflowFinish", Type: "Url", ResultFormat: "XML", State: "On"}}); err != nil {
		t.Fatal(err)
	}
	run := env.trigger(t, "a.mp4")
	env.clock.Advance(time.Minute)
	if got := env.emu.DeliverCallbacks(context.Background()); len(got) != 1 || got[0].RunID != run || got[0].URL != rc.url() {
		t.Fatalf("delivered %+v", got)
	}
	if err := env.emu.SetWorkflowState(citest.Bucket, wf, cosclient.WorkflowStatePaused); err != nil {
		t.Fatal(err)
	}
	env.trigger(t, "b.mp4") // whether CI runs a paused workflow is undocumented; the emulator does
	env.clock.Advance(time.Minute)
	if got := env.emu.DeliverCallbacks(context.Background()); len(got) != 0 {
		t.Errorf("a paused workflow posted %+v", got)
	}
	if n := len(rc.received()); n != 1 {
		t.Errorf("the receiver got %d posts, want 1", n)
	}
}
