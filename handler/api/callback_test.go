package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/events"
	"github.com/cosflow/cosflow/model"
)

const testCallbackToken = "cb-token-0123456789abcdef"

// callbackSpy stands in for the Handler's CICallback: it records what the
// route passed on and answers with res or err.
type callbackSpy struct {
	got []*events.CICallback
	res model.CallbackResult
	err error
}

func (s *callbackSpy) callback(_ context.Context, cb *events.CICallback) (model.CallbackResult, error) {
	s.got = append(s.got, cb)
	return s.res, s.err
}

// noticeBody is a WorkflowFinish body as the emulator writes CI's, in
// format.
func noticeBody(t *testing.T, format string) string {
	t.Helper()
	n := ciemu.Notice{RunID: "i" + strings.Repeat("a", 32), BucketID: testBucket, Object: "in/x.jpg",
		WorkflowID: testWF, WorkflowName: "demo", CreateTime: "2022-08-09 14:54:17+0800", State: cosclient.ExecutionStateFailed,
		Tasks: []cosclient.WorkflowTask{{Type: "Transcode", JobID: "j1", Name: "t", State: "Failed", Code: "InternalError", Message: "boom"}}}
	b, err := n.Encode(format)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCallbackRoute: the route's own refusals come before any call (the
// spy is never reached, the emulator sees nothing), answer 4xx, and log
// neither token; a body of either format reaches the handler parsed; the
// handler's CI failure is the API's 502, a bad run ID its 400.
func TestCallbackRoute(t *testing.T) {
	ok := "/v1/callbacks/ci?token=" + testCallbackToken
	xmlBody, jsonBody := noticeBody(t, ciemu.FormatXML), noticeBody(t, ciemu.FormatJSON)
	tests := []struct {
		name    string
		off     bool
		target  string
		body    string
		auth    string
		err     error
		status  int
		reached bool
	}{
		{"route off", true, ok, xmlBody, "", nil, http.StatusNotFound, false},
		{"no token", false, "/v1/callbacks/ci", xmlBody, "", nil, http.StatusUnauthorized, false},
		{"empty token", false, "/v1/callbacks/ci?token=", xmlBody, "", nil, http.StatusUnauthorized, false},
		{"wrong token", false, "/v1/callbacks/ci?token=" + strings.Repeat("x", len(testCallbackToken)), xmlBody, "", nil, http.StatusUnauthorized, false},
		{"token twice", false, ok + "&token=" + testCallbackToken, xmlBody, "", nil, http.StatusUnauthorized, false},
		{"API token instead", false, "/v1/callbacks/ci?token=" + testToken, xmlBody, "Bearer " + testToken, nil, http.StatusUnauthorized, false},
		{"empty body", false, ok, "", "", nil, http.StatusBadRequest, false},
		{"garbage", false, ok, "not a callback", "", nil, http.StatusBadRequest, false},
		{"garbage XML", false, ok, "<Response><EventName>WorkflowFinish</Event", "", nil, http.StatusBadRequest, false},
		{"XML of another document", false, ok, "<Request><EventName>WorkflowFinish</EventName></Request>", "", nil, http.StatusBadRequest, false},
		{"JSON without a run", false, ok, `{"EventName":"WorkflowFinish"}`, "", nil, http.StatusBadRequest, false},
		{"JSON array", false, ok, `[` + jsonBody + `]`, "", nil, http.StatusBadRequest, false},
		{"1 MB body", false, ok, "<Response>" + strings.Repeat(" ", MaxBodyBytes) + "</Response>", "", nil, http.StatusRequestEntityTooLarge, false},
		{"XML", false, ok, xmlBody, "", nil, http.StatusOK, true},
		{"JSON", false, ok, jsonBody, "", nil, http.StatusOK, true},
		{"CI fails", false, ok, xmlBody, "", &cosclient.APIError{Code: "ServiceUnavailable", Fault: smithy.FaultServer}, http.StatusBadGateway, true},
		{"bad run ID", false, ok, strings.Replace(xmlBody, "i"+strings.Repeat("a", 32), "../x", 1), "",
			(&cosclient.DescribeWorkflowExecutionInput{RunID: "../x"}).Validate(), http.StatusBadRequest, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spy := &callbackSpy{res: model.CallbackResult{Action: model.CallbackFinished}, err: tt.err}
			env := newEnv(t, ciemu.Options{Seed: 1}, func(o *Options) {
				if !tt.off {
					o.CallbackToken = testCallbackToken
				}
				o.Callback = spy.callback
			})
			r := env.doAuth(t, http.MethodPost, tt.target, tt.body, tt.auth)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if reached := len(spy.got) > 0; reached != tt.reached {
				t.Errorf("handler reached: %v, want %v", reached, tt.reached)
			}
			if n := len(env.emu.Calls()); n != 0 {
				t.Errorf("%d CI calls", n)
			}
			if tt.status == http.StatusOK {
				var res model.CallbackResult
				r.json(t, &res)
				cb := spy.got[0]
				if res.Action != model.CallbackFinished || cb.RunID != "i"+strings.Repeat("a", 32) || cb.WorkflowID != testWF ||
					cb.Object != "in/x.jpg" || cb.BucketID != testBucket || cb.EventName != events.CIEventWorkflowFinish {
					t.Errorf("answer %+v, parsed %+v", res, cb)
				}
			} else {
				r.apiErr(t)
			}
			logs := env.logs.String()
			for _, secret := range []string{testCallbackToken, testToken} {
				if strings.Contains(logs, secret) || strings.Contains(string(r.body), secret) {
					t.Errorf("a token reached the logs or the answer")
				}
			}
		})
	}
}

// TestCallbackRouteErrorsAreTyped: the spy's error classes map as the
// API's other routes map CI's (fromCI), never as a 5xx for a bad input.
func TestCallbackRouteErrorsAreTyped(t *testing.T) {
	spy := &callbackSpy{err: errors.New("plain")}
	env := newEnv(t, ciemu.Options{Seed: 1}, func(o *Options) { o.CallbackToken, o.Callback = testCallbackToken, spy.callback })
	if r := env.doAuth(t, http.MethodPost, "/v1/callbacks/ci?token="+testCallbackToken, noticeBody(t, ciemu.FormatXML), ""); r.status != http.StatusBadGateway {
		t.Errorf("status %d, want 502 for a failure that is not the caller's", r.status)
	}
}
