package ciemu

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cosflow/cosflow/cosclient"
)

const (
	wfVideo  = "w00000000000000000000000000000001"
	wfPaused = "w00000000000000000000000000000002"
	wfAll    = "w00000000000000000000000000000003"
	wfNone   = "w0000000000000000000000000000000f" // never registered
)

var videoFilter = &cosclient.ExtFilter{State: "On", Video: "true"}

// registerTestWorkflows registers three workflows in testBucket: wfVideo
// (Active, videos under in/, a JSON callback), wfPaused (every key) and
// wfAll (Active, every key under all/).
func registerTestWorkflows(t *testing.T, e *Emulator) {
	t.Helper()
	for _, w := range []Workflow{
		{ID: wfVideo, Name: "video-in", ObjectPrefix: "in/", ExtFilter: videoFilter,
			NotifyConfig: &cosclient.NotifyConfig{URL: "https://cb.example/x?t=1", Event: "WorkflowFinish", Type: "Url", ResultFormat: "JSON", State: "On"}},
		{ID: wfPaused, Name: "paused-all", State: cosclient.WorkflowStatePaused,
			NotifyConfig: &cosclient.NotifyConfig{URL: "https://cb.example/y", Event: "WorkflowFinish"}},
		{ID: wfAll, ObjectPrefix: "all/"},
	} {
		if err := e.RegisterWorkflow(testBucket, w); err != nil {
			t.Fatal(err)
		}
	}
}

func workflowIDs(out cosclient.DescribeMediaWorkflowOutput) []string {
	var ids []string
	for _, w := range out.MediaWorkflowList {
		ids = append(ids, w.WorkflowID)
	}
	return ids
}

func TestDescribeWorkflows(t *testing.T) {
	clock := newFakeClock()
	e, srv := newTestServer(t, Options{Now: clock.Now})
	registerTestWorkflows(t, e)
	get := func(query string) cosclient.DescribeMediaWorkflowOutput {
		t.Helper()
		var out cosclient.DescribeMediaWorkflowOutput
		testCall{method: "GET", target: "/workflow?" + query, now: clock.Now()}.do(t, srv).decode(t, &out)
		return out
	}

	out := get("ids=" + wfVideo + "," + wfNone + "," + wfVideo)
	if !slices.Equal(workflowIDs(out), []string{wfVideo}) || !slices.Equal(out.NonExistIDs, []string{wfNone}) ||
		out.TotalCount != 1 || out.PageNumber != 1 || out.PageSize != 10 || out.RequestID == "" {
		t.Fatalf("by ID: %+v", out)
	}
	w := out.MediaWorkflowList[0]
	start := w.Start()
	if w.Name != "video-in" || w.State != cosclient.WorkflowStateActive || w.BucketID != testBucket ||
		w.CreateTime != "2026-11-22T10:00:00+0800" || w.UpdateTime != w.CreateTime ||
		start == nil || start.ObjectPrefix != "in/" || *start.ExtFilter != *videoFilter || start.QueueID != defaultQueueID(testBucket) ||
		start.NotifyConfig == nil || start.NotifyConfig.ResultFormat != "JSON" {
		t.Errorf("workflow %+v, start %+v", w, start)
	}

	if out := get(""); !slices.Equal(workflowIDs(out), []string{wfVideo, wfPaused, wfAll}) || out.TotalCount != 3 || len(out.NonExistIDs) != 0 {
		t.Errorf("all: %+v", out)
	}
	if out := get("name=all"); !slices.Equal(workflowIDs(out), []string{wfPaused}) {
		t.Errorf("name=all lists %q", workflowIDs(out))
	}
	if out := get("pageNumber=2&pageSize=2"); !slices.Equal(workflowIDs(out), []string{wfAll}) || out.TotalCount != 3 || out.PageNumber != 2 || out.PageSize != 2 {
		t.Errorf("page 2: %+v", out)
	}
	if out := get("pageNumber=9"); len(out.MediaWorkflowList) != 0 || out.TotalCount != 3 {
		t.Errorf("past the end: %+v", out)
	}

	for _, tt := range []struct{ query, field string }{
		{"pageSize=0", "pageSize"},
		{"pageNumber=x", "pageNumber"},
		{"ids=w1", "ids"},
		{"name=a%20b", "name"},
	} {
		eb := wantError(t, testCall{method: "GET", target: "/workflow?" + tt.query, now: clock.Now()}.do(t, srv), http.StatusBadRequest, "InvalidArgument")
		if !strings.HasPrefix(eb.Message, tt.field+":") {
			t.Errorf("%s: message %q does not name %s", tt.query, eb.Message, tt.field)
		}
	}

	// Another bucket has no registered workflow: it takes every ID, as
	// TriggerWorkflow does there, each a Paused stand-in.
	var other cosclient.DescribeMediaWorkflowOutput
	testCall{method: "GET", target: "/workflow?ids=" + wfVideo, host: "other-1250000000.ci.ap-guangzhou.myqcloud.com", now: clock.Now()}.do(t, srv).decode(t, &other)
	if !slices.Equal(workflowIDs(other), []string{wfVideo}) || other.MediaWorkflowList[0].State != cosclient.WorkflowStatePaused || len(other.NonExistIDs) != 0 {
		t.Errorf("other bucket: %+v", other)
	}
}

func TestSwitchWorkflowState(t *testing.T) {
	clock := newFakeClock()
	e, srv := newTestServer(t, Options{Now: clock.Now})
	registerTestWorkflows(t, e)
	clock.Advance(time.Minute)
	put := func(target string) testAnswer {
		return testCall{method: "PUT", target: target, now: clock.Now()}.do(t, srv)
	}
	state := func(id string) cosclient.MediaWorkflow {
		t.Helper()
		var out cosclient.DescribeMediaWorkflowOutput
		testCall{method: "GET", target: "/workflow?ids=" + id, now: clock.Now()}.do(t, srv).decode(t, &out)
		return out.MediaWorkflowList[0]
	}

	if a := put("/workflow/" + wfVideo + "?paused"); a.status != http.StatusOK {
		t.Fatalf("pause: %d %s", a.status, a.body)
	}
	if w := state(wfVideo); w.State != cosclient.WorkflowStatePaused || w.UpdateTime != "2026-11-22T10:01:00+0800" || w.CreateTime != "2026-11-22T10:00:00+0800" {
		t.Errorf("after ?paused: %s, updated %s, created %s", w.State, w.UpdateTime, w.CreateTime)
	}
	put("/workflow/" + wfVideo + "?active")
	if w := state(wfVideo); w.State != cosclient.WorkflowStateActive {
		t.Errorf("after ?active: %s", w.State)
	}
	wantError(t, put("/workflow/"+wfNone+"?active"), http.StatusBadRequest, "InvalidArgument")
	wantError(t, put("/workflow/"+wfVideo+"?active&paused"), http.StatusBadRequest, "InvalidArgument")
	wantError(t, put("/workflow/w1?active"), http.StatusBadRequest, "InvalidArgument")
	wantError(t, put("/workflow/"+wfVideo), http.StatusNotImplemented, "NotImplemented")

	if err := e.SetWorkflowState(testBucket, wfPaused, cosclient.WorkflowStateActive); err != nil {
		t.Fatal(err)
	}
	if w := state(wfPaused); w.State != cosclient.WorkflowStateActive {
		t.Errorf("after SetWorkflowState: %s", w.State)
	}
	if e.SetWorkflowState(testBucket, wfNone, cosclient.WorkflowStateActive) == nil ||
		e.SetWorkflowState(testBucket, wfPaused, "Stopped") == nil {
		t.Error("SetWorkflowState took an unknown workflow or state")
	}
}

// TestTriggerRegistered: a bucket with registered workflows refuses
// TriggerWorkflow of any other, and runs a Paused one; a bucket with none
// takes every ID.
func TestTriggerRegistered(t *testing.T) {
	e, srv := newTestServer(t, Options{})
	trigger := func(host, id string) testAnswer {
		return testCall{method: "POST", target: "/triggerworkflow?workflowId=" + id + "&object=a.jpg", host: host}.do(t, srv)
	}
	if a := trigger(testHost, wfNone); a.status != http.StatusOK {
		t.Fatalf("no workflows registered: %d %s", a.status, a.body)
	}
	registerTestWorkflows(t, e)
	eb := wantError(t, trigger(testHost, wfNone), http.StatusBadRequest, "InvalidArgument")
	if !strings.Contains(eb.Message, "workflowId") || !strings.Contains(eb.Message, wfNone) {
		t.Errorf("message %q", eb.Message)
	}
	if n := e.TriggerCount(testBucket, wfNone, "a.jpg"); n != 1 {
		t.Errorf("refused trigger counted: %d", n)
	}
	for _, id := range []string{wfPaused, wfVideo} {
		if a := trigger(testHost, id); a.status != http.StatusOK {
			t.Errorf("trigger %s: %d %s", id, a.status, a.body)
		}
	}
	if a := trigger("other-1250000000.ci.ap-guangzhou.myqcloud.com", wfNone); a.status != http.StatusOK {
		t.Errorf("a bucket without workflows refused: %d %s", a.status, a.body)
	}
}

// TestUploadTrigger: an upload that an Active workflow's Start node
// matches runs it by itself, once per upload; a rule's trigger of the
// same object makes it run twice.
func TestUploadTrigger(t *testing.T) {
	clock := newFakeClock()
	e, srv := newTestServer(t, Options{Now: clock.Now})
	registerTestWorkflows(t, e)
	for _, key := range []string{"in/a.mp4", "in/a.jpg", "out/b.mp4", "all/c.txt", "in/a.mp4"} {
		a := testCall{method: "PUT", target: "/" + key, host: testCOSHost, body: "x", now: clock.Now()}.do(t, srv)
		if a.status != http.StatusOK {
			t.Fatalf("PUT %s: %d %s", key, a.status, a.body)
		}
	}
	seeded := clock.Now().Add(-time.Hour)
	if err := e.PutObject(testBucket, "in/old.MP4", 1, seeded); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		wf, key string
		n       int
	}{
		{wfVideo, "in/a.mp4", 2}, // uploaded twice
		{wfVideo, "in/a.jpg", 0},
		{wfVideo, "out/b.mp4", 0},
		{wfVideo, "in/old.MP4", 1},
		{wfAll, "all/c.txt", 1},
		{wfAll, "in/a.mp4", 0},
		{wfPaused, "in/a.mp4", 0},
		{wfPaused, "all/c.txt", 0},
	} {
		if n := e.TriggerCount(testBucket, tt.wf, tt.key); n != tt.n {
			t.Errorf("%s ran %s %d times, want %d", tt.wf, tt.key, n, tt.n)
		}
	}
	runs := e.Executions(testBucket, wfVideo)
	if len(runs) != 3 || runs[2].Object != "in/old.MP4" {
		t.Fatalf("runs %+v", runs)
	}
	if created, err := runs[2].Created(); err != nil || !created.Equal(seeded) {
		t.Errorf("seeded upload's run created %v (%v), want %v", created, err, seeded)
	}
	if calls := e.Calls(); slices.ContainsFunc(calls, func(c Call) bool { return c.Operation == OpTriggerWorkflow }) {
		t.Error("an upload trigger was logged as a TriggerWorkflow call")
	}

	testCall{method: "POST", target: "/triggerworkflow?workflowId=" + wfAll + "&object=all%2Fc.txt", now: clock.Now()}.do(t, srv)
	if n := e.TriggerCount(testBucket, wfAll, "all/c.txt"); n != 2 {
		t.Errorf("upload and trigger ran all/c.txt %d times, want 2", n)
	}
}

func TestRegisterWorkflowRefuses(t *testing.T) {
	e := New(Options{})
	for _, tt := range []struct {
		name   string
		bucket string
		w      Workflow
	}{
		{"bad bucket", "nobucket", Workflow{ID: wfVideo}},
		{"bad ID", testBucket, Workflow{ID: "w1"}},
		{"bad name", testBucket, Workflow{ID: wfVideo, Name: "a b"}},
		{"bad state", testBucket, Workflow{ID: wfVideo, State: "Stopped"}},
		{"bad prefix", testBucket, Workflow{ID: wfVideo, ObjectPrefix: "a\x00"}},
		{"custom without extensions", testBucket, Workflow{ID: wfVideo, ExtFilter: &cosclient.ExtFilter{State: "On", Custom: "true"}}},
		{"eleven extensions", testBucket, Workflow{ID: wfVideo, ExtFilter: &cosclient.ExtFilter{State: "On", Custom: "true", CustomExts: "a/b/c/d/e/f/g/h/i/j/k"}}},
	} {
		if err := e.RegisterWorkflow(tt.bucket, tt.w); err == nil {
			t.Errorf("%s: registered", tt.name)
		}
	}
	if err := e.RegisterWorkflow(testBucket, Workflow{ID: wfVideo, ExtFilter: &cosclient.ExtFilter{State: "On", Custom: "true", CustomExts: "a/b/c/d/e/f/g/h/i/j"}}); err != nil {
		t.Errorf("ten extensions: %v", err)
	}
}

func TestWorkflowCallback(t *testing.T) {
	e := New(Options{})
	registerTestWorkflows(t, e)
	if url, format, ok := e.WorkflowCallback(testBucket, wfVideo); !ok || url != "https://cb.example/x?t=1" || format != "JSON" {
		t.Errorf("active: %q %q %v", url, format, ok)
	}
	for _, id := range []string{wfPaused, wfAll, wfNone} {
		if url, _, ok := e.WorkflowCallback(testBucket, id); ok {
			t.Errorf("%s posts to %q", id, url)
		}
	}
	if err := e.SetWorkflowState(testBucket, wfPaused, cosclient.WorkflowStateActive); err != nil {
		t.Fatal(err)
	}
	if url, format, ok := e.WorkflowCallback(testBucket, wfPaused); !ok || url != "https://cb.example/y" || format != "XML" {
		t.Errorf("switched on: %q %q %v", url, format, ok)
	}
	// Re-registering replaces the workflow and keeps its creation time.
	if err := e.RegisterWorkflow(testBucket, Workflow{ID: wfVideo}); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := e.WorkflowCallback(testBucket, wfVideo); ok {
		t.Error("re-registered without a notification, still posts")
	}
}
