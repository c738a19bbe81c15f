package ledger

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/cosflow/cosflow/cosclient"
)

// Histories is what (*Ledger).Histories read.
type Histories struct {
	// Of maps the key of every item whose history was read to it (empty:
	// no run counts for it). A key absent from Of could not be read: the
	// error says why.
	Of map[string]History
	// Calls is how many DescribeWorkflowExecutions calls were made.
	Calls int
}

// pending is one key whose history is being read: the earliest creation
// time of a run that counts for it, and the runs found so far.
type pending struct {
	key   string
	since time.Time
	runs  History
	done  bool // settled: its history is in Histories.Of
}

// Histories reads the history of each item (see History) of workflowID,
// concurrency lookups at a time.
//
// Cost, for n distinct keys: at most n + 1 calls, as long as no object
// has more than a page of runs since its upload (its own lookup then
// pages, up to maxPagesPerObject). The workflow's executions are listed
// newest first: a page settles every key uploaded after the oldest
// execution on it (the list being in creation order), 100 executions a
// call. The first page is always read (one call settles a burst of
// recent uploads, the upload path's common case); further pages only
// while the pages so far have paid for themselves (so that n + 1 holds)
// and the executions left to read, estimated from the time the pages so
// far spanned, take fewer pages than the keys left take lookups. The keys
// left are then looked up one object at a time, concurrently.
//
// A key's history may stop at a run that decides it (see decisive): a
// Success, or a run still going; the listing does not read on for the
// older runs, which would not change what Decide answers about a run
// to start (none).
//
// CPU is linear in the items and the executions read; memory is the
// items and the runs that count for them (RunID, state, creation time).
func (l *Ledger) Histories(ctx context.Context, workflowID string, items []Item, concurrency int, opts ...func(*cosclient.Options)) (Histories, error) {
	res := Histories{Of: make(map[string]History, len(items))}
	byKey := make(map[string]*pending, len(items))
	for _, it := range items {
		from := since(it.Uploaded)
		if p, ok := byKey[it.Key]; ok {
			p.since = minTime(p.since, from)
			continue
		}
		byKey[it.Key] = &pending{key: it.Key, since: from}
	}
	if len(byKey) == 0 {
		return res, nil
	}
	// Newest upload first: a page settles a prefix of them.
	order := make([]*pending, 0, len(byKey))
	for _, p := range byKey {
		order = append(order, p)
	}
	slices.SortFunc(order, func(a, b *pending) int {
		return cmp.Or(b.since.Compare(a.since), cmp.Compare(a.key, b.key))
	})
	oldest := order[len(order)-1].since
	pager := cosclient.NewExecutionsPaginator(l.ci, &cosclient.DescribeWorkflowExecutionsInput{
		WorkflowID:        workflowID,
		States:            []cosclient.ExecutionState{cosclient.StateAll},
		StartCreationTime: cosclient.FormatTime(oldest),
		OrderByTime:       "Desc",
		Size:              PageSize,
	}, opts...)
	open := len(order) // keys not settled yet
	settle := func(p *pending) {
		res.Of[p.key] = p.runs
		delete(byKey, p.key)
		p.done = true
		open--
	}
	var newest, floor time.Time // the creation times read: the newest, the oldest
	next := 0                   // order[:next] are settled
	for pages := 0; open > 0 && pager.HasMorePages(); {
		if !worthAPage(pages, open, len(order), estimatePages(newest, floor, oldest, pages), concurrency) {
			break
		}
		out, err := pager.NextPage(ctx)
		res.Calls++
		if err != nil {
			return res, fmt.Errorf("list executions of %s: %w", workflowID, err)
		}
		pages++
		pageFloor := time.Time{}
		for i := range out.WorkflowExecutionList {
			e := &out.WorkflowExecutionList[i]
			created, err := e.Created()
			// An unreadable time counts, whatever the object's (running
			// twice is the worse mistake), but says nothing about where
			// the page ends.
			unreadable := err != nil
			if !unreadable {
				if pageFloor.IsZero() || created.Before(pageFloor) {
					pageFloor = created
				}
				if newest.IsZero() || created.After(newest) {
					newest = created
				}
			}
			if p, ok := byKey[e.Object]; ok && (unreadable || !created.Before(p.since)) {
				p.runs = append(p.runs, runOf(e))
				if decisive(p.runs[len(p.runs)-1]) {
					settle(p)
				}
			}
		}
		if !pageFloor.IsZero() {
			floor = pageFloor
		}
		// Every run of a key uploaded after the floor is on the pages
		// read (a run created in the floor's second may be on the next).
		more := pager.HasMorePages()
		for ; next < len(order) && (order[next].done || !more || !floor.IsZero() && order[next].since.After(floor)); next++ {
			if !order[next].done {
				settle(order[next])
			}
		}
	}
	// What is left is cheaper to look up one object at a time.
	left := slices.DeleteFunc(order[next:], func(p *pending) bool { return p.done })
	var (
		mu    sync.Mutex
		first error
		g     errgroup.Group
	)
	g.SetLimit(max(concurrency, 1))
	for _, p := range left {
		g.Go(func() error {
			h, calls, err := l.historySince(ctx, workflowID, p.key, p.since, opts...)
			mu.Lock()
			defer mu.Unlock()
			res.Calls += calls
			if err != nil {
				if first == nil {
					first = err
				}
				return nil
			}
			res.Of[p.key] = h
			return nil
		})
	}
	_ = g.Wait() // errors are kept in first
	return res, first
}

// worthAPage says whether Histories reads one more page of the
// workflow's listing, after pages pages, with left of n keys unsettled,
// est (-1: unknown) the pages estimated to reach back to the oldest
// upload, and concurrency lookups at a time the alternative. The first
// page is read for two keys or more (one key's own lookup is one call).
// A further page only while stopping after it keeps the total within
// n + 1 calls (the pages read and one lookup per key left), and while
// listing looks the faster way: the estimate says it reaches back in
// fewer pages than there are keys left, or the pages so far settled as
// many keys each as the lookups settle in one round. (Pages come one
// after another; lookups, concurrency at a time.)
func worthAPage(pages, left, n, est, concurrency int) bool {
	switch {
	case pages == 0:
		return n > 1
	case pages+left > n:
		return false
	case est >= 0 && est < left:
		return true
	}
	return (n-left)/pages >= max(concurrency, 1)
}

// estimatePages estimates how many more pages reach back to oldest when
// pages pages went from newest back to floor, the executions taken to be
// spread evenly over time; -1 when there is nothing to go by (no readable
// time, or every one in one second). Bursts make it overestimate (the
// time before the oldest listed run may hold none): worthAPage then goes
// by the keys the pages settled.
func estimatePages(newest, floor, oldest time.Time, pages int) int {
	if pages == 0 || floor.IsZero() {
		return -1
	}
	perPage := newest.Sub(floor) / time.Duration(pages)
	if perPage <= 0 {
		return -1
	}
	rest := floor.Sub(oldest)
	if rest <= 0 {
		return 1
	}
	return int((rest + perPage - 1) / perPage)
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
