package api

import (
	"net/http"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/model"
)

// listRuns answers one page of a workflow's executions
// (DescribeWorkflowExecutions), only the object's own when one is asked.
func (a *api) listRuns(w http.ResponseWriter, r *http.Request) {
	listRoute(a, w, r, model.ListRunsInput, a.ci.DescribeWorkflowExecutions,
		func(in *cosclient.DescribeWorkflowExecutionsInput, out *cosclient.DescribeWorkflowExecutionsOutput) any {
			return model.ListRunsResponse{Runs: model.RunsOf(out.WorkflowExecutionList, in.Name), NextToken: out.NextToken}
		})
}

// getRun answers one execution (DescribeWorkflowExecution); 404 when
// unknown.
func (a *api) getRun(w http.ResponseWriter, r *http.Request) {
	id, target, ok := a.idTarget(w, r, "runId")
	if !ok {
		return
	}
	out, err := a.ci.DescribeWorkflowExecution(r.Context(), &cosclient.DescribeWorkflowExecutionInput{RunID: id}, target.Options(a.logger(r))...)
	if err != nil {
		writeError(w, fromCI(err))
		return
	}
	writeJSON(w, http.StatusOK, model.RunFromCI(out.WorkflowExecution))
}
