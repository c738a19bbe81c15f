package ciemu

import (
	"fmt"
	"testing"
	"time"
)

func TestMaxJobsEvictsTerminalFirst(t *testing.T) {
	clock := newFakeClock()
	e, srv := newTestServer(t, Options{Now: clock.Now, MaxJobs: 3, SubmittedFor: time.Second, RunningFor: time.Second})
	old := createJob(t, srv, clock.Now(), workflowJobBody("old", "p/")).JobID // will finish
	clock.Advance(time.Minute)
	a := createJob(t, srv, clock.Now(), workflowJobBody("a", "p/")).JobID
	b := createJob(t, srv, clock.Now(), workflowJobBody("b", "p/")).JobID
	c := createJob(t, srv, clock.Now(), workflowJobBody("c", "p/")).JobID // evicts old (terminal)
	assertJobs(t, e, a, b, c)
	// a is now the oldest; none is terminal (all just created), so the
	// oldest goes.
	d := createJob(t, srv, clock.Now(), workflowJobBody("d", "p/")).JobID
	assertJobs(t, e, b, c, d)
	// Make c terminal by cancelling it: it goes before the older b.
	testCall{method: "PUT", target: "/inventorytriggerjob/" + c + "?cancel", now: clock.Now()}.do(t, srv)
	f := createJob(t, srv, clock.Now(), workflowJobBody("f", "p/")).JobID
	assertJobs(t, e, b, d, f)
	if out := describe(t, srv, clock.Now(), old); out.JobsDetail != nil {
		t.Error("evicted job still described")
	}
}

func assertJobs(t *testing.T, e *Emulator, want ...string) {
	t.Helper()
	got := e.Jobs(testBucket)
	if len(got) != len(want) {
		t.Fatalf("%d jobs, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].JobID != want[i] {
			t.Errorf("job %d is %s (%s), want %s", i, got[i].JobID, got[i].Name, want[i])
		}
	}
}

func TestCallLogIsARing(t *testing.T) {
	e, srv := newTestServer(t, Options{MaxCalls: 4})
	for i := 0; i < 10; i++ {
		testCall{method: "POST", target: fmt.Sprintf("/triggerworkflow?workflowId=%s&object=o%d", testWF, i)}.do(t, srv)
	}
	calls := e.Calls()
	if len(calls) != 4 {
		t.Fatalf("%d calls kept, want 4", len(calls))
	}
	for i, c := range calls {
		if want := fmt.Sprintf("o%d", 6+i); c.Query.Get("object") != want || c.Operation != OpTriggerWorkflow || c.Status != 200 {
			t.Errorf("call %d: %+v, want object %s", i, c, want)
		}
	}
	e.Reset()
	if len(e.Calls()) != 0 || e.TotalTriggers() != 0 || e.TriggerCount(testBucket, testWF, "o9") != 0 {
		t.Error("Reset kept state")
	}
}

func TestTriggerCountsAreBounded(t *testing.T) {
	e, srv := newTestServer(t, Options{MaxTriggerKeys: 3})
	for _, obj := range []string{"a", "b", "a", "c", "d"} {
		testCall{method: "POST", target: "/triggerworkflow?workflowId=" + testWF + "&object=" + obj}.do(t, srv)
	}
	// a was first seen longest ago, so it is the one forgotten when d arrives.
	for obj, want := range map[string]int{"a": 0, "b": 1, "c": 1, "d": 1} {
		if got := e.TriggerCount(testBucket, testWF, obj); got != want {
			t.Errorf("TriggerCount(%s) = %d, want %d", obj, got, want)
		}
	}
	if e.TotalTriggers() != 5 {
		t.Errorf("TotalTriggers = %d, want 5", e.TotalTriggers())
	}
	if e.TriggerCount("other-1250000000", testWF, "b") != 0 {
		t.Error("counts leak across buckets")
	}
}
