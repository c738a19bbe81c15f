package ledger

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/citest"
)

const wf = "w0123456789abcdef0123456789abcdef"

var bg = context.Background()

// trigger starts a run of wf for each key through the real client.
func trigger(t *testing.T, ci *cosclient.Client, keys ...string) map[string]string {
	t.Helper()
	runs := map[string]string{}
	for _, k := range keys {
		out, err := ci.TriggerWorkflow(bg, &cosclient.TriggerWorkflowInput{WorkflowID: wf, Object: k})
		if err != nil {
			t.Fatalf("trigger %s: %v", k, err)
		}
		runs[k] = out.InstanceID
	}
	return runs
}

func keys(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%04d.jpg", prefix, i)
	}
	return out
}

func items(ks []string, uploaded time.Time) []Item {
	out := make([]Item, len(ks))
	for i, k := range ks {
		out[i] = Item{Key: k, Uploaded: uploaded}
	}
	return out
}

// listCalls counts the emulator's DescribeWorkflowExecutions calls.
func listCalls(emu *ciemu.Emulator) int {
	return citest.Calls(emu, ciemu.OpDescribeWorkflowExecutions)
}

// TestHistoriesCompareObjectsExactly: the emulator's name filter matches
// by prefix (the loosest reading of an undocumented filter), so a lookup
// of "a.jpg" is answered with "a.jpg.bak" too; only exact keys count.
func TestHistoriesCompareObjectsExactly(t *testing.T) {
	emu, url := citest.Emulator(t, ciemu.Options{})
	ci := citest.Client(t, url, nil)
	before := time.Now().Add(-time.Minute)
	runs := trigger(t, ci, "dir/a.jpg.bak", "dir/b.jpg")
	got, err := New(ci, RetriggerAfterLookup).Histories(bg, wf, items([]string{"dir/a.jpg", "dir/b.jpg"}, before), 4, NewestFirst)
	if err != nil {
		t.Fatal(err)
	}
	if h, ok := got.Of["dir/a.jpg"]; !ok || len(h) != 0 {
		t.Errorf("dir/a.jpg history %v (read %v), but only dir/a.jpg.bak ran", h, ok)
	}
	if h := got.Of["dir/b.jpg"]; len(h) != 1 || h[0].RunID != runs["dir/b.jpg"] {
		t.Errorf("dir/b.jpg history = %v, want run %q", h, runs["dir/b.jpg"])
	}
	if got.Calls != listCalls(emu) || got.Calls == 0 {
		t.Errorf("Calls = %d, emulator saw %d", got.Calls, listCalls(emu))
	}
}

// TestHistoriesSince: a run created more than Slack before an item's
// upload does not count.
func TestHistoriesSince(t *testing.T) {
	_, url := citest.Emulator(t, ciemu.Options{})
	ci := citest.Client(t, url, nil)
	now := time.Now()
	trigger(t, ci, "old.jpg")
	for _, tt := range []struct {
		since time.Time
		found bool
	}{{now.Add(10 * time.Second), false}, {now.Add(-10 * time.Second), true}} {
		got, err := New(ci, RetriggerAfterLookup).Histories(bg, wf, items([]string{"old.jpg"}, tt.since), 4, NewestFirst)
		if err != nil {
			t.Fatal(err)
		}
		if ok := len(got.Of["old.jpg"]) > 0; ok != tt.found {
			t.Errorf("since %v: found %v, want %v", tt.since.Sub(now), ok, tt.found)
		}
	}
}

// TestHistoriesCost holds Histories to its bounds, in both orders: at
// most one call more than the objects asked (issue 21: R + 1 for R
// records), about the cheaper way (one call per 100 executions of the
// workflow since the oldest item, or one per object), and exactly the
// cheaper way in the common cases of each order: newest first for recent
// uploads, oldest first for uploads with many newer runs after them (a
// sweep's chunk).
func TestHistoriesCost(t *testing.T) {
	tests := []struct {
		name   string
		ran    int // objects of this lookup that ran
		others int // runs of the workflow for other objects, newer than the items
		ask    int // objects looked up
		// wantNewest and wantOldest are the calls in each order: exact,
		// or 0 to check only the bounds.
		wantNewest, wantOldest int
	}{
		{"one object: one call", 1, 0, 1, 1, 1},
		{"one object among many runs: one call", 0, 500, 1, 1, 1},
		{"many objects, all ran: one call per 100 runs", 250, 0, 250, 3, 3},
		{"many objects, none ran, few runs: one listing page", 0, 30, 200, 1, 1},
		{"few objects among many runs: bounded", 3, 1000, 3, 0, 0},
		// The runs of later uploads come first newest first: a lookup
		// per object; oldest first, the objects' own runs settle them.
		{"many objects that ran, many runs after them", 250, 1000, 250, 0, 3},
		{"many objects, half ran, many runs after them", 250, 1000, 500, 0, 0},
	}
	for _, tt := range tests {
		for _, order := range []Order{NewestFirst, OldestFirst} {
			want := map[Order]int{NewestFirst: tt.wantNewest, OldestFirst: tt.wantOldest}[order]
			t.Run(fmt.Sprintf("%s, %s", tt.name, map[Order]string{NewestFirst: "newest first", OldestFirst: "oldest first"}[order]), func(t *testing.T) {
				emu, url := citest.Emulator(t, ciemu.Options{MaxCalls: 100_000})
				ci := citest.Client(t, url, nil)
				since := time.Now().Add(-time.Minute)
				asked := keys("ask/", tt.ask)
				trigger(t, ci, asked[:tt.ran]...)
				trigger(t, ci, keys("other/", tt.others)...)
				before := listCalls(emu)
				got, err := New(ci, RetriggerAfterLookup).Histories(bg, wf, items(asked, since), 8, order)
				if err != nil {
					t.Fatal(err)
				}
				ran := 0
				for _, k := range asked {
					h, ok := got.Of[k]
					if !ok {
						t.Errorf("%s: no history", k)
					}
					if len(h) > 0 {
						ran++
					}
				}
				if ran != tt.ran {
					t.Errorf("%d objects ran, want %d", ran, tt.ran)
				}
				for _, k := range asked[:tt.ran] {
					if len(got.Of[k]) != 1 {
						t.Errorf("%s ran once, history %v", k, got.Of[k])
					}
				}
				calls := listCalls(emu) - before
				if calls != got.Calls {
					t.Errorf("Calls = %d, emulator saw %d", got.Calls, calls)
				}
				executions := tt.ran + tt.others
				cheaper := min((executions+PageSize-1)/PageSize, tt.ask)
				if want != 0 && calls != want {
					t.Errorf("%d calls, want %d", calls, want)
				}
				if calls > tt.ask+1 {
					t.Errorf("%d calls for %d objects, more than one per object plus one", calls, tt.ask)
				}
				// When newer runs crowd the list, a lookup per object (at
				// concurrency at a time) is the way, whatever the pages'
				// count: the bound above holds.
				if calls > 2*cheaper+1 && tt.others <= tt.ask {
					t.Errorf("%d calls, more than twice the cheaper way (%d) plus one", calls, cheaper)
				}
			})
		}
	}
}

func TestHistoriesNothing(t *testing.T) {
	emu, url := citest.Emulator(t, ciemu.Options{})
	got, err := New(citest.Client(t, url, nil), RetriggerAfterLookup).Histories(bg, wf, nil, 4, NewestFirst)
	if err != nil || len(got.Of) != 0 || got.Calls != 0 || len(emu.Calls()) != 0 {
		t.Errorf("empty lookup = %+v, %v, %d emulator calls", got, err, len(emu.Calls()))
	}
}

// lost500 is a 500 answer given after the trigger ran: its answer lost.
var lost500 = ciemu.Answer{Status: 500, Body: cosclient.ErrorBody{Code: "InternalError", Message: "lost after the run"}}

// TestTrigger: one run per call whatever happens to the answer. After an
// ambiguous failure the run is looked up; it is started again only when
// the lookup shows none (or, under RetriggerBlind, as a plain retry would).
func TestTrigger(t *testing.T) {
	tests := []struct {
		name   string
		policy Retrigger
		setup  func(*ciemu.Emulator)
		want   Outcome // Calls, LedgerCalls, Found, Accepted
		runs   int     // executions of the object afterwards
		fails  bool
	}{
		{"answered", RetriggerAfterLookup, func(*ciemu.Emulator) {}, Outcome{Calls: 1}, 1, false},
		{"answer lost after the run: found, not run again", RetriggerAfterLookup,
			func(e *ciemu.Emulator) { e.SetAnswer(ciemu.OpTriggerWorkflow, lost500) },
			Outcome{Calls: 1, LedgerCalls: 1, Found: true}, 1, false},
		{"answer lost, blind: a plain retry runs it again", RetriggerBlind,
			func(e *ciemu.Emulator) { e.SetAnswer(ciemu.OpTriggerWorkflow, lost500) },
			Outcome{Calls: 2}, 2, false},
		{"503 before the run: looked up, not found, triggered again", RetriggerAfterLookup,
			func(e *ciemu.Emulator) {
				e.SetFaults(ciemu.Faults{ErrorRate: 1, Ops: []string{ciemu.OpTriggerWorkflow}})
			},
			Outcome{Calls: maxLookedUpRounds, LedgerCalls: maxLookedUpRounds - 1}, 0, true},
		{"503 at every call, blind: called again without a lookup, within the bound", RetriggerBlind,
			func(e *ciemu.Emulator) {
				e.SetFaults(ciemu.Faults{ErrorRate: 1, Ops: []string{ciemu.OpTriggerWorkflow}})
			},
			Outcome{Calls: maxBlindRounds}, 0, true},
		{"refused: not called again, whatever the policy", RetriggerBlind,
			func(e *ciemu.Emulator) {
				e.SetFaults(ciemu.Faults{ErrorRate: 1, ErrorStatus: 400, Ops: []string{ciemu.OpTriggerWorkflow}})
			},
			Outcome{Calls: 1}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu, url := citest.Emulator(t, ciemu.Options{})
			tt.setup(emu)
			ci := citest.Client(t, url, nil)
			got, err := New(ci, tt.policy).Trigger(bg, &cosclient.TriggerWorkflowInput{WorkflowID: wf, Object: "in/x.jpg"},
				time.Now())
			if (err != nil) != tt.fails {
				t.Fatalf("err = %v, want error %v", err, tt.fails)
			}
			if got.Calls != tt.want.Calls || got.LedgerCalls != tt.want.LedgerCalls || got.Found != tt.want.Found || got.Accepted != tt.want.Accepted {
				t.Errorf("outcome = %+v, want %+v", got, tt.want)
			}
			if n := emu.TriggerCount(citest.Bucket, wf, "in/x.jpg"); n != tt.runs {
				t.Errorf("%d runs, want %d", n, tt.runs)
			}
			if err == nil && got.InstanceID == "" {
				t.Errorf("no instance ID: %+v", got)
			}
		})
	}
}

// TestTriggerAccepted: a 2xx whose body cannot be read has started the
// run; it is reported, not retried.
func TestTriggerAccepted(t *testing.T) {
	emu, url := citest.Emulator(t, ciemu.Options{})
	emu.SetAnswer(ciemu.OpTriggerWorkflow, []byte("<Response><InstanceId>"))
	ci := citest.Client(t, url, nil)
	got, err := New(ci, RetriggerAfterLookup).Trigger(bg, &cosclient.TriggerWorkflowInput{WorkflowID: wf, Object: "a.jpg"}, time.Now())
	if err != nil || !got.Accepted || got.Calls != 1 || got.InstanceID != "" || got.Status != 200 || got.RequestID == "" {
		t.Errorf("outcome = %+v, %v; want accepted after one call, with status and request ID", got, err)
	}
	if n := emu.TriggerCount(citest.Bucket, wf, "a.jpg"); n != 1 {
		t.Errorf("%d runs, want 1", n)
	}
}

// TestTriggerUnconfirmed: when the lookup after an ambiguous failure
// fails too, Trigger stops rather than risk a second run.
func TestTriggerUnconfirmed(t *testing.T) {
	emu, url := citest.Emulator(t, ciemu.Options{Faults: ciemu.Faults{
		ErrorRate: 1, Ops: []string{ciemu.OpDescribeWorkflowExecutions},
	}})
	emu.SetAnswer(ciemu.OpTriggerWorkflow, lost500)
	ci := citest.Client(t, url, nil)
	got, err := New(ci, RetriggerAfterLookup).Trigger(bg, &cosclient.TriggerWorkflowInput{WorkflowID: wf, Object: "a.jpg"}, time.Now())
	if !errors.Is(err, ErrUnconfirmed) || got.Calls != 1 {
		t.Fatalf("outcome = %+v, err = %v; want ErrUnconfirmed after one call", got, err)
	}
	if cosclient.Classify(err) == cosclient.RetryNever {
		t.Errorf("an unconfirmed trigger is not worth retrying later: %v", err)
	}
	if n := emu.TriggerCount(citest.Bucket, wf, "a.jpg"); n != 1 {
		t.Errorf("%d runs, want 1", n)
	}
}

// TestMayHaveTakenEffect: for what Trigger returns, MayHaveTakenEffect
// says what the upload path said before it had one home: an ambiguous
// failure, or one the ledger could not confirm.
func TestMayHaveTakenEffect(t *testing.T) {
	tests := []struct {
		name   string
		policy Retrigger
		setup  func(*ciemu.Emulator)
		want   bool
	}{
		{"500 at every call, blind", RetriggerBlind, func(e *ciemu.Emulator) {
			e.SetFaults(ciemu.Faults{ErrorRate: 1, ErrorStatus: 500, Ops: []string{ciemu.OpTriggerWorkflow}})
		}, true},
		{"answer lost, lookup failed", RetriggerAfterLookup, func(e *ciemu.Emulator) {
			e.SetAnswer(ciemu.OpTriggerWorkflow, lost500)
			e.SetFaults(ciemu.Faults{ErrorRate: 1, Ops: []string{ciemu.OpDescribeWorkflowExecutions}})
		}, true},
		{"refused", RetriggerAfterLookup, func(e *ciemu.Emulator) {
			e.SetFaults(ciemu.Faults{ErrorRate: 1, ErrorStatus: 400, Ops: []string{ciemu.OpTriggerWorkflow}})
		}, false},
		{"throttled", RetriggerBlind, func(e *ciemu.Emulator) {
			e.SetFaults(ciemu.Faults{ThrottleRate: 1, ThrottleStatus: 429, Ops: []string{ciemu.OpTriggerWorkflow}})
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu, url := citest.Emulator(t, ciemu.Options{})
			tt.setup(emu)
			ci := citest.Client(t, url, nil)
			_, err := New(ci, tt.policy).Trigger(bg, &cosclient.TriggerWorkflowInput{WorkflowID: wf, Object: "a.jpg"}, time.Now())
			if err == nil {
				t.Fatal("no error")
			}
			was := cosclient.Ambiguous(err) || errors.Is(err, ErrUnconfirmed)
			if got := MayHaveTakenEffect(err); got != tt.want || got != was {
				t.Errorf("MayHaveTakenEffect(%v) = %v, want %v (Ambiguous or ErrUnconfirmed: %v)", err, got, tt.want, was)
			}
		})
	}
}

// TestHistoriesUnreadableTimeCounts: an execution whose creation time CI's
// answer does not make readable counts for its object, whenever that was
// uploaded: running twice is the worse mistake.
func TestHistoriesUnreadableTimeCounts(t *testing.T) {
	emu, url := citest.Emulator(t, ciemu.Options{})
	emu.SetAnswer(ciemu.OpDescribeWorkflowExecutions, cosclient.DescribeWorkflowExecutionsOutput{
		WorkflowExecutionList: []cosclient.WorkflowExecution{
			{RunID: "i1", WorkflowID: wf, Object: "a.jpg", CreateTime: "a while ago"},
			{RunID: "i2", WorkflowID: wf, Object: "b.jpg", CreateTime: cosclient.FormatTime(time.Now().Add(-time.Hour))},
		},
	})
	got, err := New(citest.Client(t, url, nil), RetriggerAfterLookup).Histories(bg, wf, items([]string{"a.jpg", "b.jpg", "c.jpg"}, time.Now().Add(time.Hour)), 4, NewestFirst)
	if err != nil {
		t.Fatal(err)
	}
	if h := got.Of["a.jpg"]; len(h) != 1 || h[0].RunID != "i1" || len(got.Of["b.jpg"])+len(got.Of["c.jpg"]) != 0 {
		t.Errorf("histories %+v, want only a.jpg's, i1 (b.jpg's is older than its upload)", got.Of)
	}
}
