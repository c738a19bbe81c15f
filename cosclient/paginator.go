package cosclient

import (
	"context"
	"errors"
)

// JobsPaginator pages through DescribeInventoryTriggerJobs by NextToken.
type JobsPaginator struct {
	c         *Client
	in        DescribeInventoryTriggerJobsInput
	opts      []CallOption
	nextToken string
	firstPage bool
	done      bool
	seen      map[string]bool // tokens already followed, against a service that repeats one
}

// NewJobsPaginator returns a paginator over the jobs in selects. in is
// copied; its NextToken, if any, is where paging starts.
func NewJobsPaginator(c *Client, in *DescribeInventoryTriggerJobsInput, opts ...CallOption) *JobsPaginator {
	p := &JobsPaginator{c: c, opts: opts, firstPage: true, seen: map[string]bool{}}
	if in != nil {
		p.in = *in
		p.in.States = append([]JobState(nil), in.States...)
	}
	p.nextToken = p.in.NextToken
	return p
}

// HasMorePages reports whether NextPage has a page to fetch.
func (p *JobsPaginator) HasMorePages() bool {
	return !p.done && (p.firstPage || p.nextToken != "")
}

// ErrNoMorePages is returned by NextPage after the last page.
var ErrNoMorePages = errors.New("no more pages")

// NextPage fetches the next page. Paging stops after a page with an empty
// NextToken, or one that repeats a token already followed.
func (p *JobsPaginator) NextPage(ctx context.Context) (*DescribeInventoryTriggerJobsOutput, error) {
	if !p.HasMorePages() {
		return nil, ErrNoMorePages
	}
	in := p.in
	in.NextToken = p.nextToken
	if p.nextToken != "" {
		p.seen[p.nextToken] = true
	}
	out, err := p.c.DescribeInventoryTriggerJobs(ctx, &in, p.opts...)
	if err != nil {
		return nil, err
	}
	p.firstPage = false
	p.nextToken = out.NextToken
	if p.nextToken == "" || p.seen[p.nextToken] {
		p.done = true
	}
	return out, nil
}
