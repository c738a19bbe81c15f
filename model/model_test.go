package model

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/cosflow/cosflow/cosclient"
)

// Run answers carry their fields even when empty, so a client reads one
// shape; the creation time is whichever of CI's two names holds it, in
// CI's layout.
func TestRunJSONShape(t *testing.T) {
	for _, e := range []cosclient.WorkflowExecution{
		{CreationTime: "2026-11-22T02:00:00+0800"},
		{CreateTime: "2026-11-22T02:00:00+08:00"},
	} {
		b, err := json.Marshal(RunFromCI(&e))
		if err != nil {
			t.Fatal(err)
		}
		const want = `{"runId":"","workflowId":"","object":"","state":"","createTime":"2026-11-22T02:00:00+0800"}`
		if string(b) != want {
			t.Errorf("run of %+v = %s, want %s", e, b, want)
		}
	}
}

// fill sets every field below v, down to depth levels, to a value that
// is not zero, so that a field the mapping forgets (one cosclient gains,
// say) shows.
func fill(v reflect.Value, depth int) {
	if depth == 0 {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), depth-1)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), depth-1)
			}
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0), depth-1)
	case reflect.String:
		v.SetString("x")
	case reflect.Int:
		v.SetInt(1)
	}
}

// TestJobMapping: every field of CI's job survives the way to cosflow's
// JSON view and back.
func TestJobMapping(t *testing.T) {
	var d cosclient.JobDetail
	fill(reflect.ValueOf(&d).Elem(), 6)
	j := JobFromCI(&d)
	b, err := json.Marshal(j)
	if err != nil {
		t.Fatal(err)
	}
	var back Job
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("unmarshal %s: %v", b, err)
	}
	if in := cosclient.JobInput(*back.Input); !reflect.DeepEqual(in, *d.Input) {
		t.Errorf("input %+v, want %+v", in, *d.Input)
	}
	if op := back.Operation.ToCI(); !reflect.DeepEqual(op, *d.Operation) {
		t.Errorf("operation\n %+v\nwant\n %+v", op, *d.Operation)
	}
	back.Input, back.Operation, j.Input, j.Operation = nil, nil, nil, nil
	if !reflect.DeepEqual(back, j) {
		t.Errorf("job %+v, want %+v", back, j)
	}
}

// A run read with its tasks shows each under the lower-camel names the
// API promises, times in CI's layout (the callback's spelling too), and
// Failed points at the task CI blames.
func TestRunTasks(t *testing.T) {
	e := cosclient.WorkflowExecution{RunID: "i1", Name: "wf-name", State: cosclient.ExecutionStateFailed, Tasks: []cosclient.WorkflowTask{
		{Type: "Snapshot", JobID: "j1", Name: "Snapshot_1", State: cosclient.JobStateSuccess, StartTime: "2026-11-22T02:00:00+0800", EndTime: "2026-11-22T02:00:01+0800"},
		{Type: "Transcode", JobID: "j2", Name: "Transcode_1", State: cosclient.JobStateFailed, Code: "InternalError", Message: "boom",
			CreateTime: "2026-11-22 02:00:01+0800", EndTime: "not a time"},
	}}
	r := RunFromCI(&e)
	if r.WorkflowName != "wf-name" {
		t.Errorf("workflowName %q, want the reference's Name", r.WorkflowName)
	}
	if r.Failed == nil || r.Failed != &r.Tasks[1] {
		t.Fatalf("Failed = %+v, want the second task", r.Failed)
	}
	b, err := json.Marshal(r.Tasks)
	if err != nil {
		t.Fatal(err)
	}
	const want = `[{"type":"Snapshot","jobId":"j1","name":"Snapshot_1","state":"Success","startTime":"2026-11-22T02:00:00+0800","endTime":"2026-11-22T02:00:01+0800"},` +
		`{"type":"Transcode","jobId":"j2","name":"Transcode_1","state":"Failed","code":"InternalError","message":"boom","startTime":"2026-11-22T02:00:01+0800","endTime":"not a time"}]`
	if string(b) != want {
		t.Errorf("tasks = %s\nwant    %s", b, want)
	}
	if r := RunFromCI(&cosclient.WorkflowExecution{State: cosclient.ExecutionStateSuccess}); r.Failed != nil || r.Tasks != nil {
		t.Errorf("a run without tasks = %+v", r)
	}
}
