package api

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"

	"github.com/cosflow/cosflow/doctor"
	"github.com/cosflow/cosflow/events"
	"github.com/cosflow/cosflow/model"
)

// CallbackFunc acts on a CI completion callback whose token matched and
// whose body parsed (handler.Handler.CICallback): it reads the run back
// from CI and redrives it when CI says so. Beside an error, the result
// still names the run (RunID) when it is known.
type CallbackFunc func(ctx context.Context, cb *events.CICallback) (model.CallbackResult, error)

// ciCallback serves POST /v1/callbacks/ci?token=…, outside the bearer
// token (authenticate lets it through: CI cannot send one): 404 when
// COSFLOW_CALLBACK_TOKEN is not set (as any unknown route), 401 for a
// missing or wrong token (compared in constant time, before the body is
// read, with no CI call), 413 beyond MaxBodyBytes, 400 for a body that is
// not one callback document, else 200 with what was made of it.
//
// The body may be XML (CI's default) or JSON (a NotifyConfig whose
// ResultFormat is JSON): the route cannot know which format the workflow
// asked for without a call, and the body is only a hint of which run to
// read back, so it takes either, by its first byte.
func (a *api) ciCallback(w http.ResponseWriter, r *http.Request) {
	if a.opts.CallbackToken == "" || a.opts.Callback == nil {
		writeError(w, &apiError{status: http.StatusNotFound, code: codeNotFound,
			message: "no route POST /v1/callbacks/ci: COSFLOW_CALLBACK_TOKEN is not set"})
		return
	}
	tokens := r.URL.Query()[doctor.CallbackTokenParam]
	if len(tokens) != 1 || !tokenMatches(tokens[0], a.opts.CallbackToken) {
		writeError(w, &apiError{status: http.StatusUnauthorized, code: codeUnauthorized,
			message: "the callback URL's token query parameter is missing or not COSFLOW_CALLBACK_TOKEN"})
		return
	}
	body, e := readBody(w, r)
	if e != nil {
		writeError(w, e)
		return
	}
	format, ok := callbackFormat(body)
	if !ok {
		writeError(w, invalid("", "a CI callback body is an XML <Response> document or a JSON object"))
		return
	}
	cb, err := events.ParseCICallback(body, format)
	if err != nil {
		writeError(w, fromFieldError(err))
		return
	}
	res, err := a.opts.Callback(r.Context(), cb)
	if err != nil {
		e := fromCI(err)
		a.logger(r).Warn("callback not settled", slog.String("runId", res.RunID), slog.Int("status", e.status), slog.String("error", err.Error()))
		writeError(w, e)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// callbackFormat tells a callback body's format by its first byte past
// white space: '<' XML, '{' JSON.
func callbackFormat(body []byte) (events.CallbackFormat, bool) {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	switch {
	case len(trimmed) == 0:
		return "", false
	case trimmed[0] == '<':
		return events.CallbackXML, true
	case trimmed[0] == '{':
		return events.CallbackJSON, true
	}
	return "", false
}
