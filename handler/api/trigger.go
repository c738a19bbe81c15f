package api

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/cosflow/cosflow/model"
)

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
	var req model.TriggerRequest
	target, e := a.decodeRequest(w, r, &req, req.Validate, &req.Target)
	if e != nil {
		writeError(w, e)
		return
	}
	log := a.logger(r)
	attrs := []any{slog.String("bucket", target.Bucket), slog.String("key", req.Object), slog.String("workflowId", req.WorkflowID)}
	if a.opts.DryRun {
		req.Target = target
		log.Info("dry run: workflow not triggered", attrs...)
		writeJSON(w, http.StatusAccepted, dryRunResponse{DryRun: true, Request: req})
		return
	}
	out, err := a.ledger.Trigger(r.Context(), req.CIInput(), start, target.Options(log)...)
	attrs = append(attrs, slog.Int("attempts", out.Calls), slog.Int("ledgerCalls", out.LedgerCalls),
		slog.Int64("durationMs", time.Since(start).Milliseconds()), slog.String("ciRequestId", out.RequestID))
	if err != nil {
		e := fromCI(err)
		log.Warn("workflow trigger failed", append(attrs, slog.Int("status", e.status), slog.String("error", err.Error()))...)
		writeError(w, e)
		return
	}
	log.Info("workflow triggered", append([]any{slog.String("instanceId", out.InstanceID)}, attrs...)...)
	writeJSON(w, http.StatusOK, model.TriggerResponseOf(out, "GET /v1/runs"))
}

// decodeRequest reads a POST body strictly into v and checks it: no query
// parameters (POST routes take none), JSON (415), size (413), shape and
// validate (400 naming the field). It answers the target the body names
// at *target, the defaults filled in.
func (a *api) decodeRequest(w http.ResponseWriter, r *http.Request, v any, validate func() error, target *model.Target) (model.Target, *apiError) {
	if err := model.NoQuery(r.URL.RawQuery); err != nil {
		return model.Target{}, fromQueryError(err)
	}
	if e := decodeBody(w, r, v); e != nil {
		return model.Target{}, e
	}
	if err := validate(); err != nil {
		return model.Target{}, fromFieldError(err)
	}
	return a.resolveBucket(*target)
}
