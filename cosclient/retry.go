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

	"github.com/cosflow/cosflow/internal/logx"
)

// Retry budget costs, as in the AWS SDKs' standard retryer.
const (
	retryCost       = 5  // a retry after an HTTP answer (5xx, 429, throttling)
	retryCostNoResp = 10 // a retry after a timeout or connection failure
	successRefund   = 1  // what every successful call gives back
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
func (c *Client) backoff(attempt int) time.Duration {
	r := c.opts.Retry
	d := r.MaxDelay
	if shift := attempt - 1; shift < 30 {
		if e := r.BaseDelay << shift; e > 0 && e < d {
			d = e
		}
	}
	return c.jitter(d)
}

// retryStep runs the attempts of one call. Sign sits after it in the
// Finalize step, so every attempt is signed afresh.
func (c *Client) retryStep(ctx context.Context, cl *call, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
	skewRetried := false
	for attempt := 1; ; attempt++ {
		cl.status, cl.requestID = 0, ""
		t0 := time.Now()
		out, md, err := next.HandleFinalize(ctx, in)
		cl.attempts = attempt
		c.logAttempt(ctx, cl, attempt, time.Since(t0), err)
		if err == nil {
			c.budget.refund(successRefund)
			return out, md, nil
		}
		if ctx.Err() != nil {
			return out, md, err // the caller gave up; never retry past that
		}
		cost, delay, retry := c.retryDecision(err, attempt, &skewRetried)
		if !retry || attempt >= c.opts.Retry.MaxAttempts {
			return out, md, err
		}
		if !c.budget.take(cost) {
			return out, md, fmt.Errorf("%w: %w", ErrRetryBudgetExhausted, err)
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < delay {
			// Sleeping would end past the deadline: the last answer is
			// more useful to the caller than a bare deadline error.
			c.budget.refund(cost)
			return out, md, err
		}
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-ctx.Done():
				t.Stop()
				return out, md, err
			case <-t.C:
			}
		}
	}
}

// retryDecision says whether err is worth another attempt, what that costs
// from the budget and how long to wait first.
func (c *Client) retryDecision(err error, attempt int, skewRetried *bool) (cost int, delay time.Duration, retry bool) {
	var (
		se *signError
		de *decodeError
		ve *ValidationError
		ae *APIError
		re *ResponseError
	)
	switch {
	case errors.As(err, &se), errors.As(err, &de), errors.As(err, &ve):
		return 0, 0, false
	case errors.As(err, &ae) && ae.Code == "RequestTimeTooSkewed":
		// Once, at once: the clock offset was corrected from the answer's
		// Date, so the fresh signature should pass.
		if *skewRetried {
			return 0, 0, false
		}
		*skewRetried = true
		return retryCost, 0, true
	case errors.As(err, &re):
		if re.StatusCode >= 500 || Throttled(err) {
			return retryCost, c.backoff(attempt), true
		}
		return 0, 0, false
	default:
		// No HTTP answer: connection refused or reset, EOF, timeout.
		return retryCostNoResp, c.backoff(attempt), true
	}
}

// logAttempt writes one debug line per attempt, through the caller's
// per-invocation logger when ctx carries one (so the line has its request
// ID), else the client's. It never logs credentials, the Authorization
// header, the signature or the token.
func (c *Client) logAttempt(ctx context.Context, cl *call, attempt int, d time.Duration, err error) {
	logger := logx.From(ctx, c.logger)
	if !logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("op", cl.op.name),
		slog.Int("attempt", attempt),
		slog.Int("status", cl.status),
		slog.String("ciRequestId", cl.requestID),
		slog.Int64("durationMs", d.Milliseconds()),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	logger.LogAttrs(ctx, slog.LevelDebug, "ci attempt", attrs...)
}
