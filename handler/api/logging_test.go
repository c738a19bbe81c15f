package api

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/internal/logx"
	"github.com/cosflow/cosflow/internal/logx/logxtest"
)

// Every line of an invocation comes from the context's logger, so it
// carries the SCF request ID and the trigger kind; nothing secret is
// logged, neither the bearer token nor body fields.
func TestLogLinesCarryInvocationAttrs(t *testing.T) {
	fallback := &logxtest.Buffer{}
	env := newEnv(t, ciemu.Options{}, func(o *Options) { o.Logger = logx.New(fallback, slog.LevelDebug) })
	sink := &logxtest.Buffer{}
	invocation := logx.New(sink, slog.LevelDebug).With("requestId", "scf-req-1", "trigger", "http")

	requests := []struct{ method, target, body string }{
		{http.MethodPost, "/v1/trigger", `{"workflowId":"` + testWF + `","object":"a.jpg"}`},
		{http.MethodPost, "/v1/jobs", `{"name":"n","input":{"prefix":"p/"},"operation":{"workflowIds":"` + testWF + `","userData":"hidden-user-data"}}`},
		{http.MethodGet, "/v1/jobs", ""},
		{http.MethodGet, "/v1/runs?workflowId=" + testWF + "&object=a.jpg", ""},
		{http.MethodPost, "/v1/trigger", `{"workflowId":"bad"}`},
	}
	for _, rq := range requests {
		req := httptest.NewRequest(rq.method, rq.target, strings.NewReader(rq.body))
		req.Header.Set("Authorization", "Bearer "+testToken)
		req = req.WithContext(logx.With(req.Context(), invocation))
		env.handler.ServeHTTP(httptest.NewRecorder(), req)
	}
	if fallback.String() != "" {
		t.Errorf("the fallback logger was used although the context had one:\n%s", fallback)
	}
	env.logs = sink
	lines := env.logs.Lines(t)
	requestLines := 0
	for _, l := range lines {
		if l["requestId"] != "scf-req-1" || l["trigger"] != "http" {
			t.Errorf("line lacks requestId/trigger: %v", l)
		}
		if l["msg"] == "api request" {
			requestLines++
		}
	}
	if requestLines != len(requests) {
		t.Errorf("%d request lines, want one per request (%d)", requestLines, len(requests))
	}
	findLog(t, env, "workflow triggered", "key", "a.jpg")
	findLog(t, env, "job created", "prefix", "p/")
	for _, secret := range []string{testToken, "hidden-user-data", "Bearer"} {
		if strings.Contains(sink.String(), secret) {
			t.Errorf("log holds %q", secret)
		}
	}
}
