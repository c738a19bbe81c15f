package cosclient

import (
	"context"
	"encoding/xml"
	"net/http"
	"strconv"

	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// DescribeInventoryTriggerJobs lists one page of jobs; NewJobsPaginator
// pages through them all.
func (c *Client) DescribeInventoryTriggerJobs(ctx context.Context, params *DescribeInventoryTriggerJobsInput, optFns ...func(*Options)) (*DescribeInventoryTriggerJobsOutput, error) {
	return invoke(ctx, c, &opDescribeInventoryTriggerJobs, params, optFns)
}

// DescribeInventoryTriggerJobsInput lists jobs (GET /inventorytriggerjob).
// Zero values are not sent, except Type, which defaults to Workflow because
// the service's own default is undocumented.
type DescribeInventoryTriggerJobsInput struct {
	NextToken string
	// tokenFromService is set by NewJobsPaginator when NextToken is the
	// one CI answered: not an input of the caller's, so not checked as
	// one.
	tokenFromService  bool
	Size              int        // 1..100; 0 means the service default (10)
	Type              JobType    // Workflow when empty
	OrderByTime       string     // Desc (default) or Asc
	States            []JobState // see JobStates; sent as a comma list
	StartCreationTime string     // TimeLayout
	EndCreationTime   string     // TimeLayout
	WorkflowID        string
	JobID             string
	Name              string
}

// DescribeInventoryTriggerJobsOutput is one page of jobs: every JobsDetail
// the page holds, and the token of the next page ("" on the last).
type DescribeInventoryTriggerJobsOutput struct {
	XMLName    xml.Name    `xml:"Response"`
	RequestID  string      `xml:"RequestId"`
	JobsDetail []JobDetail `xml:"JobsDetail"`
	NextToken  string      `xml:"NextToken"`
	OutputMetadata
}

// Validate checks the input before it is sent.
func (in *DescribeInventoryTriggerJobsInput) Validate() error {
	v := newChecks("DescribeInventoryTriggerJobsInput")
	if !in.tokenFromService {
		v.add(checkLongText("nextToken", in.NextToken, MaxTokenLen))
	}
	if in.Size != 0 {
		v.add(checkSize("size", in.Size, MaxListSize))
	}
	if in.Type != "" {
		v.add(checkJobType("type", in.Type))
	}
	if in.OrderByTime != "" {
		v.add(checkOrder("orderByTime", in.OrderByTime))
	}
	v.add(checkStates("states", in.States, JobStates))
	v.add(checkTimeRange("startCreationTime", in.StartCreationTime, "endCreationTime", in.EndCreationTime))
	if in.WorkflowID != "" {
		v.add(checkWorkflowID("workflowId", in.WorkflowID))
	}
	if in.JobID != "" {
		v.add(checkID("jobId", in.JobID))
	}
	if in.Name != "" {
		v.add(checkJobName("name", in.Name))
	}
	return v.err()
}

var opDescribeInventoryTriggerJobs = operation[*DescribeInventoryTriggerJobsInput, *DescribeInventoryTriggerJobsOutput]{
	name:      "DescribeInventoryTriggerJobs",
	service:   ServiceCI,
	newInput:  newOf[DescribeInventoryTriggerJobsInput],
	newOutput: newOf[DescribeInventoryTriggerJobsOutput],
	serialize: func(in *DescribeInventoryTriggerJobsInput, req *smithyhttp.Request) (*smithyhttp.Request, error) {
		req.Method = http.MethodGet
		req.URL.Path = "/inventorytriggerjob"
		req.URL.RawQuery = query(
			"type", string(in.Type.OrDefault()),
			"nextToken", in.NextToken,
			"size", sizeParam(in.Size),
			"orderByTime", in.OrderByTime,
			"states", joinStates(in.States),
			"startCreationTime", in.StartCreationTime,
			"endCreationTime", in.EndCreationTime,
			"workflowId", in.WorkflowID,
			"jobId", in.JobID,
			"name", in.Name,
		)
		return req, nil
	},
	// A job's detail is about 1 KiB (a Job job's JobParam a few more).
	bounds: func(in *DescribeInventoryTriggerJobsInput) answerBounds {
		return pageBounds("JobsDetail", pageSize(in.Size, MaxListSize), 8<<10, 128)
	},
}

// pageSize is the most items a page answering a request for asked can
// hold. When none was asked for, CI documents a default (10 jobs or runs;
// COS 1,000 keys), but an answer up to the service's most is accepted,
// since that default is not otherwise relied on.
func pageSize(asked, most int) int {
	if asked == 0 {
		return most
	}
	return asked
}

// sizeParam is a page size as a query value; 0 (the default) is not sent.
func sizeParam(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}
