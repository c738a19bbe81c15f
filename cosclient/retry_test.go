package cosclient

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func errorXML(code string) string {
	return `<Error><Code>` + code + `</Code><Message>m-` + code + `</Message><RequestId>body-rid</RequestId><TraceId>trace-1</TraceId></Error>`
}

// failThen answers the first n requests with fail and then a success.
func failThen(n int, fail func(w http.ResponseWriter, r *http.Request)) func(int, http.ResponseWriter, *http.Request) {
	return func(i int, w http.ResponseWriter, r *http.Request) {
		if i <= n {
			fail(w, r)
			return
		}
		xmlReply(200, triggerOK)(i, w, r)
	}
}

func status(code int, body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
}

// hangUp closes the connection without an answer (a reset or EOF).
func hangUp(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

var trigger = &TriggerWorkflowInput{WorkflowID: testWorkflow, Object: "a.jpg"}

func TestRetriesThenSucceeds(t *testing.T) {
	tests := []struct {
		name string
		fail func(http.ResponseWriter, *http.Request)
	}{
		{"503", status(503, errorXML("ServiceUnavailable"))},
		{"500 empty body", status(500, "")},
		{"429", status(429, "")},
		{"SlowDown code", status(400, errorXML("SlowDown"))},
		{"connection closed", hangUp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeCI(t, failThen(2, tt.fail))
			c := f.client(t)
			out, err := c.TriggerWorkflow(bg, trigger)
			if err != nil {
				t.Fatal(err)
			}
			if out.Meta.Attempts != 3 || out.Meta.RequestID != "req-3" {
				t.Errorf("meta = %+v", out.Meta)
			}
			reqs := f.requests()
			if len(reqs) != 3 {
				t.Fatalf("%d requests", len(reqs))
			}
			for i, r := range reqs {
				if !r.SigOK {
					t.Errorf("attempt %d not validly signed", i+1)
				}
			}
			if got := c.budget.available(); got != DefaultRetryBudget-2*costFor(tt.name)+successRefund {
				t.Errorf("budget = %d", got)
			}
		})
	}
}

func costFor(name string) int {
	if name == "connection closed" {
		return retryCostNoResp
	}
	return retryCost
}

func TestRetryResendsBody(t *testing.T) {
	f := newFakeCI(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.WriteHeader(503)
			return
		}
		xmlReply(200, `<Response><JobsDetail><JobId>b1</JobId></JobsDetail></Response>`)(n, w, r)
	})
	in := &CreateInventoryTriggerJobInput{Name: "n", Input: JobInput{Prefix: ptr("p/")}, Operation: JobOperation{WorkflowIDs: testWorkflow}}
	if _, err := f.client(t).CreateInventoryTriggerJob(bg, in); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 2 || reqs[0].Body == "" || reqs[0].Body != reqs[1].Body || !reqs[1].SigOK {
		t.Fatalf("bodies %q / %q", reqs[0].Body, reqs[len(reqs)-1].Body)
	}
}

func TestNoRetryOnClientErrors(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		wantCode string
	}{
		{"400 InvalidArgument", 400, errorXML("InvalidArgument"), "InvalidArgument"},
		{"403 AccessDenied", 403, errorXML("AccessDenied"), "AccessDenied"},
		{"401 SignatureDoesNotMatch", 401, errorXML("SignatureDoesNotMatch"), "SignatureDoesNotMatch"},
		{"404 empty body", 404, "", "Not Found"},
		{"400 not XML", 400, "oops <html>", "Bad Request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeCI(t, xmlReply(tt.status, tt.body))
			_, err := f.client(t).TriggerWorkflow(bg, trigger)
			var oe *OperationError
			var re *ResponseError
			var ae *APIError
			if !errors.As(err, &oe) || !errors.As(err, &re) || !errors.As(err, &ae) {
				t.Fatalf("err = %v (%T), want the three layers", err, err)
			}
			if oe.Operation != "TriggerWorkflow" || oe.Attempts != 1 || re.StatusCode != tt.status || re.RequestID != "req-1" || ae.Code != tt.wantCode {
				t.Errorf("op %+v resp %+v api %+v", oe, re, ae)
			}
			if tt.body != "" && strings.HasPrefix(tt.body, "<Error>") && (ae.Message == "" || ae.RequestID != "body-rid" || ae.TraceID != "trace-1") {
				t.Errorf("api error = %+v", ae)
			}
			if n := len(f.requests()); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
			if Retryable(err) {
				t.Error("Retryable says yes")
			}
		})
	}
}

func TestMaxAttempts(t *testing.T) {
	f := newFakeCI(t, xmlReply(503, ""))
	_, err := f.client(t, func(o *Options) { o.Retry.MaxAttempts = 3 }).TriggerWorkflow(bg, trigger)
	var oe *OperationError
	if !errors.As(err, &oe) || oe.Attempts != 3 || len(f.requests()) != 3 || !Retryable(err) {
		t.Fatalf("err = %v, %d requests", err, len(f.requests()))
	}
}

func TestRetryBudgetExhausted(t *testing.T) {
	f := newFakeCI(t, xmlReply(503, ""))
	c := f.client(t, func(o *Options) {
		o.Retry.MaxAttempts = 10
		o.Retry.Budget = 2 * retryCost // two retries' worth
	})
	_, err := c.TriggerWorkflow(bg, trigger)
	if !errors.Is(err, ErrRetryBudgetExhausted) {
		t.Fatalf("err = %v, want ErrRetryBudgetExhausted", err)
	}
	var re *ResponseError
	var oe *OperationError
	if !errors.As(err, &re) || re.StatusCode != 503 || !errors.As(err, &oe) || oe.Attempts != 3 {
		t.Errorf("err = %v", err)
	}
	// The budget is per Client: the next call gets no retry at all.
	_, err = c.TriggerWorkflow(bg, trigger)
	if !errors.Is(err, ErrRetryBudgetExhausted) || !errors.As(err, &oe) || oe.Attempts != 1 {
		t.Errorf("second call: %v", err)
	}
	if n := len(f.requests()); n != 4 {
		t.Errorf("%d requests, want 4", n)
	}
}

func TestRetryNeverSleepsPastDeadline(t *testing.T) {
	f := newFakeCI(t, xmlReply(503, errorXML("ServiceUnavailable")))
	c := f.client(t, func(o *Options) {
		o.Retry = RetryOptions{MaxAttempts: 5, BaseDelay: time.Hour, MaxDelay: time.Hour}
	})
	c.jitter = func(d time.Duration) time.Duration { return d } // the longest backoff
	ctx, cancel := context.WithTimeout(bg, time.Minute)
	defer cancel()
	_, err := c.TriggerWorkflow(ctx, trigger)
	var re *ResponseError
	if !errors.As(err, &re) || re.StatusCode != 503 || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the 503 at once", err)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	if got := c.budget.available(); got != DefaultRetryBudget {
		t.Errorf("budget %d: a retry that never happened was charged", got)
	}
}

func TestRetryStopsWhenContextCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(bg)
	f := newFakeCI(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		cancel() // the caller gives up while the first attempt is in flight
		w.WriteHeader(503)
	})
	c := f.client(t, func(o *Options) { o.Retry.MaxAttempts = 5 })
	_, err := c.TriggerWorkflow(ctx, trigger)
	if err == nil {
		t.Fatal("no error")
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d requests after cancel, want 1", n)
	}
}

func TestClockSkewRetriedOnceResigned(t *testing.T) {
	serverNow := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Second)
	f := newFakeCI(t, func(n int, w http.ResponseWriter, r *http.Request) {
		a, _ := cossignParse(r.Header.Get("Authorization"))
		if !a.SignTime.Contains(serverNow) {
			w.Header().Set("Date", serverNow.Format(http.TimeFormat))
			w.WriteHeader(403)
			io.WriteString(w, errorXML("RequestTimeTooSkewed"))
			return
		}
		xmlReply(200, triggerOK)(n, w, r)
	})
	c := f.client(t)
	out, err := c.TriggerWorkflow(bg, trigger)
	if err != nil {
		t.Fatal(err)
	}
	if out.Meta.Attempts != 2 {
		t.Errorf("attempts = %d, want 2", out.Meta.Attempts)
	}
	// With the clock corrected the next call passes at once.
	if out, err := c.TriggerWorkflow(bg, trigger); err != nil || out.Meta.Attempts != 1 {
		t.Errorf("second call: %v %+v", err, out)
	}
}

func TestClockSkewRetriedOnlyOnce(t *testing.T) {
	f := newFakeCI(t, xmlReply(403, errorXML("RequestTimeTooSkewed")))
	_, err := f.client(t).TriggerWorkflow(bg, trigger)
	var oe *OperationError
	if !errors.As(err, &oe) || oe.Attempts != 2 || len(f.requests()) != 2 {
		t.Fatalf("err = %v, %d requests", err, len(f.requests()))
	}
}

func TestBackoffCapped(t *testing.T) {
	c := &Client{opts: Options{Retry: RetryOptions{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}}}
	c.jitter = func(d time.Duration) time.Duration { return d }
	for attempt, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 80: time.Second} {
		if got := c.backoff(attempt); got != want {
			t.Errorf("backoff(%d) = %v, want %v", attempt, got, want)
		}
	}
	for range 100 {
		if d := fullJitter(time.Second); d < 0 || d > time.Second {
			t.Fatalf("jitter %v out of [0, 1s]", d)
		}
	}
}

func TestRedirectIsAnError(t *testing.T) {
	f := newFakeCI(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "http://127.0.0.1:1/elsewhere")
		w.WriteHeader(307)
		io.WriteString(w, errorXML("TemporaryRedirect"))
	})
	_, err := f.client(t).TriggerWorkflow(bg, trigger)
	var re *ResponseError
	var ae *APIError
	if !errors.As(err, &re) || re.StatusCode != 307 || !errors.As(err, &ae) || ae.Code != "TemporaryRedirect" {
		t.Fatalf("err = %v", err)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d requests", n)
	}
}
