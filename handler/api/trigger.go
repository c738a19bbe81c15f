package api

import (
	"log/slog"
	"net/http"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/valid"
)

// triggerRequest is the body of POST /v1/trigger.
type triggerRequest struct {
	Bucket     string `json:"bucket,omitempty" validate:"omitempty,ci_bucket"`
	Region     string `json:"region,omitempty" validate:"omitempty,ci_region"`
	WorkflowID string `json:"workflowId" validate:"required,ci_workflowid"`
	Object     string `json:"object" validate:"required,ci_key"`
	Name       string `json:"name,omitempty" validate:"omitempty,ci_jobname"`
}

// triggerResponse is the answer of POST /v1/trigger.
type triggerResponse struct {
	InstanceID string `json:"instanceId"`
	RequestID  string `json:"requestId"`
}

// dryRunResponse is the 202 answer of a mutating route in dry-run mode.
type dryRunResponse struct {
	DryRun  bool `json:"dryRun"`
	Request any  `json:"request"`
}

// trigger starts one workflow for one object (TriggerWorkflow).
func (a *api) trigger(w http.ResponseWriter, r *http.Request) {
	var req triggerRequest
	if e := decodeBody(w, r, &req); e != nil {
		writeError(w, e)
		return
	}
	if err := valid.Struct(&req); err != nil {
		writeError(w, fromFieldError(err))
		return
	}
	in := &cosclient.TriggerWorkflowInput{WorkflowID: req.WorkflowID, Object: req.Object, Name: req.Name}
	if err := in.Validate(); err != nil {
		writeError(w, fromCI(err))
		return
	}
	target, e := a.resolveBucket(req.Bucket, req.Region)
	if e != nil {
		writeError(w, e)
		return
	}
	log := a.logger(r)
	if a.opts.DryRun {
		req.Bucket, req.Region = target.bucket, target.region
		log.Info("dry run: workflow not triggered", slog.String("bucket", target.bucket),
			slog.String("key", req.Object), slog.String("workflowId", req.WorkflowID))
		writeJSON(w, http.StatusAccepted, dryRunResponse{DryRun: true, Request: req})
		return
	}
	out, err := a.ci.TriggerWorkflow(r.Context(), in, target.option())
	if err != nil {
		e := fromCI(err)
		log.Warn("workflow trigger failed", slog.String("bucket", target.bucket),
			slog.String("key", req.Object), slog.String("workflowId", req.WorkflowID),
			slog.Int("status", e.status), slog.String("error", err.Error()))
		writeError(w, e)
		return
	}
	log.Info("workflow triggered",
		slog.String("instanceId", out.InstanceID),
		slog.String("bucket", target.bucket),
		slog.String("key", req.Object),
		slog.String("workflowId", req.WorkflowID),
		slog.Int("attempts", out.Meta.Attempts),
		slog.Int64("durationMs", out.Meta.Duration.Milliseconds()),
		slog.String("ciRequestId", out.RequestID))
	writeJSON(w, http.StatusOK, triggerResponse{InstanceID: out.InstanceID, RequestID: out.RequestID})
}
