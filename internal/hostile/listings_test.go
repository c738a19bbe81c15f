package hostile_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/hostile"
)

// pager is the part of a cosclient.Paginator the listing tests use.
type pager interface {
	HasMorePages() bool
	next(ctx context.Context) error
}

type pagerOf[Out any] struct{ *cosclient.Paginator[Out] }

func (p pagerOf[Out]) next(ctx context.Context) error {
	_, err := p.NextPage(ctx)
	return err
}

// paginators are each listing's paginator over c with optFns.
func paginators(c *cosclient.Client, optFns ...func(*cosclient.Options)) map[string]pager {
	return map[string]pager{
		"DescribeInventoryTriggerJobs": pagerOf[cosclient.DescribeInventoryTriggerJobsOutput]{cosclient.NewJobsPaginator(c, nil, optFns...)},
		"DescribeWorkflowExecutions": pagerOf[cosclient.DescribeWorkflowExecutionsOutput]{cosclient.NewExecutionsPaginator(c,
			&cosclient.DescribeWorkflowExecutionsInput{WorkflowID: workflowID}, optFns...)},
		"ListObjects": pagerOf[cosclient.ListObjectsOutput]{cosclient.NewObjectsPaginator(c, nil, optFns...)},
	}
}

// drain reads p until it fails or ends, and returns how many pages it
// read and the error it ended with.
func drain(ctx context.Context, p pager) (int, error) {
	pages := 0
	for p.HasMorePages() {
		if err := p.next(ctx); err != nil {
			return pages, err
		}
		pages++
	}
	return pages, nil
}

// TestEndlessListings: a listing whose every page names a next one (a new
// token each page, a bucket's last key growing each page) stops after the
// page budget with a *ListingCutShortError naming the operation and the
// pages read; it stays stopped, and is final.
func TestEndlessListings(t *testing.T) {
	t.Parallel()
	const budget = 25
	s := hostile.Start(t, hostile.EndlessPages(0))
	for op, p := range paginators(newClient(t, s, nil), cosclient.WithMaxPages(budget)) {
		t.Run(op, func(t *testing.T) {
			before := s.Requests()
			pages, err := drain(bounded(t), p)
			checkCutShort(t, err, op, budget, "budget of 25 pages")
			if pages != budget || s.Requests()-before != budget {
				t.Errorf("%d pages in %d requests, want %d", pages, s.Requests()-before, budget)
			}
			if err2 := p.next(bounded(t)); !p.HasMorePages() || err2 != err || s.Requests()-before != budget {
				t.Errorf("after the cut: %v, %v", p.HasMorePages(), err2)
			}
		})
	}
}

func checkCutShort(t *testing.T, err error, op string, pages int, reason string) {
	t.Helper()
	var lc *cosclient.ListingCutShortError
	if !errors.As(err, &lc) || lc.Operation != op || lc.Pages != pages || !strings.Contains(lc.Reason, reason) {
		t.Fatalf("err = %v, want %s cut short after %d pages: %s", err, op, pages, reason)
	}
	if cosclient.Classify(err) != cosclient.RetryNever || !strings.Contains(err.Error(), op) {
		t.Errorf("Classify %v, message %q", cosclient.Classify(err), err)
	}
}

// TestDefaultPageBudget: without an option a paginator reads 1,000 pages
// of an endless listing.
func TestDefaultPageBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 requests")
	}
	t.Parallel()
	s := hostile.Start(t, hostile.EndlessPages(0))
	_, err := drain(bounded(t), paginators(newClient(t, s, nil))["DescribeWorkflowExecutions"])
	checkCutShort(t, err, "DescribeWorkflowExecutions", cosclient.DefaultMaxPages, "budget")
	if s.Requests() != cosclient.DefaultMaxPages {
		t.Errorf("%d requests", s.Requests())
	}
}

// TestStuckMarker: a bucket listing whose next marker does not move
// forward stops with a *ListingCutShortError once the page that did not
// move was returned.
func TestStuckMarker(t *testing.T) {
	t.Parallel()
	s := hostile.Start(t, hostile.StuckMarker())
	pages, err := drain(bounded(t), paginators(newClient(t, s, nil))["ListObjects"])
	checkCutShort(t, err, "ListObjects", 2, "does not move past")
	if pages != 2 || s.Requests() != 2 {
		t.Errorf("%d pages in %d requests, want 2", pages, s.Requests())
	}
}

// TestServiceTokens: tokens CI answers are sent back whatever their
// length; a token the caller starts from is an input, checked before
// anything is sent.
func TestServiceTokens(t *testing.T) {
	t.Parallel()
	long := 2 * cosclient.MaxTokenLen
	s := hostile.Start(t, hostile.EndlessPages(long))
	c := newClient(t, s, nil)
	for op, p := range paginators(c, cosclient.WithMaxPages(3)) {
		if op == "ListObjects" {
			continue // COS's markers are keys: no token
		}
		if _, err := drain(bounded(t), p); !errors.As(err, new(*cosclient.ListingCutShortError)) {
			t.Errorf("%s: %v, want 3 pages of long tokens and the budget", op, err)
		}
	}
	before := s.Requests()
	_, err := drain(bounded(t), pagerOf[cosclient.DescribeWorkflowExecutionsOutput]{cosclient.NewExecutionsPaginator(c,
		&cosclient.DescribeWorkflowExecutionsInput{WorkflowID: workflowID, NextToken: strings.Repeat("t", long)})})
	if pes := cosclient.ParamErrors(err); len(pes) != 1 || pes[0].Path() != "nextToken" || s.Requests() != before {
		t.Errorf("a caller's long token: %v after %d requests", err, s.Requests()-before)
	}
}
