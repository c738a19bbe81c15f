package ciemu

import (
	"cmp"
	"encoding/xml"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cosflow/cosflow/cosclient"
)

// Every TriggerWorkflow that runs starts a workflow execution, CI's record
// of what ran; its RunId is the InstanceId the trigger answered (whether
// or not that answer reached the caller). Like a job's, an execution's
// state is derived from the clock: Running for the lifecycle's running
// time, then its staged outcome (Success unless a test staged another,
// outcomes.go). When it ends, its workflow's callback is posted
// (callbacks.go).

// chinaTime is the zone CI writes times in.
var chinaTime = time.FixedZone("CST", 8*60*60)

// execution is one stored workflow execution.
type execution struct {
	seq        uint64 // creation order, also the paging cursor
	bucket     string
	workflowID string
	runID      string
	object     string
	created    time.Time
	outcome    Outcome // resolved when the run started
}

// ended is when x's running time is over, and its outcome shows.
func (lc lifecycle) ended(x *execution) time.Time { return x.created.Add(lc.runningFor) }

type (
	workflowKey struct{ bucket, workflowID string }
	runKey      struct{ bucket, runID string }
)

// executionStore holds executions of every bucket, at most max of them:
// the oldest is forgotten first. Every run is added here, whatever started
// it, so here it takes its outcome and wakes the callbacks.
type executionStore struct {
	order      ring[*execution] // oldest first
	byRun      map[runKey]*execution
	byWorkflow map[workflowKey]*workflowRuns
	outcomes   outcomeStage
	notify     callbackState
}

// workflowRuns are one workflow's executions in a bucket, oldest first,
// also by object: a lookup by name (the ledger's, once per object a sweep
// settles) reads its object's runs instead of scanning every run, which
// at the sweep benchmarks' 100,000 runs made the emulator the bottleneck.
type workflowRuns struct {
	list     []*execution
	byObject map[string][]*execution
	objects  []string // byObject's keys, sorted; nil when stale
}

// named returns the runs whose object starts with name (the name
// filter's reading, see matches), oldest first.
func (w *workflowRuns) named(name string) []*execution {
	if w.objects == nil {
		w.objects = slices.Sorted(maps.Keys(w.byObject))
	}
	i := sort.SearchStrings(w.objects, name)
	j := i
	for j < len(w.objects) && strings.HasPrefix(w.objects[j], name) {
		j++
	}
	if j == i+1 {
		return w.byObject[w.objects[i]]
	}
	var runs []*execution
	for _, o := range w.objects[i:j] {
		runs = append(runs, w.byObject[o]...)
	}
	slices.SortFunc(runs, func(a, b *execution) int { return cmp.Compare(a.seq, b.seq) })
	return runs
}

func newExecutionStore(max int) executionStore {
	return executionStore{
		order:      newRing[*execution](max),
		byRun:      make(map[runKey]*execution),
		byWorkflow: make(map[workflowKey]*workflowRuns),
		outcomes:   newOutcomeStage(max),
		notify:     newCallbackState(),
	}
}

// add stores x, a run starting now, with its outcome.
func (s *executionStore) add(x *execution) {
	x.outcome = s.outcomes.next(triggerKey{x.bucket, x.workflowID, x.object})
	if old, full := s.order.push(x); full {
		s.forget(old)
	}
	s.byRun[runKey{x.bucket, x.runID}] = x
	k := workflowKey{x.bucket, x.workflowID}
	w := s.byWorkflow[k]
	if w == nil {
		w = &workflowRuns{byObject: make(map[string][]*execution)}
		s.byWorkflow[k] = w
	}
	w.list = append(w.list, x)
	if _, seen := w.byObject[x.object]; !seen {
		w.objects = nil
	}
	w.byObject[x.object] = append(w.byObject[x.object], x)
	s.notify.wakeUp()
}

// forget drops x, the oldest execution of all and so the oldest of its
// workflow and of its object.
func (s *executionStore) forget(x *execution) {
	delete(s.byRun, runKey{x.bucket, x.runID})
	k := workflowKey{x.bucket, x.workflowID}
	w := s.byWorkflow[k]
	w.list[0] = nil // let it be collected; the next append reallocates
	w.list = w.list[1:]
	if runs := w.byObject[x.object]; len(runs) > 1 {
		runs[0] = nil
		w.byObject[x.object] = runs[1:]
	} else {
		delete(w.byObject, x.object)
		w.objects = nil
	}
	if len(w.list) == 0 {
		delete(s.byWorkflow, k)
	}
}

func (s *executionStore) reset() {
	s.order.reset()
	clear(s.byRun)
	clear(s.byWorkflow)
	s.outcomes.reset()
	s.notify.reset()
}

// executionState derives an execution's state at now: Running, then its
// outcome's. A trigger starts its run at once, so there is no Submitted
// phase.
func (lc lifecycle) executionState(x *execution, now time.Time) cosclient.ExecutionState {
	if now.Before(lc.ended(x)) {
		return cosclient.ExecutionStateRunning
	}
	return x.outcome.State
}

// execution renders x as a WorkflowExecutionList element at now. CreateTime
// is RFC 3339 in +08:00, as the API reference's examples write it (jobs
// use the +0800 layout): callers must read both.
func (lc lifecycle) execution(x *execution, now time.Time) cosclient.WorkflowExecution {
	return cosclient.WorkflowExecution{
		RunID:      x.runID,
		WorkflowID: x.workflowID,
		Object:     x.object,
		CreateTime: x.created.In(chinaTime).Format(time.RFC3339),
		State:      lc.executionState(x, now),
	}
}

// workflowName is a workflow's stable stand-in name.
func workflowName(workflowID string) string {
	return "workflow-" + workflowID[1:9]
}

// topology is a workflow graph in the shape CI answers it: the
// Dependencies between nodes (Start → each node in turn → End), then the
// Nodes with their Type, the Start node's with its input queue.
func topology(bucket string, nodes []workflowNode) *cosclient.Topology {
	el := func(name, text string, children ...cosclient.Node) cosclient.Node {
		return cosclient.Node{XMLName: xml.Name{Local: name}, Text: text, Nodes: children}
	}
	deps := make([]cosclient.Node, 0, len(nodes)+1)
	list := []cosclient.Node{el("Start", "",
		el("Type", "Start"),
		el("Input", "", el("QueueId", defaultQueueID(bucket))))}
	from := "Start"
	for _, n := range nodes {
		deps = append(deps, el(from, n.name))
		list = append(list, el(n.name, "", el("Type", n.typ)))
		from = n.name
	}
	deps = append(deps, el(from, "End"))
	return &cosclient.Topology{Nodes: []cosclient.Node{el("Dependencies", "", deps...), el("Nodes", "", list...)}}
}

// executionQuery is a parsed DescribeWorkflowExecutions query.
type executionQuery struct {
	paging
	workflowID string
	name       string                            // an object key prefix
	states     map[cosclient.ExecutionState]bool // nil means all
	jobID      string
}

// parseExecutionQuery reads and checks every filter; a bad one (or a
// missing workflowId) is 400 InvalidArgument naming the parameter.
func parseExecutionQuery(q url.Values) (executionQuery, *apiError) {
	var in cosclient.DescribeWorkflowExecutionsInput
	pg, states, err := parseListing(q, cosclient.ParseExecutionStates, func(size int) error {
		in = cosclient.DescribeWorkflowExecutionsInput{
			WorkflowID:        q.Get("workflowId"),
			Name:              q.Get("name"),
			StartCreationTime: q.Get("startCreationTime"),
			EndCreationTime:   q.Get("endCreationTime"),
			OrderByTime:       q.Get("orderByTime"),
			Size:              size,
			NextToken:         q.Get("nextToken"),
			JobID:             q.Get("jobId"),
		}
		return in.Validate()
	})
	if err != nil {
		return executionQuery{}, err
	}
	return executionQuery{paging: pg, workflowID: in.WorkflowID, name: in.Name, states: states, jobID: in.JobID}, nil
}

// matches applies every filter but the workflow and the cursor to x,
// whose state is state.
//
// Whether CI's name filter matches keys exactly is undocumented, so the
// emulator takes the loosest plausible reading, a prefix match: a caller
// that trusts the filter instead of comparing each <Object> itself sees
// other objects' runs here, as it might on the service.
//
// Executions started by TriggerWorkflow belong to no job, so a jobId
// filter matches none of them.
func (xq *executionQuery) matches(x *execution, state cosclient.ExecutionState) bool {
	return xq.jobID == "" &&
		strings.HasPrefix(x.object, xq.name) &&
		(xq.states == nil || xq.states[state]) &&
		xq.inWindow(x.created)
}

// describeExecutions serves GET /workflowexecution: one page of a
// workflow's executions in creation order (Desc by default), one
// WorkflowExecutionList element each, and a NextToken when more match.
func (e *Emulator) describeExecutions(req *request) (any, *apiError) {
	xq, err := parseExecutionQuery(req.r.URL.Query())
	if err != nil {
		return nil, err
	}
	out := &cosclient.DescribeWorkflowExecutionsOutput{RequestID: req.requestID}
	e.mu.Lock()
	defer e.mu.Unlock()
	var list []*execution
	if w := e.executions.byWorkflow[workflowKey{req.bucket, xq.workflowID}]; w != nil {
		list = w.list
		if xq.name != "" {
			list = w.named(xq.name)
		}
	}
	page, next := pageOf(list, func(x *execution) uint64 { return x.seq }, xq.paging, func(x *execution) bool {
		return xq.matches(x, e.lc.executionState(x, req.now))
	})
	for _, x := range page {
		out.WorkflowExecutionList = append(out.WorkflowExecutionList, e.lc.execution(x, req.now))
	}
	out.NextToken = next
	return out, nil
}

// describeExecution serves GET /workflowexecution/<runId>. The service's
// answer for an unknown ID is undocumented; the emulator answers 200
// without a <WorkflowExecution>, as it does for unknown jobs.
func (e *Emulator) describeExecution(req *request) (any, *apiError) {
	out := &cosclient.DescribeWorkflowExecutionOutput{RequestID: req.requestID}
	e.mu.Lock()
	defer e.mu.Unlock()
	if x := e.executions.byRun[runKey{req.bucket, req.id}]; x != nil {
		d := e.lc.described(x, req.now)
		out.WorkflowExecution = &d
	}
	return out, nil
}

// described renders x as DescribeWorkflowExecution answers it at now:
// the list's fields, the workflow's name, its topology and the run's
// tasks. Their times are RFC 3339 in +08:00, as the execution's own.
func (lc lifecycle) described(x *execution, now time.Time) cosclient.WorkflowExecution {
	nodes := workflowNodes(x.bucket, x.workflowID)
	d := lc.execution(x, now)
	d.WorkflowName = workflowName(x.workflowID)
	d.Topology = topology(x.bucket, nodes)
	d.Tasks = lc.tasks(x, nodes, now, taskTimes{layout: time.RFC3339})
	return d
}

// Executions returns a workflow's executions in a bucket, oldest first,
// as DescribeWorkflowExecutions would list them now (with their
// WorkflowName too). Every TriggerWorkflow that ran is here, including
// those whose answer was lost, until Options.MaxExecutions forgets it.
func (e *Emulator) Executions(bucket, workflowID string) []cosclient.WorkflowExecution {
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []cosclient.WorkflowExecution
	w := e.executions.byWorkflow[workflowKey{bucket, workflowID}]
	if w == nil {
		return nil
	}
	for _, x := range w.list {
		d := e.lc.execution(x, now)
		d.WorkflowName = workflowName(workflowID)
		out = append(out, d)
	}
	return out
}

// Execution returns one run as DescribeWorkflowExecution would answer it
// now, its Tasks included; ok is false for a run the emulator does not
// hold.
func (e *Emulator) Execution(bucket, runID string) (x cosclient.WorkflowExecution, ok bool) {
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	if r := e.executions.byRun[runKey{bucket, runID}]; r != nil {
		return e.lc.described(r, now), true
	}
	return cosclient.WorkflowExecution{}, false
}
