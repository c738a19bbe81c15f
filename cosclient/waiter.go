package cosclient

import (
	"context"
	"fmt"
	"time"
)

// DefaultWaitInterval is a JobWaiter's poll interval when none is given.
const DefaultWaitInterval = 5 * time.Second

// JobWaiterOptions tune a JobWaiter.
type JobWaiterOptions struct {
	// Interval between polls; DefaultWaitInterval when zero.
	Interval time.Duration
	// OnPoll, when set, sees every detail read, e.g. to show progress.
	OnPoll func(*JobDetail)
}

// JobWaiter polls DescribeInventoryTriggerJob until a job reaches a
// terminal state (Success, Failed, Cancel).
type JobWaiter struct {
	client  *Client
	options JobWaiterOptions
}

// NewJobWaiter returns a waiter for jobs of c.
func NewJobWaiter(c *Client, optFns ...func(*JobWaiterOptions)) *JobWaiter {
	w := &JobWaiter{client: c}
	for _, fn := range optFns {
		fn(&w.options)
	}
	if w.options.Interval <= 0 {
		w.options.Interval = DefaultWaitInterval
	}
	return w
}

// Wait polls the job until it ends and returns its last detail. ctx bounds
// the wait: when it ends first, Wait returns the last detail seen (nil if
// none) and ctx's error, wrapped. A failed read ends the wait with its
// error.
func (w *JobWaiter) Wait(ctx context.Context, jobID string, optFns ...func(*Options)) (*JobDetail, error) {
	var last *JobDetail
	for {
		out, err := w.client.DescribeInventoryTriggerJob(ctx, &DescribeInventoryTriggerJobInput{JobID: jobID}, optFns...)
		if err != nil {
			if ctx.Err() != nil {
				err = ctx.Err()
			}
			return last, fmt.Errorf("wait for job %s: %w", jobID, err)
		}
		last = out.JobsDetail
		if w.options.OnPoll != nil {
			w.options.OnPoll(last)
		}
		if last.State.Terminal() {
			return last, nil
		}
		// A fresh timer per wait: since Go 1.23 one left unfired when ctx
		// ends is collected, so nothing needs stopping.
		select {
		case <-ctx.Done():
			return last, fmt.Errorf("wait for job %s (last state %s): %w", jobID, last.State, ctx.Err())
		case <-time.After(w.options.Interval):
		}
	}
}
