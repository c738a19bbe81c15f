package cosclient

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/smithy-go"
)

const (
	wfActive  = "wc666d0b9f9dd47ae9137a096252d49f7" // in media_workflows.xml
	wfUnknown = "w00000000000000000000000000000000" // its NonExistIDs
)

// TestDescribeMediaWorkflowWire: the request as the API reference writes
// it, and the reference's example answer (media_workflows.xml) decoded,
// the Start node's Input included.
func TestDescribeMediaWorkflowWire(t *testing.T) {
	f := newFakeCI(t, always(xmlAnswer(http.StatusOK, fixture(t, "media_workflows.xml"))))
	out, err := f.client(t).DescribeMediaWorkflow(bg, &DescribeMediaWorkflowInput{
		IDs: []string{wfActive, testWorkflow, wfUnknown}, Name: "workflow-1", PageNumber: 2, PageSize: 3})
	if err != nil || len(f.requests()) != 1 {
		t.Fatalf("%v after %d requests", err, len(f.requests()))
	}
	r := f.requests()[0]
	wantQuery := "ids=" + wfActive + "%2C" + testWorkflow + "%2C" + wfUnknown + "&name=workflow-1&pageNumber=2&pageSize=3"
	if r.Method != http.MethodGet || r.Host != testHost || r.Path != "/workflow" || r.RawQuery != wantQuery || r.Body != "" {
		t.Errorf("request %s %s %s?%s %q", r.Method, r.Host, r.Path, r.RawQuery, r.Body)
	}
	checkSigned(t, r, []string{"host"})

	if out.RequestID != "NjJmMWZiZTFfOTBmYTUwNjRfNjVmNl8x" || out.TotalCount != 2 || out.PageNumber != 1 || out.PageSize != 10 ||
		len(out.MediaWorkflowList) != 2 || !slices.Equal(out.NonExistIDs, []string{wfUnknown}) {
		t.Fatalf("answer %+v", out)
	}
	if !out.NonExistent(wfUnknown) || out.NonExistent(wfActive) || out.Workflow(wfUnknown) != nil {
		t.Error("NonExistent or Workflow misread the unknown ID")
	}
	w := out.Workflow(wfActive)
	if w == nil || w.Name != "workflow-1" || !w.State.IsActive() || w.BucketID != "test-1234567890" ||
		w.CreateTime != "2022-06-29T14:37:44+0800" || w.UpdateTime != "2022-06-29T14:37:44+0800" {
		t.Fatalf("workflow %+v", w)
	}
	var nodes []string
	for _, n := range w.Topology.Nodes.Nodes {
		nodes = append(nodes, n.XMLName.Local+":"+n.Type)
	}
	if want := []string{"Start:Start", "Snapshot_1581665960536:Snapshot", "Transcode_1581665960538:Transcode"}; !slices.Equal(nodes, want) {
		t.Errorf("nodes %q, want %q", nodes, want)
	}
	if d := w.Topology.Dependencies.Nodes; len(d) != 3 || d[0].XMLName.Local != "Start" || d[0].Text != "Snapshot_1581665960536,Transcode_1581665960538" {
		t.Errorf("dependencies %+v", d)
	}
	start := w.Start()
	wantFilter := ExtFilter{State: "On", Video: "true", Audio: "false", Image: "false", ContentType: "false",
		Custom: "true", CustomExts: "mxf/.ts", AllFile: "false"}
	wantNotify := NotifyConfig{URL: "http://www.callback.com", Event: "TaskFinish,WorkflowFinish", Type: "Url", ResultFormat: "JSON", State: "On"}
	if start == nil || start.QueueID != "p09d709939fef48a0a5c247ef39d90cec" || start.ObjectPrefix != "input/workflow-1" ||
		start.ExtFilter == nil || *start.ExtFilter != wantFilter || start.NotifyConfig == nil || *start.NotifyConfig != wantNotify {
		t.Fatalf("start %+v", start)
	}
	if url, format, ok := w.FinishCallback(); !ok || url != "http://www.callback.com" || format != "JSON" {
		t.Errorf("FinishCallback = %q %q %v", url, format, ok)
	}
	paused := out.Workflow(testWorkflow)
	if paused == nil || paused.State.IsActive() || paused.Start() == nil || paused.Start().ObjectPrefix != "" || paused.Start().ExtFilter != nil {
		t.Errorf("paused workflow %+v", paused)
	}
}

// TestDescribeMediaWorkflowDefaults: nothing set sends no parameter.
func TestDescribeMediaWorkflowDefaults(t *testing.T) {
	f := newFakeCI(t, always(xmlAnswer(http.StatusOK, `<Response><RequestId>r</RequestId><TotalCount>0</TotalCount></Response>`)))
	out, err := f.client(t).DescribeMediaWorkflow(bg, nil)
	if err != nil || len(out.MediaWorkflowList) != 0 {
		t.Fatalf("%+v %v", out, err)
	}
	if r := f.requests()[0]; r.Path != "/workflow" || r.RawQuery != "" {
		t.Errorf("request %s?%s", r.Path, r.RawQuery)
	}
}

// TestNonExistIDsShapes: CI's ID lists come an element per ID (the Go
// SDK's reading), as one comma list, or as a container of elements (the
// queue listings' NonExistPIDs); each reads as the same IDs.
func TestNonExistIDsShapes(t *testing.T) {
	const a, b = "w0000000000000000000000000000000a", "w0000000000000000000000000000000b"
	want := []string{a, b}
	for name, body := range map[string]string{
		"repeated":  `<NonExistIDs>` + a + `</NonExistIDs><NonExistIDs>` + b + `</NonExistIDs>`,
		"comma":     `<NonExistIDs>` + a + `, ` + b + `</NonExistIDs>`,
		"container": `<NonExistIDs><WorkflowId>` + a + `</WorkflowId><WorkflowId>` + b + `</WorkflowId></NonExistIDs>`,
		"nested":    `<NonExistIDs><NonExistIDs>` + a + `</NonExistIDs>` + b + `</NonExistIDs>`,
	} {
		t.Run(name, func(t *testing.T) {
			f := newFakeCI(t, always(xmlAnswer(http.StatusOK, `<Response>`+body+`</Response>`)))
			out, err := f.client(t).DescribeMediaWorkflow(bg, &DescribeMediaWorkflowInput{IDs: want})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(out.NonExistIDs, want) {
				t.Errorf("NonExistIDs %q, want %q", out.NonExistIDs, want)
			}
		})
	}
}

// TestDescribeMediaWorkflowOtherID: an answer about a workflow that was
// not asked for is not taken as the asked one: the call fails, naming
// both IDs, as an unreadable 2xx (never retried).
func TestDescribeMediaWorkflowOtherID(t *testing.T) {
	f := newFakeCI(t, always(xmlAnswer(http.StatusOK, fixture(t, "media_workflows.xml"))))
	_, err := f.client(t).DescribeMediaWorkflow(bg, &DescribeMediaWorkflowInput{IDs: []string{wfActive}})
	var de *smithy.DeserializationError
	if !errors.As(err, &de) {
		t.Fatalf("err = %v, want a DeserializationError", err)
	}
	if msg := err.Error(); !strings.Contains(msg, testWorkflow) || !strings.Contains(msg, wfActive) {
		t.Errorf("error %q does not name both workflows", msg)
	}
	if Classify(err) != RetryNever || len(f.requests()) != 1 {
		t.Errorf("classified %v after %d requests", Classify(err), len(f.requests()))
	}
}

// TestDescribeMediaWorkflowRefused: bad values are refused, each naming
// its field, and nothing is sent.
func TestDescribeMediaWorkflowRefused(t *testing.T) {
	f := newFakeCI(t, always(xmlAnswer(http.StatusOK, `<Response/>`)))
	c := f.client(t)
	tests := []struct {
		name string
		in   DescribeMediaWorkflowInput
		path string
	}{
		{"bad ID", DescribeMediaWorkflowInput{IDs: []string{testWorkflow, "w123"}}, "ids"},
		{"empty ID", DescribeMediaWorkflowInput{IDs: []string{""}}, "ids"},
		{"upper-case ID", DescribeMediaWorkflowInput{IDs: []string{strings.ToUpper(testWorkflow)}}, "ids"},
		{"bad name", DescribeMediaWorkflowInput{Name: "a b"}, "name"},
		{"long name", DescribeMediaWorkflowInput{Name: strings.Repeat("n", MaxJobNameRunes+1)}, "name"},
		{"negative page", DescribeMediaWorkflowInput{PageNumber: -1}, "pageNumber"},
		{"negative size", DescribeMediaWorkflowInput{PageSize: -1}, "pageSize"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.DescribeMediaWorkflow(bg, &tt.in)
			pes := ParamErrors(err)
			if len(pes) != 1 || pes[0].Path() != tt.path {
				t.Errorf("err = %v, want one refusal of %s", err, tt.path)
			}
		})
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d refused calls were sent", n)
	}
}
