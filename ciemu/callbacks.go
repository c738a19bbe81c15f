package ciemu

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/cosflow/cosflow/cosclient"
)

// When a run ends, CI posts a WorkflowFinish callback to the URL its
// workflow's Start node names (NotifyConfig; docs 436/80040, 460/80039),
// in XML or, when ResultFormat says so, JSON, with no signature. The
// emulator posts one per run that ends, once, at the end of its running
// time, to the target callbackTarget reads (SetCallback).
//
// How CI retries a callback that fails, or whether it does, is not
// documented (the callback pages above say nothing of it, nor do the SDKs
// or their issues): the emulator posts once and never retries, and tests
// repeat, drop or forge callbacks themselves (CallbackFaults,
// RepeatCallback, ForgeCallback), which a receiver must survive whatever
// CI does.
//
// With the real clock (Options.Now nil), a background scheduler posts
// each callback when it is due, one at a time, until Close. With an
// injected clock nothing is posted by itself: DeliverCallbacks posts
// every callback due by now, so a test decides when.

// Defaults of the callback machinery.
const (
	// DefaultMaxCallbacks bounds the log Callbacks returns.
	DefaultMaxCallbacks = 10_000
	// CallbackTimeout bounds one POST, as a poster that does not wait for
	// ever on a slow receiver.
	CallbackTimeout = 5 * time.Second
	// maxCallbackAnswer is how much of a receiver's answer is read.
	maxCallbackAnswer = 64 << 10
)

// CallbackFault names what was done to one callback.
type CallbackFault string

// Callback faults recorded in Callback.Fault.
const (
	CallbackNone     CallbackFault = ""
	CallbackDropped  CallbackFault = "dropped"  // due but never posted (CallbackFaults.DropRate)
	CallbackRepeated CallbackFault = "repeated" // a second post of one already posted
	CallbackForged   CallbackFault = "forged"   // a body of the test's own (ForgeCallback)
)

// CallbackFaults make callbacks misbehave, drawn from the emulator's
// seeded source: a due callback is dropped with DropRate, else posted and
// then posted again with RepeatRate.
type CallbackFaults struct {
	DropRate   float64
	RepeatRate float64
}

// Callback is one callback the emulator posted, or dropped, kept for
// tests to query.
type Callback struct {
	Time   time.Time // when it was posted (Options.Now)
	URL    string
	Format string // XML or JSON
	Notice        // what the body says
	Body   []byte
	Status int    // the receiver's HTTP status; 0 when nothing was answered
	Err    string // why the POST failed; "" when it was answered
	Fault  CallbackFault
}

// CosHeader is one header the object was uploaded with, as a callback
// lists them.
type CosHeader struct {
	Key   string `xml:"Key" json:"Key"`
	Value string `xml:"Value" json:"Value"`
}

// Notice is what a WorkflowFinish callback says of one run: what the
// emulator posts when a run ends (see Emulator.Notice), and what a test
// forges. Times are in cosclient.CallbackTimeLayout.
type Notice struct {
	EventName    string // WorkflowFinish when empty
	RunID        string
	BucketID     string
	Object       string
	CosHeaders   []CosHeader // the run's object was not uploaded with any: none
	WorkflowID   string
	WorkflowName string
	CreateTime   string
	State        cosclient.ExecutionState
	Tasks        []cosclient.WorkflowTask
}

// eventWorkflowFinish is the EventName of a run's end.
const eventWorkflowFinish = "WorkflowFinish"

// Callback formats, as a NotifyConfig's ResultFormat names them.
const (
	FormatXML  = "XML"
	FormatJSON = "JSON"
)

// formatOf is format as the emulator writes it: JSON in any case, else
// XML (CI's default); an error for anything else.
func formatOf(format string) (string, error) {
	switch {
	case format == "" || strings.EqualFold(format, FormatXML):
		return FormatXML, nil
	case strings.EqualFold(format, FormatJSON):
		return FormatJSON, nil
	}
	return "", fmt.Errorf("ciemu: callback format %q is neither XML nor JSON", format)
}

// noticeBody is a callback body on the wire. In JSON the keys are the XML
// element names with no Response wrapper, as what is seen of CI's JSON
// callbacks writes them (the format is undocumented; see events'
// ParseCICallback).
type noticeBody struct {
	XMLName   xml.Name        `xml:"Response" json:"-"`
	EventName string          `xml:"EventName" json:"EventName"`
	Execution noticeExecution `xml:"WorkflowExecution" json:"WorkflowExecution"`
}

// noticeExecution is in the order of 460/80039's example.
type noticeExecution struct {
	RunID        string       `xml:"RunId" json:"RunId"`
	BucketID     string       `xml:"BucketId" json:"BucketId"`
	Object       string       `xml:"Object" json:"Object"`
	CosHeaders   []CosHeader  `xml:"CosHeaders,omitempty" json:"CosHeaders,omitempty"`
	WorkflowID   string       `xml:"WorkflowId" json:"WorkflowId"`
	WorkflowName string       `xml:"WorkflowName" json:"WorkflowName"`
	CreateTime   string       `xml:"CreateTime" json:"CreateTime"`
	State        string       `xml:"State" json:"State"`
	Tasks        []noticeTask `xml:"Tasks" json:"Tasks"`
}

// noticeTask is one task as the callback's example writes it (times under
// CreateTime), with the task's Code and Message.
type noticeTask struct {
	Type       string `xml:"Type" json:"Type"`
	CreateTime string `xml:"CreateTime" json:"CreateTime"`
	EndTime    string `xml:"EndTime" json:"EndTime"`
	State      string `xml:"State" json:"State"`
	JobID      string `xml:"JobId" json:"JobId"`
	Name       string `xml:"Name" json:"Name"`
	Code       string `xml:"Code,omitempty" json:"Code,omitempty"`
	Message    string `xml:"Message,omitempty" json:"Message,omitempty"`
}

// Encode writes n as CI posts it in format (XML or JSON).
func (n *Notice) Encode(format string) ([]byte, error) {
	format, err := formatOf(format)
	if err != nil {
		return nil, err
	}
	body := noticeBody{EventName: n.EventName, Execution: noticeExecution{
		RunID: n.RunID, BucketID: n.BucketID, Object: n.Object, CosHeaders: n.CosHeaders,
		WorkflowID: n.WorkflowID, WorkflowName: n.WorkflowName, CreateTime: n.CreateTime, State: string(n.State),
	}}
	if body.EventName == "" {
		body.EventName = eventWorkflowFinish
	}
	for _, t := range n.Tasks {
		body.Execution.Tasks = append(body.Execution.Tasks, noticeTask{
			Type: t.Type, CreateTime: t.StartedAt(), EndTime: t.EndTime, State: string(t.State),
			JobID: t.JobID, Name: t.Name, Code: t.Code, Message: t.Message,
		})
	}
	if format == FormatJSON {
		return json.Marshal(body)
	}
	return xml.Marshal(body)
}

// notice is what x's callback says: the run as it ended.
func (lc lifecycle) notice(x *execution) Notice {
	end := lc.ended(x)
	return Notice{
		EventName:    eventWorkflowFinish,
		RunID:        x.runID,
		BucketID:     x.bucket,
		Object:       x.object,
		WorkflowID:   x.workflowID,
		WorkflowName: workflowName(x.workflowID),
		CreateTime:   x.created.In(chinaTime).Format(cosclient.CallbackTimeLayout),
		State:        lc.executionState(x, end),
		Tasks: lc.tasks(x, workflowNodes(x.bucket, x.workflowID), end,
			taskTimes{layout: cosclient.CallbackTimeLayout, createTime: true}),
	}
}

// callbackTarget is where CI would post the WorkflowFinish callback of a
// run of workflowID in bucket that ended at end, and in which format (XML
// or JSON); ok is false when it would post none. A target SetCallback set
// wins (posting nothing for a run that ended before it was set); else a
// registered workflow's own NotifyConfig decides, as CI does, while the
// workflow is Active (WorkflowCallback). Called without Emulator.mu held.
func (e *Emulator) callbackTarget(bucket, workflowID string, end time.Time) (url, format string, ok bool) {
	e.mu.Lock()
	t, set := e.executions.notify.targets[workflowKey{bucket, workflowID}]
	e.mu.Unlock()
	if set {
		if end.Before(t.since) {
			return "", "", false
		}
		return t.url, t.format, true
	}
	return e.WorkflowCallback(bucket, workflowID)
}

// callbackState is what the emulator keeps for callbacks, under
// Emulator.mu: the targets and faults (configuration, which Reset keeps),
// the log, how far the runs' ends were dealt with, and the scheduler.
type callbackState struct {
	targets map[workflowKey]callbackTarget
	faults  CallbackFaults
	log     ring[Callback]
	// cursor is the seq of the last run whose end was dealt with (posted,
	// dropped, or found to need no callback): runs end in the order they
	// started, all running as long, so the runs after it in the store are
	// the ones still to deal with.
	cursor uint64
	wake   chan struct{} // a run was added; buffered, never blocks
	sched  *scheduler    // nil until started
	closed bool
}

// callbackTarget is one workflow's target, set since then.
type callbackTarget struct {
	url, format string
	since       time.Time
}

func newCallbackState() callbackState {
	return callbackState{
		targets: make(map[workflowKey]callbackTarget),
		log:     newRing[Callback](DefaultMaxCallbacks),
		wake:    make(chan struct{}, 1),
	}
}

// wakeUp tells the scheduler, if one runs, that a run was added.
func (s *callbackState) wakeUp() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *callbackState) reset() { s.log.reset() }

// SetCallback makes the runs of workflowID in bucket post their
// WorkflowFinish callback to url, in format (XML, the default, or JSON),
// as a NotifyConfig would; an empty url posts none. Runs that end from
// now on post (to the target in force when they are delivered); those
// that ended before their workflow had a target never do. With the real
// clock the first target starts the background scheduler: Close stops
// it.
func (e *Emulator) SetCallback(bucket, workflowID, url, format string) error {
	format, err := formatOf(format)
	if err != nil {
		return err
	}
	if url != "" {
		if err := checkCallbackURL(url); err != nil {
			return err
		}
	}
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	targets := e.executions.notify.targets
	k := workflowKey{bucket, workflowID}
	if url == "" {
		delete(targets, k)
		return nil
	}
	t := callbackTarget{url: url, format: format, since: now}
	if old, ok := targets[k]; ok {
		t.since = old.since
	}
	targets[k] = t
	if e.realClock {
		e.startScheduler()
	}
	return nil
}

// checkCallbackURL refuses a target that is not an absolute http(s) URL.
func checkCallbackURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("ciemu: callback URL %q is not an absolute http or https URL", s)
	}
	return nil
}

// SetCallbackFaults replaces the callback faults.
func (e *Emulator) SetCallbackFaults(f CallbackFaults) {
	e.mu.Lock()
	e.executions.notify.faults = f
	e.mu.Unlock()
}

// Callbacks returns the callbacks posted or dropped, oldest first (at
// most DefaultMaxCallbacks).
func (e *Emulator) Callbacks() []Callback {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.executions.notify.log.all()
}

// Notice returns what the callback of a run says when it ends (whether it
// has or not, and whatever its target): a test's start for a forged one.
// ok is false for a run the emulator does not hold or one that never
// ends.
func (e *Emulator) Notice(bucket, runID string) (n Notice, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := e.executions.byRun[runKey{bucket, runID}]
	if x == nil || !x.outcome.ends() {
		return Notice{}, false
	}
	return e.lc.notice(x), true
}

// dueCallback is a run whose callback is due.
type dueCallback struct {
	bucket, workflowID string
	end                time.Time
	notice             Notice
}

// claimDue takes the runs that ended by now and were not dealt with yet,
// in order, and the time the next one ends (zero when no run is left to
// end).
func (e *Emulator) claimDue(now time.Time) (due []dueCallback, next time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := &e.executions.notify
	r := &e.executions.order
	n := len(r.buf)
	at := func(i int) *execution { return r.buf[(r.head+i)%n] }
	for i := sort.Search(n, func(i int) bool { return at(i).seq > s.cursor }); i < n; i++ {
		x := at(i)
		if x.outcome.ends() {
			end := e.lc.ended(x)
			if end.After(now) {
				return due, end
			}
			due = append(due, dueCallback{x.bucket, x.workflowID, end, e.lc.notice(x)})
		}
		s.cursor = x.seq
	}
	return due, time.Time{}
}

// DeliverCallbacks posts the callback of every run that ended by now and
// has not had it, one after the other, and returns what it logged. With
// an injected clock it is how callbacks go out; with the real one it
// hurries the scheduler. A run whose workflow has no target at its
// delivery posts nothing.
func (e *Emulator) DeliverCallbacks(ctx context.Context) []Callback {
	due, _ := e.claimDue(e.now())
	return e.deliver(ctx, due)
}

func (e *Emulator) deliver(ctx context.Context, due []dueCallback) []Callback {
	var out []Callback
	for _, d := range due {
		url, format, ok := e.callbackTarget(d.bucket, d.workflowID, d.end)
		if !ok {
			continue
		}
		e.mu.Lock()
		f := e.executions.notify.faults
		drop := f.DropRate > 0 && e.rng.Float64() < f.DropRate
		repeat := !drop && f.RepeatRate > 0 && e.rng.Float64() < f.RepeatRate
		e.mu.Unlock()
		if drop {
			cb := Callback{Time: e.now(), URL: url, Format: format, Notice: d.notice, Fault: CallbackDropped}
			cb.Body, _ = d.notice.Encode(format)
			e.logCallback(cb)
			out = append(out, cb)
			continue
		}
		out = append(out, e.post(ctx, url, format, d.notice, CallbackNone))
		if repeat {
			out = append(out, e.post(ctx, url, format, d.notice, CallbackRepeated))
		}
	}
	return out
}

// RepeatCallback posts a run's callback again, now, to its workflow's
// target: a repeated or late one. It fails for a run the emulator does
// not hold, one that has not ended (or never does), and one whose
// workflow has no target; a failed POST is in the Callback, not the
// error.
func (e *Emulator) RepeatCallback(ctx context.Context, bucket, runID string) (Callback, error) {
	now := e.now()
	e.mu.Lock()
	x := e.executions.byRun[runKey{bucket, runID}]
	var (
		n   Notice
		end time.Time
	)
	over := x != nil && x.outcome.ends() && !now.Before(e.lc.ended(x))
	if over {
		n, end = e.lc.notice(x), e.lc.ended(x)
	}
	e.mu.Unlock()
	if !over {
		return Callback{}, fmt.Errorf("ciemu: run %s of %s has not ended", runID, bucket)
	}
	url, format, ok := e.callbackTarget(bucket, n.WorkflowID, end)
	if !ok {
		return Callback{}, fmt.Errorf("ciemu: workflow %s of %s has no callback", n.WorkflowID, bucket)
	}
	return e.post(ctx, url, format, n, CallbackRepeated), nil
}

// ForgeCallback posts n, a body of the test's choosing, to url in format,
// as anyone on the Internet could: CI signs nothing.
func (e *Emulator) ForgeCallback(ctx context.Context, url, format string, n Notice) (Callback, error) {
	format, err := formatOf(format)
	if err != nil {
		return Callback{}, err
	}
	if err := checkCallbackURL(url); err != nil {
		return Callback{}, err
	}
	return e.post(ctx, url, format, n, CallbackForged), nil
}

// post sends n's body to url and logs the callback.
func (e *Emulator) post(ctx context.Context, url, format string, n Notice, fault CallbackFault) Callback {
	cb := Callback{Time: e.now(), URL: url, Format: format, Notice: n, Fault: fault}
	body, err := n.Encode(format)
	if err == nil {
		cb.Body = body
		cb.Status, err = postCallback(ctx, url, format, body)
	}
	if err != nil {
		cb.Err = err.Error()
	}
	e.logCallback(cb)
	return cb
}

func (e *Emulator) logCallback(cb Callback) {
	e.mu.Lock()
	e.executions.notify.log.push(cb)
	e.mu.Unlock()
}

// callbackClient posts callbacks. It follows no redirect: a receiver
// answers where it is.
var callbackClient = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// postCallback POSTs body to url within CallbackTimeout and returns the
// status answered.
func postCallback(ctx context.Context, url, format string, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, CallbackTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/"+strings.ToLower(format))
	resp, err := callbackClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxCallbackAnswer)) // the status is the answer
	return resp.StatusCode, nil
}

// scheduler posts callbacks when they are due, with the real clock.
type scheduler struct {
	stop   chan struct{}
	done   chan struct{}
	cancel context.CancelFunc
}

// startScheduler starts the background scheduler unless it runs or the
// emulator is closed. e.mu is held. The integrator's wiring of
// callbackTarget to registered workflows calls it where a workflow with a
// NotifyConfig is registered.
func (e *Emulator) startScheduler() {
	s := &e.executions.notify
	if s.sched != nil || s.closed {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	sc := &scheduler{stop: make(chan struct{}), done: make(chan struct{}), cancel: cancel}
	s.sched = sc
	go e.schedule(ctx, sc, s.wake)
}

// schedule delivers what is due, then sleeps until the next run ends, a
// run is added or it is stopped.
func (e *Emulator) schedule(ctx context.Context, sc *scheduler, wake <-chan struct{}) {
	defer close(sc.done)
	for {
		due, next := e.claimDue(e.now())
		e.deliver(ctx, due)
		var timer *time.Timer
		var fire <-chan time.Time
		if !next.IsZero() {
			timer = time.NewTimer(max(time.Until(next), time.Millisecond))
			fire = timer.C
		}
		select {
		case <-sc.stop:
			return
		case <-wake:
		case <-fire:
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// Close stops the background scheduler, cutting short a POST in flight,
// and waits for it; callbacks due later are not posted by themselves.
// DeliverCallbacks still works. Close is safe to call more than once.
func (e *Emulator) Close() {
	e.mu.Lock()
	s := &e.executions.notify
	sc := s.sched
	s.sched, s.closed = nil, true
	e.mu.Unlock()
	if sc == nil {
		return
	}
	close(sc.stop)
	sc.cancel()
	<-sc.done
}
