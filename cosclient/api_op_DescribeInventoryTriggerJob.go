package cosclient

import (
	"context"
	"encoding/xml"
	"net/http"
	"slices"

	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// DescribeInventoryTriggerJob reads one job. CI answers 200 for an unknown
// ID, naming it under NonExistJobIds: that is a *NotFoundError.
func (c *Client) DescribeInventoryTriggerJob(ctx context.Context, params *DescribeInventoryTriggerJobInput, optFns ...func(*Options)) (*DescribeInventoryTriggerJobOutput, error) {
	return invoke(ctx, c, &opDescribeInventoryTriggerJob, params, optFns)
}

// DescribeInventoryTriggerJobInput reads one job
// (GET /inventorytriggerjob/<jobId>).
type DescribeInventoryTriggerJobInput struct {
	JobID string
}

// DescribeInventoryTriggerJobOutput is DescribeInventoryTriggerJob's
// answer. An unknown ID comes back under NonExistJobIds (the Go SDK spells
// it NonExistJobId; both are read).
type DescribeInventoryTriggerJobOutput struct {
	XMLName        xml.Name   `xml:"Response"`
	RequestID      string     `xml:"RequestId"`
	JobsDetail     *JobDetail `xml:"JobsDetail"`
	NonExistJobIDs []string   `xml:"NonExistJobIds"`
	NonExistJobID  []string   `xml:"NonExistJobId"`
	OutputMetadata
}

// Validate checks the input before it is sent.
func (in *DescribeInventoryTriggerJobInput) Validate() error {
	v := newChecks("DescribeInventoryTriggerJobInput")
	v.add(checkID("jobId", in.JobID))
	return v.err()
}

var opDescribeInventoryTriggerJob = operation[*DescribeInventoryTriggerJobInput, *DescribeInventoryTriggerJobOutput]{
	name:      "DescribeInventoryTriggerJob",
	service:   ServiceCI,
	newInput:  newOf[DescribeInventoryTriggerJobInput],
	newOutput: newOf[DescribeInventoryTriggerJobOutput],
	serialize: func(in *DescribeInventoryTriggerJobInput, req *smithyhttp.Request) (*smithyhttp.Request, error) {
		req.Method = http.MethodGet
		req.URL.Path = "/inventorytriggerjob/" + in.JobID // an ID needs no escaping (ValidateID)
		return req, nil
	},
	decode: func(in *DescribeInventoryTriggerJobInput, body []byte, out *DescribeInventoryTriggerJobOutput) error {
		if err := xml.Unmarshal(body, out); err != nil {
			return err
		}
		if out.JobsDetail == nil || slices.Contains(out.NonExistJobIDs, in.JobID) || slices.Contains(out.NonExistJobID, in.JobID) {
			return &NotFoundError{Resource: "job", ID: in.JobID}
		}
		if id := out.JobsDetail.JobID; id != in.JobID {
			return &MismatchError{Resource: "job", Asked: in.JobID, Answered: id}
		}
		return nil
	},
	bounds: func(*DescribeInventoryTriggerJobInput) answerBounds { return jobBounds },
}

// jobBounds bound an answer about one job: its JobsDetail echoes the
// job's Input and Operation, whose JobParam is a tree of the caller's;
// 256 KiB and 4,096 elements are many times what a job holds.
var jobBounds = oneBounds(256<<10, 4096)
