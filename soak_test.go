package main

// Reliability under a misbehaving CI: deliveries are retried the way SCF
// retries an asynchronous invocation (three attempts in all) on one warm
// process, and the emulator's exact trigger counts show whether anything
// fired twice or was silently lost.

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/handler"
)

// platformAttempts is how often SCF delivers an asynchronous event that
// keeps failing: the first attempt and two retries.
const platformAttempts = 3

// incompleteMessage matches handler.IncompleteError's message, the only
// way a failed invocation reports how many of its items failed.
var incompleteMessage = regexp.MustCompile(`^(\d+) of (\d+) item\(s\) failed and will be retried`)

// deliveryOutcome is what the platform saw of one delivery after its last
// attempt.
type deliveryOutcome struct {
	keys     []string
	attempts int
	reported int // items the last attempt's error reported failed; 0 on success
}

// deliver invokes payload up to platformAttempts times, like the platform,
// stopping at the first success. before, when set, runs before each
// attempt (to change the emulator's faults). It returns the outcome and
// the longest attempt.
func deliver(t *testing.T, fn *function, keys []string, deadline func(attempt int) time.Duration, before func(attempt int)) (deliveryOutcome, time.Duration) {
	t.Helper()
	payload := cosDelivery(t, keys)
	out := deliveryOutcome{keys: keys}
	var longest time.Duration
	for attempt := 1; attempt <= platformAttempts; attempt++ {
		if before != nil {
			before(attempt)
		}
		out.attempts = attempt
		start := time.Now()
		resp := fn.invoke(t, payload, deadline(attempt))
		longest = max(longest, time.Since(start))
		if resp.Error == nil {
			var res handler.UploadResult
			decodeResult(t, resp, &res)
			if len(res.Failed) != 0 || len(res.Triggered)+len(res.Skipped) != len(keys) {
				t.Errorf("attempt %d: triggered %d, skipped %d, failed %+v; want all %d accounted for without failures",
					attempt, len(res.Triggered), len(res.Skipped), res.Failed, len(keys))
			}
			out.reported = 0
			return out, longest
		}
		m := incompleteMessage.FindStringSubmatch(resp.Error.Message)
		if m == nil {
			t.Fatalf("attempt %d: error %q is not a retryable incomplete delivery", attempt, resp.Error.Message)
		}
		out.reported, _ = strconv.Atoi(m[1])
	}
	return out, longest
}

// soakKeys names the records of delivery d.
func soakKeys(d, perDelivery int) []string {
	keys := make([]string, perDelivery)
	for i := range keys {
		keys[i] = fmt.Sprintf("soak/d%03d/r%04d.jpg", d, d*perDelivery+i)
	}
	return keys
}

func TestSoak(t *testing.T) {
	records, perDelivery := 2000, 50
	if testing.Short() {
		records = 200
	}
	// 30% of calls fail: 503s, 429 SlowDown throttling and TCP resets.
	flaky := ciemu.Faults{ErrorRate: 0.2, ThrottleRate: 0.05, ThrottleStatus: 429, ResetRate: 0.05}
	// Every fifth delivery's first attempt also meets a CI answering just
	// inside its deadline, so the second wave of calls is cut short.
	const slowDeadline, slowLatency = 3 * time.Second, 2 * time.Second
	slow := flaky
	slow.Latency = slowLatency
	isSlow := func(d, attempt int) bool { return d%5 == 2 && attempt == 1 }

	emu, url := startEmulator(t, ciemu.Options{Faults: flaky, Seed: 42, MaxCalls: 100_000})
	fn := startFunction(t, functionEnv(url, map[string]string{"COSFLOW_CONCURRENCY": "16"}))

	var (
		outcomes []deliveryOutcome
		longest  time.Duration
		retried  int
	)
	for d := range records / perDelivery {
		out, l := deliver(t, fn, soakKeys(d, perDelivery),
			func(attempt int) time.Duration {
				if isSlow(d, attempt) {
					return slowDeadline
				}
				return 20 * time.Second
			},
			func(attempt int) {
				if isSlow(d, attempt) {
					emu.SetFaults(slow)
				} else {
					emu.SetFaults(flaky)
				}
			})
		outcomes = append(outcomes, out)
		longest = max(longest, l)
		if out.attempts > 1 {
			retried++
		}
	}

	var triggered, duplicates, unfired, reported int
	for d, out := range outcomes {
		missing := 0
		for _, key := range out.keys {
			switch n := emu.TriggerCount(e2eBucket, e2eWorkflowID, key); {
			case n == 0:
				missing++
			case n > 1:
				duplicates += n - 1
				t.Errorf("%s triggered %d times", key, n)
			}
			triggered += min(emu.TriggerCount(e2eBucket, e2eWorkflowID, key), 1)
		}
		// A record that never fired must have been reported failed by
		// the delivery's last attempt, so it is not lost silently: it
		// goes to the platform's dead-letter handling.
		if missing != out.reported {
			t.Errorf("delivery %d: %d records never fired, but the last of %d attempts reported %d failed",
				d, missing, out.attempts, out.reported)
		}
		unfired += missing
		reported += out.reported
	}
	if total := emu.TotalTriggers(); total != triggered+duplicates {
		t.Errorf("emulator TotalTriggers %d, want %d (distinct) + %d (duplicates)", total, triggered, duplicates)
	}
	if retried == 0 {
		t.Errorf("no delivery needed a platform retry: the faults did not bite, the test proves nothing")
	}
	calls := len(emu.Calls())
	t.Logf("%d records in %d deliveries: %d triggered once, %d duplicates, %d never fired (all %d reported failed); "+
		"%d deliveries retried by the platform; %d CI calls (%.2f per record); longest invocation %v",
		records, len(outcomes), triggered, duplicates, unfired, reported, retried, calls,
		float64(calls)/float64(records), longest.Round(time.Millisecond))
}

// TestSoakRetryBudget: with CI hard down, a large delivery must not turn
// into a retry storm. Every call gets its first attempt; retries are paid
// from the client's token bucket (cosclient.DefaultRetryBudget tokens, 5
// per retry after an HTTP answer, see cosclient/retry.go), so the whole
// delivery costs at most records + budget/5 calls rather than
// MaxAttempts × records, and once the bucket is empty a warm instance's
// next delivery costs exactly one call per record.
func TestSoakRetryBudget(t *testing.T) {
	const records = 100
	const retryCost = 5 // cosclient's cost of a retry after a 5xx answer
	emu, url := startEmulator(t, ciemu.Options{Faults: ciemu.Faults{ErrorRate: 1}})
	fn := startFunction(t, functionEnv(url, nil))
	keys := soakKeys(0, records)
	payload := cosDelivery(t, keys)

	start := time.Now()
	resp := fn.invoke(t, payload, 30*time.Second)
	took := time.Since(start)
	expectError(t, resp, fmt.Sprintf("%d of %d item(s) failed", records, records))
	first := len(emu.Calls())
	bound := records + cosclient.DefaultRetryBudget/retryCost
	if first < records || first > bound {
		t.Errorf("first delivery made %d CI calls, want between %d and %d (records + budget/%d)", first, records, bound, retryCost)
	}
	if naive := cosclient.DefaultMaxAttempts * records; first >= naive {
		t.Errorf("first delivery made %d CI calls: the retry budget did not cap the %d a naive retryer makes", first, naive)
	}

	// The platform's retry on the same warm instance: the bucket is empty
	// and nothing succeeded to refill it, so no call is retried.
	resp = fn.invoke(t, payload, 30*time.Second)
	expectError(t, resp, "failed and will be retried")
	if second := len(emu.Calls()) - first; second != records {
		t.Errorf("redelivery made %d CI calls, want exactly %d (one per record, no retries)", second, records)
	}
	if n := emu.TotalTriggers(); n != 0 {
		t.Errorf("TotalTriggers = %d with CI down, want 0", n)
	}
	t.Logf("CI down: %d-record delivery made %d CI calls (bound %d, naive %d) in %v; redelivery %d calls",
		records, first, bound, cosclient.DefaultMaxAttempts*records, took.Round(time.Millisecond), len(emu.Calls())-first)
}
