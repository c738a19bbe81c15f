package ciemu

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cosflow/cosflow/cosclient"
)

// TestExecutionsOnTheWire checks what the client cannot show: the raw
// CreateTime style and the answer for an unknown run.
func TestExecutionsOnTheWire(t *testing.T) {
	clock := newFakeClock()
	_, srv := newTestServer(t, Options{Now: clock.Now})
	var tw cosclient.TriggerWorkflowOutput
	triggerCall("dir/a.mp4").at(clock.Now()).do(t, srv).decode(t, &tw)

	a := testCall{method: "GET", target: "/workflowexecution?workflowId=" + testWF, now: clock.Now()}.do(t, srv)
	want := "<WorkflowExecutionList><RunId>" + tw.InstanceID + "</RunId><WorkflowId>" + testWF +
		"</WorkflowId><Object>dir/a.mp4</Object><State>Running</State><CreateTime>2026-11-22T10:00:00+08:00</CreateTime></WorkflowExecutionList>"
	if a.status != 200 || !strings.Contains(string(a.body), want) {
		t.Errorf("list answer %d %s, want it to hold %s", a.status, a.body, want)
	}

	a = testCall{method: "GET", target: "/workflowexecution/" + tw.InstanceID, now: clock.Now()}.do(t, srv)
	if !regexp.MustCompile(`<WorkflowExecution><RunId>` + tw.InstanceID + `</RunId>.*<WorkflowName>workflow-12345678</WorkflowName>.*<Topology><Dependencies><Start>Transcode_1581665960537</Start><Transcode_1581665960537>Snapshot_1581665960536</Transcode_1581665960537><Snapshot_1581665960536>End</Snapshot_1581665960536></Dependencies><Nodes><Start><Type>Start</Type>.*</Topology><Tasks><Type>Transcode</Type><JobId>j[0-9a-f]{32}</JobId>`).Match(a.body) {
		t.Errorf("describe answer %s", a.body)
	}
	for _, id := range []string{"i00000000000000000000000000000000", "b-xxx-xxx"} {
		a = testCall{method: "GET", target: "/workflowexecution/" + id, now: clock.Now()}.do(t, srv)
		if a.status != 200 || strings.Contains(string(a.body), "WorkflowExecution") || !strings.Contains(string(a.body), "<RequestId>") {
			t.Errorf("unknown run %s: %d %s", id, a.status, a.body)
		}
	}
}

func TestDescribeExecutionsRejects(t *testing.T) {
	_, srv := newTestServer(t, Options{})
	wfq := "workflowId=" + testWF + "&"
	for _, tt := range []struct{ query, param string }{
		{"", "workflowId"},
		{"name=a.jpg", "workflowId"},
		{"workflowId=w123", "workflowId"},
		{wfq + "size=0", "size"},
		{wfq + "size=101", "size"},
		{wfq + "states=Submitted", "states"}, // a job state, not an execution's
		{wfq + "states=Running,done", "states"},
		{wfq + "orderByTime=Newest", "orderByTime"},
		{wfq + "nextToken=xyz", "nextToken"},
		{wfq + "jobId=b%21", "jobId"},
		{wfq + "name=a%01", "name"},
		{wfq + "startCreationTime=yesterday", "startCreationTime"},
		{wfq + "startCreationTime=2026-11-22T02:00:00%2B0800&endCreationTime=2026-11-21T02:00:00%2B0800", "endCreationTime"},
	} {
		eb := wantError(t, testCall{method: "GET", target: "/workflowexecution?" + tt.query}.do(t, srv), 400, "InvalidArgument")
		if !strings.Contains(eb.Message, tt.param) {
			t.Errorf("%s: message %q does not name %s", tt.query, eb.Message, tt.param)
		}
	}
	wantError(t, testCall{method: "POST", target: "/workflowexecution"}.do(t, srv), 405, "MethodNotAllowed")
	wantError(t, testCall{method: "GET", target: "/workflowexecution/a/b"}.do(t, srv), 404, "ResourceNotFound")
}

// TestExecutionLifecycle: Running for RunningFor, then Success; negative
// means Success at once.
func TestExecutionLifecycle(t *testing.T) {
	for _, tt := range []struct {
		running time.Duration
		steps   map[time.Duration]cosclient.ExecutionState
	}{
		{10 * time.Second, map[time.Duration]cosclient.ExecutionState{0: "Running", 9 * time.Second: "Running", 10 * time.Second: "Success"}},
		{-1, map[time.Duration]cosclient.ExecutionState{0: "Success"}},
	} {
		clock := newFakeClock()
		e, srv := newTestServer(t, Options{Now: clock.Now, RunningFor: tt.running})
		start := clock.Now()
		triggerCall("a").at(start).do(t, srv)
		for after, want := range tt.steps {
			clock.mu.Lock()
			clock.t = start.Add(after)
			clock.mu.Unlock()
			if got := e.Executions(testBucket, testWF); len(got) != 1 || got[0].State != want {
				t.Errorf("RunningFor %v, after %v: %+v, want %s", tt.running, after, got, want)
			}
		}
	}
}
