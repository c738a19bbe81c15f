package cosclient

import (
	"context"
	"fmt"
	"time"
)

// DefaultWaitInterval is WaitForJob's poll interval when none is given.
const DefaultWaitInterval = 5 * time.Second

// WaitForJob polls DescribeInventoryTriggerJob every interval until the job
// reaches a terminal state (Success, Failed, Cancel) and returns its last
// detail. When ctx ends first it returns the last detail seen (nil if none)
// and ctx's error, wrapped. A failed Describe ends the wait with its error.
func (c *Client) WaitForJob(ctx context.Context, jobID string, interval time.Duration, opts ...CallOption) (*JobDetail, error) {
	if interval <= 0 {
		interval = DefaultWaitInterval
	}
	var last *JobDetail
	var timer *time.Timer
	for {
		out, err := c.DescribeInventoryTriggerJob(ctx, &DescribeInventoryTriggerJobInput{JobID: jobID}, opts...)
		if err != nil {
			if ctx.Err() != nil {
				return last, fmt.Errorf("wait for job %s: %w", jobID, ctx.Err())
			}
			return last, fmt.Errorf("wait for job %s: %w", jobID, err)
		}
		last = out.JobsDetail
		if last.State.Terminal() {
			return last, nil
		}
		if timer == nil {
			timer = time.NewTimer(interval)
			defer timer.Stop()
		} else {
			timer.Reset(interval)
		}
		select {
		case <-ctx.Done():
			return last, fmt.Errorf("wait for job %s (last state %s): %w", jobID, last.State, ctx.Err())
		case <-timer.C:
		}
	}
}
