package api

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/cirules"
	"github.com/cosflow/cosflow/internal/valid"
	"github.com/cosflow/cosflow/ledger"
)

// TriggerRequest is the body of POST /v1/trigger, and what
// `cosflow trigger` builds from its flags.
type TriggerRequest struct {
	Bucket     string `json:"bucket,omitempty" validate:"omitempty,ci_bucket"`
	Region     string `json:"region,omitempty" validate:"omitempty,ci_region"`
	WorkflowID string `json:"workflowId" validate:"required,ci_workflow_id"`
	Object     string `json:"object" validate:"required,ci_key"`
	Name       string `json:"name,omitempty" validate:"omitempty,ci_job_name"`
}

// Validate checks the request as CI would, the first failure a
// *valid.FieldError naming the JSON field.
func (r *TriggerRequest) Validate() error {
	if err := cirules.Struct(r); err != nil {
		return err
	}
	return fieldErr(r.CIInput().Validate())
}

// CIInput is the request as CI takes it.
func (r *TriggerRequest) CIInput() *cosclient.TriggerWorkflowInput {
	return &cosclient.TriggerWorkflowInput{WorkflowID: r.WorkflowID, Object: r.Object, Name: r.Name}
}

// TriggerResponse is the answer of POST /v1/trigger. InstanceID is the
// run's ID; it is "" only when CI accepted the trigger but its answer
// could not be read (Note says so).
type TriggerResponse struct {
	InstanceID string `json:"instanceId"`
	RequestID  string `json:"requestId"`
	Note       string `json:"note,omitempty"`
}

// TriggerResponseOf is the answer to a trigger ledger.Trigger reported as
// out, for POST /v1/trigger and `cosflow trigger` alike. When the first
// answer was lost, Note says what became of the run; findHint is where the
// caller can look for a run whose ID is unknown (GET /v1/runs for the API,
// cosflow runs ls for the command line).
func TriggerResponseOf(out ledger.Outcome, findHint string) TriggerResponse {
	resp := TriggerResponse{InstanceID: out.InstanceID, RequestID: out.RequestID}
	switch {
	case out.Accepted:
		resp.Note = "CI accepted the trigger but its answer could not be read: the run started, its ID is unknown (find it with " + findHint + ")"
	case out.Found:
		resp.Note = "the first attempt's answer was lost; the run was found in CI's execution list and not started again"
	}
	return resp
}

// dryRunResponse is the 202 answer of a mutating route in dry-run mode.
type dryRunResponse struct {
	DryRun  bool `json:"dryRun"`
	Request any  `json:"request"`
}

// trigger starts one workflow for one object (TriggerWorkflow). A failure
// that may have reached CI is looked up in CI's execution list before the
// trigger is tried again, so one request starts at most one run.
func (a *api) trigger(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	var req TriggerRequest
	if e := a.decodeRequest(w, r, &req, req.Validate); e != nil {
		writeError(w, e)
		return
	}
	target, e := a.resolveBucket(req.Bucket, req.Region)
	if e != nil {
		writeError(w, e)
		return
	}
	log := a.logger(r)
	attrs := []any{slog.String("bucket", target.Bucket), slog.String("key", req.Object), slog.String("workflowId", req.WorkflowID)}
	if a.opts.DryRun {
		req.Bucket, req.Region = target.Bucket, target.Region
		log.Info("dry run: workflow not triggered", attrs...)
		writeJSON(w, http.StatusAccepted, dryRunResponse{DryRun: true, Request: req})
		return
	}
	out, err := ledger.Trigger(r.Context(), a.ci, req.CIInput(), start, true, target.Options(log)...)
	attrs = append(attrs, slog.Int("attempts", out.Calls), slog.Int("ledgerCalls", out.LedgerCalls),
		slog.Int64("durationMs", time.Since(start).Milliseconds()), slog.String("ciRequestId", out.RequestID))
	if err != nil {
		e := fromCI(err)
		log.Warn("workflow trigger failed", append(attrs, slog.Int("status", e.status), slog.String("error", err.Error()))...)
		writeError(w, e)
		return
	}
	log.Info("workflow triggered", append([]any{slog.String("instanceId", out.InstanceID)}, attrs...)...)
	writeJSON(w, http.StatusOK, TriggerResponseOf(out, "GET /v1/runs"))
}

// decodeRequest reads a POST body strictly into v and checks it: no query
// parameters (POST routes take none), JSON (415), size (413), shape and
// validate (400 naming the field).
func (a *api) decodeRequest(w http.ResponseWriter, r *http.Request, v any, validate func() error) *apiError {
	if q := parseQuery(r.URL.RawQuery); q.err != nil {
		return fromQueryError(q.err)
	}
	if e := decodeBody(w, r, v); e != nil {
		return e
	}
	if err := validate(); err != nil {
		return fromFieldError(err)
	}
	return nil
}

// fieldErr turns a cosclient validation failure into a *valid.FieldError
// with the API's field names (operation.workflowIds); nil stays nil.
func fieldErr(err error) error {
	if err == nil {
		return nil
	}
	if fe := cirules.FieldError(err, "", nil); fe != nil {
		return fe
	}
	return &valid.FieldError{Reason: err.Error()}
}
