package cosclient

import (
	"context"
	"slices"
	"time"
)

// TriggerWorkflow runs a workflow for one object.
func (c *Client) TriggerWorkflow(ctx context.Context, in *TriggerWorkflowInput, opts ...CallOption) (*TriggerWorkflowOutput, error) {
	start := time.Now()
	out := &TriggerWorkflowOutput{}
	cl := &call{input: in, out: out}
	if err := c.invoke(ctx, opTriggerWorkflow, cl, opts); err != nil {
		return nil, err
	}
	out.Meta = cl.meta(start)
	if out.Meta.RequestID == "" {
		out.Meta.RequestID = out.RequestID
	}
	return out, nil
}

// CreateInventoryTriggerJob starts a batch job over many objects.
func (c *Client) CreateInventoryTriggerJob(ctx context.Context, in *CreateInventoryTriggerJobInput, opts ...CallOption) (*CreateInventoryTriggerJobOutput, error) {
	start := time.Now()
	out := &CreateInventoryTriggerJobOutput{}
	cl := &call{input: in, out: out}
	if err := c.invoke(ctx, opCreateInventoryTriggerJob, cl, opts); err != nil {
		return nil, err
	}
	out.Meta = cl.meta(start)
	if out.Meta.RequestID == "" {
		out.Meta.RequestID = out.RequestID
	}
	return out, nil
}

// DescribeInventoryTriggerJobs lists one page of jobs.
func (c *Client) DescribeInventoryTriggerJobs(ctx context.Context, in *DescribeInventoryTriggerJobsInput, opts ...CallOption) (*DescribeInventoryTriggerJobsOutput, error) {
	start := time.Now()
	out := &DescribeInventoryTriggerJobsOutput{}
	cl := &call{input: in, out: out}
	if err := c.invoke(ctx, opDescribeInventoryTriggerJobs, cl, opts); err != nil {
		return nil, err
	}
	out.Meta = cl.meta(start)
	if out.Meta.RequestID == "" {
		out.Meta.RequestID = out.RequestID
	}
	return out, nil
}

// DescribeInventoryTriggerJob reads one job; an unknown ID is a *NotFoundError.
func (c *Client) DescribeInventoryTriggerJob(ctx context.Context, in *DescribeInventoryTriggerJobInput, opts ...CallOption) (*DescribeInventoryTriggerJobOutput, error) {
	start := time.Now()
	out := &DescribeInventoryTriggerJobOutput{}
	cl := &call{input: in, out: out}
	if err := c.invoke(ctx, opDescribeInventoryTriggerJob, cl, opts); err != nil {
		return nil, err
	}
	out.Meta = cl.meta(start)
	if out.Meta.RequestID == "" {
		out.Meta.RequestID = out.RequestID
	}
	// CI answers 200 for an unknown ID, naming it under NonExistJobIds.
	if out.JobsDetail == nil || slices.Contains(out.NonExistJobIDs, in.JobID) || slices.Contains(out.NonExistJobID, in.JobID) {
		return nil, &OperationError{
			Operation: c.ops[opDescribeInventoryTriggerJob].name,
			Attempts:  cl.attempts,
			Err:       &NotFoundError{JobID: in.JobID, RequestID: out.Meta.RequestID},
		}
	}
	return out, nil
}

// CancelInventoryTriggerJob cancels one job.
func (c *Client) CancelInventoryTriggerJob(ctx context.Context, in *CancelInventoryTriggerJobInput, opts ...CallOption) (*CancelInventoryTriggerJobOutput, error) {
	start := time.Now()
	out := &CancelInventoryTriggerJobOutput{}
	cl := &call{input: in, out: out}
	if err := c.invoke(ctx, opCancelInventoryTriggerJob, cl, opts); err != nil {
		return nil, err
	}
	out.Meta = cl.meta(start)
	out.RequestID = out.Meta.RequestID
	return out, nil
}

// Validate checks the input before it is sent.
func (in *DescribeInventoryTriggerJobInput) Validate() error {
	if in == nil {
		return invalid("input", "is nil")
	}
	return validateJobID(in.JobID)
}

// Validate checks the input before it is sent.
func (in *CancelInventoryTriggerJobInput) Validate() error {
	if in == nil {
		return invalid("input", "is nil")
	}
	return validateJobID(in.JobID)
}
