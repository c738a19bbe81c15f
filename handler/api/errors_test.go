package api

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
)

// CI's failures map onto the API's statuses, with CI's code and request
// ID passed on.
func TestCIErrorMapping(t *testing.T) {
	triggerBody := `{"workflowId":"` + testWF + `","object":"a.jpg"}`
	tests := []struct {
		name       string
		faults     ciemu.Faults
		editCI     func(*cosclient.Options)
		method     string
		target     string
		body       string
		wantStatus int
		wantCode   string
		wantCIReq  bool // CI's request ID in the answer
	}{
		{name: "wrong secret key", editCI: func(o *cosclient.Options) {
			o.Credentials = cosclient.StaticCredentials{SecretID: ciemu.DefaultSecretID, SecretKey: "not-the-key"}
		}, method: "POST", target: "/v1/trigger", body: triggerBody,
			wantStatus: http.StatusForbidden, wantCode: "SignatureDoesNotMatch", wantCIReq: true},
		{name: "unknown secret id", editCI: func(o *cosclient.Options) {
			o.Credentials = cosclient.StaticCredentials{SecretID: "AKIDunknown", SecretKey: ciemu.DefaultSecretKey}
		}, method: "POST", target: "/v1/trigger", body: triggerBody,
			wantStatus: http.StatusUnauthorized, wantCode: "SecretidNotExist", wantCIReq: true},
		{name: "token CI did not issue", method: "GET", target: "/v1/jobs?nextToken=bogus",
			wantStatus: http.StatusBadRequest, wantCode: "InvalidArgument", wantCIReq: true},
		{name: "throttled (503 SlowDown)", faults: ciemu.Faults{ThrottleRate: 1},
			method: "POST", target: "/v1/trigger", body: triggerBody,
			wantStatus: http.StatusTooManyRequests, wantCode: "SlowDown", wantCIReq: true},
		{name: "throttled (429)", faults: ciemu.Faults{ThrottleRate: 1, ThrottleStatus: http.StatusTooManyRequests},
			method: "GET", target: "/v1/jobs",
			wantStatus: http.StatusTooManyRequests, wantCode: "SlowDown", wantCIReq: true},
		{name: "5xx after retries", faults: ciemu.Faults{ErrorRate: 1},
			method: "POST", target: "/v1/jobs", body: `{"name":"n","input":{"prefix":"p"},"operation":{"workflowIds":"` + testWF + `"}}`,
			wantStatus: http.StatusBadGateway, wantCode: "ServiceUnavailable", wantCIReq: true},
		{name: "500 after retries", faults: ciemu.Faults{ErrorRate: 1, ErrorStatus: 500},
			method: "GET", target: "/v1/jobs/b1",
			wantStatus: http.StatusBadGateway, wantCode: "InternalError", wantCIReq: true},
		{name: "connection reset", faults: ciemu.Faults{ResetRate: 1},
			method: "POST", target: "/v1/jobs/b1/cancel",
			wantStatus: http.StatusBadGateway, wantCode: codeUpstream},
		{name: "unknown job", method: "GET", target: "/v1/jobs/b0123456789abcdef0123456789abcdef",
			wantStatus: http.StatusNotFound, wantCode: codeNotFound, wantCIReq: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu := ciemu.New(ciemu.Options{Faults: tt.faults})
			srv := httptest.NewServer(emu)
			t.Cleanup(srv.Close)
			env := newEnvAt(t, emu, srv.URL, tt.editCI, nil)
			res := env.do(t, tt.method, tt.target, tt.body)
			e := res.apiErr(t)
			if res.status != tt.wantStatus || e.Code != tt.wantCode {
				t.Errorf("= %d %s, want %d %s", res.status, res.body, tt.wantStatus, tt.wantCode)
			}
			if tt.wantCIReq && e.RequestID == "" {
				t.Errorf("answer lacks CI's request ID: %s", res.body)
			}
			if tt.wantCIReq {
				found := false
				for _, c := range emu.Calls() {
					found = found || c.RequestID == e.RequestID
				}
				if !found {
					t.Errorf("request ID %q is none the emulator answered", e.RequestID)
				}
			}
		})
	}
}

// Cancelling a job twice: CI refuses the second (400), and so do we.
func TestCancelTwice(t *testing.T) {
	env := newEnv(t, ciemu.Options{}, nil)
	id := createJobs(t, env, "twice", 1)[0]
	if res := env.do(t, http.MethodPost, "/v1/jobs/"+id+"/cancel", ""); res.status != http.StatusOK {
		t.Fatalf("first cancel = %d %s", res.status, res.body)
	}
	res := env.do(t, http.MethodPost, "/v1/jobs/"+id+"/cancel", "")
	if e := res.apiErr(t); res.status != http.StatusBadRequest || e.Code != "InvalidArgument" {
		t.Errorf("second cancel = %d %s, want 400 InvalidArgument", res.status, res.body)
	}
}

// With CI unreachable (a closed port), CI routes answer 502.
func TestCIUnreachable(t *testing.T) {
	env := newEnvAt(t, nil, closedPortURL(t), nil, nil)
	res := env.do(t, http.MethodGet, "/v1/jobs", "")
	if e := res.apiErr(t); res.status != http.StatusBadGateway || e.Code != codeUpstream {
		t.Errorf("= %d %s, want 502 %s", res.status, res.body, codeUpstream)
	}
}

// closedPortURL is a loopback URL nothing listens on.
func closedPortURL(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// fromCI is table-tested on hand-built errors too, for the cases the
// emulator cannot produce.
func TestFromCI(t *testing.T) {
	apiErr := func(status int, code string) error {
		return &cosclient.OperationError{Operation: "X", Attempts: 1, Err: &cosclient.ResponseError{
			StatusCode: status, RequestID: "req-h", Err: &cosclient.APIError{Code: code, Message: "m", RequestID: "req-b"}}}
	}
	tests := []struct {
		name     string
		err      error
		status   int
		code     string
		field    string
		reqID    string
		inMesage string
	}{
		{"validation", &cosclient.ValidationError{Field: "Operation.WorkflowIds", Reason: "bad"}, 400, codeInvalidRequest, "operation.workflowIds", "", "bad"},
		{"not found", fmt.Errorf("wrapped: %w", &cosclient.NotFoundError{JobID: "b1", RequestID: "r1"}), 404, codeNotFound, "", "r1", "b1"},
		{"400", apiErr(400, "InvalidArgument"), 400, "InvalidArgument", "", "req-b", "m"},
		{"400 resource not found", apiErr(400, "ResourceNotFound"), 404, "ResourceNotFound", "", "req-b", "m"},
		{"403", apiErr(403, "AccessDenied"), 403, "AccessDenied", "", "req-b", "m"},
		{"429", apiErr(429, "Whatever"), 429, "Whatever", "", "req-b", "m"},
		{"503 SlowDown", apiErr(503, "SlowDown"), 429, "SlowDown", "", "req-b", "m"},
		{"500", apiErr(500, "InternalError"), 502, "InternalError", "", "req-b", "m"},
		{"status without body", &cosclient.ResponseError{StatusCode: 404, RequestID: "r2", Err: errors.New("no body")}, 404, codeUpstream, "", "r2", "no body"},
		{"429 without body", &cosclient.ResponseError{StatusCode: 429, RequestID: "r3", Err: errors.New("x")}, 429, codeThrottled, "", "r3", ""},
		{"connection refused", errors.New("dial tcp: connection refused"), 502, codeUpstream, "", "", "refused"},
		{"budget exhausted", fmt.Errorf("ci X: %w", cosclient.ErrRetryBudgetExhausted), 502, codeUpstream, "", "", "budget"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := fromCI(tt.err)
			if e.status != tt.status || e.code != tt.code || e.field != tt.field || e.requestID != tt.reqID {
				t.Errorf("fromCI = %+v, want status %d code %s field %q requestId %q", e, tt.status, tt.code, tt.field, tt.reqID)
			}
			if !strings.Contains(e.message, tt.inMesage) {
				t.Errorf("message %q lacks %q", e.message, tt.inMesage)
			}
		})
	}
}
