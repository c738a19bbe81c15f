package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/events"
	"github.com/cosflow/cosflow/handler"
	"github.com/cosflow/cosflow/handler/function"
	"github.com/cosflow/cosflow/internal/citest"
	"github.com/cosflow/cosflow/internal/clip"
	"github.com/cosflow/cosflow/internal/logx"
	"github.com/cosflow/cosflow/scf"
)

// The tests in this package reach the API the way users do: a Function
// URL event, decoded and adapted by package handler, served by the API,
// which calls the CI emulator on loopback through a real client. (Package
// handler imports package api, so these tests live outside it.)

const (
	fnToken = "fn-test-token-0001"
	// fnCallbackToken is COSFLOW_CALLBACK_TOKEN: CI's callbacks carry it
	// in the query of POST /v1/callbacks/ci.
	fnCallbackToken = "fn-callback-token-0001"
	fnWF            = "w0123456789abcdef0123456789abcdef"
)

// fn is the function as SCF runs it for HTTP invocations.
type fn struct {
	emu  *ciemu.Emulator
	h    *handler.Handler
	logs *secretWatch
}

// secretWatch is a log sink that keeps only whether a line held a
// secret: slog writes each line in one Write, and fuzzing writes millions.
type secretWatch struct {
	secrets [][]byte
	seen    atomic.Bool
}

func (w *secretWatch) Write(p []byte) (int, error) {
	for _, s := range w.secrets {
		if bytes.Contains(p, s) {
			w.seen.Store(true)
		}
	}
	return len(p), nil
}

// newFn wires the function as main.go does, from env (over defaults: the
// emulator's endpoint, the fixtures' bucket and region, fnToken and
// fnCallbackToken), against a new emulator started with emuOpts. The test
// fails if either token is ever logged.
func newFn(t testing.TB, emuOpts ciemu.Options, env map[string]string) *fn {
	t.Helper()
	emu, endpoint := citest.Emulator(t, emuOpts)
	full := map[string]string{
		handler.EnvCIEndpoint: endpoint, handler.EnvBucket: citest.Bucket,
		handler.EnvRegion: citest.Region, handler.EnvAPIToken: fnToken,
		handler.EnvCallbackToken: fnCallbackToken,
	}
	maps.Copy(full, env)
	cfg, err := handler.LoadConfig(func(k string) string { return full[k] })
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	ci := citest.Client(t, endpoint, func(o *cosclient.Options) {
		*o = cfg.ClientOptions(citest.Credentials)
		o.Retry = citest.FastRetry
	})
	logs := &secretWatch{secrets: [][]byte{[]byte(fnToken), []byte(fnCallbackToken)}}
	t.Cleanup(func() {
		if logs.seen.Load() {
			t.Error("a token reached the log")
		}
	})
	logger := logx.New(logs, slog.LevelDebug)
	return &fn{emu: emu, h: function.Assemble(cfg, ci, logger), logs: logs}
}

// fnEvent is a Function URL event as the platform sends it: lower-case
// header names, the caller's address in x-scf-remote-addr, the bearer
// token, a JSON body when body is not "".
func fnEvent(method, target, body string) events.HTTPRequest {
	path, rawQuery, _ := strings.Cut(target, "?")
	ev := events.HTTPRequest{
		HTTPMethod: method,
		Path:       path,
		Headers: map[string]string{
			"authorization":         "Bearer " + fnToken,
			events.RemoteAddrHeader: "198.51.100.7",
			"user-agent":            "cosflow-test",
		},
		Body: body,
	}
	if body != "" {
		ev.Headers["content-type"] = "application/json"
	}
	if rawQuery != "" {
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			panic("fnEvent: bad query in " + target)
		}
		ev.QueryString = make(map[string]events.QueryValues, len(q))
		for k, v := range q {
			ev.QueryString[k] = v
		}
	}
	return ev
}

// invoke runs one event through handler.Handle and returns the HTTP
// answer; ok is false when the payload was not an HTTP invocation.
func (f *fn) invoke(t testing.TB, payload []byte) (resp *events.HTTPResponse, ok bool) {
	t.Helper()
	ctx := scf.NewContext(context.Background(), &scf.InvocationContext{RequestID: "scf-req-api-1"})
	out, err := f.h.Handle(ctx, payload)
	resp, ok = out.(*events.HTTPResponse)
	if ok && err != nil {
		t.Fatalf("an HTTP invocation failed the call: %v", err)
	}
	return resp, ok
}

// serve sends ev and returns the answer.
func (f *fn) serve(t testing.TB, ev events.HTTPRequest) *events.HTTPResponse {
	t.Helper()
	payload, err := json.Marshal(ev)
	if err != nil {
		t.Fatalf("marshal event: %v", err)
	}
	resp, ok := f.invoke(t, payload)
	if !ok {
		t.Fatalf("%s %s was not served as an HTTP invocation", ev.HTTPMethod, ev.Path)
	}
	return resp
}

// maxErrorAnswer bounds every client-error answer (issue #11).
const maxErrorAnswer = 8 << 10

// fnError is the error shape every refusal answers with.
type fnError struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Field     string `json:"field"`
	RequestID string `json:"requestId"`
}

// answerProblem checks what every answer must be, whatever the input:
// JSON; a status below 500 or one of 502, 503, 504; the error shape (and
// nothing else) from 300 up; a client error under maxErrorAnswer. It
// returns the error, zero for a success, and what is wrong ("" when
// nothing is).
func answerProblem(resp *events.HTTPResponse) (fnError, string) {
	var e fnError
	switch {
	case resp.StatusCode >= 500 && resp.StatusCode != 502 && resp.StatusCode != 503 && resp.StatusCode != 504:
		return e, "a 5xx other than 502, 503 or 504"
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && len(resp.Body) > maxErrorAnswer:
		return e, "a client error over 8 KB"
	case resp.IsBase64Encoded || !strings.HasPrefix(resp.Headers["Content-Type"], "application/json"):
		return e, "not a JSON answer"
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(resp.Body), &top); err != nil {
		return e, "not a JSON object"
	}
	if resp.StatusCode < 300 {
		return e, ""
	}
	var body struct {
		Error *fnError `json:"error"`
	}
	if json.Unmarshal([]byte(resp.Body), &body) != nil || body.Error == nil || len(top) != 1 ||
		body.Error.Code == "" || body.Error.Message == "" {
		return e, "not the error shape"
	}
	return *body.Error, ""
}

// refusal checks resp is a well-formed error answer and returns it.
func refusal(t testing.TB, resp *events.HTTPResponse) fnError {
	t.Helper()
	e, problem := answerProblem(resp)
	if problem != "" || resp.StatusCode < 400 {
		t.Fatalf("answer %d %s: %s, want a refusal", resp.StatusCode, clip.String(resp.Body, 600), problem)
	}
	return e
}
