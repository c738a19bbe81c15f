package cosclient

import (
	"context"
	"encoding/xml"
	"net/http"

	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// TriggerWorkflow runs a workflow for one object. It is not idempotent:
// every call that reaches CI starts a run. After a failure that may have
// reached CI (Ambiguous) the client does not retry it; look for the run
// with DescribeWorkflowExecutions before calling again.
func (c *Client) TriggerWorkflow(ctx context.Context, params *TriggerWorkflowInput, optFns ...func(*Options)) (*TriggerWorkflowOutput, error) {
	return invoke(ctx, c, &opTriggerWorkflow, params, optFns)
}

// TriggerWorkflowInput triggers one workflow for one object
// (POST /triggerworkflow?workflowId=&object=&name=).
type TriggerWorkflowInput struct {
	WorkflowID string // w + 32 lower-case hex
	// Object is the object key. It travels percent-encoded in the query,
	// byte for byte; keys CI's XML answers could not carry are refused
	// (see ValidateObjectKey), never altered.
	Object string
	Name   string // optional job name
}

// TriggerWorkflowOutput is TriggerWorkflow's answer. InstanceID is the
// RunID of the workflow execution it started.
type TriggerWorkflowOutput struct {
	XMLName    xml.Name `xml:"Response"`
	InstanceID string   `xml:"InstanceId"`
	RequestID  string   `xml:"RequestId"`
	OutputMetadata
}

// Validate checks the input before it is sent.
func (in *TriggerWorkflowInput) Validate() error {
	v := newChecks("TriggerWorkflowInput")
	v.add(checkWorkflowID("workflowId", in.WorkflowID))
	v.add(checkKey("object", in.Object, false))
	if in.Name != "" {
		v.add(checkJobName("name", in.Name))
	}
	return v.err()
}

var opTriggerWorkflow = operation[*TriggerWorkflowInput, *TriggerWorkflowOutput]{
	name:      "TriggerWorkflow",
	service:   ServiceCI,
	newInput:  newOf[TriggerWorkflowInput],
	newOutput: newOf[TriggerWorkflowOutput],
	serialize: func(in *TriggerWorkflowInput, req *smithyhttp.Request) (*smithyhttp.Request, error) {
		req.Method = http.MethodPost
		req.URL.Path = "/triggerworkflow"
		req.URL.RawQuery = query("workflowId", in.WorkflowID, "object", in.Object, "name", in.Name)
		return req, nil
	},
	// <Response><InstanceId/><RequestId/></Response> is some 150 bytes.
	bounds: func(*TriggerWorkflowInput) answerBounds { return oneBounds(8<<10, 64) },
}
