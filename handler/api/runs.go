package api

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/ledger"
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

// retryDryRun is what a dry-run retry would do.
type retryDryRun struct {
	Bucket string `json:"bucket"`
	Region string `json:"region"`
	RunID  string `json:"runId"`
	Force  bool   `json:"force"`
}

// retryRun starts one new run of a run's object on its workflow
// (ledger.Retry): 409 naming the reason when the rule refuses it and
// force=true was not asked, 404 for an unknown run.
func (a *api) retryRun(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := r.PathValue("runId")
	t, force, err := model.RetryQuery(r.URL.RawQuery, id)
	if err != nil {
		writeError(w, fromQueryError(err))
		return
	}
	target, e := a.resolveBucket(t)
	if e != nil {
		writeError(w, e)
		return
	}
	log := a.logger(r)
	attrs := []any{slog.String("runId", id), slog.String("bucket", target.Bucket), slog.Bool("force", force)}
	if a.opts.DryRun {
		log.Info("dry run: run not retried", attrs...)
		writeJSON(w, http.StatusAccepted, dryRunResponse{DryRun: true,
			Request: retryDryRun{Bucket: target.Bucket, Region: target.Region, RunID: id, Force: force}})
		return
	}
	out, err := a.ledger.Retry(r.Context(), id, force, start, target.Options(log)...)
	attrs = append(attrs, slog.Int("attempts", out.Calls), slog.Int("ledgerCalls", out.LedgerCalls),
		slog.Int64("durationMs", time.Since(start).Milliseconds()))
	var refused *ledger.RetryRefusedError
	switch {
	case errors.As(err, &refused):
		log.Info("run retry refused", append(attrs, slog.String("reason", refused.Reason))...)
		writeError(w, &apiError{status: http.StatusConflict, code: refused.Reason, message: refused.Error()})
		return
	case err != nil:
		e := fromCI(err)
		log.Warn("run retry failed", append(attrs, slog.Int("status", e.status), slog.String("error", err.Error()))...)
		writeError(w, e)
		return
	}
	log.Info("run retried", append([]any{slog.String("instanceId", out.InstanceID), slog.String("key", out.Run.Object),
		slog.String("workflowId", out.Run.WorkflowID), slog.String("ciRequestId", out.RequestID)}, attrs...)...)
	writeJSON(w, http.StatusOK, model.RetryResponseOf(out, "GET /v1/runs"))
}
