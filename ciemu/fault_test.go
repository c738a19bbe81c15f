package ciemu

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/cosflow/cosflow/cosclient"
)

// TestClientUnderFaults drives the real cosclient.Client against the
// emulator injecting, before processing, 30% 503s, 10% TCP resets and
// some latency on every call, and on TriggerWorkflow 10% answers lost
// after processing. Every call must end as a success or a typed error,
// and nothing may leak goroutines.
//
// Idempotent calls are retried through the faults. TriggerWorkflow is
// not retried after a failure that may have reached CI (a 503, or a reset
// after the request was written, may have started the workflow; the
// caller looks at DescribeWorkflowExecutions first): every trigger makes
// one attempt, each failure is Ambiguous, and the emulator's executions
// show exactly which failed triggers ran anyway (the lost answers), so
// no object ever runs twice.
func TestClientUnderFaults(t *testing.T) {
	n, workers := 200, 16
	if testing.Short() {
		n = 60
	}
	before := runtime.NumGoroutine()

	e := New(Options{Seed: 42, Faults: Faults{
		ErrorRate: 0.3, ResetRate: 0.1, Latency: time.Millisecond,
		LostAnswerRate: 0.1, LostAnswerOps: []string{OpTriggerWorkflow},
	}})
	srv := httptest.NewServer(e)
	tr := &http.Transport{MaxIdleConnsPerHost: workers}
	const maxAttempts = 4
	c, err := cosclient.New(cosclient.Options{
		Region:      "ap-guangzhou",
		Bucket:      testBucket,
		Credentials: cosclient.StaticCredentials{SecretID: DefaultSecretID, SecretKey: DefaultSecretKey},
		Endpoint:    srv.URL,
		HTTPClient:  &http.Client{Transport: tr},
		Retry:       cosclient.RetryOptions{MaxAttempts: maxAttempts, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, Budget: 1 << 20},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	t.Run("idempotent calls are retried", func(t *testing.T) {
		results := fanOut(n, workers, func(int) (int, error) {
			out, err := c.DescribeInventoryTriggerJobs(ctx, &cosclient.DescribeInventoryTriggerJobsInput{})
			if err != nil {
				return cosclient.ErrorAttempts(err), err
			}
			attempts, _ := cosclient.GetAttemptsMetadata(out.ResultMetadata)
			return attempts, nil
		})
		retried := 0
		for i, r := range results {
			checkTyped(t, fmt.Sprint("list ", i), r.err)
			switch {
			case r.err == nil && r.attempts > 1:
				retried++
			case r.err != nil && r.attempts != maxAttempts:
				t.Errorf("list %d failed after %d attempts, want %d: %v", i, r.attempts, maxAttempts, r.err)
			}
		}
		if retried == 0 {
			t.Error("no listing succeeded after a retry")
		}
		t.Logf("%d listings, %d succeeded after retries", n, retried)
	})

	t.Run("triggers are not retried and never run twice", func(t *testing.T) {
		object := func(i int) string { return fmt.Sprintf("soak/%03d.jpg", i) }
		results := fanOut(n, workers, func(i int) (int, error) {
			out, err := c.TriggerWorkflow(ctx, &cosclient.TriggerWorkflowInput{WorkflowID: testWF, Object: object(i)})
			if err != nil {
				return cosclient.ErrorAttempts(err), err
			}
			attempts, _ := cosclient.GetAttemptsMetadata(out.ResultMetadata)
			return attempts, nil
		})
		lost := map[string]FaultKind{}
		for _, call := range e.Calls() {
			if call.Operation == OpTriggerWorkflow && call.Fault.Lost() {
				lost[call.Query.Get("object")] = call.Fault
			}
		}
		successes, ranAnyway := 0, 0
		for i, r := range results {
			obj := object(i)
			count := e.TriggerCount(testBucket, testWF, obj)
			if r.attempts != 1 {
				t.Errorf("%s: %d attempts, want 1 (err %v)", obj, r.attempts, r.err)
			}
			if r.err == nil {
				successes++
				if count != 1 {
					t.Errorf("%s succeeded but ran %d times", obj, count)
				}
				continue
			}
			checkTyped(t, obj, r.err)
			if !cosclient.Ambiguous(r.err) {
				t.Errorf("%s: failure %v is not Ambiguous", obj, r.err)
			}
			// A failed trigger ran exactly when its answer was lost.
			want := 0
			if lost[obj] != FaultNone {
				want = 1
				ranAnyway++
			}
			if count != want {
				t.Errorf("%s failed (%v; fault %q) and ran %d times, want %d", obj, r.err, lost[obj], count, want)
			}
		}
		if got := e.TotalTriggers(); got != successes+ranAnyway {
			t.Errorf("emulator ran %d triggers, want %d successes + %d lost answers", got, successes, ranAnyway)
		}
		if ranAnyway == 0 || successes == 0 || successes == n {
			t.Errorf("faults not exercised: %d successes, %d lost answers of %d", successes, ranAnyway, n)
		}
		t.Logf("%d triggers: %d succeeded, %d failed, of which %d ran anyway", n, successes, n-successes, ranAnyway)
	})

	var resets, errs int
	for _, call := range e.Calls() {
		switch call.Fault {
		case FaultReset:
			resets++
		case FaultError:
			errs++
		}
	}
	if resets == 0 || errs == 0 {
		t.Errorf("faults not exercised: %d resets, %d errors", resets, errs)
	}

	tr.CloseIdleConnections()
	srv.Close()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines: %d before, %d after\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// fanResult is one call of fanOut: the attempts it made and its error.
type fanResult struct {
	attempts int
	err      error
}

// fanOut runs call(0..n-1) on workers goroutines and returns the results
// by index.
func fanOut(n, workers int, call func(i int) (attempts int, err error)) []fanResult {
	results := make([]fanResult, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				attempts, err := call(i)
				results[i] = fanResult{attempts, err}
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return results
}

// checkTyped checks a failure is cosclient's: an *OperationError, over a
// *ResponseError carrying CI's <Error> (or, for a 2xx, a
// *DeserializationError), or over a *ConnectionError.
func checkTyped(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var (
		oe *smithy.OperationError
		re *cosclient.ResponseError
		ae *cosclient.APIError
		ce *cosclient.ConnectionError
		de *smithy.DeserializationError
	)
	if !errors.As(err, &oe) {
		t.Errorf("%s: error %T %v is not an *OperationError", what, err, err)
	}
	if errors.As(err, &re) && !errors.As(err, &ae) && !(re.HTTPStatusCode() < 300 && errors.As(err, &de)) {
		t.Errorf("%s: HTTP error without CI's <Error>: %v", what, err)
	}
	if !errors.As(err, &re) && !errors.As(err, &ce) {
		t.Errorf("%s: neither an answer nor a connection failure: %v", what, err)
	}
}
