package cosclient

import (
	"context"
	"encoding/xml"
	"net/http"

	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// DescribeWorkflowExecutions lists one page of a workflow's executions: CI's
// record of what ran. NewExecutionsPaginator pages through them all.
//
// Whether the Name filter matches object keys exactly is undocumented:
// compare each execution's Object yourself (as package ledger does).
func (c *Client) DescribeWorkflowExecutions(ctx context.Context, params *DescribeWorkflowExecutionsInput, optFns ...func(*Options)) (*DescribeWorkflowExecutionsOutput, error) {
	return invoke(ctx, c, &opDescribeWorkflowExecutions, params, optFns)
}

// DescribeWorkflowExecutionsInput lists executions
// (GET /workflowexecution). WorkflowID is required; zero values of the
// rest are not sent.
type DescribeWorkflowExecutionsInput struct {
	WorkflowID        string
	Name              string           // an object key: the executions of that object
	States            []ExecutionState // see ExecutionStates; sent as a comma list
	StartCreationTime string           // TimeLayout
	EndCreationTime   string           // TimeLayout
	OrderByTime       string           // Desc (default) or Asc
	Size              int              // 1..100; 0 means the service default (10)
	NextToken         string
	JobID             string
	// tokenFromService is set by NewExecutionsPaginator when NextToken is
	// the one CI answered: not an input of the caller's, so not checked
	// as one.
	tokenFromService bool
}

// DescribeWorkflowExecutionsOutput is one page of executions, one
// WorkflowExecutionList element each, and the token of the next page (""
// on the last).
type DescribeWorkflowExecutionsOutput struct {
	XMLName               xml.Name            `xml:"Response"`
	RequestID             string              `xml:"RequestId"`
	WorkflowExecutionList []WorkflowExecution `xml:"WorkflowExecutionList"`
	NextToken             string              `xml:"NextToken"`
	OutputMetadata
}

// Validate checks the input before it is sent.
func (in *DescribeWorkflowExecutionsInput) Validate() error {
	v := newChecks("DescribeWorkflowExecutionsInput")
	v.add(checkWorkflowID("workflowId", in.WorkflowID))
	if in.Name != "" {
		v.add(checkKey("name", in.Name, false))
	}
	v.add(checkStates("states", in.States, ExecutionStates))
	v.add(checkTimeRange("startCreationTime", in.StartCreationTime, "endCreationTime", in.EndCreationTime))
	if in.OrderByTime != "" {
		v.add(checkOrder("orderByTime", in.OrderByTime))
	}
	if in.Size != 0 {
		v.add(checkSize("size", in.Size, MaxListSize))
	}
	if !in.tokenFromService {
		v.add(checkLongText("nextToken", in.NextToken, MaxTokenLen))
	}
	if in.JobID != "" {
		v.add(checkID("jobId", in.JobID))
	}
	return v.err()
}

var opDescribeWorkflowExecutions = operation[*DescribeWorkflowExecutionsInput, *DescribeWorkflowExecutionsOutput]{
	name:      "DescribeWorkflowExecutions",
	service:   ServiceCI,
	newInput:  newOf[DescribeWorkflowExecutionsInput],
	newOutput: newOf[DescribeWorkflowExecutionsOutput],
	serialize: func(in *DescribeWorkflowExecutionsInput, req *smithyhttp.Request) (*smithyhttp.Request, error) {
		req.Method = http.MethodGet
		req.URL.Path = "/workflowexecution"
		req.URL.RawQuery = query(
			"workflowId", in.WorkflowID,
			"name", in.Name,
			"states", joinStates(in.States),
			"startCreationTime", in.StartCreationTime,
			"endCreationTime", in.EndCreationTime,
			"orderByTime", in.OrderByTime,
			"size", sizeParam(in.Size),
			"nextToken", in.NextToken,
			"jobId", in.JobID,
		)
		return req, nil
	},
	// Whether each run names its workflow is not documented: one that
	// names another is an answer to another question.
	decode: func(in *DescribeWorkflowExecutionsInput, body []byte, out *DescribeWorkflowExecutionsOutput) error {
		if err := xml.Unmarshal(body, out); err != nil {
			return err
		}
		for i := range out.WorkflowExecutionList {
			if id := out.WorkflowExecutionList[i].WorkflowID; id != "" && id != in.WorkflowID {
				return &MismatchError{Resource: "workflow", Asked: in.WorkflowID, Answered: id}
			}
		}
		return nil
	},
	// A run in a list is its IDs, object key (up to 850 bytes), state and
	// time: 8 KiB leaves room for the fields CI may add.
	bounds: func(in *DescribeWorkflowExecutionsInput) answerBounds {
		return pageBounds("WorkflowExecutionList", pageSize(in.Size, MaxListSize), 8<<10, 128)
	},
}
