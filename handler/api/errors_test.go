package api

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

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
		{name: "unknown run", method: "GET", target: "/v1/runs/i0123456789abcdef0123456789abcdef",
			wantStatus: http.StatusNotFound, wantCode: codeNotFound, wantCIReq: true},
		{name: "runs: token CI did not issue", method: "GET", target: "/v1/runs?workflowId=" + testWF + "&nextToken=bogus",
			wantStatus: http.StatusBadRequest, wantCode: "InvalidArgument", wantCIReq: true},
		{name: "runs: 5xx after retries", faults: ciemu.Faults{ErrorRate: 1},
			method: "GET", target: "/v1/runs?workflowId=" + testWF,
			wantStatus: http.StatusBadGateway, wantCode: "ServiceUnavailable", wantCIReq: true},
		{name: "trigger: 5xx, and the ledger cannot tell whether it ran", faults: ciemu.Faults{ErrorRate: 1},
			method: "POST", target: "/v1/trigger", body: triggerBody,
			wantStatus: http.StatusBadGateway, wantCode: "ServiceUnavailable", wantCIReq: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu := ciemu.New(ciemu.Options{Faults: tt.faults})
			srv := httptest.NewServer(emu)
			t.Cleanup(srv.Close)
			// Throttled calls wait for a paced slot until the request's
			// deadline (TestThrottledRequestIsBounded): keep it short.
			env := newEnvAt(t, emu, srv.URL, tt.editCI, func(o *Options) { o.RequestTimeout = 500 * time.Millisecond })
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

// fromCI is table-tested on errors built as cosclient builds them, for the
// cases the emulator cannot produce.
func TestFromCI(t *testing.T) {
	// opErr wraps err as every failed call does.
	opErr := func(err error) error {
		return &smithy.OperationError{ServiceID: cosclient.ServiceCI, OperationName: "X", Err: err}
	}
	// respErr is an answer with status; CI's <Error> when code is set.
	respErr := func(status int, code string) error {
		var inner error = errors.New("no body")
		if code != "" {
			inner = &cosclient.APIError{Code: code, Message: "m", RequestID: "req-b"}
		}
		return opErr(&cosclient.ResponseError{
			ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: inner},
			RequestID:     "req-h",
		})
	}
	prefix := "p"
	refused := opErr((&cosclient.CreateInventoryTriggerJobInput{Name: "n", Input: cosclient.JobInput{Prefix: &prefix}}).Validate())
	tests := []struct {
		name      string
		err       error
		status    int
		code      string
		field     string
		reqID     string
		inMessage string
	}{
		{"refused input, wire path mapped to the API's", refused, 400, codeInvalidRequest, "operation.workflowIds", "", "is empty"},
		{"not found", opErr(fmt.Errorf("wrapped: %w", &cosclient.NotFoundError{Resource: "job", ID: "b1", RequestID: "r1"})), 404, codeNotFound, "", "r1", "b1"},
		{"400", respErr(400, "InvalidArgument"), 400, "InvalidArgument", "", "req-h", "m"},
		{"400 resource not found", respErr(400, "ResourceNotFound"), 404, codeNotFound, "", "req-h", "m"},
		{"403", respErr(403, "AccessDenied"), 403, "AccessDenied", "", "req-h", "m"},
		{"404 without body", respErr(404, ""), 404, codeNotFound, "", "req-h", "not found"},
		{"409 without body", respErr(409, ""), 409, codeUpstream, "", "req-h", "no body"},
		{"429", respErr(429, "Whatever"), 429, "Whatever", "", "req-h", "m"},
		{"429 without body", respErr(429, ""), 429, codeThrottled, "", "req-h", ""},
		{"503 SlowDown", respErr(503, "SlowDown"), 429, "SlowDown", "", "req-h", "m"},
		{"500", respErr(500, "InternalError"), 502, "InternalError", "", "req-h", "m"},
		{"connection refused", opErr(&cosclient.ConnectionError{Err: errors.New("dial tcp: connection refused")}), 502, codeUpstream, "", "", "refused"},
		{"budget exhausted", opErr(fmt.Errorf("retry: %w", cosclient.ErrRetryBudgetExhausted)), 502, codeUpstream, "", "", "budget"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := fromCI(tt.err)
			if e.status != tt.status || e.code != tt.code || e.field != tt.field || e.requestID != tt.reqID {
				t.Errorf("fromCI = %+v, want status %d code %s field %q requestId %q", e, tt.status, tt.code, tt.field, tt.reqID)
			}
			if !strings.Contains(e.message, tt.inMessage) {
				t.Errorf("message %q lacks %q", e.message, tt.inMessage)
			}
		})
	}
}

// TestThrottledRequestIsBounded: under throttling the client waits for a
// paced slot as long as its context allows; an HTTP invocation's context
// is the function's whole timeout, so the API bounds each request itself
// (RequestTimeout) and answers 429, which a caller can back off from,
// instead of outlasting the gateway's timeout.
func TestThrottledRequestIsBounded(t *testing.T) {
	emu := ciemu.New(ciemu.Options{Faults: ciemu.Faults{ThrottleRate: 1}})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	env := newEnvAt(t, emu, srv.URL, nil, func(o *Options) { o.RequestTimeout = 300 * time.Millisecond })
	req := httptest.NewRequest(http.MethodPost, "/v1/trigger", strings.NewReader(`{"workflowId":"`+testWF+`","object":"a.jpg"}`))
	req.Header.Set("Authorization", "Bearer "+testToken)
	const invocation = 20 * time.Second // as SCF's invocation deadline
	ctx, cancel := context.WithTimeout(req.Context(), invocation)
	defer cancel()
	rec := httptest.NewRecorder()
	env.handler.ServeHTTP(rec, req.WithContext(ctx))
	if dl, _ := ctx.Deadline(); time.Until(dl) < invocation/2 {
		t.Errorf("the request took %v of the invocation's %v: not bounded by RequestTimeout", invocation-time.Until(dl), invocation)
	}
	if rec.Code != http.StatusTooManyRequests {
		t.Errorf("status %d, want 429: %s", rec.Code, rec.Body)
	}
	if n := len(env.callsOf(ciemu.OpTriggerWorkflow)); n < 2 {
		t.Errorf("%d trigger calls, want the client to have retried at its paced rate", n)
	}
}
