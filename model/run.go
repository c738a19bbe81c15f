package model

import "github.com/cosflow/cosflow/cosclient"

// Run is one workflow execution as cosflow shows it (GET /v1/runs,
// GET /v1/runs/{runId}, cosflow runs ls -o json).
type Run struct {
	RunID        string                   `json:"runId"`
	WorkflowID   string                   `json:"workflowId"`
	WorkflowName string                   `json:"workflowName,omitempty"`
	Object       string                   `json:"object"`
	State        cosclient.ExecutionState `json:"state"`
	// CreateTime is when the run was created, in CI's layout
	// (2026-11-22T02:00:00+0800) whichever CI answered; "" when CI's
	// answer held no readable time.
	CreateTime string `json:"createTime"`
	// Tasks are the jobs the run's nodes started, as one run's read
	// (DescribeWorkflowExecution) lists them; a listing carries none.
	Tasks []Task `json:"tasks,omitempty"`
	// Failed is the task whose Code and Message say why the run failed
	// (cosclient's FailedTask, one of Tasks); nil when none failed. The
	// JSON has it in Tasks already.
	Failed *Task `json:"-"`
}

// Task is one task of a run: the job a node started, and CI's reason
// when it failed.
type Task struct {
	Type    string             `json:"type"`
	JobID   string             `json:"jobId"`
	Name    string             `json:"name"`
	State   cosclient.JobState `json:"state"`
	Code    string             `json:"code,omitempty"`
	Message string             `json:"message,omitempty"`
	// StartTime and EndTime are in CI's layout when CI's time was
	// readable, else as CI wrote them.
	StartTime string `json:"startTime,omitempty"`
	EndTime   string `json:"endTime,omitempty"`
}

// RunFromCI is e as cosflow shows it.
func RunFromCI(e *cosclient.WorkflowExecution) Run {
	created := ""
	if t, err := e.Created(); err == nil {
		created = cosclient.FormatTime(t)
	}
	r := Run{RunID: e.RunID, WorkflowID: e.WorkflowID, WorkflowName: e.NameOfWorkflow(),
		Object: e.Object, State: e.State, CreateTime: created}
	failed := e.FailedTask()
	if len(e.Tasks) > 0 {
		r.Tasks = make([]Task, 0, len(e.Tasks)) // no append moves it: Failed points into it
	}
	for i := range e.Tasks {
		t := &e.Tasks[i]
		r.Tasks = append(r.Tasks, Task{Type: t.Type, JobID: t.JobID, Name: t.Name, State: t.State,
			Code: t.Code, Message: t.Message, StartTime: ciTime(t.StartedAt()), EndTime: ciTime(t.EndTime)})
		if t == failed {
			r.Failed = &r.Tasks[i]
		}
	}
	return r
}

// ciTime is s in CI's layout when it is one of the times CI writes, else
// s as it is.
func ciTime(s string) string {
	if t, err := cosclient.ParseTime(s); err == nil {
		return cosclient.FormatTime(t)
	}
	return s
}

// RunsOf keeps the executions of object ("" keeps all): CI's name filter
// may match loosely, and cosflow promises exact keys.
func RunsOf(page []cosclient.WorkflowExecution, object string) []Run {
	runs := make([]Run, 0, len(page)) // always an array, never null
	for i := range page {
		if object == "" || page[i].Object == object {
			runs = append(runs, RunFromCI(&page[i]))
		}
	}
	return runs
}
