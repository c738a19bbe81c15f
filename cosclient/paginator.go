package cosclient

import (
	"context"
	"errors"
)

// Paginator pages through a listing operation by its continuation token,
// as aws-sdk-go-v2's paginators do: loop while HasMorePages, call
// NextPage. Paging stops after a page without a token, or one that repeats
// a token already followed (a service that loops is not followed forever).
type Paginator[Out any] struct {
	fetch func(ctx context.Context, token string) (page *Out, next string, err error)
	token string
	done  bool // set by the page that ends paging; until then a page is due
	seen  map[string]bool
}

func newPaginator[Out any](start string, fetch func(context.Context, string) (*Out, string, error)) *Paginator[Out] {
	return &Paginator[Out]{fetch: fetch, token: start, seen: map[string]bool{}}
}

// ErrNoMorePages is returned by NextPage after the last page.
var ErrNoMorePages = errors.New("no more pages")

// HasMorePages reports whether NextPage has a page to fetch.
func (p *Paginator[Out]) HasMorePages() bool {
	return !p.done
}

// NextPage fetches the next page.
func (p *Paginator[Out]) NextPage(ctx context.Context) (*Out, error) {
	if !p.HasMorePages() {
		return nil, ErrNoMorePages
	}
	if p.token != "" {
		p.seen[p.token] = true
	}
	page, next, err := p.fetch(ctx, p.token)
	if err != nil {
		return nil, err
	}
	p.token = next
	if next == "" || p.seen[next] {
		p.done = true
	}
	return page, nil
}

// NewJobsPaginator pages through DescribeInventoryTriggerJobs. params is
// copied; its NextToken, if any, is where paging starts.
func NewJobsPaginator(c *Client, params *DescribeInventoryTriggerJobsInput, optFns ...func(*Options)) *Paginator[DescribeInventoryTriggerJobsOutput] {
	in := copyInput(params)
	return newPaginator(in.NextToken, func(ctx context.Context, token string) (*DescribeInventoryTriggerJobsOutput, string, error) {
		page := in
		page.NextToken = token
		out, err := c.DescribeInventoryTriggerJobs(ctx, &page, optFns...)
		if err != nil {
			return nil, "", err
		}
		return out, out.NextToken, nil
	})
}

// NewExecutionsPaginator pages through DescribeWorkflowExecutions. params
// is copied; its NextToken, if any, is where paging starts.
func NewExecutionsPaginator(c *Client, params *DescribeWorkflowExecutionsInput, optFns ...func(*Options)) *Paginator[DescribeWorkflowExecutionsOutput] {
	in := copyInput(params)
	return newPaginator(in.NextToken, func(ctx context.Context, token string) (*DescribeWorkflowExecutionsOutput, string, error) {
		page := in
		page.NextToken = token
		out, err := c.DescribeWorkflowExecutions(ctx, &page, optFns...)
		if err != nil {
			return nil, "", err
		}
		return out, out.NextToken, nil
	})
}

// NewObjectsPaginator pages through a bucket listing (ListObjects). params
// is copied; its Marker, if any, is where listing starts.
func NewObjectsPaginator(c *Client, params *ListObjectsInput, optFns ...func(*Options)) *Paginator[ListObjectsOutput] {
	in := copyInput(params)
	return newPaginator(in.Marker, func(ctx context.Context, marker string) (*ListObjectsOutput, string, error) {
		page := in
		page.Marker = marker
		out, err := c.ListObjects(ctx, &page, optFns...)
		if err != nil {
			return nil, "", err
		}
		if !out.IsTruncated {
			return out, "", nil
		}
		next := out.NextMarker
		if next == "" && len(out.Contents) > 0 {
			next = out.Contents[len(out.Contents)-1].Key
		}
		return out, next, nil
	})
}

// copyInput is *params, or the zero input for nil. Slices it holds are
// shared, and never written.
func copyInput[In any](params *In) In {
	var in In
	if params != nil {
		in = *params
	}
	return in
}
