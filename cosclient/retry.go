package cosclient

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Retry budget costs, as in the AWS SDKs' standard retryer.
const (
	retryCost       = 5  // a retry after an HTTP answer (5xx, and 429 or throttling when pacing is disabled)
	retryCostNoResp = 10 // a retry after a timeout or connection failure
	successRefund   = 1  // what every successful call gives back
	// throttleCost is what a retry after a throttling answer costs while
	// the client paces: nothing. The budget keeps a failing CI from being
	// hammered; a throttle is CI asking for less, and the pacer (which the
	// throttle has just slowed) makes the retry wait for a send token like
	// every other attempt, so the retry adds no load above the rate CI is
	// taking. Charging it would turn a burst's throttles into failed calls
	// within a second, the budget spent on exactly the retries pacing makes
	// safe. Every other failure pays as before. (aws-sdk-go-v2's retry
	// behaviour of 2026 goes the same way: a throttling retry costs 5
	// tokens, a transient one 14; aws/retry/retry2026_test.go.) For the
	// same reason such a retry is bounded by the caller's deadline rather
	// than by MaxAttempts: see pacedRetry.
	throttleCost = 0
)

// retryBudget is a token bucket shared by all calls of a Client, so that a
// failing CI is not hammered: each retry spends tokens, each success returns
// one, and when it is empty calls fail on their first error.
type retryBudget struct {
	mu       sync.Mutex
	tokens   int
	capacity int
}

func newRetryBudget(capacity int) *retryBudget {
	return &retryBudget{tokens: capacity, capacity: capacity}
}

// take spends cost tokens, or reports false when there are not enough.
func (b *retryBudget) take(cost int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tokens < cost {
		return false
	}
	b.tokens -= cost
	return true
}

// refund returns n tokens, up to the capacity.
func (b *retryBudget) refund(n int) {
	b.mu.Lock()
	b.tokens = min(b.tokens+n, b.capacity)
	b.mu.Unlock()
}

// available reports the tokens left (for tests).
func (b *retryBudget) available() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.tokens
}

// fullJitter is "full jitter" backoff: uniformly random in [0, d].
func fullJitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(d) + 1))
}

// backoff is the delay before attempt+1: capped exponential, full jitter.
func (c *Client) backoff(r RetryOptions, attempt int) time.Duration {
	d := r.MaxDelay
	if shift := attempt - 1; shift < 30 {
		if e := r.BaseDelay << shift; e > 0 && e < d {
			d = e
		}
	}
	return c.jitter(d)
}

// retryMiddleware runs the attempts of one call (Finalize step; Signing
// sits inside it, so every attempt is signed afresh). Every attempt is
// first admitted by the Client's pacer (see pacing.go). Classify decides
// what a failure is worth; the budget, the backoff and the caller's
// deadline bound how much is spent on it. Idempotent calls are retried
// after an ambiguous failure; the others return it, since the first
// attempt may have taken effect.
type retryMiddleware struct{}

// ID implements middleware.FinalizeMiddleware.
func (retryMiddleware) ID() string { return IDRetry }

// HandleFinalize implements middleware.FinalizeMiddleware.
func (m retryMiddleware) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
	req, ok := in.Request.(*smithyhttp.Request)
	if !ok {
		return middleware.FinalizeOutput{}, middleware.Metadata{}, fmt.Errorf("retry: unexpected request %T", in.Request)
	}
	cl, err := getCall(ctx)
	if err != nil {
		return middleware.FinalizeOutput{}, middleware.Metadata{}, err
	}
	c, opts := cl.client, cl.options.Retry
	skewRetried := false
	var (
		last    middleware.FinalizeOutput // the previous attempt's, for a call that ends before the next
		lastMD  middleware.Metadata
		lastErr error
		charged int // retry tokens taken for the attempt about to be made
		// throttled counts the attempts that ended in a throttle retried as
		// pacedRetry allows: like the budget, MaxAttempts is not charged
		// for them, so that a transient failure after a burst's throttles
		// is retried as one on a first attempt is.
		throttled int
	)
	for attempt := 1; ; attempt++ {
		// Each attempt gets its own copy of the request, its body rewound,
		// as aws-sdk-go-v2's retry step does: a caller's Finalize step
		// that adds a header then adds it once per attempt, not once more
		// on every retry.
		attemptReq := req.Clone()
		if err := attemptReq.RewindStream(); err != nil {
			return middleware.FinalizeOutput{}, middleware.Metadata{}, &attemptsError{attempt - 1, fmt.Errorf("rewind request body: %w", err)}
		}
		sent, paced, err := c.pacer.admit(ctx, cl.service)
		if err != nil {
			c.budget.refund(charged) // the retry never went out
			switch {
			case lastErr == nil:
			case errors.Is(err, ErrPacedPastDeadline):
				err = fmt.Errorf("%w; the attempt before: %w", err, lastErr)
			default:
				err = lastErr // the caller gave up: its last answer says more
			}
			return last, lastMD, &attemptsError{attempt - 1, err}
		}
		in.Request = attemptReq
		t0 := time.Now()
		out, md, err := next.HandleFinalize(ctx, in)
		c.pacer.done(ctx, cl.service, sent, err)
		logAttempt(ctx, cl, attempt, paced, time.Since(t0), md, err)
		if err == nil {
			c.budget.refund(successRefund)
			setAttemptsMetadata(&md, attempt)
			return out, md, nil
		}
		fail := func(err error) (middleware.FinalizeOutput, middleware.Metadata, error) {
			return out, md, &attemptsError{attempts: attempt, err: err}
		}
		free := c.pacedRetry(ctx, opts, err)
		if ctx.Err() != nil || Classify(err) != RetryNow || (!free && attempt-throttled >= opts.MaxAttempts) {
			return fail(err) // the caller gave up, or another attempt now cannot help
		}
		if mayHaveTakenEffect(cl.operation, err) {
			return fail(err) // it may have taken effect: the caller looks first
		}
		skew := clockSkew(err)
		if skew && skewRetried {
			return fail(err)
		}
		cost, delay := retryCost, c.backoff(opts, attempt)
		switch {
		case isConnectionError(err):
			cost = retryCostNoResp
		case Throttled(err) && c.pacer.paces():
			cost = throttleCost
		}
		if skew {
			// Once, at once: the clock offset was corrected from the
			// answer's Date, so the fresh signature should pass.
			skewRetried, delay = true, 0
		}
		if !c.budget.take(cost) {
			return fail(fmt.Errorf("%w: %w", ErrRetryBudgetExhausted, err))
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < delay {
			// Sleeping would end past the deadline: the last answer is
			// more useful to the caller than a bare deadline error.
			c.budget.refund(cost)
			return fail(err)
		}
		if delay > 0 && sleepContext(ctx, delay) != nil {
			return fail(err)
		}
		if free {
			throttled++
		}
		last, lastMD, lastErr, charged = out, md, err, cost
	}
}

// pacedRetry reports whether a call that failed with err may be retried
// past MaxAttempts, and without being charged for it: a throttle while
// the client paces, within a deadline, unless the call allows no retry at
// all (MaxAttempts 1). Such a retry waits for a send token at the rate
// the throttle has just lowered, so it adds no load above what CI takes,
// and the pacer refuses a token it could only give past the deadline (ErrPacedPastDeadline), which is
// where the call then ends. Bounded by MaxAttempts instead, records of a
// burst against CI's rate limit were throttled four times, most within
// the first second before the rate settled on the limit, and failed:
// with the deploy binary against the emulator (scripts/bench.sh's pacing
// rows), 0 or 1 of 1,000 records at 50 QPS and 20 ms a call, 39 of 200 at
// 10 QPS and 200 ms, each failure a delivery the platform repeats. A
// caller without a deadline keeps MaxAttempts as its bound.
func (c *Client) pacedRetry(ctx context.Context, opts RetryOptions, err error) bool {
	_, deadline := ctx.Deadline()
	return deadline && opts.MaxAttempts > 1 && Throttled(err) && c.pacer.paces()
}

// logAttempt writes one debug line per attempt. It never logs
// credentials, the Authorization header, the signature or the token.
// paced is how long the attempt waited for the pacer.
func logAttempt(ctx context.Context, cl *call, attempt int, paced, d time.Duration, md middleware.Metadata, err error) {
	logger := cl.options.Logger
	if logger == nil || !logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	requestID, _ := GetRequestIDMetadata(md)
	status, _ := md.Get(statusKey{}).(int)
	if err != nil {
		requestID, status = ErrorRequestID(err), ErrorStatus(err)
	}
	attrs := []slog.Attr{
		slog.String("op", cl.operation),
		slog.Int("attempt", attempt),
		slog.Int("status", status),
		slog.String("ciRequestId", requestID),
		slog.Int64("durationMs", d.Milliseconds()),
	}
	if paced > 0 {
		attrs = append(attrs, slog.Int64("pacedMs", paced.Milliseconds()))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()), slog.String("retry", Classify(err).String()))
	}
	logger.LogAttrs(ctx, slog.LevelDebug, "ci attempt", attrs...)
}
