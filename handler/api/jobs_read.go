package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/cosflow/cosflow/cosclient"
)

// ListJobsResponse is the answer of GET /v1/jobs: one page of jobs and the
// token of the next page ("" on the last).
type ListJobsResponse struct {
	Jobs      []Job  `json:"jobs"`
	NextToken string `json:"nextToken"`
}

// CancelJobResponse is the answer of POST /v1/jobs/{id}/cancel, and what
// `cosflow jobs cancel` prints.
type CancelJobResponse struct {
	JobID string `json:"jobId"`
	State string `json:"state"`
}

// cancelDryRun is what a dry-run cancel would send.
type cancelDryRun struct {
	Bucket string `json:"bucket"`
	Region string `json:"region"`
	JobID  string `json:"jobId"`
}

// ListJobsInput reads GET /v1/jobs's query — the same parameters
// `cosflow jobs ls` sets from its flags — into CI's input and the bucket
// it names. since (a duration back from now) is the short way to say
// startCreationTime. The first mistake is a *valid.FieldError naming the
// parameter.
func ListJobsInput(rawQuery string, now time.Time) (*cosclient.DescribeInventoryTriggerJobsInput, Target, error) {
	q := parseQuery(rawQuery, "states", "size", "nextToken", "orderByTime", "type", "workflowId",
		"jobId", "name", "startCreationTime", "endCreationTime", "since", "bucket", "region")
	in := &cosclient.DescribeInventoryTriggerJobsInput{
		States:            list(q, "states", cosclient.ParseJobStates),
		Size:              q.intRange("size", 1, cosclient.MaxListSize),
		NextToken:         q.str("nextToken", cosclient.ValidateToken),
		OrderByTime:       q.str("orderByTime", cosclient.ValidateOrder),
		Type:              cosclient.JobType(q.str("type", nil)),
		WorkflowID:        q.str("workflowId", cosclient.ValidateWorkflowID),
		JobID:             q.str("jobId", cosclient.ValidateID),
		Name:              q.str("name", cosclient.ValidateJobName),
		StartCreationTime: q.time("startCreationTime"),
		EndCreationTime:   q.time("endCreationTime"),
	}
	if since := q.since("since", now); since != "" {
		if in.StartCreationTime != "" {
			q.fail("since", "cannot be given together with startCreationTime")
		}
		in.StartCreationTime = since
	}
	target := q.target()
	if q.err != nil {
		return nil, target, q.err
	}
	return in, target, fieldErr(in.Validate())
}

// target reads the bucket and region parameters.
func (q *query) target() Target {
	return Target{Bucket: q.str("bucket", cosclient.ValidateBucket), Region: q.str("region", cosclient.ValidateRegion)}
}

// listJobs answers one page of jobs (DescribeInventoryTriggerJobs), every
// filter passed through.
func (a *api) listJobs(w http.ResponseWriter, r *http.Request) {
	listRoute(a, w, r, ListJobsInput, a.ci.DescribeInventoryTriggerJobs,
		func(_ *cosclient.DescribeInventoryTriggerJobsInput, out *cosclient.DescribeInventoryTriggerJobsOutput) any {
			return ListJobsResponse{Jobs: JobsOf(out.JobsDetail), NextToken: out.NextToken}
		})
}

// JobsOf is a page of jobs as the API shows them: always an array, never
// null.
func JobsOf(page []cosclient.JobDetail) []Job {
	jobs := make([]Job, len(page))
	for i := range page {
		jobs[i] = JobFromCI(&page[i])
	}
	return jobs
}

// listRoute answers one page of a listing: it reads the query with parse
// (400 naming the parameter), resolves the bucket, calls CI, and answers
// what shape makes of the page.
func listRoute[In, Out any](a *api, w http.ResponseWriter, r *http.Request,
	parse func(rawQuery string, now time.Time) (*In, Target, error),
	call func(context.Context, *In, ...func(*cosclient.Options)) (*Out, error),
	shape func(*In, *Out) any) {
	in, t, err := parse(r.URL.RawQuery, time.Now())
	if err != nil {
		writeError(w, fromQueryError(err))
		return
	}
	target, e := a.resolveBucket(t.Bucket, t.Region)
	if e != nil {
		writeError(w, e)
		return
	}
	out, err := call(r.Context(), in, target.Options(a.logger(r))...)
	if err != nil {
		writeError(w, fromCI(err))
		return
	}
	writeJSON(w, http.StatusOK, shape(in, out))
}

// getJob answers one job (DescribeInventoryTriggerJob); 404 when unknown.
func (a *api) getJob(w http.ResponseWriter, r *http.Request) {
	id, target, ok := a.idTarget(w, r, "id")
	if !ok {
		return
	}
	out, err := a.ci.DescribeInventoryTriggerJob(r.Context(), &cosclient.DescribeInventoryTriggerJobInput{JobID: id}, target.Options(a.logger(r))...)
	if err != nil {
		writeError(w, fromCI(err))
		return
	}
	writeJSON(w, http.StatusOK, JobFromCI(out.JobsDetail))
}

// cancelJob cancels one job (CancelInventoryTriggerJob).
func (a *api) cancelJob(w http.ResponseWriter, r *http.Request) {
	id, target, ok := a.idTarget(w, r, "id")
	if !ok {
		return
	}
	log := a.logger(r)
	if a.opts.DryRun {
		log.Info("dry run: job not cancelled", slog.String("jobId", id), slog.String("bucket", target.Bucket))
		writeJSON(w, http.StatusAccepted, dryRunResponse{DryRun: true,
			Request: cancelDryRun{Bucket: target.Bucket, Region: target.Region, JobID: id}})
		return
	}
	out, err := a.ci.CancelInventoryTriggerJob(r.Context(), &cosclient.CancelInventoryTriggerJobInput{JobID: id}, target.Options(log)...)
	if err != nil {
		e := fromCI(err)
		log.Warn("job cancel failed", slog.String("jobId", id), slog.String("bucket", target.Bucket),
			slog.Int("status", e.status), slog.String("error", err.Error()))
		writeError(w, e)
		return
	}
	attempts, _ := cosclient.GetAttemptsMetadata(out.ResultMetadata)
	requestID, _ := cosclient.GetRequestIDMetadata(out.ResultMetadata)
	log.Info("job cancelled", slog.String("jobId", id), slog.String("bucket", target.Bucket),
		slog.Int("attempts", attempts), slog.String("ciRequestId", requestID))
	writeJSON(w, http.StatusOK, CancelJobResponse{JobID: id, State: string(cosclient.JobStateCancel)})
}

// idTarget reads the ID path value named name of a single-resource route
// and its optional bucket and region query parameters, answering 400
// itself when they are bad.
func (a *api) idTarget(w http.ResponseWriter, r *http.Request, name string) (string, Target, bool) {
	q := parseQuery(r.URL.RawQuery, "bucket", "region")
	id := r.PathValue(name)
	if err := cosclient.ValidateID(id); err != nil {
		q.failWith(name, err)
	}
	t := q.target()
	if q.err != nil {
		writeError(w, fromQueryError(q.err))
		return "", Target{}, false
	}
	target, e := a.resolveBucket(t.Bucket, t.Region)
	if e != nil {
		writeError(w, e)
		return "", Target{}, false
	}
	return id, target, true
}
