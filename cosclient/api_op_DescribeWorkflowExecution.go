package cosclient

import (
	"context"
	"encoding/xml"
	"net/http"

	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// DescribeWorkflowExecution reads one execution by its RunID (the
// InstanceID TriggerWorkflow answered), with its Tasks: FailedTask carries
// CI's reason for a Failed run. The answer for an unknown ID is
// undocumented: an answer without an execution is a *NotFoundError, and so
// may be an HTTP 404 (see NotFound).
func (c *Client) DescribeWorkflowExecution(ctx context.Context, params *DescribeWorkflowExecutionInput, optFns ...func(*Options)) (*DescribeWorkflowExecutionOutput, error) {
	return invoke(ctx, c, &opDescribeWorkflowExecution, params, optFns)
}

// DescribeWorkflowExecutionInput reads one execution
// (GET /workflowexecution/<runId>).
type DescribeWorkflowExecutionInput struct {
	RunID string
}

// DescribeWorkflowExecutionOutput is DescribeWorkflowExecution's answer.
type DescribeWorkflowExecutionOutput struct {
	XMLName           xml.Name           `xml:"Response"`
	RequestID         string             `xml:"RequestId"`
	WorkflowExecution *WorkflowExecution `xml:"WorkflowExecution"`
	OutputMetadata
}

// Validate checks the input before it is sent.
func (in *DescribeWorkflowExecutionInput) Validate() error {
	v := newChecks("DescribeWorkflowExecutionInput")
	v.add(checkID("runId", in.RunID))
	return v.err()
}

var opDescribeWorkflowExecution = operation[*DescribeWorkflowExecutionInput, *DescribeWorkflowExecutionOutput]{
	name:      "DescribeWorkflowExecution",
	service:   ServiceCI,
	newInput:  newOf[DescribeWorkflowExecutionInput],
	newOutput: newOf[DescribeWorkflowExecutionOutput],
	serialize: func(in *DescribeWorkflowExecutionInput, req *smithyhttp.Request) (*smithyhttp.Request, error) {
		req.Method = http.MethodGet
		req.URL.Path = "/workflowexecution/" + in.RunID // an ID needs no escaping (ValidateID)
		return req, nil
	},
	decode: func(in *DescribeWorkflowExecutionInput, body []byte, out *DescribeWorkflowExecutionOutput) error {
		if err := xml.Unmarshal(body, out); err != nil {
			return err
		}
		if out.WorkflowExecution == nil || out.WorkflowExecution.RunID == "" {
			return &NotFoundError{Resource: "workflow execution", ID: in.RunID}
		}
		if id := out.WorkflowExecution.RunID; id != in.RunID {
			return &MismatchError{Resource: "workflow execution", Asked: in.RunID, Answered: id}
		}
		return nil
	},
	// One run: its Topology and a task per node, a few KiB to tens of KiB
	// for a large workflow.
	bounds: func(*DescribeWorkflowExecutionInput) answerBounds { return oneBounds(512<<10, 8192) },
}
