package ciemu

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cosflow/cosflow/cosclient"
)

// Workflows are what a test registers in a bucket (RegisterWorkflow), as
// someone would create them in CI's console: a state, a Start node with
// its own upload trigger (prefix and suffix filter) and a notification.
// They make three of CI's behaviours real:
//   - GET /workflow (DescribeMediaWorkflow) answers them, NonExistIDs
//     naming the IDs the bucket does not have (in a bucket that has none,
//     every ID asked is a Paused stand-in: see standIn);
//     PUT /workflow/<id>?active or ?paused switches their state;
//   - in a bucket that has any, TriggerWorkflow of another ID is refused
//     (a bucket with none takes every well-formed ID, as before);
//   - while one is Active, an object stored in the bucket that its Start
//     node's filter matches (cosclient.NodeInput.Matches) starts a run of
//     it by itself, as CI does for uploads: a rule that also triggers it
//     runs the object twice.
//
// Workflows are the bucket's configuration: Reset keeps them.

// Workflow is one workflow to register. ID is required; the rest may be
// zero: State is Active by default, Name a stand-in, an empty
// ObjectPrefix the whole bucket and a nil ExtFilter every key.
type Workflow struct {
	ID           string
	Name         string
	State        cosclient.WorkflowState // Active or Paused
	ObjectPrefix string
	ExtFilter    *cosclient.ExtFilter
	NotifyConfig *cosclient.NotifyConfig
}

// registered is a Workflow as the emulator keeps it.
type registered struct {
	Workflow
	created, updated time.Time
}

// workflowStore holds the registered workflows, by bucket in registration
// order. The zero value is empty and ready.
type workflowStore struct {
	byBucket map[string][]*registered
}

func (s *workflowStore) get(bucket, id string) *registered {
	for _, w := range s.byBucket[bucket] {
		if w.ID == id {
			return w
		}
	}
	return nil
}

func (s *workflowStore) put(bucket string, w *registered) {
	if s.byBucket == nil {
		s.byBucket = make(map[string][]*registered)
	}
	list := s.byBucket[bucket]
	if i := slices.IndexFunc(list, func(o *registered) bool { return o.ID == w.ID }); i >= 0 {
		w.created = list[i].created
		list[i] = w
		return
	}
	s.byBucket[bucket] = append(list, w)
}

// RegisterWorkflow adds w to bucket's workflows, or replaces the one with
// its ID. It refuses what CI's console would: a bad bucket or ID, a state
// other than Active and Paused, a name outside the job-name rule, a
// Custom filter without CustomExts or with more than ten.
func (e *Emulator) RegisterWorkflow(bucket string, w Workflow) error {
	if err := checkWorkflow(bucket, &w); err != nil {
		return fmt.Errorf("ciemu: register workflow %q: %w", w.ID, err)
	}
	now := e.now()
	e.mu.Lock()
	e.workflows.put(bucket, &registered{Workflow: w, created: now, updated: now})
	if e.realClock && w.NotifyConfig != nil {
		e.startScheduler() // its runs' callbacks go out by themselves
	}
	e.mu.Unlock()
	return nil
}

// checkWorkflow checks w and fills its defaults.
func checkWorkflow(bucket string, w *Workflow) error {
	if err := cosclient.ValidateBucket(bucket); err != nil {
		return err
	}
	if err := cosclient.ValidateWorkflowID(w.ID); err != nil {
		return err
	}
	if w.Name == "" {
		w.Name = workflowName(w.ID)
	}
	if err := cosclient.ValidateJobName(w.Name); err != nil {
		return err
	}
	if w.State == "" {
		w.State = cosclient.WorkflowStateActive
	}
	if err := checkWorkflowState(w.State); err != nil {
		return err
	}
	if err := cosclient.ValidatePrefix(w.ObjectPrefix); err != nil {
		return err
	}
	return cosclient.ValidateExtFilter(w.ExtFilter)
}

func checkWorkflowState(s cosclient.WorkflowState) error {
	if s != cosclient.WorkflowStateActive && s != cosclient.WorkflowStatePaused {
		return fmt.Errorf("state %q is not %s or %s", s, cosclient.WorkflowStateActive, cosclient.WorkflowStatePaused)
	}
	return nil
}

// SetWorkflowState switches a registered workflow to state, as
// PUT /workflow/<id>?active or ?paused does.
func (e *Emulator) SetWorkflowState(bucket, id string, state cosclient.WorkflowState) error {
	if err := checkWorkflowState(state); err != nil {
		return fmt.Errorf("ciemu: set workflow %q: %w", id, err)
	}
	if !e.setWorkflowState(bucket, id, state, e.now()) {
		return fmt.Errorf("ciemu: set workflow %q: no such workflow in %s", id, bucket)
	}
	return nil
}

func (e *Emulator) setWorkflowState(bucket, id string, state cosclient.WorkflowState, now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	w := e.workflows.get(bucket, id)
	if w == nil {
		return false
	}
	w.State, w.updated = state, now
	return true
}

// WorkflowCallback is where CI would post a run's WorkflowFinish
// notification for the bucket's workflow now, and in which format (XML or
// JSON): ok is false when it would post none, the workflow being unknown,
// Paused, or notifying no URL of that event
// (cosclient.MediaWorkflow.FinishCallback).
func (e *Emulator) WorkflowCallback(bucket, workflowID string) (url, format string, ok bool) {
	e.mu.Lock()
	w := e.workflows.get(bucket, workflowID)
	var mw cosclient.MediaWorkflow
	if w != nil {
		mw = w.media(bucket)
	}
	e.mu.Unlock()
	if w == nil {
		return "", "", false
	}
	return mw.FinishCallback()
}

// media renders w as DescribeMediaWorkflow answers it: a minimal graph,
// its Start node (the bucket's queue, the prefix, the filters) leading to
// End.
func (w *registered) media(bucket string) cosclient.MediaWorkflow {
	return cosclient.MediaWorkflow{
		Name:       w.Name,
		WorkflowID: w.ID,
		State:      w.State,
		BucketID:   bucket,
		CreateTime: cosclient.FormatTime(w.created),
		UpdateTime: cosclient.FormatTime(w.updated),
		Topology: &cosclient.WorkflowTopology{
			Dependencies: &cosclient.WorkflowDependencies{Nodes: []cosclient.Node{
				{XMLName: xml.Name{Local: cosclient.NodeTypeStart}, Text: "End"},
			}},
			Nodes: &cosclient.WorkflowNodes{Nodes: []cosclient.WorkflowNode{{
				XMLName: xml.Name{Local: cosclient.NodeTypeStart},
				Type:    cosclient.NodeTypeStart,
				Input:   w.start(bucket),
			}}},
		},
	}
}

// start is w's Start node Input.
func (w *registered) start(bucket string) *cosclient.NodeInput {
	return &cosclient.NodeInput{
		QueueID:      defaultQueueID(bucket),
		ObjectPrefix: w.ObjectPrefix,
		NotifyConfig: w.NotifyConfig,
		ExtFilter:    w.ExtFilter,
	}
}

// standIn is how DescribeMediaWorkflow answers for an ID in a bucket
// with no registered workflow, where TriggerWorkflow takes every ID (the
// tests that register none): a workflow that TriggerWorkflow runs, that
// no upload starts and whose NotifyConfig posts nothing, which is what a
// Paused one is here.
func standIn(id string, now time.Time) *registered {
	w := Workflow{ID: id, Name: workflowName(id), State: cosclient.WorkflowStatePaused}
	return &registered{Workflow: w, created: now, updated: now}
}

// unknownWorkflow is the answer for a workflow ID the bucket does not
// have. TriggerWorkflow documents no error of its own (only CI's common
// codes, tencentcloud.com/document/api/1045/50340); a well-formed ID that
// names nothing is a bad value, so the emulator answers the common 400
// InvalidArgument. Unconfirmed: CI may answer another 400 code (such as
// ResourceNotFound); either is a refusal not worth retrying.
func unknownWorkflow(bucket, id string) *apiError {
	return invalidArgument("workflowId", "workflow %s does not exist in bucket %s", id, bucket)
}

// checkTriggerable refuses TriggerWorkflow of id in a bucket that has
// registered workflows, none of them id. A Paused workflow is triggered:
// CI documents TriggerWorkflow as "Testing Workflow" (1045/50340) and
// says nothing of the state; testing a workflow before switching it on
// is the plausible use, so the emulator runs it.
func (e *Emulator) checkTriggerable(bucket, id string) *apiError {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.workflows.byBucket[bucket]) > 0 && e.workflows.get(bucket, id) == nil {
		return unknownWorkflow(bucket, id)
	}
	return nil
}

// uploaded runs CI's own upload trigger for an object stored in bucket at
// at: every Active workflow whose Start node matches key starts a run of
// it, counted by TriggerCount like a TriggerWorkflow's.
func (e *Emulator) uploaded(bucket, key string, at time.Time) {
	var ids []string
	e.mu.Lock()
	for _, w := range e.workflows.byBucket[bucket] {
		if w.State.IsActive() && w.start(bucket).Matches(key) {
			ids = append(ids, w.ID)
		}
	}
	e.mu.Unlock()
	for _, id := range ids {
		e.startExecution(bucket, id, key, at)
	}
}

// workflowQuery is a parsed DescribeMediaWorkflow query.
type workflowQuery struct {
	ids              []string
	name             string
	number, pageSize int
}

// parseWorkflowQuery reads and checks the query: pageNumber and pageSize
// integers from 1 (1 and 10 when absent), ids and name by cosclient's
// rules.
func parseWorkflowQuery(q url.Values) (workflowQuery, *apiError) {
	wq := workflowQuery{name: q.Get("name"), number: 1, pageSize: defaultPageSize}
	for _, p := range []struct {
		name string
		dst  *int
	}{{"pageNumber", &wq.number}, {"pageSize", &wq.pageSize}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || cosclient.ValidatePage(n) != nil {
			return wq, invalidArgument(p.name, "%q is not an integer from 1", v)
		}
		*p.dst = n
	}
	if v := q.Get("ids"); v != "" {
		wq.ids = strings.Split(v, ",")
	}
	in := cosclient.DescribeMediaWorkflowInput{IDs: wq.ids, Name: wq.name, PageNumber: wq.number, PageSize: wq.pageSize}
	if err := in.Validate(); err != nil {
		return wq, validationError(err)
	}
	return wq, nil
}

// describeWorkflows serves GET /workflow: the workflows ids names (those
// the bucket lacks under NonExistIDs), else the bucket's whose name
// contains name, in registration order, one page of them. TotalCount
// counts every match. CI's name filter is a search of undocumented
// strictness; a substring match is the loosest plausible one.
func (e *Emulator) describeWorkflows(req *request) (any, *apiError) {
	wq, err := parseWorkflowQuery(req.r.URL.Query())
	if err != nil {
		return nil, err
	}
	out := &cosclient.DescribeMediaWorkflowOutput{RequestID: req.requestID, PageNumber: wq.number, PageSize: wq.pageSize}
	e.mu.Lock()
	defer e.mu.Unlock()
	var found []*registered
	if wq.ids != nil {
		seen := map[string]bool{}
		modelled := len(e.workflows.byBucket[req.bucket]) > 0
		for _, id := range wq.ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			switch w := e.workflows.get(req.bucket, id); {
			case w != nil:
				found = append(found, w)
			case !modelled:
				found = append(found, standIn(id, req.now))
			default:
				out.NonExistIDs = append(out.NonExistIDs, id)
			}
		}
	} else {
		for _, w := range e.workflows.byBucket[req.bucket] {
			if strings.Contains(w.Name, wq.name) {
				found = append(found, w)
			}
		}
	}
	out.TotalCount = len(found)
	from := min(len(found), (wq.number-1)*wq.pageSize)
	for _, w := range found[from:min(len(found), from+wq.pageSize)] {
		out.MediaWorkflowList = append(out.MediaWorkflowList, w.media(req.bucket))
	}
	return out, nil
}

// workflowStateOutput is the answer to a state switch.
type workflowStateOutput struct {
	XMLName   xml.Name `xml:"Response"`
	RequestID string   `xml:"RequestId"`
}

// setWorkflowStateHandler serves PUT /workflow/<id>?active and ?paused.
// Any other PUT there is UpdateMediaWorkflow (a new topology in the
// body), which the emulator does not do.
func (e *Emulator) setWorkflowStateHandler(req *request) (any, *apiError) {
	q := req.r.URL.Query()
	_, active := q["active"]
	_, paused := q["paused"]
	var state cosclient.WorkflowState
	switch {
	case active && !paused:
		state = cosclient.WorkflowStateActive
	case paused && !active:
		state = cosclient.WorkflowStatePaused
	case active && paused:
		return nil, invalidArgument("active", "cannot switch a workflow both on and off")
	default:
		return nil, errorf(http.StatusNotImplemented, "NotImplemented", "updating a workflow is not emulated, only ?active and ?paused")
	}
	if err := cosclient.ValidateWorkflowID(req.id); err != nil {
		return nil, validationError(err)
	}
	if !e.setWorkflowState(req.bucket, req.id, state, req.now) {
		return nil, unknownWorkflow(req.bucket, req.id)
	}
	return &workflowStateOutput{RequestID: req.requestID}, nil
}
