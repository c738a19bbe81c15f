package model

import (
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/cirules"
	"github.com/cosflow/cosflow/internal/valid"
	"github.com/cosflow/cosflow/ledger"
)

// TriggerRequest is the body of POST /v1/trigger, and what
// `cosflow trigger` builds from its flags.
type TriggerRequest struct {
	Target
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
	return FieldError(r.CIInput().Validate())
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

// RetryResponse is the answer of POST /v1/runs/{runId}/retry, and what
// `cosflow runs retry` prints: the new run's trigger (InstanceID, as
// TriggerResponse), and the run it retries.
type RetryResponse struct {
	TriggerResponse
	RetriedRunID string `json:"retriedRunId"`
	WorkflowID   string `json:"workflowId"`
	Object       string `json:"object"`
}

// RetryResponseOf is the answer to a retry ledger.Retry reported as out;
// findHint as for TriggerResponseOf.
func RetryResponseOf(out ledger.RetryOutcome, findHint string) RetryResponse {
	return RetryResponse{TriggerResponse: TriggerResponseOf(out.Outcome, findHint),
		RetriedRunID: out.Run.RunID, WorkflowID: out.Run.WorkflowID, Object: out.Run.Object}
}

// CreateJobRequest is the body of POST /v1/jobs, and the file
// `cosflow jobs create -f` reads.
type CreateJobRequest struct {
	Target
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
	return FieldError(r.CIInput().Validate())
}

// CIInput is the request as CI takes it; the type defaults to Workflow,
// CI's own default, made explicit.
func (r *CreateJobRequest) CIInput() *cosclient.CreateInventoryTriggerJobInput {
	return &cosclient.CreateInventoryTriggerJobInput{
		Name: r.Name, Type: cosclient.JobType(r.Type).OrDefault(), Input: cosclient.JobInput(r.Input), Operation: r.Operation.ToCI(),
	}
}

// ListJobsResponse is the answer of GET /v1/jobs: one page of jobs and the
// token of the next page ("" on the last).
type ListJobsResponse struct {
	Jobs      []Job  `json:"jobs"`
	NextToken string `json:"nextToken"`
}

// CancelJobResponse is the answer of POST /v1/jobs/{id}/cancel, and what
// `cosflow jobs cancel` prints.
type CancelJobResponse struct {
	JobID string             `json:"jobId"`
	State cosclient.JobState `json:"state"`
}

// ListRunsResponse is the answer of GET /v1/runs: one page of a
// workflow's executions (only those of the object asked for, when one
// is), and the token of the next page ("" on the last).
type ListRunsResponse struct {
	Runs      []Run  `json:"runs"`
	NextToken string `json:"nextToken"`
}
