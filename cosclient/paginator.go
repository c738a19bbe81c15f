package cosclient

import (
	"context"
	"errors"
	"fmt"
)

// Paginator pages through a listing operation by its continuation token,
// as aws-sdk-go-v2's paginators do: loop while HasMorePages, call
// NextPage. Paging stops after a page without a token, or one that repeats
// a token already followed (a service that loops is not followed forever).
//
// A listing that does not end is cut short: after Options.MaxPages pages,
// or (a bucket listing) when the next marker does not move forward,
// HasMorePages still reports true and NextPage returns a
// *ListingCutShortError instead of reading on.
//
// The token the caller starts from is checked as an input; the tokens the
// service answers are not (they are the service's to choose), only sent
// back.
type Paginator[Out any] struct {
	operation string
	fetch     func(ctx context.Context, token string, fromService bool) (page *Out, next string, err error)
	// advance, when set, checks that a page's next token ("" at the end)
	// moves the listing forward from the token the page was asked with.
	advance  func(token, next string, page *Out) error
	token    string
	maxPages int
	pages    int   // read so far
	done     bool  // set by the page that ends paging; until then a page is due
	stop     error // set when the listing cannot go on
	seen     map[string]bool
}

func newPaginator[Out any](c *Client, operation, start string, optFns []func(*Options), fetch func(context.Context, string, bool) (*Out, string, error)) *Paginator[Out] {
	o := c.options // resolved; a call's optFns may change MaxPages
	for _, fn := range optFns {
		fn(&o)
	}
	maxPages := o.MaxPages
	if maxPages <= 0 {
		maxPages = DefaultMaxPages // a negative value fails each call, as an option
	}
	return &Paginator[Out]{operation: operation, fetch: fetch, token: start, maxPages: maxPages, seen: map[string]bool{}}
}

// ErrNoMorePages is returned by NextPage after the last page.
var ErrNoMorePages = errors.New("no more pages")

// HasMorePages reports whether NextPage has a page to fetch.
func (p *Paginator[Out]) HasMorePages() bool {
	return !p.done
}

// NextPage fetches the next page.
func (p *Paginator[Out]) NextPage(ctx context.Context) (*Out, error) {
	switch {
	case !p.HasMorePages():
		return nil, ErrNoMorePages
	case p.stop != nil:
		return nil, p.stop
	case p.pages >= p.maxPages:
		p.stop = p.cutShort(fmt.Sprintf("the budget of %d pages is spent", p.maxPages))
		return nil, p.stop
	}
	if p.token != "" {
		p.seen[p.token] = true
	}
	page, next, err := p.fetch(ctx, p.token, p.pages > 0)
	if err != nil {
		return nil, err
	}
	p.pages++
	if p.advance != nil {
		if err := p.advance(p.token, next, page); err != nil {
			p.stop = p.cutShort(err.Error())
			return page, nil
		}
	}
	p.token = next
	if next == "" || p.seen[next] {
		p.done = true
	}
	return page, nil
}

func (p *Paginator[Out]) cutShort(reason string) error {
	return &ListingCutShortError{Operation: p.operation, Pages: p.pages, Reason: reason}
}

// NewJobsPaginator pages through DescribeInventoryTriggerJobs. params is
// copied; its NextToken, if any, is where paging starts.
func NewJobsPaginator(c *Client, params *DescribeInventoryTriggerJobsInput, optFns ...func(*Options)) *Paginator[DescribeInventoryTriggerJobsOutput] {
	in := copyInput(params)
	return newPaginator(c, opDescribeInventoryTriggerJobs.name, in.NextToken, optFns, func(ctx context.Context, token string, fromService bool) (*DescribeInventoryTriggerJobsOutput, string, error) {
		page := in
		page.NextToken, page.tokenFromService = token, fromService
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
	return newPaginator(c, opDescribeWorkflowExecutions.name, in.NextToken, optFns, func(ctx context.Context, token string, fromService bool) (*DescribeWorkflowExecutionsOutput, string, error) {
		page := in
		page.NextToken, page.tokenFromService = token, fromService
		out, err := c.DescribeWorkflowExecutions(ctx, &page, optFns...)
		if err != nil {
			return nil, "", err
		}
		return out, out.NextToken, nil
	})
}

// NewObjectsPaginator pages through a bucket listing (ListObjects). params
// is copied; its Marker, if any, is where listing starts. Keys come in
// UTF-8 binary order after the marker, so each page's next marker must be
// after the marker it was asked with and not before its own last key: a
// listing whose marker does not move forward is cut short, as is one still
// truncated without a marker.
func NewObjectsPaginator(c *Client, params *ListObjectsInput, optFns ...func(*Options)) *Paginator[ListObjectsOutput] {
	in := copyInput(params)
	p := newPaginator(c, opListObjects.name, in.Marker, optFns, func(ctx context.Context, marker string, fromService bool) (*ListObjectsOutput, string, error) {
		page := in
		page.Marker, page.markerFromService = marker, fromService
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
	// The reasons name no key: keys are COS's text, and the caller has
	// the pages.
	p.advance = func(marker, next string, page *ListObjectsOutput) error {
		switch n := len(page.Contents); {
		case !page.IsTruncated:
			return nil
		case next == "":
			return errors.New("COS answered a truncated page with no marker or key to go on from")
		case next <= marker: // Go compares strings byte by byte: UTF-8 binary order, COS's
			return errors.New("the next marker does not move past the page's own")
		case n > 0 && next < page.Contents[n-1].Key:
			return errors.New("the next marker is before the page's last key")
		}
		return nil
	}
	return p
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
