package api

import (
	"net/http"
	"time"

	"github.com/cosflow/cosflow/cosclient"
)

// ListRunsResponse is the answer of GET /v1/runs: one page of a
// workflow's executions (only those of the object asked for, when one
// is), and the token of the next page ("" on the last).
type ListRunsResponse struct {
	Runs      []Run  `json:"runs"`
	NextToken string `json:"nextToken"`
}

// ListRunsInput reads GET /v1/runs's query — the same parameters
// `cosflow runs ls` sets from its flags — into CI's input and the bucket
// it names: workflowId (required), object, states, since, size,
// nextToken, bucket, region. The first mistake is a *valid.FieldError
// naming the parameter.
func ListRunsInput(rawQuery string, now time.Time) (*cosclient.DescribeWorkflowExecutionsInput, Target, error) {
	q := parseQuery(rawQuery, "workflowId", "object", "states", "since", "size", "nextToken", "bucket", "region")
	in := &cosclient.DescribeWorkflowExecutionsInput{
		WorkflowID:        q.str("workflowId", cosclient.ValidateWorkflowID),
		Name:              q.str("object", cosclient.ValidateObjectKey),
		States:            list(q, "states", cosclient.ParseExecutionStates),
		StartCreationTime: q.since("since", now),
		Size:              q.intRange("size", 1, cosclient.MaxListSize),
		NextToken:         q.str("nextToken", cosclient.ValidateToken),
	}
	if q.err == nil && in.WorkflowID == "" {
		q.fail("workflowId", "is required")
	}
	target := q.target()
	if q.err != nil {
		return nil, target, q.err
	}
	return in, target, fieldErr(in.Validate())
}

// RunsOf keeps the executions of object ("" keeps all): CI's name filter
// may match loosely, and this API promises exact keys.
func RunsOf(page []cosclient.WorkflowExecution, object string) []Run {
	runs := make([]Run, 0, len(page)) // always an array, never null
	for i := range page {
		if object == "" || page[i].Object == object {
			runs = append(runs, RunFromCI(&page[i]))
		}
	}
	return runs
}

// listRuns answers one page of a workflow's executions
// (DescribeWorkflowExecutions), only the object's own when one is asked.
func (a *api) listRuns(w http.ResponseWriter, r *http.Request) {
	listRoute(a, w, r, ListRunsInput, a.ci.DescribeWorkflowExecutions,
		func(in *cosclient.DescribeWorkflowExecutionsInput, out *cosclient.DescribeWorkflowExecutionsOutput) any {
			return ListRunsResponse{Runs: RunsOf(out.WorkflowExecutionList, in.Name), NextToken: out.NextToken}
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
	writeJSON(w, http.StatusOK, RunFromCI(out.WorkflowExecution))
}
