package sdkdiff

import (
	"context"
	"testing"

	cos "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/citest"
)

// The workflows the media-workflow test registers.
const (
	wfVideo  = "w00000000000000000000000000000001"
	wfPaused = "w00000000000000000000000000000002"
	wfAll    = "w00000000000000000000000000000003"
	wfNone   = "w0000000000000000000000000000000f" // never registered
)

// registerTestWorkflows registers three workflows in citest.Bucket:
// wfVideo (Active, videos under in/, a JSON callback), wfPaused (every
// key) and wfAll (Active, every key under all/).
func registerTestWorkflows(t *testing.T, e *ciemu.Emulator) {
	t.Helper()
	for _, w := range []ciemu.Workflow{
		{ID: wfVideo, Name: "video-in", ObjectPrefix: "in/", ExtFilter: &cosclient.ExtFilter{State: "On", Video: "true"},
			NotifyConfig: &cosclient.NotifyConfig{URL: "https://cb.example/x?t=1", Event: "WorkflowFinish", Type: "Url", ResultFormat: "JSON", State: "On"}},
		{ID: wfPaused, Name: "paused-all", State: cosclient.WorkflowStatePaused,
			NotifyConfig: &cosclient.NotifyConfig{URL: "https://cb.example/y", Event: "WorkflowFinish"}},
		{ID: wfAll, ObjectPrefix: "all/"},
	} {
		if err := e.RegisterWorkflow(citest.Bucket, w); err != nil {
			t.Fatal(err)
		}
	}
}

// TestOfficialSDKMediaWorkflow: the official SDK's DescribeMediaWorkflow
// against the emulator decodes what cosclient decodes, field by field,
// the Start node's Input included; the SDK's Active/PausedMediaWorkflow
// switch a workflow as cosclient then reads it.
func TestEmulatorOfficialSDKMediaWorkflow(t *testing.T) {
	e, u, sdk := newEmulator(t, ciemu.Options{})
	registerTestWorkflows(t, e)
	full := ciemu.Workflow{ID: wfAll, Name: "all-fields", ObjectPrefix: "all/", ExtFilter: &cosclient.ExtFilter{State: "On", Video: "true",
		Audio: "false", Image: "true", ContentType: "false", Custom: "true", CustomExts: "mxf/ts", AllFile: "false"},
		NotifyConfig: &cosclient.NotifyConfig{URL: "https://cb.example/z", Event: "TaskFinish,WorkflowFinish", Type: "Url", ResultFormat: "XML", State: "Off"}}
	if err := e.RegisterWorkflow(citest.Bucket, full); err != nil {
		t.Fatal(err)
	}
	ours := citest.Client(t, u, nil)
	ctx := context.Background()
	ids := []string{wfVideo, wfNone, wfPaused, wfAll}
	describe := func() (*cos.DescribeMediaWorkflowResult, *cosclient.DescribeMediaWorkflowOutput) {
		t.Helper()
		theirs, _, err := sdk.CI.DescribeMediaWorkflow(ctx, &cos.DescribeMediaWorkflowOptions{Ids: wfVideo + "," + wfNone + "," + wfPaused + "," + wfAll})
		if err != nil {
			t.Fatalf("SDK DescribeMediaWorkflow: %v", err)
		}
		mine, err := ours.DescribeMediaWorkflow(ctx, &cosclient.DescribeMediaWorkflowInput{IDs: ids})
		if err != nil {
			t.Fatalf("cosclient DescribeMediaWorkflow: %v", err)
		}
		return theirs, mine
	}

	theirs, mine := describe()
	if theirs.TotalCount != mine.TotalCount || theirs.PageNumber != mine.PageNumber || theirs.PageSize != mine.PageSize ||
		theirs.RequestId == "" || len(theirs.MediaWorkflowList) != 3 || len(mine.MediaWorkflowList) != 3 {
		t.Fatalf("SDK %+v\ncosclient %+v", theirs, mine)
	}
	if len(theirs.NonExistIDs) != 1 || theirs.NonExistIDs[0] != wfNone || !mine.NonExistent(wfNone) || len(mine.NonExistIDs) != 1 {
		t.Errorf("NonExistIDs: SDK %q, cosclient %q", theirs.NonExistIDs, mine.NonExistIDs)
	}
	if s := mine.Workflow(wfAll).Start(); s == nil || *s.ExtFilter != *full.ExtFilter || *s.NotifyConfig != *full.NotifyConfig {
		t.Fatalf("cosclient reads the registered filters as %+v", s)
	}
	for i, tw := range theirs.MediaWorkflowList {
		mw := mine.MediaWorkflowList[i]
		if tw.Name != mw.Name || tw.WorkflowId != mw.WorkflowID || tw.State != string(mw.State) || tw.BucketId != mw.BucketID ||
			tw.CreateTime != mw.CreateTime || tw.UpdateTime != mw.UpdateTime || tw.Topology == nil {
			t.Errorf("workflow %d: SDK %+v\ncosclient %+v", i, tw, mw)
			continue
		}
		if deps := mw.Topology.Dependencies.Nodes; len(tw.Topology.Dependencies) != len(deps) || tw.Topology.Dependencies[deps[0].XMLName.Local] != deps[0].Text {
			t.Errorf("%s dependencies: SDK %v, cosclient %+v", mw.WorkflowID, tw.Topology.Dependencies, deps)
		}
		node, ok := tw.Topology.Nodes[cosclient.NodeTypeStart]
		start := mw.Start()
		if !ok || node.Type != cosclient.NodeTypeStart || node.Input == nil || start == nil ||
			node.Input.QueueId != start.QueueID || node.Input.ObjectPrefix != start.ObjectPrefix {
			t.Errorf("%s Start: SDK %+v, cosclient %+v", mw.WorkflowID, node.Input, start)
			continue
		}
		if (node.Input.ExtFilter == nil) != (start.ExtFilter == nil) ||
			start.ExtFilter != nil && sdkExtFilter(node.Input.ExtFilter) != *start.ExtFilter {
			t.Errorf("%s ExtFilter: SDK %+v, cosclient %+v", mw.WorkflowID, node.Input.ExtFilter, start.ExtFilter)
		}
		if (node.Input.NotifyConfig == nil) != (start.NotifyConfig == nil) ||
			start.NotifyConfig != nil && sdkNotifyConfig(node.Input.NotifyConfig) != *start.NotifyConfig {
			t.Errorf("%s NotifyConfig: SDK %+v, cosclient %+v", mw.WorkflowID, node.Input.NotifyConfig, start.NotifyConfig)
		}
	}

	if _, err := sdk.CI.PausedMediaWorkflow(ctx, wfVideo); err != nil {
		t.Fatalf("PausedMediaWorkflow: %v", err)
	}
	if _, err := sdk.CI.ActiveMediaWorkflow(ctx, wfPaused); err != nil {
		t.Fatalf("ActiveMediaWorkflow: %v", err)
	}
	theirs, mine = describe()
	for _, tt := range []struct {
		id    string
		state cosclient.WorkflowState
	}{{wfVideo, cosclient.WorkflowStatePaused}, {wfPaused, cosclient.WorkflowStateActive}} {
		if w := mine.Workflow(tt.id); w == nil || w.State != tt.state {
			t.Errorf("cosclient reads %s as %+v, want %s", tt.id, w, tt.state)
		}
	}
	if theirs.MediaWorkflowList[0].State != string(cosclient.WorkflowStatePaused) {
		t.Errorf("SDK reads %s as %s", wfVideo, theirs.MediaWorkflowList[0].State)
	}
}

// sdkExtFilter is the SDK's ExtFilter as cosclient's type.
func sdkExtFilter(f *cos.ExtFilter) cosclient.ExtFilter {
	return cosclient.ExtFilter{State: f.State, Video: f.Video, Audio: f.Audio, Image: f.Image, ContentType: f.ContentType,
		Custom: f.Custom, CustomExts: f.CustomExts, AllFile: f.AllFile}
}

// sdkNotifyConfig is the SDK's NotifyConfig as cosclient's type.
func sdkNotifyConfig(n *cos.NotifyConfig) cosclient.NotifyConfig {
	return cosclient.NotifyConfig{URL: n.URL, Event: n.Event, Type: n.Type, ResultFormat: n.ResultFormat, State: n.State}
}
