package handler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/cosstate"
	"github.com/cosflow/cosflow/internal/logx"
	"github.com/cosflow/cosflow/ledger"
	"github.com/cosflow/cosflow/scf"
)

// A sweep streams the bucket listing (it never holds more than a chunk of
// candidates), settles the candidates a chunk at a time (their histories
// in one ledger.Histories, then first runs and redrives at the handler's
// concurrency), and writes its cursor after each chunk (sweep_cursor.go).
// Numbers from issue 21: 10M keys under a prefix are 10,000 listing pages,
// 800 s at 80 ms a call, over one invocation's timeout; so a pass spans
// invocations. With its deadline near (less a margin for the last chunk
// and the cursor), an invocation stops listing, settles what it found,
// and reports "truncated" and "lastKey": a result, not an invocation
// error, since a platform retry would only repeat the listing. A backlog
// larger than maxTriggers stops the same way. Either goes on at once in a
// continuation (sweep_continue.go), or at the next tick when that is
// lost, so the sweep timer should still tick often (every 5 minutes,
// with "every" of an hour).
//
// A dry run keeps no cursor: it plans one pass from the start of the
// listing, within the invocation.

// Chunk and listing bounds.
const (
	// sweepChunk is how many candidates a chunk gathers before it is
	// settled (a listing page may add up to listPageKeys past it).
	sweepChunk = 1000
	// maxSweepPages bounds the listing pages one invocation reads (its
	// deadline stops it long before, on any real bucket).
	maxSweepPages = 20_000
)

// Sweep deadline margins: the part of the time left at the sweep's start
// kept for settling the last chunk and writing the cursor.
const (
	minSweepMargin = 200 * time.Millisecond
	maxSweepMargin = 30 * time.Second
)

// Final reserve bounds: the part of the time left at the sweep's start
// that its work (listing, lookups, triggers) never reaches, kept for the
// last writes (the lease released, the cursor) and the continuation's
// Invoke, however long the last chunk took: its calls end at the work's
// deadline, so that those still have time once it overran its margin.
const (
	minFinalReserve = 100 * time.Millisecond
	maxFinalReserve = 3 * time.Second
)

// sweepCandidate is one object a rule matches in the window.
type sweepCandidate struct {
	key string
	// modified is the object's LastModified; the window's start when it
	// could not be read (unreadable), so that every run in the window
	// counts for it.
	modified   time.Time
	unreadable bool
}

// sweepRun is what one invocation's sweep of one spec shares across its
// rules.
type sweepRun struct {
	spec   *ReconcileSpec
	tick   time.Time
	opts   []func(*cosclient.Options)
	budget int // triggers left under maxTriggers
	// deadline is the work's (zero: none), the invocation's less the
	// final reserve; margin is what is kept before it; slowest is the
	// longest a chunk took to settle.
	deadline        time.Time
	margin, slowest time.Duration
	// store keeps cursors and claims in the spec's bucket (nil in a dry
	// run); token and holder name this invocation there.
	store         *cosstate.Store
	claims        *ledger.Claims
	token, holder string
	// done holds key + workflow of the candidates an earlier rule of a
	// shared workflow settled; shared counts the rules of each workflow.
	done   map[string]bool
	shared map[string]int
	// continuation is set when the invocation continues an earlier one
	// of its tick (sweep_continue.go).
	continuation bool
}

// outOfTime reports whether the invocation must stop listing: what is
// left before its deadline is less than the margin, or than one and a
// half times the slowest chunk yet.
func (r *sweepRun) outOfTime() bool {
	return !r.deadline.IsZero() && time.Until(r.deadline) < max(r.margin, r.slowest*3/2)
}

// claimsIn are the redrive claims kept in store, under the state prefix,
// on the Handler's clock: where both redrive paths (the sweep, CI's
// callback) take theirs, so that they claim the same attempts.
func (h *Handler) claimsIn(store *cosstate.Store) *ledger.Claims {
	return ledger.NewClaims(store, h.cfg.StatePrefix, h.now)
}

// newSweepRun prepares one invocation's sweep of s at tick.
func (h *Handler) newSweepRun(ctx context.Context, s *ReconcileSpec, tick time.Time, continuation bool) *sweepRun {
	log := logx.From(ctx, h.logger)
	run := &sweepRun{spec: s, tick: tick, continuation: continuation, opts: s.Target.Options(log), budget: s.Reconcile.maxTriggers,
		done: map[string]bool{}, shared: map[string]int{}}
	if d, ok := ctx.Deadline(); ok {
		run.deadline = d.Add(-min(max(time.Until(d)/20, minFinalReserve), maxFinalReserve))
		run.margin = min(max(time.Until(run.deadline)/4, minSweepMargin), maxSweepMargin)
	}
	for i := range h.cfg.Rules {
		if h.cfg.Rules[i].coversCreated() {
			run.shared[h.cfg.Rules[i].WorkflowID]++
		}
	}
	if !h.cfg.DryRun && h.ci != nil {
		run.store = cosstate.New(h.ci, run.opts...)
		run.claims = h.claimsIn(run.store)
		run.token = cosstate.NewToken()
		run.holder = run.token
		if ic, ok := scf.FromContext(ctx); ok && ic.RequestID != "" {
			run.holder = ic.RequestID + " " + run.token
		}
	}
	return run
}

// Reconcile runs one sweep at tick over every upload rule that covers
// uploads, one result each, in rule order. s must have been checked: it
// comes from a timer's argument or from ParseReconcileSpec. The timer
// runs it at every tick; `cosflow reconcile` runs it once, now. Each rule
// goes on with its pass under way, starts one when due, or reports busy.
func (h *Handler) Reconcile(ctx context.Context, s *ReconcileSpec, tick time.Time) []ReconcileResult {
	return h.reconcile(ctx, s, tick, false)
}

// reconcile is Reconcile, for a continuation of an earlier invocation of
// tick when continuation is set.
func (h *Handler) reconcile(ctx context.Context, s *ReconcileSpec, tick time.Time, continuation bool) []ReconcileResult {
	log := logx.From(ctx, h.logger)
	run := h.newSweepRun(ctx, s, tick, continuation)
	results := make([]ReconcileResult, 0, len(h.cfg.Rules))
	skip := h.sweepChecks(ctx, s, h.cfg.Rules) // rules whose workflow does not exist
	for i := range h.cfg.Rules {
		rule := &h.cfg.Rules[i]
		if !rule.coversCreated() {
			continue
		}
		res := ReconcileResult{Name: s.Name, Rule: rule.Name, Triggered: []SweptObject{}, Failed: []Failed{},
			Redriven: []Redriven{}, Exhausted: []Exhausted{}}
		err := skip[rule.Name]
		if err == nil {
			err = h.sweepRule(ctx, run, rule, &res)
		}
		if err != nil {
			res.Error = err.Error()
			res.Retryable = retryable(err)
		}
		level := slog.LevelInfo
		if res.Error != "" || len(res.Failed) > 0 || res.UnreadableTimes > 0 {
			level = slog.LevelWarn
		}
		log.LogAttrs(ctx, level, "reconcile done", slog.String("name", s.Name), slog.String("rule", rule.Name),
			slog.String("bucket", s.Bucket), slog.String("pass", res.Pass), slog.Bool("resumed", res.Resumed),
			slog.Int("checked", res.Checked), slog.Int("unreadableTimes", res.UnreadableTimes), slog.Int("alreadyRan", res.AlreadyRan), slog.Int("triggered", len(res.Triggered)),
			slog.Int("redriven", len(res.Redriven)), slog.Int("exhausted", len(res.Exhausted)),
			slog.Int("failed", len(res.Failed)), slog.Int("planned", len(res.Planned)), slog.Bool("truncated", res.Truncated), slog.String("lastKey", res.LastKey),
			slog.Bool("busy", res.Busy), slog.String("nextPass", res.NextPass),
			slog.Int("listCalls", res.Calls.List), slog.Int("ledgerCalls", res.Calls.Ledger), slog.Int("triggerCalls", res.Calls.Trigger),
			slog.Int("readCalls", res.Calls.Read), slog.Int("stateCalls", res.Calls.State),
			slog.String("error", res.Error))
		results = append(results, res)
	}
	return results
}

// sweepRule sweeps one rule for as long as the invocation allows: it
// takes the rule's pass (or reports it busy, or not due), lists the
// bucket from the pass's marker, settles chunk after chunk, and writes
// the cursor after each and at the end, releasing its lease.
func (h *Handler) sweepRule(ctx context.Context, run *sweepRun, rule *Rule, res *ReconcileResult) (err error) {
	final := ctx // the lease's and the last writes' (sweepRun.deadline)
	if !run.deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, run.deadline)
		defer cancel()
	}
	p := &run.spec.Reconcile
	cur := sweepCursor{Pass: run.tick}
	var st *sweepState
	if run.store != nil {
		st = newSweepState(run.store, h.cfg.StatePrefix, run.spec.Name, rule.Name, run.token, &res.Calls.State)
		now := h.now()
		// Not err: the deferred last write below reports into the named
		// result, which a variable of this block would shadow.
		held, busy, aerr := st.acquire(final, run.holder, now, leaseExpiry(final, now))
		switch {
		case aerr != nil:
			return aerr
		case !busy.IsZero():
			res.Busy, res.BusyUntil = true, cosclient.FormatTime(busy)
			return nil
		}
		cur = held
		defer func() {
			// The last write: the cursor as the sweep leaves it, its lease
			// released. Should it fail, the lease expires and the next
			// tick redoes what this one did since its last write.
			rerr := st.release(final, &cur, h.now())
			if werr := st.writeCursor(final, &cur); err == nil {
				err = errors.Join(rerr, werr)
			}
		}()
		switch {
		case !cur.Done && !cur.Pass.IsZero():
			res.Resumed = true
		case cur.Done && run.tick.Before(cur.Pass.Add(p.every)),
			cur.Done && run.continuation && run.tick.Equal(cur.Pass):
			// Not due (every 0: a tick older than the pass done, such as
			// a late retry, which SCF may deliver for hours, scf.md §4,
			// and which would move the pass back to an older window); or,
			// without every, a continuation of the tick this pass was
			// done at (another rule stopped with work left, or the next
			// tick ended the pass first), which must not list the whole
			// pass again.
			res.Pass, res.NextPass = cosclient.FormatTime(cur.Pass), cosclient.FormatTime(cur.Pass.Add(p.every))
			return nil
		default:
			cur = sweepCursor{Pass: run.tick, Lease: cur.Lease, Holder: cur.Holder, Expires: cur.Expires}
		}
		cur.Spec, cur.Rule = run.spec.Name, rule.Name
		cur.Counters.Invocations++
		defer func() { cur.Counters.add(res) }()
	}
	res.Pass = cosclient.FormatTime(cur.Pass)
	from, to := cur.Pass.Add(-p.window), cur.Pass.Add(-p.lag)

	stopped := func() {
		res.Truncated, res.LastKey = true, cur.Marker
	}
	if run.outOfTime() {
		stopped()
		return nil
	}
	pager := cosclient.NewObjectsPaginator(h.ci, &cosclient.ListObjectsInput{Prefix: rule.Prefix, Marker: cur.Marker, MaxKeys: listPageKeys},
		append(run.opts, cosclient.WithMaxPages(maxSweepPages))...)
	var chunk []sweepCandidate
	chunkEnd := cur.Marker // the last key listed
	for pages := 0; ; {
		listing := pager.HasMorePages() && pages < maxSweepPages && !run.outOfTime()
		if listing && len(chunk) < sweepChunk {
			page, err := pager.NextPage(ctx)
			res.Calls.List++
			pages++
			if err != nil {
				return fmt.Errorf("list the bucket under %q: %w", rule.Prefix, err)
			}
			chunk = h.appendCandidates(chunk, rule, page.Contents, from, to)
			if n := len(page.Contents); n > 0 {
				chunkEnd = page.Contents[n-1].Key
			}
			continue
		}
		start := time.Now()
		marker, whole, err := h.settleChunk(ctx, run, rule, chunk, cur.Marker, chunkEnd, res)
		run.slowest = max(run.slowest, time.Since(start))
		cur.Marker, chunk = marker, chunk[:0]
		switch {
		case err != nil:
			return err
		case !whole:
			stopped()
			return nil
		case !pager.HasMorePages():
			cur.Done, cur.Finished, cur.Marker = true, h.now(), ""
			return nil
		case !listing:
			stopped()
			return nil
		}
		if st != nil {
			if err := st.writeCursor(ctx, &cur); err != nil {
				return err
			}
		}
	}
}

// appendCandidates appends to chunk the objects of a listing page that
// are modified in [from, to), that the rule matches and that no ignore
// prefix covers.
//
// An object whose LastModified cannot be read is kept too, as modified at
// from: the safe reading, the ledger's own for a run whose time it cannot
// read. Its lookup then counts every run in the window, and when none is
// listed it is triggered. Dropping it could lose an upload that never
// ran; keeping it can, at worst, run again an object uploaded before the
// window or one whose upload event is still within the lag.
func (h *Handler) appendCandidates(chunk []sweepCandidate, rule *Rule, page []cosclient.Object, from, to time.Time) []sweepCandidate {
	for _, o := range page {
		c := sweepCandidate{key: o.Key}
		modified, err := o.Modified()
		switch {
		case err != nil:
			c.modified, c.unreadable = from, true
		case modified.Before(from) || !modified.Before(to):
			continue
		default:
			c.modified = modified
		}
		if !h.takes(rule, o.Key, o.Size) {
			continue
		}
		chunk = append(chunk, c)
	}
	return chunk
}

// takes reports whether the sweep takes key, of size (-1: unknown, not
// checked), as a candidate of rule: not under an ignored prefix, and
// matching the rule's key and size conditions. CI's completion callback
// chooses the rule of a run by it too, so that both redrive paths act on
// the same objects.
func (h *Handler) takes(rule *Rule, key string, size int64) bool {
	if _, ignored := ignoredBy(h.cfg.IgnorePrefixes, key); ignored {
		return false
	}
	if size < 0 {
		return rule.matchesKey(key)
	}
	return rule.matchesObject(key, size)
}

// sweepTodo is one candidate a chunk starts a run for.
type sweepTodo struct {
	at      int // its index in the chunk
	verdict ledger.Verdict
	history ledger.History
}

// settleChunk settles the chunk's candidates (in key order, all after
// startMarker and up to chunkEnd): it reads their histories, starts the
// first runs and redrives Decide asks for (within the budget), and reports
// the exhausted. It returns the marker the pass reaches (chunkEnd when
// whole; else the last key before the first candidate left unsettled: its
// lookup failed, the budget or the deadline stopped before it, or its
// trigger failed and may succeed later).
func (h *Handler) settleChunk(ctx context.Context, run *sweepRun, rule *Rule, chunk []sweepCandidate, startMarker, chunkEnd string, res *ReconcileResult) (marker string, whole bool, err error) {
	shared := run.shared[rule.WorkflowID] > 1
	if shared {
		kept := chunk[:0]
		for _, c := range chunk {
			if !run.done[c.key+"\x00"+rule.WorkflowID] {
				kept = append(kept, c)
			}
		}
		chunk = kept
	}
	if len(chunk) == 0 {
		return chunkEnd, true, nil
	}
	markerBefore := func(i int) string {
		if i == 0 {
			return startMarker
		}
		return chunk[i-1].key
	}
	res.Checked += len(chunk)
	items := make([]ledger.Item, len(chunk))
	for i, c := range chunk {
		items[i] = ledger.Item{Key: c.key, Uploaded: c.modified}
		if c.unreadable {
			res.UnreadableTimes++
		}
	}
	found, herr := h.ledger.Histories(ctx, rule.WorkflowID, items, h.cfg.Concurrency, ledger.OldestFirst, run.opts...)
	res.Calls.Ledger += found.Calls
	if len(found.Of) == 0 && herr != nil {
		return startMarker, false, herr
	}
	unsettled := len(chunk) // the first candidate left unsettled
	var todo, exhausted []sweepTodo
	for i, c := range chunk {
		hist, read := found.Of[c.key]
		if !read {
			unsettled = min(unsettled, i)
			continue
		}
		if len(hist) > 0 {
			res.AlreadyRan++
		}
		switch v := ledger.Decide(hist, h.cfg.MaxAttempts); v {
		case ledger.Trigger, ledger.Redrive:
			todo = append(todo, sweepTodo{at: i, verdict: v, history: hist})
		case ledger.Exhausted:
			exhausted = append(exhausted, sweepTodo{at: i, verdict: v, history: hist})
		}
	}
	if len(todo) > run.budget {
		unsettled = min(unsettled, todo[run.budget].at)
		todo, res.Truncated = todo[:run.budget], true
	}
	run.budget -= len(todo)
	log := logx.From(ctx, h.logger)
	s := run.spec
	if h.cfg.DryRun {
		for _, td := range todo {
			c := chunk[td.at]
			log.Info("dry run", slog.String("bucket", s.Bucket), slog.String("key", c.key), slog.String("verdict", td.verdict.String()),
				slog.String("workflowId", rule.WorkflowID), slog.String("rule", rule.Name), slog.String("sweep", s.Name))
			res.Planned = append(res.Planned, c.key)
		}
	} else {
		outcomes := make([]taskOutcome, len(todo))
		h.inParallel(len(todo), func(i int) {
			td, c := todo[i], chunk[todo[i].at]
			t := triggerTask{target: s.Target, key: c.key, rule: rule, uploaded: c.modified, sweep: s.Name}
			if td.verdict == ledger.Redrive {
				t.redrive, t.claims, t.token = td.history, run.claims, run.token
			}
			outcomes[i] = h.triggerOnce(ctx, t)
		})
		for i, o := range outcomes {
			td, c := todo[i], chunk[todo[i].at]
			res.Calls.Trigger += o.calls
			res.Calls.Ledger += o.ledgerCalls
			res.Calls.State += o.stateCalls
			switch {
			case o.err != nil && (errors.Is(o.err, errNotAttempted) || ctx.Err() != nil):
				// Out of time: the invocation that goes on (a
				// continuation, or the next tick) settles it, and is no
				// failure.
				unsettled = min(unsettled, td.at)
			case o.err != nil:
				res.Failed = append(res.Failed, Failed{Key: c.key, WorkflowID: rule.WorkflowID, Error: o.err.Error(), Retryable: retryable(o.err)})
				if retryable(o.err) {
					unsettled = min(unsettled, td.at)
				}
			case o.unclaimed:
				// Another sweep or a callback holds this attempt.
			case td.verdict == ledger.Redrive:
				res.Redriven = append(res.Redriven, Redriven{Key: c.key, FailedRunID: td.history.Latest().RunID, InstanceID: o.instanceID})
			default:
				res.Triggered = append(res.Triggered, SweptObject{Key: c.key, InstanceID: o.instanceID})
			}
		}
	}
	h.reportExhausted(ctx, run, rule, chunk, exhausted, res)
	if shared {
		for _, c := range chunk[:unsettled] {
			run.done[c.key+"\x00"+rule.WorkflowID] = true
		}
	}
	if unsettled < len(chunk) {
		return markerBefore(unsettled), false, herr
	}
	return chunkEnd, herr == nil, herr
}

// reportExhausted reads the last run of each exhausted candidate (one
// DescribeWorkflowExecution each, concurrently: the list has no tasks),
// adds it to the result with the failing task's code and message, and
// logs it at ERROR, one line per object, so that a log alarm can page
// someone.
func (h *Handler) reportExhausted(ctx context.Context, run *sweepRun, rule *Rule, chunk []sweepCandidate, exhausted []sweepTodo, res *ReconcileResult) {
	if len(exhausted) == 0 {
		return
	}
	reports := make([]Exhausted, len(exhausted))
	readErrs := make([]error, len(exhausted))
	h.inParallel(len(exhausted), func(i int) {
		td := exhausted[i]
		last := td.history.Latest()
		reports[i] = Exhausted{Key: chunk[td.at].key, Runs: len(td.history), LastRunID: last.RunID}
		if h.ci == nil {
			return
		}
		out, err := h.ci.DescribeWorkflowExecution(ctx, &cosclient.DescribeWorkflowExecutionInput{RunID: last.RunID}, run.opts...)
		if err != nil {
			readErrs[i] = err
			return
		}
		if f := out.WorkflowExecution.FailedTask(); f != nil {
			reports[i].Code, reports[i].Message = f.Code, f.Message
		}
	})
	for i, r := range reports {
		if h.ci != nil {
			res.Calls.Read++
		}
		attrs := []slog.Attr{slog.String("sweep", run.spec.Name)}
		if readErrs[i] != nil {
			attrs = append(attrs, slog.String("readError", readErrs[i].Error()))
		}
		h.logExhausted(ctx, run.spec.Bucket, rule, r, attrs...)
		res.Exhausted = append(res.Exhausted, r)
	}
}

// logExhausted logs an upload whose runs are exhausted at ERROR as "run
// failed permanently", one line per object and finding (the sweep's, a
// callback's), so that a log alarm can page someone.
func (h *Handler) logExhausted(ctx context.Context, bucket string, rule *Rule, x Exhausted, extra ...slog.Attr) {
	attrs := append([]slog.Attr{slog.String("bucket", bucket), slog.String("key", x.Key),
		slog.String("workflowId", rule.WorkflowID), slog.String("rule", rule.Name),
		slog.Int("runs", x.Runs), slog.String("lastRunId", x.LastRunID), slog.String("code", x.Code), slog.String("message", x.Message)}, extra...)
	logx.From(ctx, h.logger).LogAttrs(ctx, slog.LevelError, "run failed permanently", attrs...)
}
