package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/model"
)

// cancelDryRun is what a dry-run cancel would send.
type cancelDryRun struct {
	Bucket string `json:"bucket"`
	Region string `json:"region"`
	JobID  string `json:"jobId"`
}

// listJobs answers one page of jobs (DescribeInventoryTriggerJobs), every
// filter passed through.
func (a *api) listJobs(w http.ResponseWriter, r *http.Request) {
	listRoute(a, w, r, model.ListJobsInput, a.ci.DescribeInventoryTriggerJobs,
		func(_ *cosclient.DescribeInventoryTriggerJobsInput, out *cosclient.DescribeInventoryTriggerJobsOutput) any {
			return model.ListJobsResponse{Jobs: model.JobsOf(out.JobsDetail), NextToken: out.NextToken}
		})
}

// listRoute answers one page of a listing: it reads the query with parse
// (400 naming the parameter), resolves the bucket, calls CI, and answers
// what shape makes of the page.
func listRoute[In, Out any](a *api, w http.ResponseWriter, r *http.Request,
	parse func(rawQuery string, now time.Time) (*In, model.Target, error),
	call func(context.Context, *In, ...func(*cosclient.Options)) (*Out, error),
	shape func(*In, *Out) any) {
	in, t, err := parse(r.URL.RawQuery, time.Now())
	if err != nil {
		writeError(w, fromQueryError(err))
		return
	}
	target, e := a.resolveBucket(t)
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
	writeJSON(w, http.StatusOK, model.JobFromCI(out.JobsDetail))
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
	writeJSON(w, http.StatusOK, model.CancelJobResponse{JobID: id, State: cosclient.JobStateCancel})
}

// idTarget reads the ID path value named name of a single-resource route
// and its optional bucket and region query parameters, answering 400
// itself when they are bad.
func (a *api) idTarget(w http.ResponseWriter, r *http.Request, name string) (string, model.Target, bool) {
	id := r.PathValue(name)
	t, err := model.ResourceQuery(r.URL.RawQuery, name, id)
	if err != nil {
		writeError(w, fromQueryError(err))
		return "", model.Target{}, false
	}
	target, e := a.resolveBucket(t)
	if e != nil {
		writeError(w, e)
		return "", model.Target{}, false
	}
	return id, target, true
}
