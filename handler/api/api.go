// Package api is cosflow's authenticated REST API: trigger a workflow for
// one object, start an inventory trigger job, list, read or cancel jobs,
// and list or read a workflow's runs (CI's execution list).
// It is an ordinary http.Handler, so it serves a normal web server and
// httptest alike, and SCF's HTTP invocations through SCF (NewSCF), which
// adapts them. Every rule of the HTTP edge lives here: limits, the error
// shape and codes, panics. The JSON types are package model's.
//
// Routes:
//
//	POST /v1/trigger           TriggerWorkflow            200 {instanceId, requestId}
//	POST /v1/jobs              CreateInventoryTriggerJob  201 the job
//	GET  /v1/jobs              DescribeInventoryTriggerJobs 200 {jobs, nextToken}
//	GET  /v1/jobs/{id}         DescribeInventoryTriggerJob  200 the job, 404 unknown
//	POST /v1/jobs/{id}/cancel  CancelInventoryTriggerJob  200 {jobId, state}
//	GET  /v1/runs              DescribeWorkflowExecutions 200 {runs, nextToken}
//	GET  /v1/runs/{runId}      DescribeWorkflowExecution  200 the run, 404 unknown
//	POST /v1/runs/{runId}/retry TriggerWorkflow (ledger.Retry) 200 {instanceId, retriedRunId, …}, 409 refused, 404 unknown
//	POST /v1/callbacks/ci?token= DescribeWorkflowExecution, then a redrive (Options.Callback) 200 what was made of it
//	GET  /v1/health            nothing                    200 {status: ok}
//
// Every route except GET /v1/health and POST /v1/callbacks/ci needs
// "Authorization: Bearer <token>"; the callback route has its own token
// (COSFLOW_CALLBACK_TOKEN) in its query, since CI sends no header of the
// receiver's choosing.
// Bodies and queries are validated before anything is sent to CI; every
// answer, success or failure, is JSON; errors are
// {"error":{"code","message","field","requestId"}}.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/doctor"
	"github.com/cosflow/cosflow/ledger"
)

// Options configure the API.
type Options struct {
	// Token is the bearer token callers must present (COSFLOW_API_TOKEN).
	// Empty disables every authenticated route (403).
	Token string
	// Bucket and Region are used when a request names no bucket or region.
	Bucket, Region string
	// DryRun validates and logs mutating requests but sends nothing to CI;
	// reads still go to CI.
	DryRun bool
	// Logger is used when the request context carries no logger (logx.With).
	Logger *slog.Logger
	// CallbackToken is COSFLOW_CALLBACK_TOKEN, the secret CI's completion
	// callbacks carry as ?token=. Empty: POST /v1/callbacks/ci answers 404.
	CallbackToken string
	// Callback acts on a callback whose token matched; nil: the route
	// answers 404.
	Callback CallbackFunc
	// RequestTimeout bounds the CI work of one request (0:
	// DefaultRequestTimeout); the invocation's own deadline still holds.
	RequestTimeout time.Duration
}

// DefaultRequestTimeout bounds one request's CI work. The client waits
// out CI's throttling at its paced rate for as long as the context
// allows (cosclient's pacing), and an HTTP invocation's context is the
// function's whole timeout (120 s); but API Gateway's backend timeout is
// set apart from the function's and answers 504 when the function
// outlasts it (tencentcloud.com/document/product/583/40714; its default is
// not documented there). A caller is better served by a 429 it can back
// off from, well inside any plausible gateway timeout, than by a 504.
const DefaultRequestTimeout = 10 * time.Second

// api holds what every route needs.
type api struct {
	ci *cosclient.Client
	// ledger triggers: a call that may have started the run is looked up
	// before it is made again, so one request starts at most one run.
	ledger *ledger.Ledger
	opts   Options
}

// Route patterns, also logged as the request's "route".
const (
	routeHealth   = "GET /v1/health"
	routeTrigger  = "POST /v1/trigger"
	routeCreate   = "POST /v1/jobs"
	routeList     = "GET /v1/jobs"
	routeGet      = "GET /v1/jobs/{id}"
	routeCancel   = "POST /v1/jobs/{id}/cancel"
	routeRuns     = "GET /v1/runs"
	routeRun      = "GET /v1/runs/{runId}"
	routeRetry    = "POST /v1/runs/{runId}/retry"
	routeCallback = "POST " + doctor.CallbackPath
)

// New returns the API handler calling CI through ci.
func New(ci *cosclient.Client, opts Options) http.Handler {
	a := &api{ci: ci, ledger: ledger.New(ci, ledger.RetriggerAfterLookup), opts: opts}
	mux := http.NewServeMux()
	mux.Handle(routeHealth, routed(http.HandlerFunc(a.health)))
	mux.Handle(routeTrigger, routed(http.HandlerFunc(a.trigger)))
	mux.Handle(routeCreate, routed(http.HandlerFunc(a.createJob)))
	mux.Handle(routeList, routed(http.HandlerFunc(a.listJobs)))
	mux.Handle(routeGet, routed(http.HandlerFunc(a.getJob)))
	mux.Handle(routeCancel, routed(http.HandlerFunc(a.cancelJob)))
	mux.Handle(routeRuns, routed(http.HandlerFunc(a.listRuns)))
	mux.Handle(routeRun, routed(http.HandlerFunc(a.getRun)))
	mux.Handle(routeRetry, routed(http.HandlerFunc(a.retryRun)))
	mux.Handle(routeCallback, routed(http.HandlerFunc(a.ciCallback)))
	// Outermost first: log and recover around everything, authenticate
	// before routing (so the route table is not probed anonymously), and
	// turn the mux's own plain-text answers (404, 405) into JSON.
	return a.bounded(a.logRequests(recoverPanics(a.authenticate(jsonMuxErrors(mux)))))
}

// bounded gives each request's work at most Options.RequestTimeout.
func (a *api) bounded(next http.Handler) http.Handler {
	limit := a.opts.RequestTimeout
	if limit <= 0 {
		limit = DefaultRequestTimeout
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), limit)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// health answers 200 without touching CI: the function is up.
func (a *api) health(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}
