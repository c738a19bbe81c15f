package ciemu

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/cosflow/cosflow/cosclient"
)

// TestClientUnderFaults drives the real cosclient.Client against the
// emulator injecting 30% 503s, 10% TCP resets and some latency. Every call
// must end as a success or a typed error; the emulator's trigger counts
// must equal the successes the client reported (resets and errors are
// injected before processing, so a retried trigger is never counted
// twice); and nothing may leak goroutines.
func TestClientUnderFaults(t *testing.T) {
	n, workers := 200, 16
	if testing.Short() {
		n = 60
	}
	before := runtime.NumGoroutine()

	e := New(Options{Seed: 42, Faults: Faults{ErrorRate: 0.3, ResetRate: 0.1, Latency: time.Millisecond}})
	srv := httptest.NewServer(e)
	tr := &http.Transport{MaxIdleConnsPerHost: workers}
	c, err := cosclient.New(cosclient.Options{
		Region:      "ap-guangzhou",
		Bucket:      testBucket,
		Credentials: cosclient.StaticCredentials{SecretID: DefaultSecretID, SecretKey: DefaultSecretKey},
		Endpoint:    srv.URL,
		HTTPClient:  &http.Client{Transport: tr},
		Retry:       cosclient.RetryOptions{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, Budget: 1 << 20},
	})
	if err != nil {
		t.Fatal(err)
	}

	type result struct {
		object   string
		attempts int
		err      error
	}
	results := make([]result, n)
	jobs := make(chan int)
	var wg sync.WaitGroup
	ctx := context.Background()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				obj := fmt.Sprintf("soak/%03d.jpg", i)
				out, err := c.TriggerWorkflow(ctx, &cosclient.TriggerWorkflowInput{WorkflowID: testWF, Object: obj})
				r := result{object: obj, err: err}
				if err == nil {
					r.attempts, _ = cosclient.GetAttemptsMetadata(out.ResultMetadata)
				}
				results[i] = r
			}
		}()
	}
	for i := 0; i < n; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()

	successes, retried := 0, 0
	for _, r := range results {
		count := e.TriggerCount(testBucket, testWF, r.object)
		if r.err == nil {
			successes++
			if r.attempts > 1 {
				retried++
			}
			if count != 1 {
				t.Errorf("%s succeeded but the emulator counted %d triggers", r.object, count)
			}
			continue
		}
		var oe *smithy.OperationError
		if !errors.As(r.err, &oe) {
			t.Errorf("%s: error %T %v is not an *OperationError", r.object, r.err, r.err)
		}
		var re *cosclient.ResponseError
		var ae *cosclient.APIError
		if errors.As(r.err, &re) && (!errors.As(r.err, &ae) || ae.Code != "ServiceUnavailable") {
			t.Errorf("%s: HTTP error without the injected APIError: %v", r.object, r.err)
		}
		if !errors.As(r.err, &re) && !strings.Contains(r.err.Error(), "reset") && !errors.Is(r.err, cosclient.ErrRetryBudgetExhausted) {
			t.Logf("%s: connection-level failure: %v", r.object, r.err)
		}
		if count != 0 {
			t.Errorf("%s failed but the emulator counted %d triggers", r.object, count)
		}
	}
	if got := e.TotalTriggers(); got != successes {
		t.Errorf("emulator counted %d triggers, client reported %d successes", got, successes)
	}
	var resets, errs int
	for _, call := range e.Calls() {
		switch call.Fault {
		case FaultReset:
			resets++
		case FaultError:
			errs++
		}
	}
	if resets == 0 || errs == 0 || retried == 0 {
		t.Errorf("faults not exercised: %d resets, %d errors, %d retried successes", resets, errs, retried)
	}
	t.Logf("%d calls: %d succeeded (%d after retries), %d failed; emulator saw %d requests, %d resets, %d 503s",
		n, successes, retried, n-successes, len(e.Calls()), resets, errs)

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
