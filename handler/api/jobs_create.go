package api

import (
	"log/slog"
	"net/http"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/valid"
)

// createJobRequest is the body of POST /v1/jobs. Input and Operation are
// cosclient's own types: their JSON tags are the API's field names.
type createJobRequest struct {
	Bucket    string                 `json:"bucket,omitempty" validate:"omitempty,ci_bucket"`
	Region    string                 `json:"region,omitempty" validate:"omitempty,ci_region"`
	Name      string                 `json:"name" validate:"required,ci_jobname"`
	Type      cosclient.JobType      `json:"type,omitempty" validate:"omitempty,oneof=Workflow Job"`
	Input     cosclient.JobInput     `json:"input"`
	Operation cosclient.JobOperation `json:"operation"`
}

// createJob starts an inventory trigger job (CreateInventoryTriggerJob)
// and answers 201 with the job as CI describes it.
func (a *api) createJob(w http.ResponseWriter, r *http.Request) {
	var req createJobRequest
	if e := decodeBody(w, r, &req); e != nil {
		writeError(w, e)
		return
	}
	if err := valid.Struct(&req); err != nil {
		writeError(w, fromFieldError(err))
		return
	}
	if req.Type == "" {
		req.Type = cosclient.JobTypeWorkflow // CI's own default, made explicit
	}
	in := &cosclient.CreateInventoryTriggerJobInput{
		Name: req.Name, Type: req.Type, Input: req.Input, Operation: req.Operation,
	}
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
	attrs := jobAttrs(target, &req.Input, &req.Operation)
	if a.opts.DryRun {
		req.Bucket, req.Region = target.bucket, target.region
		log.Info("dry run: job not created", attrs...)
		writeJSON(w, http.StatusAccepted, dryRunResponse{DryRun: true, Request: req})
		return
	}
	out, err := a.ci.CreateInventoryTriggerJob(r.Context(), in, target.option())
	if err != nil {
		e := fromCI(err)
		log.Warn("job creation failed", append(attrs, slog.Int("status", e.status), slog.String("error", err.Error()))...)
		writeError(w, e)
		return
	}
	if out.JobsDetail == nil {
		log.Error("job creation answered without a job", attrs...)
		writeError(w, &apiError{status: http.StatusBadGateway, code: codeUpstream,
			message: "CI accepted the job but did not describe it", requestID: out.RequestID})
		return
	}
	log.Info("job created", append([]any{slog.String("jobId", out.JobsDetail.JobID)},
		append(attrs,
			slog.Int("attempts", out.Meta.Attempts),
			slog.Int64("durationMs", out.Meta.Duration.Milliseconds()),
			slog.String("ciRequestId", out.RequestID))...)...)
	writeJSON(w, http.StatusCreated, out.JobsDetail)
}

// jobAttrs are the log attributes saying what a job covers and does.
func jobAttrs(t bucketTarget, in *cosclient.JobInput, op *cosclient.JobOperation) []any {
	attrs := []any{slog.String("bucket", t.bucket), in.LogAttr()}
	if op.WorkflowIDs != "" {
		attrs = append(attrs, slog.String("workflowId", op.WorkflowIDs))
	}
	if op.Tag != "" {
		attrs = append(attrs, slog.String("tag", op.Tag))
	}
	return attrs
}
