package cosclient

import (
	"encoding/xml"
	"slices"
	"testing"
)

func TestExtFilterExtensions(t *testing.T) {
	on := func(f ExtFilter) *ExtFilter { f.State = "On"; return &f }
	tests := []struct {
		name   string
		f      *ExtFilter
		exts   []string
		anyKey bool
	}{
		{"nil", nil, nil, true},
		{"off", &ExtFilter{State: "Off", Video: "true"}, nil, true},
		{"no state", &ExtFilter{Video: "true"}, nil, true},
		{"all files", on(ExtFilter{Video: "true", AllFile: "true"}), nil, true},
		{"content type", on(ExtFilter{Image: "true", ContentType: "true"}), nil, true},
		{"nothing switched on", on(ExtFilter{Video: "false"}), nil, true},
		{"custom without extensions", on(ExtFilter{Custom: "true"}), nil, true},
		{"video", on(ExtFilter{Video: "true"}), videoExts, false},
		{"state in lower case, flags in upper", &ExtFilter{State: "on", Audio: "TRUE"}, audioExts, false},
		{"image and custom", on(ExtFilter{Image: "true", Custom: "true", CustomExts: " .MXF/ts//raw "}),
			append(slices.Clone(imageExts), "MXF", "ts", "raw"), false},
		{"custom switched off", on(ExtFilter{Audio: "true", Custom: "false", CustomExts: "mxf"}), audioExts, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exts, anyKey := tt.f.Extensions()
			if anyKey != tt.anyKey || !slices.Equal(exts, tt.exts) {
				t.Errorf("Extensions() = %q, %v; want %q, %v", exts, anyKey, tt.exts, tt.anyKey)
			}
		})
	}
}

func TestNodeInputMatches(t *testing.T) {
	video := &ExtFilter{State: "On", Video: "true"}
	custom := &ExtFilter{State: "On", Custom: "true", CustomExts: "tar.gz/MXF"}
	tests := []struct {
		name string
		in   NodeInput
		key  string
		want bool
	}{
		{"whole bucket, no filter", NodeInput{}, "any/key", true},
		{"under the prefix", NodeInput{ObjectPrefix: "in/"}, "in/a.txt", true},
		{"outside the prefix", NodeInput{ObjectPrefix: "in/"}, "out/a.mp4", false},
		{"prefix case matters", NodeInput{ObjectPrefix: "in/"}, "IN/a.mp4", false},
		{"leading slash dropped", NodeInput{ObjectPrefix: "/in/"}, "in/a.mp4", true},
		{"leading slash kept", NodeInput{ObjectPrefix: "/in/"}, "/in/a.mp4", true},
		{"video extension", NodeInput{ObjectPrefix: "in/", ExtFilter: video}, "in/a.mp4", true},
		{"video extension in upper case", NodeInput{ExtFilter: video}, "a.MP4", true},
		{"not a video", NodeInput{ExtFilter: video}, "a.jpg", false},
		{"extension needs its dot", NodeInput{ExtFilter: video}, "amp4", false},
		{"the extension alone", NodeInput{ExtFilter: video}, ".mp4", true},
		{"only the last extension", NodeInput{ExtFilter: video}, "a.mp4.part", false},
		{"a directory named like a video", NodeInput{ExtFilter: video}, "a.mp4/b", false},
		{"custom double extension", NodeInput{ExtFilter: custom}, "x/a.TAR.GZ", true},
		{"custom in upper case", NodeInput{ExtFilter: custom}, "a.mxf", true},
		{"custom, other", NodeInput{ExtFilter: custom}, "a.gz", false},
		{"non-ASCII compares as bytes", NodeInput{ExtFilter: &ExtFilter{State: "On", Custom: "true", CustomExts: "é"}}, "a.É", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.Matches(tt.key); got != tt.want {
				t.Errorf("Matches(%q) = %v, want %v", tt.key, got, tt.want)
			}
		})
	}
}

func TestFinishCallback(t *testing.T) {
	wf := func(state WorkflowState, n *NotifyConfig) *MediaWorkflow {
		return &MediaWorkflow{State: state, Topology: &WorkflowTopology{Nodes: &WorkflowNodes{Nodes: []WorkflowNode{
			{Type: "Snapshot"},
			{Type: NodeTypeStart, Input: &NodeInput{NotifyConfig: n}},
		}}}}
	}
	finish := &NotifyConfig{URL: "https://h/cb", Event: "TaskFinish, WorkflowFinish", Type: "Url", State: "On"}
	tests := []struct {
		name        string
		w           *MediaWorkflow
		url, format string
		ok          bool
	}{
		{"active", wf(WorkflowStateActive, finish), "https://h/cb", "XML", true},
		{"json, no state, no type", wf("active", &NotifyConfig{URL: "https://h/cb", Event: "workflowfinish", ResultFormat: "JSON"}), "https://h/cb", "JSON", true},
		{"paused", wf(WorkflowStatePaused, finish), "", "", false},
		{"no notification", wf(WorkflowStateActive, nil), "", "", false},
		{"switched off", wf(WorkflowStateActive, &NotifyConfig{URL: "https://h/cb", Event: "WorkflowFinish", State: "Off"}), "", "", false},
		{"tasks only", wf(WorkflowStateActive, &NotifyConfig{URL: "https://h/cb", Event: "TaskFinish"}), "", "", false},
		{"a message queue", wf(WorkflowStateActive, &NotifyConfig{Event: "WorkflowFinish", Type: "TDMQ", URL: "q"}), "", "", false},
		{"no topology", &MediaWorkflow{State: WorkflowStateActive}, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, format, ok := tt.w.FinishCallback()
			if url != tt.url || format != tt.format || ok != tt.ok {
				t.Errorf("FinishCallback() = %q, %q, %v; want %q, %q, %v", url, format, ok, tt.url, tt.format, tt.ok)
			}
		})
	}
}

// TestStartByName: a Start node written without its Type is found by its
// element name.
func TestStartByName(t *testing.T) {
	in := &NodeInput{ObjectPrefix: "p/"}
	w := &MediaWorkflow{Topology: &WorkflowTopology{Nodes: &WorkflowNodes{Nodes: []WorkflowNode{
		{XMLName: xml.Name{Local: "Snapshot_1"}, Type: "Snapshot", Input: &NodeInput{}},
		{XMLName: xml.Name{Local: NodeTypeStart}, Input: in},
	}}}}
	if got := w.Start(); got != in {
		t.Errorf("Start() = %+v", got)
	}
}

func TestValidateExtFilter(t *testing.T) {
	for _, tt := range []struct {
		f  *ExtFilter
		ok bool
	}{
		{nil, true},
		{&ExtFilter{Custom: "false"}, true},
		{&ExtFilter{Custom: "true", CustomExts: "a/b/c/d/e/f/g/h/i/j"}, true},
		{&ExtFilter{Custom: "true"}, false},
		{&ExtFilter{Custom: "true", CustomExts: "a/b/c/d/e/f/g/h/i/j/k"}, false},
	} {
		if err := ValidateExtFilter(tt.f); (err == nil) != tt.ok {
			t.Errorf("ValidateExtFilter(%+v) = %v", tt.f, err)
		}
	}
}

// TestOutputs: the reference's example answer (media_workflows.xml) read
// for where its nodes write, and a node with two key templates and no
// bucket.
func TestOutputs(t *testing.T) {
	var out DescribeMediaWorkflowOutput
	if err := xml.Unmarshal([]byte(fixture(t, "media_workflows.xml")), &out); err != nil {
		t.Fatal(err)
	}
	want := []NodeOutput{
		{Node: "Snapshot_1581665960536", Region: "ap-chongqing", Bucket: "test-1234567890", Objects: []string{"abc/${RunId}/snapshot-${Number}.${Ext}"}},
		{Node: "Transcode_1581665960538", Region: "ap-chongqing", Bucket: "test-1234567890", Objects: []string{"bcd/${RunId}/trans.${Ext}"}},
	}
	if got := out.MediaWorkflowList[0].Outputs(); !slices.EqualFunc(got, want, equalOutput) {
		t.Errorf("Outputs() = %+v, want %+v", got, want)
	}
	if got := out.MediaWorkflowList[1].Outputs(); len(got) != 0 {
		t.Errorf("a Start-only workflow's Outputs() = %+v", got)
	}

	var w MediaWorkflow
	doc := `<MediaWorkflowList><Topology><Nodes>
		<Start><Type>Start</Type><Input><ObjectPrefix>in/</ObjectPrefix></Input></Start>
		<Snapshot_1><Type>Snapshot</Type><Operation><TemplateId>t1</TemplateId>
			<Output><Region></Region><Bucket></Bucket><Object> out/${RunId}/s-${Number}.${Ext} </Object><SpriteObject>out/${RunId}/sprite.${Ext}</SpriteObject></Output>
		</Operation></Snapshot_1>
		<SCF_1><Type>SCF</Type><Operation><FunctionName>f</FunctionName></Operation></SCF_1>
	</Nodes></Topology></MediaWorkflowList>`
	if err := xml.Unmarshal([]byte(doc), &w); err != nil {
		t.Fatal(err)
	}
	want = []NodeOutput{{Node: "Snapshot_1", Objects: []string{"out/${RunId}/s-${Number}.${Ext}", "out/${RunId}/sprite.${Ext}"}}}
	if got := w.Outputs(); !slices.EqualFunc(got, want, equalOutput) {
		t.Errorf("Outputs() = %+v, want %+v", got, want)
	}
}

func equalOutput(a, b NodeOutput) bool {
	return a.Node == b.Node && a.Region == b.Region && a.Bucket == b.Bucket && slices.Equal(a.Objects, b.Objects)
}
