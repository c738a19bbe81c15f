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
}

// RunFromCI is e as cosflow shows it.
func RunFromCI(e *cosclient.WorkflowExecution) Run {
	created := ""
	if t, err := e.Created(); err == nil {
		created = cosclient.FormatTime(t)
	}
	return Run{RunID: e.RunID, WorkflowID: e.WorkflowID, WorkflowName: e.WorkflowName,
		Object: e.Object, State: e.State, CreateTime: created}
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
