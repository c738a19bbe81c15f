package ciemu

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/cosflow/cosflow/cosclient"
)

func describe(t *testing.T, srv *httptest.Server, now time.Time, id string) cosclient.DescribeInventoryTriggerJobOutput {
	t.Helper()
	var out cosclient.DescribeInventoryTriggerJobOutput
	testCall{method: "GET", target: "/inventorytriggerjob/" + id, now: now}.do(t, srv).decode(t, &out)
	return out
}

func TestLifecycle(t *testing.T) {
	clock := newFakeClock()
	_, srv := newTestServer(t, Options{Now: clock.Now, SubmittedFor: 10 * time.Second, RunningFor: 100 * time.Second})
	created := clock.Now()
	id := createJob(t, srv, created, workflowJobBody("life", "p/")).JobID
	steps := []struct {
		after             time.Duration
		state             cosclient.JobState
		progress          string
		startDash, endDsh bool
	}{
		{0, "Submitted", "0%", true, true},
		{9 * time.Second, "Submitted", "0%", true, true},
		{10 * time.Second, "Running", "0%", false, true},
		{60 * time.Second, "Running", "50%", false, true},
		{109 * time.Second, "Running", "99%", false, true},
		{110 * time.Second, "Success", "100%", false, false},
		{time.Hour, "Success", "100%", false, false},
	}
	for _, s := range steps {
		now := created.Add(s.after)
		clock.mu.Lock()
		clock.t = now
		clock.mu.Unlock()
		d := describe(t, srv, now, id).JobsDetail
		if d == nil || d.State != s.state || d.Progress != s.progress ||
			(d.StartTime == "-") != s.startDash || (d.EndTime == "-") != s.endDsh {
			t.Errorf("after %v: %+v, want %s %s", s.after, d, s.state, s.progress)
			continue
		}
		if !s.startDash && d.StartTime != cosclient.FormatTime(created.Add(10*time.Second)) {
			t.Errorf("after %v: StartTime %s", s.after, d.StartTime)
		}
		if !s.endDsh && d.EndTime != cosclient.FormatTime(created.Add(110*time.Second)) {
			t.Errorf("after %v: EndTime %s", s.after, d.EndTime)
		}
	}
}

func TestCancel(t *testing.T) {
	clock := newFakeClock()
	e, srv := newTestServer(t, Options{Now: clock.Now, SubmittedFor: 10 * time.Second, RunningFor: 100 * time.Second})
	finished := createJob(t, srv, clock.Now(), workflowJobBody("done", "p/")).JobID
	clock.Advance(110 * time.Second)
	if got := describe(t, srv, clock.Now(), finished).JobsDetail.State; got != "Success" {
		t.Fatalf("finished job is %s", got)
	}
	// A second job, cancelled 30 s into Running.
	running := createJob(t, srv, clock.Now(), workflowJobBody("run", "p/")).JobID
	clock.Advance(40 * time.Second)
	cancelAt := clock.Now()

	// With ?cancel as the API reference documents it.
	a := testCall{method: "PUT", target: "/inventorytriggerjob/" + running + "?cancel", now: cancelAt}.do(t, srv)
	if a.status != 200 || len(a.body) != 0 {
		t.Fatalf("cancel: %d %q", a.status, a.body)
	}
	clock.Advance(time.Hour)
	d := describe(t, srv, clock.Now(), running).JobsDetail
	if d.State != "Cancel" || d.Progress != "30%" || d.EndTime != cosclient.FormatTime(cancelAt) {
		t.Errorf("cancelled job %+v", d)
	}
	// Terminal jobs cannot be cancelled (also without ?cancel, as the Go SDK sends it).
	for _, id := range []string{running, finished} {
		eb := wantError(t, testCall{method: "PUT", target: "/inventorytriggerjob/" + id, now: clock.Now()}.do(t, srv), 400, "InvalidArgument")
		if eb.Message == "" {
			t.Error("no message")
		}
	}
	wantError(t, testCall{method: "PUT", target: "/inventorytriggerjob/bunknown?cancel", now: clock.Now()}.do(t, srv), 400, "ResourceNotFound")
	// Jobs are per bucket: another bucket does not see this one.
	other := testCall{method: "PUT", target: "/inventorytriggerjob/" + finished + "?cancel", now: clock.Now(),
		host: "other-1250000000.ci.ap-guangzhou.myqcloud.com"}.do(t, srv)
	wantError(t, other, 400, "ResourceNotFound")
	if n := len(e.Jobs(testBucket)); n != 2 {
		t.Errorf("Jobs = %d, want 2", n)
	}
}

func TestDescribeUnknownJob(t *testing.T) {
	_, srv := newTestServer(t, Options{})
	a := testCall{method: "GET", target: "/inventorytriggerjob/b-xxx-xxx"}.do(t, srv)
	var out cosclient.DescribeInventoryTriggerJobOutput
	a.decode(t, &out)
	if out.JobsDetail != nil || len(out.NonExistJobIDs) != 1 || out.NonExistJobIDs[0] != "b-xxx-xxx" || out.RequestID == "" {
		t.Errorf("answer %s", a.body)
	}
}

func TestSkippedStates(t *testing.T) {
	clock := newFakeClock()
	_, srv := newTestServer(t, Options{Now: clock.Now, SubmittedFor: -1, RunningFor: -1})
	if d := createJob(t, srv, clock.Now(), workflowJobBody("instant", "p/")); d.State != "Success" {
		t.Errorf("negative durations: state %s, want Success at once", d.State)
	}
}
