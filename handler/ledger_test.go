package handler

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/citest"
)

// opExecutions is the ledger's listing call.
const opExecutions = ciemu.OpDescribeWorkflowExecutions

// late is how old a record delivered late is: past COSFLOW_LEDGER_AFTER's
// default, as a platform retry a minute after a failure would be.
const late = 2 * time.Minute

// inBucket sends a test's own CI call to the test bucket.
var inBucket = cosclient.WithBucket(testBucket, testRegion)

// runsOf lists the executions of wfA for key, as CI's ledger shows them.
func (e *testEnv) runsOf(t *testing.T, key string) []cosclient.WorkflowExecution {
	t.Helper()
	var out []cosclient.WorkflowExecution
	for _, x := range e.execs(t) {
		if x.Object == key {
			out = append(out, x)
		}
	}
	return out
}

// execs lists every execution of wfA.
func (e *testEnv) execs(t *testing.T) []cosclient.WorkflowExecution {
	t.Helper()
	p := cosclient.NewExecutionsPaginator(e.ci, &cosclient.DescribeWorkflowExecutionsInput{WorkflowID: wfA, Size: cosclient.MaxListSize}, inBucket)
	var out []cosclient.WorkflowExecution
	for _, page := range citest.AllPages(t, p) {
		out = append(out, page.WorkflowExecutionList...)
	}
	return out
}

// runBefore triggers workflowID for key directly, as an earlier delivery
// would have, and returns the run's ID: a run the handler must find.
func (e *testEnv) runBefore(t *testing.T, workflowID, key string) string {
	t.Helper()
	id, err := e.startRun(workflowID, key)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// startRun is runBefore without the test: off the test's goroutine, where
// t.Fatal is not allowed, the caller reports the error.
func (e *testEnv) startRun(workflowID, key string) (string, error) {
	out, err := e.ci.TriggerWorkflow(context.Background(), &cosclient.TriggerWorkflowInput{WorkflowID: workflowID, Object: key}, inBucket)
	if err != nil {
		return "", fmt.Errorf("trigger %s beforehand: %w", key, err)
	}
	return out.InstanceID, nil
}

// TestUploadLedgerModes: which records are looked up in CI's execution list
// before they are triggered (COSFLOW_LEDGER, COSFLOW_LEDGER_AFTER), and what
// a run found there does.
func TestUploadLedgerModes(t *testing.T) {
	tests := []struct {
		name       string
		env        map[string]string
		age        time.Duration // of the record's eventTime
		ran        string        // the key a run exists for beforehand
		wantLookup bool
		wantSkip   bool // "already ran", not triggered
	}{
		{"late mode, fresh record: no lookup", nil, 0, "", false, false},
		{"late mode, fresh record that ran: not looked up, fires again", nil, 0, "a.jpg", false, false},
		{"late mode, late record that ran: skipped", nil, late, "a.jpg", true, true},
		{"late mode, late record with no run: triggered", nil, late, "", true, false},
		{"late mode, late record, a run of a longer key only: triggered", nil, late, "a.jpg.bak", true, false},
		{"late mode, under a raised threshold: no lookup", map[string]string{EnvLedgerAfter: "1m"}, 45 * time.Second, "a.jpg", false, false},
		{"late mode, over a lowered threshold: looked up", map[string]string{EnvLedgerAfter: "10s"}, 45 * time.Second, "a.jpg", true, true},
		{"always, fresh record that ran: skipped", map[string]string{EnvLedger: "always"}, 0, "a.jpg", true, true},
		{"always, fresh record with no run: triggered", map[string]string{EnvLedger: "always"}, 0, "", true, false},
		{"off, late record that ran: not looked up, fires again", map[string]string{EnvLedger: "off"}, late, "a.jpg", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := map[string]string{EnvWorkflowID: wfA}
			for k, v := range tt.env {
				vars[k] = v
			}
			// The record is delivered tt.age after its event, by the
			// handler's clock: no waiting.
			uploaded := time.Now().Truncate(time.Second)
			env := newTestEnv(t, vars, WithClock(func() time.Time { return uploaded.Add(tt.age) }))
			runID := ""
			if tt.ran != "" {
				runID = env.runBefore(t, wfA, tt.ran)
			}
			res, err := env.upload(t, cosEvent(rec{key: "a.jpg", size: 1, at: uploaded}))
			if err != nil {
				t.Fatalf("Handle: %v", err)
			}
			lookups := env.opCalls(opExecutions)
			if tt.wantLookup != (lookups > 0) {
				t.Errorf("%d ledger lookups, want any: %v", lookups, tt.wantLookup)
			}
			runs := 1
			if tt.ran == "a.jpg" && !tt.wantSkip {
				runs = 2
			}
			if n := env.emu.TriggerCount(testBucket, wfA, "a.jpg"); n != runs {
				t.Errorf("%d runs of a.jpg, want %d", n, runs)
			}
			if !tt.wantSkip {
				if len(res.Triggered) != 1 || len(res.Skipped) != 0 {
					t.Errorf("result %+v, want a.jpg triggered", res)
				}
				return
			}
			want := Skipped{Key: "a.jpg", Reason: ReasonAlreadyRan, WorkflowID: wfA, RunID: runID}
			if len(res.Triggered) != 0 || len(res.Skipped) != 1 || res.Skipped[0] != want {
				t.Errorf("result %+v, want only %+v", res, want)
			}
			skips := withMsg(env.log.Lines(t), "skipped")
			if len(skips) != 1 || skips[0]["reason"] != ReasonAlreadyRan || skips[0]["runId"] != runID {
				t.Errorf("skip lines %v, want one with reason %q and runId %s", skips, ReasonAlreadyRan, runID)
			}
		})
	}
}

// TestUploadLedgerLookupFails: a record whose lookup fails is not triggered
// blind; it fails retryable and the invocation asks for the platform's
// retry, while the records that needed no lookup fire.
func TestUploadLedgerLookupFails(t *testing.T) {
	env := newTestEnv(t, map[string]string{EnvWorkflowID: wfA})
	env.emu.SetFaults(ciemu.Faults{ErrorRate: 1, ErrorStatus: 503, Ops: []string{opExecutions}})
	res, err := env.upload(t, cosEvent(rec{key: "late.jpg", size: 1, at: time.Now().Add(-late)}, rec{key: "fresh.jpg", size: 1}))
	var ie *IncompleteError
	if !errors.As(err, &ie) || ie.Failed != 1 || ie.Total != 2 || !strings.Contains(ie.First, "late.jpg") {
		t.Fatalf("err = %v, want an IncompleteError for late.jpg, 1 of 2", err)
	}
	if len(res.Failed) != 1 || res.Failed[0].Key != "late.jpg" || !res.Failed[0].Retryable || !strings.Contains(res.Failed[0].Error, "look up earlier runs") {
		t.Errorf("failed = %+v, want late.jpg failing retryable on its lookup", res.Failed)
	}
	if len(res.Triggered) != 1 || res.Triggered[0].Key != "fresh.jpg" {
		t.Errorf("triggered = %+v, want fresh.jpg only", res.Triggered)
	}
	if n := env.emu.TriggerCount(testBucket, wfA, "late.jpg"); n != 0 {
		t.Errorf("late.jpg triggered %d times without its lookup", n)
	}
}

// Ways a TriggerWorkflow answer goes missing.
var (
	// lostAfter: the run started, the answer is a 500.
	lostAfter = func(e *testEnv) {
		e.emu.SetAnswer(ciemu.OpTriggerWorkflow, ciemu.Answer{Status: 500, Body: cosclient.ErrorBody{Code: "InternalError", Message: "answer lost (test)"}})
	}
	// unreadable: the run started, the answer is a 200 cut short.
	unreadable = func(e *testEnv) { e.emu.SetAnswer(ciemu.OpTriggerWorkflow, []byte("<Response><InstanceId>")) }
	// lostBefore: a 500 before CI acted, once.
	lostBefore = func(e *testEnv) { e.front.dropNext(ciemu.OpTriggerWorkflow, 1) }
	// ledgerDown: every lookup fails.
	ledgerDown = func(e *testEnv) {
		e.emu.SetFaults(ciemu.Faults{ErrorRate: 1, ErrorStatus: 503, Ops: []string{opExecutions}})
	}
)

// TestUploadAmbiguousTrigger: a TriggerWorkflow whose answer is lost is
// looked up, not repeated blindly; the run is reported once, with its ID
// when CI's execution list gave it.
func TestUploadAmbiguousTrigger(t *testing.T) {
	tests := []struct {
		name         string
		lose         func(*testEnv)
		wantTriggers int  // TriggerWorkflow calls made
		wantLookup   bool // a ledger lookup was made
		wantRunID    bool // the result carries the run's ID (else "": unknown)
		wantNote     string
	}{
		{"answer lost after the run started: found, not repeated", lostAfter, 1, true, true, "found in CI's execution list"},
		{"answer lost before CI acted: looked up, then called again", lostBefore, 2, true, true, ""},
		{"2xx with an unreadable body: fired once, ID unknown", unreadable, 1, false, false, "answer could not be read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t, map[string]string{EnvWorkflowID: wfA})
			tt.lose(env)
			res, err := env.upload(t, cosEvent(rec{key: "a.jpg", size: 1}))
			if err != nil {
				t.Fatalf("the invocation failed: %v", err)
			}
			lookups := env.opCalls(opExecutions) // before runsOf adds its own
			runs := env.runsOf(t, "a.jpg")
			if len(runs) != 1 {
				t.Fatalf("%d executions of a.jpg, want exactly 1", len(runs))
			}
			want := Triggered{Bucket: testBucket, Key: "a.jpg", WorkflowID: wfA}
			if tt.wantRunID {
				want.InstanceID = runs[0].RunID
			}
			if len(res.Triggered) != 1 || res.Triggered[0] != want || len(res.Failed) != 0 {
				t.Errorf("result %+v, want only %+v", res, want)
			}
			if n := env.front.calls(ciemu.OpTriggerWorkflow); n != tt.wantTriggers {
				t.Errorf("%d TriggerWorkflow calls, want %d", n, tt.wantTriggers)
			}
			if tt.wantLookup != (lookups > 0) {
				t.Errorf("%d ledger lookups, want any: %v", lookups, tt.wantLookup)
			}
			lines := withMsg(env.log.Lines(t), "workflow triggered")
			if len(lines) != 1 || lines[0]["instanceId"] != want.InstanceID {
				t.Fatalf("triggered lines %v, want one with instanceId %q", lines, want.InstanceID)
			}
			if note, _ := lines[0]["note"].(string); !strings.Contains(note, tt.wantNote) || (tt.wantNote == "") != (note == "") {
				t.Errorf("note %q, want %q", note, tt.wantNote)
			}
		})
	}
}

// TestUploadLostAnswers: with every trigger's answer lost after it ran, in
// whichever of the emulator's ways (a reset, a 500, half a 200), each
// record still runs exactly once and the delivery succeeds.
func TestUploadLostAnswers(t *testing.T) {
	env := newTestEnv(t, map[string]string{EnvWorkflowID: wfA})
	env.emu.SetFaults(ciemu.Faults{LostAnswerRate: 1, LostAnswerOps: []string{ciemu.OpTriggerWorkflow}})
	var recs []rec
	for i := range 12 {
		recs = append(recs, rec{key: fmt.Sprintf("k%02d.jpg", i), size: 1})
	}
	res, err := env.upload(t, cosEvent(recs...))
	if err != nil || len(res.Triggered) != len(recs) {
		t.Fatalf("result %+v, %v; want all %d triggered", res, err, len(recs))
	}
	ways := map[ciemu.FaultKind]int{}
	for _, c := range env.emu.Calls() {
		if c.Operation == ciemu.OpTriggerWorkflow {
			ways[c.Fault]++
		}
	}
	if len(ways) < 2 {
		t.Errorf("the answers were lost in only %v: the test covers less than it says", ways)
	}
	for _, tr := range res.Triggered {
		runs := env.runsOf(t, tr.Key)
		if len(runs) != 1 {
			t.Errorf("%s ran %d times, want once", tr.Key, len(runs))
			continue
		}
		if tr.InstanceID != "" && tr.InstanceID != runs[0].RunID {
			t.Errorf("%s reported instance %s, its run is %s", tr.Key, tr.InstanceID, runs[0].RunID)
		}
	}
	if n := env.opCalls(ciemu.OpTriggerWorkflow); n != len(recs) {
		t.Errorf("%d TriggerWorkflow calls for %d records, want one each", n, len(recs))
	}
}

// TestUploadAmbiguousRemembered: when neither the answer nor the ledger can
// say whether a trigger ran, the record fails retryable, and this
// instance looks it up on the retry, fresh as the record is.
func TestUploadAmbiguousRemembered(t *testing.T) {
	tests := []struct {
		name     string
		lose     []func(*testEnv)
		wantSkip bool // the retry finds the run and does not trigger
	}{
		{"run started, ledger down", []func(*testEnv){lostAfter, ledgerDown}, true},
		{"every call refused before CI acted", []func(*testEnv){func(e *testEnv) {
			e.emu.SetFaults(ciemu.Faults{ErrorRate: 1, ErrorStatus: 500, Ops: []string{ciemu.OpTriggerWorkflow}})
		}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t, map[string]string{EnvWorkflowID: wfA})
			for _, lose := range tt.lose {
				lose(env)
			}
			payload := cosEvent(rec{key: "a.jpg", size: 1})
			res, err := env.upload(t, payload)
			var ie *IncompleteError
			if !errors.As(err, &ie) || len(res.Failed) != 1 || !res.Failed[0].Retryable || len(res.Triggered) != 0 {
				t.Fatalf("first delivery = %+v, %v; want a.jpg failing retryable", res, err)
			}
			env.emu.SetFaults(ciemu.Faults{}) // CI is healthy for the platform's retry
			lookups := env.opCalls(opExecutions)
			res, err = env.upload(t, payload)
			if err != nil {
				t.Fatalf("retry: %v", err)
			}
			if env.opCalls(opExecutions) == lookups {
				t.Error("the retry of an ambiguous trigger was not looked up first")
			}
			if n := len(env.runsOf(t, "a.jpg")); n != 1 {
				t.Errorf("%d executions of a.jpg, want 1", n)
			}
			if tt.wantSkip {
				if len(res.Skipped) != 1 || res.Skipped[0].Reason != ReasonAlreadyRan || res.Skipped[0].RunID == "" {
					t.Errorf("retry = %+v, want a.jpg skipped as already ran, with its runId", res)
				}
				return
			}
			if len(res.Triggered) != 1 || res.Triggered[0].InstanceID == "" {
				t.Errorf("retry = %+v, want a.jpg triggered", res)
			}
		})
	}
}

// TestUploadKeyRefused: a key cosclient refuses fails its record only,
// named, without any CI call for it, whatever the ledger mode.
func TestUploadKeyRefused(t *testing.T) {
	tests := []struct {
		name, key, want string
	}{
		{"control character", "a\x01b.jpg", "U+0001"},
		{"851 bytes", strings.Repeat("k", 851), "850"},
	}
	for _, tt := range tests {
		for _, mode := range []string{"late", "always"} {
			t.Run(tt.name+"/"+mode, func(t *testing.T) {
				env := newTestEnv(t, map[string]string{EnvWorkflowID: wfA, EnvLedger: mode})
				res, err := env.upload(t, cosEvent(rec{key: "good.jpg", size: 1}, rec{key: tt.key, size: 1}))
				if err != nil {
					t.Fatalf("a refused key is no reason to retry: %v", err)
				}
				if len(res.Failed) != 1 || res.Failed[0].Retryable {
					t.Fatalf("failed = %+v, want one permanent failure", res.Failed)
				}
				if msg := res.Failed[0].Error; !strings.Contains(msg, "Records[1].cos.cosObject.key") || !strings.Contains(msg, tt.want) {
					t.Errorf("error %q, want Records[1].cos.cosObject.key and %q", msg, tt.want)
				}
				if len(res.Triggered) != 1 || res.Triggered[0].Key != "good.jpg" {
					t.Errorf("triggered = %+v, want good.jpg", res.Triggered)
				}
				for _, c := range env.emu.Calls() {
					if c.Query.Get("object") == tt.key || c.Query.Get("name") == tt.key {
						t.Errorf("a CI call for the refused key: %s %s", c.Operation, c.Path)
					}
				}
				if n := env.opCalls(ciemu.OpTriggerWorkflow); n != 1 {
					t.Errorf("%d TriggerWorkflow calls, want good.jpg's alone", n)
				}
			})
		}
	}
}
