package cosclient

import (
	"context"
	"net/http"

	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// CancelInventoryTriggerJob cancels one job.
func (c *Client) CancelInventoryTriggerJob(ctx context.Context, params *CancelInventoryTriggerJobInput, optFns ...func(*Options)) (*CancelInventoryTriggerJobOutput, error) {
	return invoke(ctx, c, &opCancelInventoryTriggerJob, params, optFns)
}

// CancelInventoryTriggerJobInput cancels one job
// (PUT /inventorytriggerjob/<jobId>?cancel).
type CancelInventoryTriggerJobInput struct {
	JobID string
}

// CancelInventoryTriggerJobOutput is CancelInventoryTriggerJob's answer:
// an empty 200, so only the result metadata.
type CancelInventoryTriggerJobOutput struct {
	OutputMetadata
}

// Validate checks the input before it is sent.
func (in *CancelInventoryTriggerJobInput) Validate() error {
	v := newChecks("CancelInventoryTriggerJobInput")
	v.add(checkID("jobId", in.JobID))
	return v.err()
}

var opCancelInventoryTriggerJob = operation[*CancelInventoryTriggerJobInput, *CancelInventoryTriggerJobOutput]{
	name:      "CancelInventoryTriggerJob",
	service:   ServiceCI,
	newInput:  newOf[CancelInventoryTriggerJobInput],
	newOutput: newOf[CancelInventoryTriggerJobOutput],
	serialize: func(in *CancelInventoryTriggerJobInput, req *smithyhttp.Request) (*smithyhttp.Request, error) {
		req.Method = http.MethodPut
		req.URL.Path = "/inventorytriggerjob/" + in.JobID
		// The API reference and the PHP, Python and JS SDKs send ?cancel
		// (the Go SDK omits it).
		req.URL.RawQuery = "cancel"
		return req, nil
	},
	decode: func(*CancelInventoryTriggerJobInput, []byte, *CancelInventoryTriggerJobOutput) error { return nil },
	// An empty 200; room for a <Response><RequestId/></Response>.
	bounds: func(*CancelInventoryTriggerJobInput) answerBounds { return oneBounds(8<<10, 64) },
}
