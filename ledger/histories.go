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

// Order is which end of a workflow's execution list Histories reads
// from.
type Order int

const (
	// NewestFirst suits recent uploads (a late delivery): a page of the
	// newest runs settles every key uploaded after its oldest run, ran
	// or not.
	NewestFirst Order = iota
	// OldestFirst suits uploads that many newer runs came after (a
	// sweep's chunk, which but for the newest has later uploads' runs
	// above it): read from the oldest upload on, a page settles the keys
	// whose runs it holds (a Success, a run going), the runs created just
	// after their uploads; the keys that no page settles are looked up.
	OldestFirst
)

// pending is one key whose history is being read: the earliest creation
// time of a run that counts for it, and the runs found so far.
type pending struct {
	key   string
	since time.Time
	runs  History
	done  bool // settled: its history is in Histories.Of
}

// Histories reads the history of each item (see History) of workflowID,
// concurrency lookups at a time, reading the workflow's listing in order.
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
// Oldest first, the first page is read for two keys or more; a further
// one while the last settled at least concurrency keys (as many as a
// round of lookups) and n + 1 holds. A page settles a key on a decisive
// run; the last page (the newest run) settles every key, ran or not.
// The same n + 1 bound holds. Issue 21's sweep of 100,000 recent objects
// whose uploads ran took one lookup each newest first (the newer chunks'
// runs filled the first pages), about 12 calls a chunk of 1,000 oldest
// first.
//
// CPU is linear in the items and the executions read; memory is the
// items and the runs that count for them (RunID, state, creation time).
func (l *Ledger) Histories(ctx context.Context, workflowID string, items []Item, concurrency int, order Order, opts ...func(*cosclient.Options)) (Histories, error) {
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
	byTime := make([]*pending, 0, len(byKey))
	for _, p := range byKey {
		byTime = append(byTime, p)
	}
	slices.SortFunc(byTime, func(a, b *pending) int {
		return cmp.Or(b.since.Compare(a.since), cmp.Compare(a.key, b.key))
	})
	oldest := byTime[len(byTime)-1].since
	direction := "Desc"
	if order == OldestFirst {
		direction = "Asc"
	}
	pager := cosclient.NewExecutionsPaginator(l.ci, &cosclient.DescribeWorkflowExecutionsInput{
		WorkflowID:        workflowID,
		States:            []cosclient.ExecutionState{cosclient.StateAll},
		StartCreationTime: cosclient.FormatTime(oldest),
		OrderByTime:       direction,
		Size:              PageSize,
	}, opts...)
	open := len(byTime) // keys not settled yet
	settle := func(p *pending) {
		res.Of[p.key] = p.runs
		delete(byKey, p.key)
		p.done = true
		open--
	}
	if order == OldestFirst {
		if err := l.oldestFirst(ctx, pager, byKey, len(byTime), concurrency, &res.Calls, &open, settle); err != nil {
			return res, fmt.Errorf("list executions of %s: %w", workflowID, err)
		}
		return l.lookUp(ctx, workflowID, byTime, concurrency, res, opts...)
	}
	var newest, floor time.Time // the creation times read: the newest, the oldest
	next := 0                   // order[:next] are settled
	for pages := 0; open > 0 && pager.HasMorePages(); {
		if !worthAPage(pages, open, len(byTime), estimatePages(newest, floor, oldest, pages), concurrency) {
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
		for ; next < len(byTime) && (byTime[next].done || !more || !floor.IsZero() && byTime[next].since.After(floor)); next++ {
			if !byTime[next].done {
				settle(byTime[next])
			}
		}
	}
	return l.lookUp(ctx, workflowID, byTime[next:], concurrency, res, opts...)
}

// oldestFirst reads pages of pager (oldest run first) for the n keys of
// byKey, as Histories says, settling keys through settle; open counts
// those left, calls the calls made.
func (l *Ledger) oldestFirst(ctx context.Context, pager *cosclient.Paginator[cosclient.DescribeWorkflowExecutionsOutput], byKey map[string]*pending,
	n, concurrency int, calls, open *int, settle func(*pending)) error {
	// settleOldestFirst settles p with its runs newest first, as a
	// History holds them.
	settleOldestFirst := func(p *pending) {
		slices.Reverse(p.runs)
		settle(p)
	}
	for pages, settled := 0, 0; *open > 0 && pager.HasMorePages(); pages++ {
		switch {
		case pages == 0 && n < 2, // one key: its own lookup is one call
			pages > 0 && (settled < max(concurrency, 1) || pages+*open > n):
			return nil
		}
		out, err := pager.NextPage(ctx)
		*calls++
		if err != nil {
			return err
		}
		settled = 0
		for i := range out.WorkflowExecutionList {
			e := &out.WorkflowExecutionList[i]
			created, err := e.Created()
			if p, ok := byKey[e.Object]; ok && (err != nil || !created.Before(p.since)) {
				p.runs = append(p.runs, runOf(e))
				if decisive(p.runs[len(p.runs)-1]) {
					settleOldestFirst(p)
					settled++
				}
			}
		}
		if !pager.HasMorePages() {
			// Every run since the oldest upload was read.
			for _, p := range byKey {
				settleOldestFirst(p)
			}
		}
	}
	return nil
}

// lookUp looks up the keys of todo not settled yet one object at a time,
// concurrency at a time, into res.
func (l *Ledger) lookUp(ctx context.Context, workflowID string, todo []*pending, concurrency int, res Histories, opts ...func(*cosclient.Options)) (Histories, error) {
	left := slices.DeleteFunc(slices.Clone(todo), func(p *pending) bool { return p.done })
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
