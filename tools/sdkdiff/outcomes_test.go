package sdkdiff

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	cos "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/citest"
)

// testWF is the workflow the outcome tests run.
const testWF = workflowID

// fakeClock is a clock a test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

// Now reads the clock.
func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock on by d.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestOfficialSDKCallbackBody: the official SDK's
// WorkflowExecutionNotifyBody reads the emulator's XML callback body (as
// posted, for a run that succeeded and one that failed, and a notice with
// upload headers), and its JSON one, to the same values the emulator
// meant.
func TestEmulatorOfficialSDKCallbackBody(t *testing.T) {
	clock := &fakeClock{t: time.Now()} // near the signer's clock, so signatures verify
	e, u, _ := newEmulator(t, ciemu.Options{Now: clock.Now})
	ours := citest.Client(t, u, nil)
	sink := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(sink.Close)
	if err := e.SetCallback(citest.Bucket, testWF, sink.URL, "XML"); err != nil {
		t.Fatal(err)
	}
	e.StageRuns(citest.Bucket, testWF, "bad.mp4", ciemu.Staging{Then: ciemu.Fail("InvalidInput", "no video stream & <more>")})
	for _, o := range []string{"dir/中文 a+b.mp4", "bad.mp4"} {
		if _, err := ours.TriggerWorkflow(context.Background(), &cosclient.TriggerWorkflowInput{WorkflowID: testWF, Object: o}); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(ciemu.DefaultRunningFor)
	posted := e.DeliverCallbacks(context.Background())
	if len(posted) != 2 || posted[1].State != cosclient.ExecutionStateFailed {
		t.Fatalf("posted %+v", posted)
	}
	withHeaders := posted[0].Notice
	withHeaders.CosHeaders = []ciemu.CosHeader{{Key: "Content-Type", Value: "video/mp4"}, {Key: "x-cos-meta-id", Value: "a&b"}}
	withHeadersBody, err := withHeaders.Encode("XML")
	if err != nil {
		t.Fatal(err)
	}

	// The JSON form is undocumented: the emulator writes the XML names as
	// keys, which the SDK's struct (no JSON tags) reads too.
	jsonBody, err := posted[1].Notice.Encode("JSON")
	if err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		n    ciemu.Notice
		body []byte
		json bool
	}{{posted[0].Notice, posted[0].Body, false}, {posted[1].Notice, posted[1].Body, false}, {withHeaders, withHeadersBody, false}, {posted[1].Notice, jsonBody, true}} {
		var sdk cos.WorkflowExecutionNotifyBody
		decode := xml.Unmarshal
		if c.json {
			decode = json.Unmarshal
		}
		if err := decode(c.body, &sdk); err != nil {
			t.Fatalf("SDK decode %s: %v", c.body, err)
		}
		x := sdk.WorkflowExecution
		if sdk.EventName != "WorkflowFinish" || x.RunId != c.n.RunID || x.BucketId != citest.Bucket || x.Object != c.n.Object ||
			x.WorkflowId != testWF || x.WorkflowName != c.n.WorkflowName || x.CreateTime != c.n.CreateTime || x.State != string(c.n.State) {
			t.Errorf("SDK reads %+v\nwant %+v", sdk, c.n)
		}
		if _, err := cosclient.ParseTime(x.CreateTime); err != nil {
			t.Errorf("CreateTime %q: %v", x.CreateTime, err)
		}
		if len(x.CosHeaders) != len(c.n.CosHeaders) {
			t.Errorf("SDK reads headers %+v, want %+v", x.CosHeaders, c.n.CosHeaders)
		}
		for i, h := range x.CosHeaders {
			if h.Key != c.n.CosHeaders[i].Key || h.Value != c.n.CosHeaders[i].Value {
				t.Errorf("header %d: SDK reads %+v, want %+v", i, h, c.n.CosHeaders[i])
			}
		}
		if len(x.Tasks) != len(c.n.Tasks) || len(x.Tasks) == 0 {
			t.Fatalf("SDK reads tasks %+v, want %+v", x.Tasks, c.n.Tasks)
		}
		for i, tk := range x.Tasks {
			want := c.n.Tasks[i]
			if tk.Type != want.Type || tk.CreateTime != want.StartedAt() || tk.EndTime != want.EndTime ||
				tk.State != string(want.State) || tk.JobId != want.JobID || tk.Name != want.Name {
				t.Errorf("task %d: SDK reads %+v, want %+v", i, tk, want)
			}
		}
	}
}

// TestOfficialSDKDescribesOutcomes: the SDK's DescribeWorkflowExecution
// still reads a run, failed and with Tasks (which its struct drops), and
// its list filters the failed ones.
func TestEmulatorOfficialSDKDescribesOutcomes(t *testing.T) {
	e, _, c := newEmulator(t, ciemu.Options{RunningFor: -1})
	ctx := context.Background()
	e.StageRuns(citest.Bucket, testWF, "bad.mp4", ciemu.Staging{Then: ciemu.Fail("InvalidInput", "no video stream")})
	var runs []string
	for _, o := range []string{"good.mp4", "bad.mp4"} {
		tw, _, err := c.CI.TriggerWorkflow(ctx, &cos.TriggerWorkflowOptions{WorkflowId: testWF, Object: o})
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, tw.InstanceId)
	}

	one, _, err := c.CI.DescribeWorkflowExecution(ctx, runs[1])
	if err != nil || len(one.WorkflowExecution) != 1 {
		t.Fatalf("DescribeWorkflowExecution: %+v, %v", one, err)
	}
	x := one.WorkflowExecution[0]
	if x.RunId != runs[1] || x.State != "Failed" || x.Object != "bad.mp4" || x.WorkflowName != "workflow-12345678" ||
		x.Topology.Dependencies["Start"] != "Transcode_1581665960537" || x.Topology.Dependencies["Snapshot_1581665960536"] != "End" ||
		x.Topology.Nodes["Snapshot_1581665960536"].Type != "Snapshot" {
		t.Errorf("execution %+v", x)
	}
	if want, ok := e.Execution(citest.Bucket, runs[1]); !ok || want.FailedTask() == nil || want.FailedTask().Code != "InvalidInput" {
		t.Errorf("the emulator's own view: %+v", want)
	}

	list, _, err := c.CI.DescribeWorkflowExecutions(ctx, &cos.DescribeWorkflowExecutionsOptions{WorkflowId: testWF, States: "Failed"})
	if err != nil || len(list.WorkflowExecutionList) != 1 || list.WorkflowExecutionList[0].RunId != runs[1] {
		t.Errorf("failed runs: %+v, %v", list, err)
	}
}
