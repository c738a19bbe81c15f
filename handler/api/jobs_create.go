package api

import (
	"log/slog"
	"net/http"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/model"
)

// createJob starts an inventory trigger job (CreateInventoryTriggerJob)
// and answers 201 with the job as CI describes it.
func (a *api) createJob(w http.ResponseWriter, r *http.Request) {
	var req model.CreateJobRequest
	target, e := a.decodeRequest(w, r, &req, req.Validate, &req.Target)
	if e != nil {
		writeError(w, e)
		return
	}
	in := req.CIInput()
	log := a.logger(r)
	attrs := model.JobAttrs(target.Bucket, in)
	if a.opts.DryRun {
		// Echo what would be sent: the defaults made explicit.
		req.Target, req.Type = target, string(in.Type)
		log.Info("dry run: job not created", attrs...)
		writeJSON(w, http.StatusAccepted, dryRunResponse{DryRun: true, Request: req})
		return
	}
	out, err := a.ci.CreateInventoryTriggerJob(r.Context(), in, target.Options(log)...)
	if err != nil {
		e := fromCI(err)
		log.Warn("job creation failed", append(attrs, slog.Int("status", e.status), slog.String("error", err.Error()))...)
		writeError(w, e)
		return
	}
	requestID, _ := cosclient.GetRequestIDMetadata(out.ResultMetadata)
	if out.JobsDetail == nil {
		log.Error("job creation answered without a job", attrs...)
		writeError(w, &apiError{status: http.StatusBadGateway, code: codeUpstream,
			message: "CI accepted the job but did not describe it", requestID: requestID})
		return
	}
	attempts, _ := cosclient.GetAttemptsMetadata(out.ResultMetadata)
	log.Info("job created", append([]any{slog.String("jobId", out.JobsDetail.JobID)},
		append(attrs, slog.Int("attempts", attempts), slog.String("ciRequestId", requestID))...)...)
	writeJSON(w, http.StatusCreated, model.JobFromCI(out.JobsDetail))
}
