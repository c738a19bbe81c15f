package cosclient

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// closedEndpoint is the URL of a loopback port nobody listens on.
func closedEndpoint(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + ln.Addr().String()
	ln.Close()
	return u
}

// TestClassify produces every kind of failure through real calls on
// loopback and checks what Classify, Ambiguous, Accepted and Throttled say
// of it. Each failure is met by an idempotent call and by TriggerWorkflow,
// with two attempts allowed: the retry step makes the second attempt
// exactly when Classify says RetryNow, except that TriggerWorkflow is not
// retried after an ambiguous failure.
func TestClassify(t *testing.T) {
	dialFails := &http.Client{Transport: &http.Transport{DialContext: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("no route to host")
	}}}
	tests := []struct {
		name      string
		answer    answer         // every attempt's answer; nil: the fake is not reached
		opts      func(*Options) // the client's
		callOpts  []func(*Options)
		ends      error // the caller's context ends while the fake holds the request
		class     Retry
		ambiguous bool
		accepted  bool
		throttled bool
		connErr   bool // a *ConnectionError is in the chain
	}{
		{name: "validation", callOpts: []func(*Options){WithBucket("Bad_Bucket", testRegion)}, class: RetryNever},
		{name: "signing: the provider fails", opts: func(o *Options) {
			o.Credentials = credentialsFunc(func(context.Context) (Credentials, error) { return Credentials{}, errors.New("sts unreachable") })
		}, class: RetryNever},
		{name: "missing credentials", opts: func(o *Options) { o.Credentials = StaticCredentials{SecretID: testSecretID} }, class: RetryNever},
		{name: "provider gives no key", opts: func(o *Options) {
			o.Credentials = credentialsFunc(func(context.Context) (Credentials, error) { return Credentials{SecretID: "id"}, nil })
		}, class: RetryNever},
		{name: "connection refused", opts: func(o *Options) { o.Endpoint = closedEndpoint(t) }, class: RetryNow, connErr: true},
		{name: "dial error", opts: func(o *Options) { o.HTTPClient = dialFails }, class: RetryNow, connErr: true},
		{name: "reset after the request was written", answer: hangUp, class: RetryNow, ambiguous: true, connErr: true},
		{name: "timeout after sending", ends: context.DeadlineExceeded, class: RetryLater, ambiguous: true, connErr: true},
		{name: "caller cancelled after sending", ends: context.Canceled, class: RetryLater, ambiguous: true, connErr: true},
		{name: "2xx unreadable", answer: xmlAnswer(200, "<Response><RequestId>"), class: RetryNever, ambiguous: true, accepted: true},
		{name: "2xx not XML", answer: xmlAnswer(200, "OK"), class: RetryNever, ambiguous: true, accepted: true},
		{name: "2xx cut short", answer: truncated, class: RetryNever, ambiguous: true, accepted: true, connErr: true},
		{name: "2xx carrying an <Error>", answer: errorAnswer(200, "SlowDown"), class: RetryNever, ambiguous: true, accepted: true},
		{name: "3xx", answer: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", "http://127.0.0.1:1/elsewhere")
			errorAnswer(http.StatusTemporaryRedirect, "TemporaryRedirect")(w, r)
		}, class: RetryNever},
		{name: "400 InvalidArgument", answer: errorAnswer(400, "InvalidArgument"), class: RetryNever},
		{name: "401 SignatureExpired", answer: errorAnswer(401, "SignatureExpired"), class: RetryNever},
		{name: "403 AccessDenied", answer: errorAnswer(403, "AccessDenied"), class: RetryNever},
		{name: "404 empty", answer: xmlAnswer(404, ""), class: RetryNever},
		{name: "429 empty", answer: xmlAnswer(429, ""), class: RetryNow, throttled: true},
		{name: "429 SlowDown", answer: errorAnswer(429, "SlowDown"), class: RetryNow, throttled: true},
		{name: "503 SlowDown", answer: errorAnswer(503, "SlowDown"), class: RetryNow, throttled: true},
		{name: "400 SlowDown", answer: errorAnswer(400, "SlowDown"), class: RetryNow, throttled: true},
		{name: "403 RequestLimitExceeded", answer: errorAnswer(403, "RequestLimitExceeded"), class: RetryNow, throttled: true},
		{name: "500 InternalError", answer: errorAnswer(500, "InternalError"), class: RetryNow, ambiguous: true},
		{name: "503 empty", answer: xmlAnswer(503, ""), class: RetryNow, ambiguous: true},
		{name: "502 not XML", answer: xmlAnswer(502, "<html>bad gateway</html>"), class: RetryNow, ambiguous: true},
		{name: "clock skew", answer: errorAnswer(403, "RequestTimeTooSkewed"), class: RetryNow},
		{name: "retry budget exhausted", answer: errorAnswer(429, "SlowDown"), opts: func(o *Options) {
			o.Retry.Budget = retryCost - 1
			o.Pacing.Disabled = true // a paced throttle costs no budget
		}, class: RetryLater, throttled: true},
	}
	ops := []struct {
		name       string
		idempotent bool
		call       func(context.Context, *Client, []func(*Options)) error
	}{
		{"DescribeInventoryTriggerJobs", true, func(ctx context.Context, c *Client, o []func(*Options)) error {
			_, err := c.DescribeInventoryTriggerJobs(ctx, nil, o...)
			return err
		}},
		{"TriggerWorkflow", false, func(ctx context.Context, c *Client, o []func(*Options)) error {
			_, err := c.TriggerWorkflow(ctx, trigger, o...)
			return err
		}},
	}
	for _, tt := range tests {
		for _, op := range ops {
			t.Run(tt.name+"/"+op.name, func(t *testing.T) {
				ctx := context.Context(bg)
				a := tt.answer
				if tt.ends != nil {
					ec := newEndingCtx(tt.ends)
					ctx, a = ec, holdUntilGone(ec)
				}
				f := newFakeCI(t, func(_ int, w http.ResponseWriter, r *http.Request) {
					if a == nil {
						t.Errorf("the fake was reached: %s %s", r.Method, r.URL)
						return
					}
					a(w, r)
				})
				c := f.client(t, func(o *Options) {
					o.Retry.MaxAttempts = 2
					if tt.opts != nil {
						tt.opts(o)
					}
				})
				err := op.call(ctx, c, tt.callOpts)

				var oe *smithy.OperationError
				if !errors.As(err, &oe) || oe.OperationName != op.name || oe.ServiceID != ServiceCI {
					t.Fatalf("err = %v (%T), want a *smithy.OperationError of %s", err, err, op.name)
				}
				if got := Classify(err); got != tt.class {
					t.Errorf("Classify = %v, want %v (err %v)", got, tt.class, err)
				}
				if got := Ambiguous(err); got != tt.ambiguous {
					t.Errorf("Ambiguous = %v, want %v", got, tt.ambiguous)
				}
				if got := Accepted(err); got != tt.accepted {
					t.Errorf("Accepted = %v, want %v", got, tt.accepted)
				}
				if got := Throttled(err); got != tt.throttled {
					t.Errorf("Throttled = %v, want %v", got, tt.throttled)
				}
				var ce *ConnectionError
				if got := errors.As(err, &ce); got != tt.connErr || (got && ce.Sent != (tt.ambiguous || tt.accepted)) {
					t.Errorf("*ConnectionError in the chain: %v (%+v), want %v", got, ce, tt.connErr)
				}

				want := 1 // attempts
				switch {
				case tt.callOpts != nil:
					want = 0 // refused before the retry step
				case tt.class == RetryNow && (op.idempotent || !tt.ambiguous):
					want = 2
				}
				if got := ErrorAttempts(err); got != want {
					t.Errorf("%d attempts, want %d", got, want)
				}
				reached := 0
				if a != nil {
					reached = want
				}
				if n := len(f.requests()); n != reached {
					t.Errorf("the fake saw %d requests, want %d", n, reached)
				}
			})
		}
	}
}

func TestClassifyOutsideCalls(t *testing.T) {
	tests := []struct {
		err  error
		want Retry
	}{
		{nil, RetryNever},
		{ValidateBucket("x"), RetryNever},
		{context.Canceled, RetryLater},
		{ErrRetryBudgetExhausted, RetryLater},
		{&SigningError{Err: ErrMissingCredentials}, RetryNever},
		{&ConnectionError{Err: errors.New("x")}, RetryNow},
		{&smithy.SerializationError{Err: errors.New("x")}, RetryNever},
		{&ListingCutShortError{Operation: "ListObjects", Pages: 1000}, RetryNever},
		{&ConnectionError{Sent: true, Err: &TimeoutError{After: time.Second}}, RetryNow},
		{errors.New("something else"), RetryLater},
	}
	for _, tt := range tests {
		if got := Classify(tt.err); got != tt.want {
			t.Errorf("Classify(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
	for r, s := range map[Retry]string{RetryNever: "never", RetryLater: "later", RetryNow: "now"} {
		if r.String() != s {
			t.Errorf("%d.String() = %q, want %q", r, r.String(), s)
		}
	}
}

// TestErrorLayers: callers branch with errors.As on smithy's types, never
// on strings.
func TestErrorLayers(t *testing.T) {
	noRequestIDHeader := func(a answer) answer {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Del("x-ci-request-id")
			a(w, r)
		}
	}
	tests := []struct {
		name      string
		list      bool // ListObjects (COS) instead of TriggerWorkflow (CI)
		answer    answer
		status    int
		code      string
		message   string
		fault     smithy.ErrorFault
		requestID string
		traceID   string
		attempts  int
	}{
		{name: "CI 400", answer: errorAnswer(400, "InvalidArgument"), status: 400, code: "InvalidArgument", message: "m-InvalidArgument",
			fault: smithy.FaultClient, requestID: "req-1", traceID: "trace-1", attempts: 1},
		{name: "COS 503 retried", list: true, answer: errorAnswer(503, "ServiceUnavailable"), status: 503, code: "ServiceUnavailable",
			message: "m-ServiceUnavailable", fault: smithy.FaultServer, requestID: "req-2", traceID: "trace-1", attempts: 2},
		{name: "404 without a body", answer: xmlAnswer(404, ""), status: 404, code: "Not Found", fault: smithy.FaultClient, requestID: "req-1", attempts: 1},
		{name: "400 not XML", answer: xmlAnswer(400, "oops <html>"), status: 400, code: "Bad Request", fault: smithy.FaultClient, requestID: "req-1", attempts: 1},
		{name: "status without a name", answer: xmlAnswer(499, ""), status: 499, code: "HTTP 499", fault: smithy.FaultClient, requestID: "req-1", attempts: 1},
		{name: "request ID from the body", answer: noRequestIDHeader(errorAnswer(403, "AccessDenied")), status: 403, code: "AccessDenied",
			message: "m-AccessDenied", fault: smithy.FaultClient, requestID: "body-rid", traceID: "trace-1", attempts: 1},
		{name: "request ID from the COS header, trace ID from the CI header", answer: noRequestIDHeader(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("x-cos-request-id", "cos-rid")
			w.Header().Set("x-ci-trace-id", "trace-h")
			xmlAnswer(403, `<Error><Code>AccessDenied</Code></Error>`)(w, r)
		}), status: 403, code: "AccessDenied", fault: smithy.FaultClient, requestID: "cos-rid", traceID: "trace-h", attempts: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeCI(t, always(tt.answer))
			c := f.client(t, func(o *Options) { o.Retry.MaxAttempts = 2 })
			service, op := ServiceCI, "TriggerWorkflow"
			var err error
			if tt.list {
				service, op = ServiceCOS, "ListObjects"
				_, err = c.ListObjects(bg, nil)
			} else {
				_, err = c.TriggerWorkflow(bg, trigger)
			}
			var oe *smithy.OperationError
			if !errors.As(err, &oe) || oe.Service() != service || oe.Operation() != op {
				t.Fatalf("err = %v, want *smithy.OperationError of %s %s", err, service, op)
			}
			var re *smithyhttp.ResponseError
			if !errors.As(err, &re) || re.HTTPStatusCode() != tt.status {
				t.Fatalf("*smithyhttp.ResponseError: %v", re)
			}
			var cre *ResponseError
			if !errors.As(err, &cre) || cre.ServiceRequestID() != tt.requestID {
				t.Errorf("*ResponseError = %+v", cre)
			}
			var api smithy.APIError
			if !errors.As(err, &api) || api.ErrorCode() != tt.code || api.ErrorMessage() != tt.message || api.ErrorFault() != tt.fault {
				t.Fatalf("smithy.APIError = %v", api)
			}
			var ae *APIError
			if !errors.As(err, &ae) || ae.RequestID != tt.requestID || ae.TraceID != tt.traceID || ae.ServiceRequestID() != tt.requestID {
				t.Errorf("*APIError = %+v", ae)
			}
			if ErrorRequestID(err) != tt.requestID || ErrorStatus(err) != tt.status || ErrorAttempts(err) != tt.attempts {
				t.Errorf("ErrorRequestID %q, ErrorStatus %d, ErrorAttempts %d", ErrorRequestID(err), ErrorStatus(err), ErrorAttempts(err))
			}
			for _, s := range []string{op, "http " + strconv.Itoa(tt.status) + " (request " + tt.requestID + ")", ae.Error()} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("message %q lacks %q", err, s)
				}
			}
		})
	}
}

// TestUnreadable2xx: a 2xx whose body cannot be read is a
// *smithy.DeserializationError (with the body's start) under the
// response error, and no smithy.APIError.
func TestUnreadable2xx(t *testing.T) {
	f := newFakeCI(t, always(xmlAnswer(200, "<Response><InstanceId>")))
	_, err := f.client(t).TriggerWorkflow(bg, trigger)
	var de *smithy.DeserializationError
	if !errors.As(err, &de) || string(de.Snapshot) != "<Response><InstanceId>" {
		t.Fatalf("err = %v, want a *smithy.DeserializationError with the body", err)
	}
	var api smithy.APIError
	if errors.As(err, &api) || ErrorStatus(err) != 200 || ErrorRequestID(err) != "req-1" {
		t.Errorf("err = %v: APIError %v, status %d, request ID %q", err, api, ErrorStatus(err), ErrorRequestID(err))
	}
}

// TestValidationErrors: a refused input is a smithy.InvalidParamsError
// holding a *ParamError per refused field, named by its wire path, all
// found at once.
func TestValidationErrors(t *testing.T) {
	f := newFakeCI(t, always(okTrigger))
	_, err := f.client(t).CreateInventoryTriggerJob(bg, &CreateInventoryTriggerJobInput{Name: "a b",
		Input: JobInput{Prefix: ptr("p/"), Object: ptr("o")}, Operation: JobOperation{WorkflowIDs: "w1", JobLevel: 3}})
	var oe *smithy.OperationError
	var ipe smithy.InvalidParamsError
	if !errors.As(err, &oe) || oe.OperationName != "CreateInventoryTriggerJob" || !errors.As(err, &ipe) {
		t.Fatalf("err = %v, want a smithy.InvalidParamsError under the operation error", err)
	}
	var paths, fields []string
	for _, e := range ipe.Errs() {
		var ip smithy.InvalidParamError
		if !errors.As(e, &ip) {
			t.Fatalf("%T is not a smithy.InvalidParamError", e)
		}
		fields = append(fields, ip.Field())
	}
	for _, pe := range ParamErrors(err) {
		paths = append(paths, pe.Path())
		if pe.Reason() == "" || pe.Error() != pe.Path()+": "+pe.Reason() {
			t.Errorf("ParamError %q: reason %q", pe.Error(), pe.Reason())
		}
	}
	wantPaths := []string{"Name", "Input", "Operation.WorkflowIds", "Operation.JobLevel"}
	if strings.Join(paths, " ") != strings.Join(wantPaths, " ") {
		t.Errorf("paths %q, want %q", paths, wantPaths)
	}
	if fields[2] != "CreateInventoryTriggerJobInput.Operation.WorkflowIds" {
		t.Errorf("fields %q", fields)
	}
	if ErrorAttempts(err) != 0 || ErrorRequestID(err) != "" || ErrorStatus(err) != 0 || len(f.requests()) != 0 {
		t.Errorf("refused input: %d attempts, request ID %q, status %d, %d requests", ErrorAttempts(err), ErrorRequestID(err), ErrorStatus(err), len(f.requests()))
	}
	if ParamErrors(errors.New("x")) != nil {
		t.Error("ParamErrors of a non-validation error")
	}
	// A nested context is kept in the field name (smithy's AddNested).
	var outer smithy.InvalidParamsError
	outer.Context = "Outer"
	outer.AddNested("Inner", ipe)
	if got := outer.Errs()[2].(*ParamError).Field(); got != "Outer.Inner.Operation.WorkflowIds" {
		t.Errorf("nested field %q", got)
	}
}

// TestResultMetadata: outputs carry CI's request ID (header, else body)
// and the attempts the call made.
func TestResultMetadata(t *testing.T) {
	f := newFakeCI(t, failThen(2, xmlAnswer(429, ""), func(w http.ResponseWriter, r *http.Request) {
		w.Header().Del("x-ci-request-id")
		okTrigger(w, r)
	}))
	out, err := f.client(t).TriggerWorkflow(bg, trigger)
	if err != nil {
		t.Fatal(err)
	}
	id, ok := GetRequestIDMetadata(out.ResultMetadata)
	n, ok2 := GetAttemptsMetadata(out.ResultMetadata)
	if id != "body-req" || !ok || n != 3 || !ok2 {
		t.Errorf("request ID %q (%v), attempts %d (%v)", id, ok, n, ok2)
	}
	var empty TriggerWorkflowOutput
	if _, ok := GetRequestIDMetadata(empty.ResultMetadata); ok {
		t.Error("request ID in empty metadata")
	}
	if _, ok := GetAttemptsMetadata(empty.ResultMetadata); ok {
		t.Error("attempts in empty metadata")
	}
}
