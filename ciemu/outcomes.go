package ciemu

import (
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"time"

	"github.com/cosflow/cosflow/cosclient"
)

// How a run ends is staged: by default every run succeeds, as before. A
// test makes the runs of one object end otherwise (StageRuns: the next N
// runs fail with CI's code and message, then the rest succeed; or every
// run fails; or a run stays Running), and a soak makes a seeded fraction
// of its objects fail their first runs (SetOutcomeMix). The outcome is
// fixed when the run starts, from the object's run count so far, so the
// run's state stays a pure function of the clock: Running for
// Options.RunningFor, then its outcome. A run is Failed when one of its
// tasks failed (436/80046; the callback's State: "Tasks 存在一个 Failed
// 则此实例视为 Failed", 436/80040): the run's last node fails, with the
// outcome's Code and Message, after the nodes before it succeeded.

// Outcome is how one run ends.
type Outcome struct {
	// State is the end state: Success (the zero value means it too),
	// Failed, or Running: the run never ends (its last task stays
	// Running), so it is never redriven and no callback is posted.
	State cosclient.ExecutionState
	// Code and Message are the failing task's, for Failed; empty takes
	// DefaultFailCode and DefaultFailMessage.
	Code, Message string
}

// The failing task's reason when an Outcome names none.
const (
	DefaultFailCode    = "InternalError"
	DefaultFailMessage = "the task failed (staged by the emulator)"
)

// Fail is an Outcome that fails with code and message.
func Fail(code, message string) Outcome {
	return Outcome{State: cosclient.ExecutionStateFailed, Code: code, Message: message}
}

// StayRunning is an Outcome that never ends.
func StayRunning() Outcome { return Outcome{State: cosclient.ExecutionStateRunning} }

// resolved is o with its defaults filled in: what a run keeps.
func (o Outcome) resolved() Outcome {
	switch o.State {
	case "", cosclient.ExecutionStateSuccess:
		return Outcome{State: cosclient.ExecutionStateSuccess}
	case cosclient.ExecutionStateFailed:
		if o.Code == "" {
			o.Code = DefaultFailCode
		}
		if o.Message == "" {
			o.Message = DefaultFailMessage
		}
		return o
	}
	return Outcome{State: o.State}
}

// ends reports whether a run with outcome o (resolved) ever ends.
func (o Outcome) ends() bool { return o.State != cosclient.ExecutionStateRunning }

// Staging says how the runs of one object end, counting its runs from
// the first one started after the staging is set, or since Reset: run n
// (from 0) takes Next[n], and every run after them takes Then (the zero
// Outcome: Success). Staging{Then: Fail(c, m)} fails every run;
// Staging{Next: []Outcome{Fail(c, m)}} fails the first and no other.
type Staging struct {
	Next []Outcome
	Then Outcome
}

// OutcomeMix fails the first runs of a seeded fraction of all objects,
// for soaks. Which objects is drawn per bucket, workflow and object from
// Seed alone, so the same objects fail however calls interleave.
type OutcomeMix struct {
	// FailRate is the fraction of objects, in [0, 1], whose first
	// FailRuns runs fail; 0 turns the mix off.
	FailRate float64
	// FailRuns is how many of a chosen object's first runs fail; 0 means
	// 1.
	FailRuns int
	// Failure is the failing task's Code and Message (State is ignored).
	Failure Outcome
	Seed    uint64
}

// chosen reports whether the mix fails the first runs of k.
func (m *OutcomeMix) chosen(k triggerKey) bool {
	if m.FailRate <= 0 {
		return false
	}
	h := sha1.New()
	var seed [8]byte
	binary.BigEndian.PutUint64(seed[:], m.Seed)
	h.Write(seed[:])
	for _, s := range [...]string{k.bucket, k.workflowID, k.object} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	u := float64(binary.BigEndian.Uint64(h.Sum(nil))>>11) / (1 << 53) // uniform in [0, 1)
	return u < m.FailRate
}

// outcomeStage holds what decides each new run's outcome: the stagings
// (as many as tests set), the mix, and how many runs each object has had.
// The count is kept here, where every run is added, whatever started it;
// like TriggerCount's it is bounded, a forgotten object counting from 0
// again. Stagings and the mix are configuration and outlive Reset; the
// counts do not.
type outcomeStage struct {
	stagings map[triggerKey]staged
	mix      OutcomeMix
	runs     triggerCounter
}

// staged is a Staging and the object's run count when it was set, from
// which its runs are counted.
type staged struct {
	Staging
	base int
}

func newOutcomeStage(maxKeys int) outcomeStage {
	return outcomeStage{stagings: make(map[triggerKey]staged), runs: newTriggerCounter(maxKeys)}
}

// next is the outcome of the run of k starting now, counted.
func (s *outcomeStage) next(k triggerKey) Outcome {
	n := s.runs.count(k)
	s.runs.add(k)
	if st, ok := s.stagings[k]; ok {
		if n -= st.base; n >= 0 && n < len(st.Next) {
			return st.Next[n].resolved()
		}
		return st.Then.resolved()
	}
	runs := s.mix.FailRuns
	if runs <= 0 {
		runs = 1
	}
	if n < runs && s.mix.chosen(k) {
		f := s.mix.Failure
		return Fail(f.Code, f.Message).resolved()
	}
	return Outcome{}.resolved()
}

// StageRuns sets how the runs of object of workflowID in bucket end, from
// the next one on (see Staging); the zero Staging restores the default
// (success, or the mix's draw). Runs already started keep their outcome.
func (e *Emulator) StageRuns(bucket, workflowID, object string, s Staging) {
	k := triggerKey{bucket, workflowID, object}
	e.mu.Lock()
	defer e.mu.Unlock()
	st := &e.executions.outcomes
	if s.Next == nil && s.Then == (Outcome{}) {
		delete(st.stagings, k)
		return
	}
	s.Next = append([]Outcome(nil), s.Next...)
	st.stagings[k] = staged{Staging: s, base: st.runs.count(k)}
}

// reset forgets the run counts: every object's runs count from 0 again,
// its staging's too.
func (s *outcomeStage) reset() {
	s.runs.reset()
	for k, st := range s.stagings {
		st.base = 0
		s.stagings[k] = st
	}
}

// SetOutcomeMix replaces the mix that fails a fraction of all objects'
// first runs; the zero OutcomeMix turns it off. StageRuns wins over it.
func (e *Emulator) SetOutcomeMix(m OutcomeMix) {
	e.mu.Lock()
	e.executions.outcomes.mix = m
	e.mu.Unlock()
}

// workflowNode is one processing node of a workflow: each run that gets
// that far starts one task (a CI job) for it.
type workflowNode struct {
	name string // its name in the topology, e.g. Transcode_1581665960537
	typ  string // its Type, e.g. Transcode
}

// standInNodes are the processing nodes of the emulator's stand-in
// workflow, in the order a run goes through them, named as in the API
// reference's example (436/80046): transcode, then take a snapshot.
var standInNodes = []workflowNode{
	{name: "Transcode_1581665960537", typ: "Transcode"},
	{name: "Snapshot_1581665960536", typ: "Snapshot"},
}

// workflowNodes are the processing nodes of workflowID in bucket, which
// its topology shows and its runs' tasks follow: the stand-in's for every
// workflow.
func workflowNodes(bucket, workflowID string) []workflowNode { return standInNodes }

// taskTimes is how a rendering writes task times: the layout, and the
// element StartTime or CreateTime (the callback's spelling).
type taskTimes struct {
	layout     string
	createTime bool
}

// tasks renders x's tasks at now: each node takes an equal share of the
// running time, one after the other; a node whose share has begun has a
// task, Success once its share is over, except that the last node's task
// ends as the run's outcome says (Failed with its code and message, or
// Running for ever). A run that fails stops there, so no task follows a
// Failed one.
func (lc lifecycle) tasks(x *execution, nodes []workflowNode, now time.Time, tt taskTimes) []cosclient.WorkflowTask {
	format := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.In(chinaTime).Format(tt.layout)
	}
	n := time.Duration(len(nodes))
	var out []cosclient.WorkflowTask
	for i, node := range nodes {
		start := x.created.Add(lc.runningFor * time.Duration(i) / n)
		end := x.created.Add(lc.runningFor * time.Duration(i+1) / n)
		if now.Before(start) {
			break
		}
		t := cosclient.WorkflowTask{Type: node.typ, JobID: taskJobID(x.runID, node.name), Name: node.name, State: cosclient.JobStateRunning}
		last := i == len(nodes)-1
		switch {
		case now.Before(end), last && !x.outcome.ends():
			end = time.Time{}
		case last && x.outcome.State == cosclient.ExecutionStateFailed:
			t.State, t.Code, t.Message = cosclient.JobStateFailed, x.outcome.Code, x.outcome.Message
		default:
			t.State, t.Code = cosclient.JobStateSuccess, "Success"
		}
		if tt.createTime {
			t.CreateTime = format(start)
		} else {
			t.StartTime = format(start)
		}
		t.EndTime = format(end)
		out = append(out, t)
	}
	return out
}

// taskJobID is the stable job ID of a run's task for node: j + 32 hex.
func taskJobID(runID, node string) string {
	sum := sha1.Sum([]byte("task/" + runID + "/" + node))
	return "j" + hex.EncodeToString(sum[:16])
}
