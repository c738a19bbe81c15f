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
