package api

import (
	"log/slog"
	"net/http"

	"github.com/cosflow/cosflow/cosclient"
)

// listJobsResponse is the answer of GET /v1/jobs: one page of jobs and the
// token of the next page ("" on the last).
type listJobsResponse struct {
	Jobs      []cosclient.JobDetail `json:"jobs"`
	NextToken string                `json:"nextToken"`
}

// cancelJobResponse is the answer of POST /v1/jobs/{id}/cancel.
type cancelJobResponse struct {
	JobID string             `json:"jobId"`
	State cosclient.JobState `json:"state"`
}

// cancelDryRun is what a dry-run cancel would send.
type cancelDryRun struct {
	Bucket string `json:"bucket"`
	Region string `json:"region"`
	JobID  string `json:"jobId"`
}

// listJobs answers one page of jobs (DescribeInventoryTriggerJobs), every
// filter passed through.
func (a *api) listJobs(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r.URL.RawQuery, "states", "size", "nextToken", "orderByTime", "type", "workflowId",
		"jobId", "name", "startCreationTime", "endCreationTime", "bucket", "region")
	in := &cosclient.DescribeInventoryTriggerJobsInput{
		States:      q.states("states"),
		Size:        q.intRange("size", 1, 100),
		NextToken:   q.str("nextToken", validateNextToken),
		OrderByTime: q.oneOf("orderByTime", "Asc", "Desc"),
		Type:        cosclient.JobType(q.oneOf("type", string(cosclient.JobTypeWorkflow), string(cosclient.JobTypeJob))),
		WorkflowID:  q.str("workflowId", cosclient.ValidateWorkflowID),
		JobID:       q.str("jobId", validateJobID),
		Name:        q.str("name", cosclient.ValidateJobName),
	}
	start, startT := q.time("startCreationTime")
	end, endT := q.time("endCreationTime")
	in.StartCreationTime, in.EndCreationTime = start, end
	if start != "" && end != "" && endT.Before(startT) {
		q.fail("endCreationTime", "must not be before startCreationTime")
	}
	target, ok := a.queryTarget(w, q)
	if !ok {
		return
	}
	if err := in.Validate(); err != nil {
		writeError(w, fromCI(err))
		return
	}
	out, err := a.ci.DescribeInventoryTriggerJobs(r.Context(), in, target.option())
	if err != nil {
		writeError(w, fromCI(err))
		return
	}
	jobs := out.JobsDetail
	if jobs == nil {
		jobs = []cosclient.JobDetail{} // always an array, never null
	}
	writeJSON(w, http.StatusOK, listJobsResponse{Jobs: jobs, NextToken: out.NextToken})
}

// getJob answers one job (DescribeInventoryTriggerJob); 404 when unknown.
func (a *api) getJob(w http.ResponseWriter, r *http.Request) {
	id, target, ok := a.jobTarget(w, r)
	if !ok {
		return
	}
	out, err := a.ci.DescribeInventoryTriggerJob(r.Context(), &cosclient.DescribeInventoryTriggerJobInput{JobID: id}, target.option())
	if err != nil {
		writeError(w, fromCI(err))
		return
	}
	if out.JobsDetail == nil { // the client reports unknown IDs as errors; be safe anyway
		writeError(w, &apiError{status: http.StatusNotFound, code: codeNotFound,
			message: "job " + id + " not found", requestID: out.RequestID})
		return
	}
	writeJSON(w, http.StatusOK, out.JobsDetail)
}

// cancelJob cancels one job (CancelInventoryTriggerJob).
func (a *api) cancelJob(w http.ResponseWriter, r *http.Request) {
	id, target, ok := a.jobTarget(w, r)
	if !ok {
		return
	}
	log := a.logger(r)
	if a.opts.DryRun {
		log.Info("dry run: job not cancelled", slog.String("jobId", id), slog.String("bucket", target.bucket))
		writeJSON(w, http.StatusAccepted, dryRunResponse{DryRun: true,
			Request: cancelDryRun{Bucket: target.bucket, Region: target.region, JobID: id}})
		return
	}
	out, err := a.ci.CancelInventoryTriggerJob(r.Context(), &cosclient.CancelInventoryTriggerJobInput{JobID: id}, target.option())
	if err != nil {
		e := fromCI(err)
		log.Warn("job cancel failed", slog.String("jobId", id), slog.String("bucket", target.bucket),
			slog.Int("status", e.status), slog.String("error", err.Error()))
		writeError(w, e)
		return
	}
	log.Info("job cancelled",
		slog.String("jobId", id),
		slog.String("bucket", target.bucket),
		slog.Int("attempts", out.Meta.Attempts),
		slog.Int64("durationMs", out.Meta.Duration.Milliseconds()),
		slog.String("ciRequestId", out.RequestID))
	writeJSON(w, http.StatusOK, cancelJobResponse{JobID: id, State: cosclient.JobStateCancel})
}

// jobTarget reads the {id} of a job route and its optional bucket and
// region query parameters, answering 400 itself when they are bad.
func (a *api) jobTarget(w http.ResponseWriter, r *http.Request) (string, bucketTarget, bool) {
	q := parseQuery(r.URL.RawQuery, "bucket", "region")
	id := r.PathValue("id")
	if err := validateJobID(id); err != nil && q.err == nil {
		q.err = invalid("id", reasonOf(err))
	}
	target, ok := a.queryTarget(w, q)
	return id, target, ok
}

// queryTarget finishes a query: the bucket and region parameters (with
// the configured defaults), or a 400 written for the first bad parameter.
func (a *api) queryTarget(w http.ResponseWriter, q *query) (bucketTarget, bool) {
	bucket := q.str("bucket", cosclient.ValidateBucket)
	region := q.str("region", cosclient.ValidateRegion)
	if q.err != nil {
		writeError(w, q.err)
		return bucketTarget{}, false
	}
	target, e := a.resolveBucket(bucket, region)
	if e != nil {
		writeError(w, e)
		return bucketTarget{}, false
	}
	return target, true
}
