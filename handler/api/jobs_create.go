package api

import (
	"log/slog"
	"net/http"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/cirules"
	"github.com/cosflow/cosflow/internal/valid"
)

// CreateJobRequest is the body of POST /v1/jobs, and the file
// `cosflow jobs create -f` reads.
type CreateJobRequest struct {
	Bucket    string       `json:"bucket,omitempty" validate:"omitempty,ci_bucket"`
	Region    string       `json:"region,omitempty" validate:"omitempty,ci_region"`
	Name      string       `json:"name" validate:"required,ci_job_name"`
	Type      string       `json:"type,omitempty"`
	Input     JobInput     `json:"input"`
	Operation JobOperation `json:"operation"`
}

// DecodeCreateJob strictly decodes and checks a CreateJobRequest; the
// first failure is a *valid.FieldError naming the JSON field.
func DecodeCreateJob(data []byte) (*CreateJobRequest, error) {
	var req CreateJobRequest
	if err := valid.Decode(data, &req); err != nil {
		return nil, err
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	return &req, nil
}

// Validate checks the request as CI would.
func (r *CreateJobRequest) Validate() error {
	if err := cirules.Struct(r); err != nil {
		return err
	}
	return fieldErr(r.CIInput().Validate())
}

// CIInput is the request as CI takes it; the type defaults to Workflow,
// CI's own default, made explicit.
func (r *CreateJobRequest) CIInput() *cosclient.CreateInventoryTriggerJobInput {
	return &cosclient.CreateInventoryTriggerJobInput{
		Name: r.Name, Type: cosclient.JobType(r.Type).OrDefault(), Input: r.Input.ToCI(), Operation: r.Operation.ToCI(),
	}
}

// createJob starts an inventory trigger job (CreateInventoryTriggerJob)
// and answers 201 with the job as CI describes it.
func (a *api) createJob(w http.ResponseWriter, r *http.Request) {
	var req CreateJobRequest
	if e := a.decodeRequest(w, r, &req, req.Validate); e != nil {
		writeError(w, e)
		return
	}
	target, e := a.resolveBucket(req.Bucket, req.Region)
	if e != nil {
		writeError(w, e)
		return
	}
	in := req.CIInput()
	log := a.logger(r)
	attrs := JobLogAttrs(target.Bucket, in)
	if a.opts.DryRun {
		// Echo what would be sent: the defaults made explicit.
		req.Bucket, req.Region, req.Type = target.Bucket, target.Region, string(in.Type)
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
	writeJSON(w, http.StatusCreated, JobFromCI(out.JobsDetail))
}

// JobLogAttrs are the log attributes naming what a job covers and does:
// its bucket, its input (prefix, key, manifest or urlFile) and its
// workflow or tag. The timer's log lines use them too.
func JobLogAttrs(bucket string, in *cosclient.CreateInventoryTriggerJobInput) []any {
	attrs := []any{slog.String("bucket", bucket)}
	switch i := in.Input; {
	case i.Prefix != nil:
		attrs = append(attrs, slog.String("prefix", *i.Prefix))
	case i.Object != nil:
		attrs = append(attrs, slog.String("key", *i.Object))
	case i.Manifest != nil:
		attrs = append(attrs, slog.String("manifest", *i.Manifest))
	case i.URLFile != nil:
		attrs = append(attrs, slog.String("urlFile", *i.URLFile))
	}
	if op := in.Operation; op.WorkflowIDs != "" {
		attrs = append(attrs, slog.String("workflowId", op.WorkflowIDs))
	} else if op.Tag != "" {
		attrs = append(attrs, slog.String("tag", op.Tag))
	}
	return attrs
}
