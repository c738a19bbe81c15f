package cosclient

import (
	"net/http"
	"reflect"
	"testing"
	"time"
)

// TestDescribeWorkflowExecutionTasks decodes a failed run in the API
// reference's shape (436/80046): the workflow's name spelt Name, one task
// per node that ran, the start time under either spelling.
func TestDescribeWorkflowExecutionTasks(t *testing.T) {
	f := newFakeCI(t, always(xmlAnswer(http.StatusOK, fixture(t, "execution_failed.xml"))))
	out, err := f.client(t).DescribeWorkflowExecution(bg, &DescribeWorkflowExecutionInput{RunID: testRunID})
	if err != nil {
		t.Fatal(err)
	}
	e := out.WorkflowExecution
	if e.NameOfWorkflow() != "workflow-1" || e.State != ExecutionStateFailed {
		t.Errorf("name %q, state %q", e.NameOfWorkflow(), e.State)
	}
	want := []WorkflowTask{
		{Type: "Transcode", JobID: "j168668b217b011ed8efb27bb229e2d11", Name: "Transcode_1581665960537", State: JobStateSuccess,
			Code: "Success", CreateTime: "2022-08-09 14:54:18+0800", EndTime: "2022-08-09 14:54:39+0800"},
		{Type: "Snapshot", JobID: "j23c11e1e17b011edaab4ab15ec33d076", Name: "Snapshot_1581665960536", State: JobStateFailed,
			Code: "InvalidParameter", Message: "snapshot time is beyond the video's duration",
			StartTime: "2022-08-09T14:54:40+08:00", EndTime: "2022-08-09T14:54:42+08:00"},
	}
	if !reflect.DeepEqual(e.Tasks, want) {
		t.Fatalf("tasks\n%+v\nwant\n%+v", e.Tasks, want)
	}
	if ft := e.FailedTask(); ft != &e.Tasks[1] {
		t.Errorf("FailedTask = %+v, want the Snapshot task", ft)
	}
	for i, at := range []time.Time{
		time.Date(2022, 8, 9, 6, 54, 18, 0, time.UTC),
		time.Date(2022, 8, 9, 6, 54, 40, 0, time.UTC),
	} {
		if got, err := e.Tasks[i].Started(); err != nil || !got.Equal(at) {
			t.Errorf("task %d started %v, %v; want %v", i, got, err, at)
		}
	}
}

func TestExecutionAccessors(t *testing.T) {
	tests := []struct {
		name    string
		e       WorkflowExecution
		wfName  string
		created string
		failed  int // index into Tasks, -1 for none
	}{
		{"SDK spellings", WorkflowExecution{WorkflowName: "a", CreationTime: "2022-08-09T14:54:17+08:00"}, "a", "2022-08-09T14:54:17+08:00", -1},
		{"reference spellings", WorkflowExecution{Name: "b", CreateTime: "2022-08-09T14:54:17+0800"}, "b", "2022-08-09T14:54:17+0800", -1},
		{"WorkflowName wins over Name", WorkflowExecution{WorkflowName: "a", Name: "b"}, "a", "", -1},
		{"first failed task", WorkflowExecution{Tasks: []WorkflowTask{{State: JobStateSuccess}, {State: JobStateFailed, Code: "c1"}, {State: JobStateFailed}}}, "", "", 1},
		{"no failed task", WorkflowExecution{State: ExecutionStateFailed, Tasks: []WorkflowTask{{State: JobStateRunning}, {State: JobStateCancel}}}, "", "", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.e.NameOfWorkflow(); got != tt.wfName {
				t.Errorf("NameOfWorkflow = %q, want %q", got, tt.wfName)
			}
			if got := tt.e.CreatedAt(); got != tt.created {
				t.Errorf("CreatedAt = %q, want %q", got, tt.created)
			}
			got := tt.e.FailedTask()
			switch {
			case tt.failed < 0 && got != nil:
				t.Errorf("FailedTask = %+v, want nil", got)
			case tt.failed >= 0 && got != &tt.e.Tasks[tt.failed]:
				t.Errorf("FailedTask = %+v, want task %d", got, tt.failed)
			}
		})
	}
	if got := (&WorkflowTask{StartTime: "s", CreateTime: "c"}).StartedAt(); got != "s" {
		t.Errorf("StartedAt = %q, want StartTime first", got)
	}
}

func TestParseTime(t *testing.T) {
	at := time.Date(2022, 8, 9, 6, 54, 17, 0, time.UTC)
	for _, tt := range []struct {
		in string
		ok bool
	}{
		{"2022-08-09T14:54:17+0800", true},  // TimeLayout, the documented one
		{"2022-08-09T14:54:17+08:00", true}, // execution answers
		{"2022-08-09T06:54:17Z", true},
		{"2022-08-09 14:54:17+0800", true}, // the completion callback
		{"2022-08-09 14:54:17+08:00", false},
		{"2022-08-09 14:54:17", false},
		{"2022-08-09", false},
		{"-", false}, // a job's unfinished StartTime
		{"", false},
	} {
		got, err := ParseTime(tt.in)
		if (err == nil) != tt.ok || tt.ok && !got.Equal(at) {
			t.Errorf("ParseTime(%q) = %v, %v; want ok %v", tt.in, got, err, tt.ok)
		}
		if !tt.ok && err != nil {
			if _, want := time.Parse(TimeLayout, tt.in); want == nil || err.Error() != want.Error() {
				t.Errorf("ParseTime(%q) error %v, want the documented layout's %v", tt.in, err, want)
			}
		}
	}
	if got, err := ParseTime(FormatTime(at)); err != nil || !got.Equal(at) {
		t.Errorf("ParseTime(FormatTime) = %v, %v", got, err)
	}
	if got, err := ParseTime(at.In(chinaTime).Format(CallbackTimeLayout)); err != nil || !got.Equal(at) {
		t.Errorf("ParseTime of a callback time = %v, %v", got, err)
	}
}
