package cosclient

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"slices"
	"strings"

	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// DescribeMediaWorkflow reads workflows: those IDs names, else the
// bucket's (filtered by Name), a page at a time. An unknown ID is named
// under NonExistIDs, not an error; an answer listing a workflow that IDs
// does not name is (*smithy.DeserializationError).
//
// Whether CI pages an ID lookup too is undocumented: ask with a PageSize
// of at least len(IDs), and treat an ID neither listed nor under
// NonExistIDs as unanswered (see Workflow and NonExistent).
func (c *Client) DescribeMediaWorkflow(ctx context.Context, params *DescribeMediaWorkflowInput, optFns ...func(*Options)) (*DescribeMediaWorkflowOutput, error) {
	return invoke(ctx, c, &opDescribeMediaWorkflow, params, optFns)
}

// DescribeMediaWorkflowInput reads workflows
// (GET /workflow?ids=&name=&pageNumber=&pageSize=). Zero values are not
// sent.
type DescribeMediaWorkflowInput struct {
	IDs        []string // workflow IDs; sent as a comma list
	Name       string   // a workflow name, as CI's search takes it
	PageNumber int      // from 1; 0 means the service default (1)
	PageSize   int      // from 1; 0 means the service default (10)
}

// DescribeMediaWorkflowOutput is one page of workflows, a
// MediaWorkflowList element each, and the asked-for IDs CI does not know.
type DescribeMediaWorkflowOutput struct {
	XMLName           xml.Name        `xml:"Response"`
	RequestID         string          `xml:"RequestId"`
	MediaWorkflowList []MediaWorkflow `xml:"MediaWorkflowList"`
	NonExistIDs       IDList          `xml:"NonExistIDs"`
	TotalCount        int             `xml:"TotalCount"`
	PageNumber        int             `xml:"PageNumber"`
	PageSize          int             `xml:"PageSize"`
	OutputMetadata
}

// Workflow is the listed workflow with the ID, nil when none is.
func (o *DescribeMediaWorkflowOutput) Workflow(id string) *MediaWorkflow {
	for i := range o.MediaWorkflowList {
		if o.MediaWorkflowList[i].WorkflowID == id {
			return &o.MediaWorkflowList[i]
		}
	}
	return nil
}

// NonExistent reports whether CI named id as a workflow it does not know.
func (o *DescribeMediaWorkflowOutput) NonExistent(id string) bool {
	return slices.Contains(o.NonExistIDs, id)
}

// Validate checks the input before it is sent.
func (in *DescribeMediaWorkflowInput) Validate() error {
	v := newChecks("DescribeMediaWorkflowInput")
	if len(in.IDs) > 0 {
		v.add(checkWorkflowIDs("ids", strings.Join(in.IDs, ",")))
	}
	if in.Name != "" {
		v.add(checkJobName("name", in.Name)) // workflow names follow the job-name rule
	}
	if in.PageNumber != 0 {
		v.add(checkPage("pageNumber", in.PageNumber))
	}
	if in.PageSize != 0 {
		v.add(checkPage("pageSize", in.PageSize))
	}
	return v.err()
}

var opDescribeMediaWorkflow = operation[*DescribeMediaWorkflowInput, *DescribeMediaWorkflowOutput]{
	name:      "DescribeMediaWorkflow",
	service:   ServiceCI,
	newInput:  newOf[DescribeMediaWorkflowInput],
	newOutput: newOf[DescribeMediaWorkflowOutput],
	// A page of workflows, each with its topology: 64 KiB and 1,024
	// elements are many times what a workflow's nodes hold. CI documents
	// no largest page size; an ID lookup may answer every ID asked.
	bounds: func(in *DescribeMediaWorkflowInput) answerBounds {
		return pageBounds("MediaWorkflowList", pageSize(in.PageSize, max(MaxListSize, len(in.IDs))), 64<<10, 1024)
	},
	serialize: func(in *DescribeMediaWorkflowInput, req *smithyhttp.Request) (*smithyhttp.Request, error) {
		req.Method = http.MethodGet
		req.URL.Path = "/workflow"
		req.URL.RawQuery = query(
			"ids", strings.Join(in.IDs, ","),
			"name", in.Name,
			"pageNumber", sizeParam(in.PageNumber),
			"pageSize", sizeParam(in.PageSize),
		)
		return req, nil
	},
	decode: func(in *DescribeMediaWorkflowInput, body []byte, out *DescribeMediaWorkflowOutput) error {
		if err := xml.Unmarshal(body, out); err != nil {
			return err
		}
		if len(in.IDs) == 0 {
			return nil
		}
		for _, w := range out.MediaWorkflowList {
			if !slices.Contains(in.IDs, w.WorkflowID) {
				return fmt.Errorf("the answer lists workflow %q, which was not asked for (asked for %s)", w.WorkflowID, strings.Join(in.IDs, ","))
			}
		}
		return nil
	},
}
