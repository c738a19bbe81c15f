package cosclient

import (
	"context"
	"errors"
	"math"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// stepClock is a clock the pacing tests step by hand.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func newStepClock() *stepClock { return &stepClock{t: time.Now()} }

func (c *stepClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *stepClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// sleep advances the clock instead of sleeping.
func (c *stepClock) sleep(_ context.Context, d time.Duration) error {
	c.advance(d)
	return nil
}

const ms = time.Millisecond

// sendAt sends n attempts every 2 ms from the clock's time (each takes a
// token: the rate must admit them) and returns when the first went.
func sendAt(t *testing.T, r *sendRate, c *stepClock, n int) time.Time {
	t.Helper()
	first := c.now()
	for i := range n {
		if _, ok := r.reserve(); !ok {
			t.Fatalf("send %d refused", i+1)
		}
		c.advance(2 * ms)
	}
	return first
}

// throttleFirst makes r limited: 40 sends in 80 ms (500/s), then a
// throttle, which cuts the rate to 0.7 of that. It returns when the cut
// was made.
func throttleFirst(t *testing.T, r *sendRate, c *stepClock) time.Time {
	t.Helper()
	sent := sendAt(t, r, c, 40)
	r.observe(sent, true)
	if !r.limited || !near(r.fill, pacingBeta*500) {
		t.Fatalf("after the first throttle: limited %v, fill %.2f, want %.2f", r.limited, r.fill, pacingBeta*500)
	}
	return c.now()
}

// exchange makes n attempts, each d after the last or when the rate
// admits it, answered at once, throttled as throttled(i) says (i from 1).
func exchange(r *sendRate, c *stepClock, n int, d time.Duration, throttled func(i int) bool) {
	for i := 1; i <= n; i++ {
		c.advance(d)
		for {
			wait, ok := r.reserve()
			if ok {
				break
			}
			c.advance(wait)
		}
		r.observe(c.now(), throttled(i))
	}
}

func never(int) bool { return false }

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6*max(1, math.Abs(b)) }

func TestSendRateNothingWaitsBeforeAThrottle(t *testing.T) {
	c := newStepClock()
	r := newSendRate(c.now)
	for i := range 1000 { // far past any rate, all at once
		if _, ok := r.reserve(); !ok {
			t.Fatalf("send %d waited", i+1)
		}
		r.observe(c.now(), false)
	}
	if r.limited {
		t.Error("limited without a throttle")
	}
}

// TestSendRateFirstThrottle: the first throttle cuts to pacingBeta of the
// rate being sent, counted over the open window; the bucket holds one
// token, so the next send goes at once and the one after waits 1/fill.
func TestSendRateFirstThrottle(t *testing.T) {
	c := newStepClock()
	r := newSendRate(c.now)
	throttleFirst(t, r, c)
	if _, ok := r.reserve(); !ok {
		t.Fatal("the retry of the first throttle waited")
	}
	wait, ok := r.reserve()
	if want := time.Duration(math.Ceil(float64(time.Second) / (pacingBeta * 500))); ok || wait != want {
		t.Fatalf("next send: ok %v, wait %v; want a wait of %v", ok, wait, want)
	}
	c.advance(wait - 1)
	if _, ok := r.reserve(); ok {
		t.Error("a send went before its token")
	}
	c.advance(1)
	if _, ok := r.reserve(); !ok {
		t.Error("no token after its wait")
	}
	// Tokens do not pile up: after an idle second, one send, then a wait.
	c.advance(time.Second)
	if _, ok := r.reserve(); !ok {
		t.Fatal("no token after a second")
	}
	if _, ok := r.reserve(); ok {
		t.Error("two sends at once from an idle bucket")
	}
}

// TestSendRateCutsToAccepted: once more than pacingDeadband of the sends
// made since the last cut are throttled (at least pacingMinAnswers of
// them, over pacingCutSpan), the rate is cut to the unthrottled answers a
// second CI gave them. Throttles of sends made before the last cut, and
// a share within the dead band, cut nothing.
func TestSendRateCutsToAccepted(t *testing.T) {
	c := newStepClock()
	r := newSendRate(c.now)
	cutAt := throttleFirst(t, r, c)
	before := cutAt.Add(-ms) // sent before the cut
	fill := r.fill

	// Stale throttles, however many: nothing.
	for range 50 {
		c.advance(ms)
		r.observe(before, true)
	}
	if r.fill != fill || !r.lastCut.Equal(cutAt) {
		t.Fatalf("throttles of sends made before the cut cut the rate to %.2f", r.fill)
	}

	// Fresh answers every 5 ms: the third throttled, then 17 fine, then
	// throttles. Up to the 24th answer the throttled share is within the
	// dead band (5 of 24 is not clearly over 10%: overDeadband); at the
	// 25th, 6 of 25: cut to 19 fine answers over the 120 ms since the
	// first.
	sent := c.now()
	for i := 1; i <= 25; i++ {
		c.advance(5 * ms)
		r.observe(sent, i == 3 || i >= 21)
		if i < 25 && !r.lastCut.Equal(cutAt) {
			t.Fatalf("answer %d cut the rate to %.2f", i, r.fill)
		}
	}
	if want := 19 / 0.120; !near(r.fill, want) {
		t.Fatalf("fill %.2f after the cut, want %.2f (19 answers in 120 ms)", r.fill, want)
	}
	if !r.lastCut.Equal(c.now()) || r.recovery != 0 {
		t.Errorf("cut at %v, recovery %v; want now and 0 (the cubic probes from the measured limit)", r.lastCut, r.recovery)
	}
}

// TestSendRateSporadicThrottles: throttles that are a share of the
// answers below the dead band, whatever the rate, never cut it.
func TestSendRateSporadicThrottles(t *testing.T) {
	c := newStepClock()
	r := newSendRate(c.now)
	cutAt := throttleFirst(t, r, c)
	exchange(r, c, 2000, 2*ms, func(i int) bool { return i%20 == 0 }) // 4 s, one in 20 throttled
	if !r.lastCut.Equal(cutAt) || r.fill <= pacingBeta*500 {
		t.Errorf("cut at %v after the first throttle, fill %.2f; want no cut, the rate climbing", r.lastCut.Sub(cutAt), r.fill)
	}
}

// TestSendRateIdleGap: an idle gap restarts the evidence, so that a cut
// after it measures CI's rate over the answers since, not over the gap;
// and the rate resumes from the one measured before the gap.
func TestSendRateIdleGap(t *testing.T) {
	c := newStepClock()
	r := newSendRate(c.now)
	cutAt := throttleFirst(t, r, c)
	exchange(r, c, 250, 4*ms, never) // a second at 250/s
	if math.Abs(r.measured-250) > 10 {
		t.Fatalf("measured %.2f sends/s, want about 250", r.measured)
	}
	c.advance(10 * time.Second)
	// 20 fine answers, then throttles, 4 ms apart: the cut comes at the
	// 26th (6 of 26 throttled, clearly over the dead band), to 20 answers
	// over the 100 ms since the first of the burst.
	exchange(r, c, 25, 4*ms, func(i int) bool { return i > 20 })
	if !r.lastCut.Equal(cutAt) {
		t.Fatalf("cut to %.2f after 5 throttles of 25, want no cut yet", r.fill)
	}
	exchange(r, c, 1, 4*ms, func(int) bool { return true })
	if want := 20 / 0.100; !near(r.fill, want) {
		t.Fatalf("fill %.2f, want a cut to %.2f", r.fill, want)
	}
}

// TestSendRateCutsAtALowRate: a first throttle at a slow sender's rate
// (40 a second, cut to 28) leaves fewer than pacingMinAnswers answers in a
// pacingWindow; the answers are then counted over the time
// pacingMinAnswers take at the rate, so that a limit far below it is
// still measured and cut to.
func TestSendRateCutsAtALowRate(t *testing.T) {
	c := newStepClock()
	r := newSendRate(c.now)
	exchange(r, c, 40, 25*ms, never) // a second at 40/s
	r.observe(c.now(), true)
	if want := pacingBeta * 40; math.Abs(r.fill-want) > 2 { // the open window says 20 sends in 475 ms
		t.Fatalf("fill %.2f after the first throttle, want about %.2f", r.fill, want)
	}
	cutAt := r.lastCut
	// Four of five throttled, at the rate (about 30 a second): the 20th
	// answer, about 0.6 s after the first, is the first with
	// pacingMinAnswers of them counted.
	exchange(r, c, 19, 0, func(i int) bool { return i%5 != 0 })
	if !r.lastCut.Equal(cutAt) {
		t.Fatalf("cut to %.2f before pacingMinAnswers answers", r.fill)
	}
	exchange(r, c, 1, 0, func(int) bool { return true })
	if r.lastCut.Equal(cutAt) || r.fill > 8 {
		t.Fatalf("fill %.2f, cut at %v; want a cut to the 3 answers CI gave in about 0.6 s", r.fill, r.lastCut.Sub(cutAt))
	}
}

// TestSendRateClimbsBack: unthrottled answers raise the rate along the
// cubic from the last cut, never past twice the measured send rate, and
// never below the floor.
func TestSendRateClimbsBack(t *testing.T) {
	c := newStepClock()
	r := newSendRate(c.now)
	cutAt := throttleFirst(t, r, c) // from 500 to 350, back to 500 in K s
	k := math.Cbrt(500 * (1 - pacingBeta) / pacingScale)
	if !near(r.recovery, k) || r.lastMax != 500 {
		t.Fatalf("recovery %.3f s to %.2f, want %.3f to 500", r.recovery, r.lastMax, k)
	}
	cubic := func() float64 { return pacingScale*math.Pow(c.now().Sub(cutAt).Seconds()-k, 3) + 500 }
	for c.now().Sub(cutAt).Seconds() < k+1 { // sending as fast as the rate admits
		exchange(r, c, 1, 0, never)
		if !near(r.fill, cubic()) {
			t.Fatalf("fill %.3f at %v after the cut, want the cubic's %.3f", r.fill, c.now().Sub(cutAt), cubic())
		}
	}
	if r.fill <= 500 {
		t.Errorf("fill %.2f a second past K, want it probing beyond 500", r.fill)
	}
	c.advance(time.Hour) // the cubic is huge now: the measured send rate bounds it
	r.observe(c.now(), false)
	if want := 2 * r.measured; !near(r.fill, want) {
		t.Errorf("fill %.2f an hour on, want twice the measured send rate, %.2f", r.fill, want)
	}
	r.cut(c.now(), 0, 0) // everything throttled: the floor holds
	if r.fill != pacingMinRate {
		t.Errorf("fill %.2f after a cut to nothing, want the floor %.2f", r.fill, pacingMinRate)
	}
}

// TestPacerDeadline: an attempt whose token would come after its
// context's deadline fails at once (no sleep) with ErrPacedPastDeadline,
// which Classify calls RetryLater; one whose token comes before it sleeps
// until then.
func TestPacerDeadline(t *testing.T) {
	c := newStepClock()
	p := newPacer(PacingOptions{MaxInFlight: 1}, c.now)
	p.sleep = c.sleep
	r := p.rates[ServiceCI]
	throttleFirst(t, r, c)
	r.cut(c.now(), 0, 0) // the floor: one send in 2 s
	if _, _, err := p.admit(bg, ServiceCI); err != nil {
		t.Fatal(err) // the bucket's one token
	}
	p.done(bg, ServiceCI, c.now(), nil)

	ctx, cancel := context.WithDeadline(bg, c.now().Add(time.Second))
	defer cancel()
	p.sleep = func(context.Context, time.Duration) error {
		t.Fatal("slept although the token comes after the deadline")
		return nil
	}
	_, waited, err := p.admit(ctx, ServiceCI)
	if !errors.Is(err, ErrPacedPastDeadline) || !errors.Is(err, context.DeadlineExceeded) || Classify(err) != RetryLater || waited != 0 {
		t.Fatalf("err = %v (waited %v), want ErrPacedPastDeadline at once, RetryLater", err, waited)
	}
	if len(p.slots) != 0 {
		t.Errorf("%d places still taken after a refused attempt", len(p.slots))
	}

	p.sleep = c.sleep
	ctx, cancel = context.WithDeadline(bg, c.now().Add(3*time.Second))
	defer cancel()
	sent, waited, err := p.admit(ctx, ServiceCI)
	if err != nil || waited != 2*time.Second || !sent.Equal(c.now()) {
		t.Fatalf("err %v, waited %v; want the token after 2 s", err, waited)
	}
	p.done(ctx, ServiceCI, sent, nil)
	// COS has a rate of its own, untouched.
	if _, waited, err := p.admit(bg, ServiceCOS); err != nil || waited != 0 {
		t.Errorf("a COS attempt waited %v (%v)", waited, err)
	}
}

// TestPacerMaxInFlight: at most MaxInFlight attempts are admitted at once;
// the next waits for one to be done, or for its context.
func TestPacerMaxInFlight(t *testing.T) {
	c := newStepClock()
	p := newPacer(PacingOptions{MaxInFlight: 2}, c.now)
	for range 2 {
		if _, _, err := p.admit(bg, ServiceCI); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(bg)
	cancel()
	if _, _, err := p.admit(ctx, ServiceCI); !errors.Is(err, context.Canceled) {
		t.Fatalf("a third attempt: %v, want it held until its context ended", err)
	}
	p.done(bg, ServiceCI, c.now(), nil)
	if _, _, err := p.admit(bg, ServiceCI); err != nil {
		t.Errorf("after one was done: %v", err)
	}
	if newPacer(PacingOptions{MaxInFlight: -1}, c.now).slots != nil {
		t.Error("a negative MaxInFlight bounds")
	}
}

// TestPacedCallOutOfTime drives the retry step: CI throttles every
// attempt, the paced retries wait for their tokens (on the test's clock),
// cost no retry budget, go past MaxAttempts, and the call ends when the
// next token would come after its deadline, with an error that says so,
// carries the last throttle, and is RetryLater.
func TestPacedCallOutOfTime(t *testing.T) {
	f := newFakeCI(t, always(errorAnswer(http.StatusServiceUnavailable, "SlowDown")))
	c := f.client(t)
	clock := newStepClock()
	c.pacer = newPacer(PacingOptions{}, clock.now)
	c.pacer.sleep = clock.sleep
	ctx, cancel := context.WithDeadline(bg, clock.now().Add(10*time.Second))
	defer cancel()
	_, err := c.DescribeInventoryTriggerJobs(ctx, nil)
	if !errors.Is(err, ErrPacedPastDeadline) || !Throttled(err) || Classify(err) != RetryLater {
		t.Fatalf("err = %v, want ErrPacedPastDeadline over the last throttle, RetryLater", err)
	}
	n := ErrorAttempts(err)
	if n <= DefaultMaxAttempts || n > 100 || len(f.requests()) != n {
		t.Errorf("%d attempts (%d requests); want more than MaxAttempts, paced", n, len(f.requests()))
	}
	if got := c.budget.available(); got != DefaultRetryBudget {
		t.Errorf("budget %d: paced throttles were charged", got)
	}
	if clock.now().After(mustDeadline(ctx)) {
		t.Errorf("the paced waits passed the deadline")
	}
}

func mustDeadline(ctx context.Context) time.Time {
	dl, _ := ctx.Deadline()
	return dl
}

// TestPacerHearsOnlyAnswers: an attempt without an answer, or one whose
// caller gave up, says nothing of CI's rate; a throttle does.
func TestPacerHearsOnlyAnswers(t *testing.T) {
	c := newStepClock()
	p := newPacer(PacingOptions{}, c.now)
	r := p.rates[ServiceCI]
	throttleFirst(t, r, c)
	sent := c.now()
	ended, cancel := context.WithCancel(bg)
	cancel()
	p.done(bg, ServiceCI, sent, &ConnectionError{Sent: true, Err: errors.New("reset")})
	p.done(ended, ServiceCI, sent, &ConnectionError{Err: context.Canceled})
	if r.since.answers != 0 {
		t.Fatalf("%d answers counted from attempts that got none", r.since.answers)
	}
	throttle := &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: http.StatusTooManyRequests}}}
	p.done(bg, ServiceCI, sent, &ResponseError{ResponseError: throttle})
	if r.since.answers != 1 || r.since.throttled != 1 {
		t.Errorf("a throttle counted as %d answers, %d throttled; want 1 and 1", r.since.answers, r.since.throttled)
	}
}

// TestPacedThrottlesPastMaxAttempts: while the client paces, a call with a
// deadline that CI throttles is retried past MaxAttempts, each retry
// waiting for its send token (on the test's clock), until an answer comes;
// without a deadline, with MaxAttempts 1 (no retry), with pacing disabled
// or for a failure that is not a throttle, MaxAttempts bounds it as
// before.
func TestPacedThrottlesPastMaxAttempts(t *testing.T) {
	const throttles = 3 * DefaultMaxAttempts
	slowDown := errorAnswer(http.StatusServiceUnavailable, "SlowDown")
	tests := []struct {
		name     string
		fail     answer
		deadline bool
		opts     func(*Options)
		want     int // attempts; throttles+1 when the call gets its answer
	}{
		{"throttled, deadline", slowDown, true, nil, throttles + 1},
		{"429, deadline", xmlAnswer(http.StatusTooManyRequests, ""), true, nil, throttles + 1},
		{"throttled, no deadline", slowDown, false, nil, DefaultMaxAttempts},
		{"throttled, no retry", slowDown, true, func(o *Options) { o.Retry.MaxAttempts = 1 }, 1},
		{"throttled, pacing disabled", slowDown, true, func(o *Options) { o.Pacing.Disabled = true }, DefaultMaxAttempts},
		{"503, deadline", errorAnswer(http.StatusServiceUnavailable, "ServiceUnavailable"), true, nil, DefaultMaxAttempts},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeCI(t, failThen(throttles, tt.fail, okTrigger))
			var mods []func(*Options)
			if tt.opts != nil {
				mods = append(mods, tt.opts)
			}
			c := f.client(t, mods...)
			clock := newStepClock()
			if c.pacer.paces() {
				c.pacer = newPacer(c.options.Pacing, clock.now)
				c.pacer.sleep = clock.sleep
			}
			ctx := bg
			if tt.deadline {
				var cancel context.CancelFunc
				ctx, cancel = context.WithDeadline(bg, clock.now().Add(time.Minute))
				defer cancel()
			}
			out, err := c.DescribeInventoryTriggerJobs(ctx, &DescribeInventoryTriggerJobsInput{})
			n := ErrorAttempts(err)
			if err == nil {
				n, _ = GetAttemptsMetadata(out.ResultMetadata)
			}
			if n != tt.want || len(f.requests()) != tt.want {
				t.Errorf("%d attempts (%d requests), err %v; want %d", n, len(f.requests()), err, tt.want)
			}
			if (err == nil) != (tt.want == throttles+1) {
				t.Errorf("err = %v", err)
			}
		})
	}
}

// TestPacedThrottlesLeaveMaxAttempts: the paced throttles a call is
// retried past MaxAttempts for are not charged to it either, so a
// transient failure after them is retried as one on a first attempt would
// be, and an ambiguous failure of a trigger after them is still never
// retried (a throttle is a refusal: it started nothing).
func TestPacedThrottlesLeaveMaxAttempts(t *testing.T) {
	const throttles = 2 * DefaultMaxAttempts
	slowDown := errorAnswer(http.StatusServiceUnavailable, "SlowDown")
	unavailable := errorAnswer(http.StatusServiceUnavailable, "ServiceUnavailable")
	// then answers the requests after the throttles in turn, the last one
	// every request after them.
	then := func(after ...answer) func(int, http.ResponseWriter, *http.Request) {
		return func(i int, w http.ResponseWriter, r *http.Request) {
			switch {
			case i <= throttles:
				slowDown(w, r)
			case i-throttles < len(after):
				after[i-throttles-1](w, r)
			default:
				after[len(after)-1](w, r)
			}
		}
	}
	tests := []struct {
		name    string
		answers func(int, http.ResponseWriter, *http.Request)
		trigger bool
		want    int  // attempts
		ok      bool // the call gets its answer
	}{
		{"503 once, then ok", then(unavailable, okTrigger), false, throttles + 2, true},
		{"503 for ever", then(unavailable), false, throttles + DefaultMaxAttempts, false},
		{"trigger: 503, ambiguous", then(unavailable), true, throttles + 1, false},
		{"trigger: ok", then(okTrigger), true, throttles + 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeCI(t, tt.answers)
			c := f.client(t)
			clock := newStepClock()
			c.pacer = newPacer(c.options.Pacing, clock.now)
			c.pacer.sleep = clock.sleep
			ctx, cancel := context.WithDeadline(bg, clock.now().Add(time.Minute))
			defer cancel()
			var (
				md  middleware.Metadata
				err error
			)
			if tt.trigger {
				var out *TriggerWorkflowOutput
				if out, err = c.TriggerWorkflow(ctx, trigger); err == nil {
					md = out.ResultMetadata
				}
			} else {
				var out *DescribeInventoryTriggerJobsOutput
				if out, err = c.DescribeInventoryTriggerJobs(ctx, &DescribeInventoryTriggerJobsInput{}); err == nil {
					md = out.ResultMetadata
				}
			}
			n := ErrorAttempts(err)
			if err == nil {
				n, _ = GetAttemptsMetadata(md)
			}
			if n != tt.want || len(f.requests()) != tt.want || (err == nil) != tt.ok {
				t.Errorf("%d attempts (%d requests), err %v; want %d, ok %v", n, len(f.requests()), err, tt.want, tt.ok)
			}
			if tt.trigger && !tt.ok && !MayHaveTakenEffect(err) {
				t.Errorf("err = %v, want one that may have taken effect", err)
			}
		})
	}
}
