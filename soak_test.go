package main

// Nothing lost, nothing twice, proved through the real binary over the SCF
// protocol against the CI emulator: uploads are put into the emulator's
// bucket and delivered in multi-record events while CI fails 30% of all
// calls before processing them and loses the answer of 10% of the
// TriggerWorkflow calls after running them. The platform's policy is
// played as ../shared/spec/scf.md §4 states it: a delivery whose
// invocation errors is retried twice, later, and here always on a new
// process, so nothing the first attempt remembered survives. Then
// reconcile ticks run with CI healthy. Every object must end with one
// successful run; TestSoakOutcomes makes 20% of the first runs fail, and
// the sweeps redrive them within the bound.

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/handler"
	"github.com/cosflow/cosflow/internal/citest"
	"github.com/cosflow/cosflow/ledger"
)

// platformAttempts is how often SCF delivers an asynchronous event whose
// invocation keeps failing: the first attempt and two retries.
const platformAttempts = 3

// incompleteMessage matches handler.IncompleteError's message, the only
// way a failed invocation reports how many of its items failed.
var incompleteMessage = regexp.MustCompile(`^(\d+) of (\d+) item\(s\) failed and will be retried`)

// platformRetryDelay is how much later the platform delivers a retry
// (../shared/spec/scf.md §4). The soak does not wait for it: a retry
// carries an eventTime that much older than the function's clock, which is
// what the function sees of a retry a minute later (late, under the
// default COSFLOW_LEDGER_AFTER).
const platformRetryDelay = time.Minute

// soakFaults: 30% of all calls fail before processing (503s, 429
// throttling, TCP resets); 10% of TriggerWorkflow calls run and then lose
// their answer (a reset, a 500, or a 200 cut short).
var soakFaults = ciemu.Faults{
	ErrorRate: 0.2, ThrottleRate: 0.05, ThrottleStatus: 429, ResetRate: 0.05,
	LostAnswerRate: 0.1, LostAnswerOps: []string{ciemu.OpTriggerWorkflow},
}

// soakKeys names the records of delivery d.
func soakKeys(d, perDelivery int) []string {
	keys := make([]string, perDelivery)
	for i := range keys {
		keys[i] = fmt.Sprintf("soak/d%03d/r%04d.jpg", d, d*perDelivery+i)
	}
	return keys
}

// deliveryAt is cosDelivery with every record's eventTime set to at.
func deliveryAt(t *testing.T, keys []string, at time.Time) []byte {
	t.Helper()
	var ev struct {
		Records []map[string]any `json:"Records"`
	}
	if err := json.Unmarshal(cosDelivery(t, keys), &ev); err != nil {
		t.Fatal(err)
	}
	for _, r := range ev.Records {
		r["event"].(map[string]any)["eventTime"] = at.Unix()
	}
	out, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// soakStats is what a soak measured: citest.SoakStats, which the
// benchmark report (scripts/bench.sh) reads back, given the soak's methods.
type soakStats citest.SoakStats

// isStateCall reports whether c is a state call (GET or PUT Object in
// the state prefix: cursors, leases, claims), counted apart from the rest.
func isStateCall(c ciemu.Call) bool {
	return c.Operation == ciemu.OpGetObject || c.Operation == ciemu.OpPutObject
}

// ciCalls counts the calls that are not state calls.
func ciCalls(calls []ciemu.Call) int {
	n := 0
	for _, c := range calls {
		if !isStateCall(c) {
			n++
		}
	}
	return n
}

// count takes the emulator's calls into st, the state calls apart.
func (st *soakStats) count(emu *ciemu.Emulator) {
	st.Calls, st.TriggerCalls, st.LedgerCalls, st.ReadCalls, st.StateCalls = 0, 0, 0, 0, 0
	for _, c := range emu.Calls() {
		if isStateCall(c) {
			st.StateCalls++
			continue
		}
		switch c.Operation {
		case ciemu.OpTriggerWorkflow:
			st.TriggerCalls++
		case ciemu.OpDescribeWorkflowExecutions:
			st.LedgerCalls++
		case ciemu.OpDescribeWorkflowExecution:
			st.ReadCalls++
		}
		st.Calls++
	}
}

func (st *soakStats) log(t *testing.T) {
	t.Helper()
	line, _ := json.Marshal(st)
	t.Logf("%s: %d objects; CI calls %.2f per object (TriggerWorkflow %.2f, ledger lookups %.2f, run reads %.2f; first attempts %.2f, platform retries %.2f, sweeps %.2f), state calls %.2f; lost %d, twice %d, unfinished %d, over the bound %d; wall %.1fs",
		st.Name, st.Objects, per(st.Calls, st.Objects), per(st.TriggerCalls, st.Objects), per(st.LedgerCalls, st.Objects),
		per(st.ReadCalls, st.Objects), per(st.FirstCalls, st.Objects), per(st.RetryCalls, st.Objects), per(st.SweepCalls, st.Objects),
		per(st.StateCalls, st.Objects), st.Lost, st.Twice, st.Unfinished, st.OverBound, st.WallSeconds)
	t.Logf("%s%s", citest.SoakStatsPrefix, line)
}

func per(n, objects int) float64 { return float64(n) / float64(objects) }

// soakRunningFor is how long a run stays Running in the soaks: short, so
// that the sweeps after the deliveries see how the runs ended.
const soakRunningFor = 200 * time.Millisecond

// maxSoakSweeps bounds the sweep ticks after the deliveries: each redrives
// what the last one's runs failed, so a run that fails once needs two.
const maxSoakSweeps = 5

func TestSoak(t *testing.T) {
	runSoak(t, "faults 30% before, 10% lost answers; 3 attempts on new processes; sweeps", ciemu.OutcomeMix{})
}

// TestSoakOutcomes is TestSoak with 20% of the objects' first runs failing
// at CI (issue 17): the sweeps redrive them within COSFLOW_MAX_ATTEMPTS,
// and every object ends with a successful run.
func TestSoakOutcomes(t *testing.T) {
	runSoak(t, "faults 30% before, 10% lost answers, 20% of runs failing once; 3 attempts on new processes; sweeps",
		ciemu.OutcomeMix{FailRate: 0.2, Failure: ciemu.Fail("InternalError", "the transcode failed (soak)"), Seed: 7})
}

// runSoak delivers the soak's uploads under soakFaults, with mix staging
// how runs end, plays the platform's retries, then sweeps with CI healthy
// until a sweep starts nothing. Every object must end with a successful
// run or an exhausted report, within COSFLOW_MAX_ATTEMPTS runs, each run
// after the first following a failed one.
func runSoak(t *testing.T, name string, mix ciemu.OutcomeMix) {
	objects, perDelivery := 2000, 50
	if testing.Short() {
		objects = 200
	}
	start := time.Now()
	emu, url := startEmulator(t, ciemu.Options{Seed: 42, MaxCalls: 200_000, RunningFor: soakRunningFor})
	emu.SetOutcomeMix(mix)
	env := functionEnv(url, map[string]string{"COSFLOW_CONCURRENCY": "16"})

	// The uploads: objects in the bucket, deliveries of their events.
	type delivery struct {
		keys    []string
		payload []byte
	}
	uploaded := time.Now().Truncate(time.Second)
	var deliveries []*delivery
	for d := range objects / perDelivery {
		keys := soakKeys(d, perDelivery)
		for _, k := range keys {
			if err := emu.PutObject(e2eBucket, k, 1024, uploaded); err != nil {
				t.Fatal(err)
			}
		}
		deliveries = append(deliveries, &delivery{keys: keys, payload: deliveryAt(t, keys, uploaded)})
	}

	// The platform: every attempt of a delivery on a new process, each
	// round of retries a platformRetryDelay later than the last (by the
	// event's age, not by waiting).
	emu.SetFaults(soakFaults)
	st := soakStats{Name: name, Objects: objects, Deliveries: len(deliveries)}
	pending := deliveries
	retriesFrom := 0 // the emulator's calls before the first retry
	for attempt := 1; attempt <= platformAttempts && len(pending) > 0; attempt++ {
		if attempt > 1 {
			for _, d := range pending {
				d.payload = deliveryAt(t, d.keys, time.Now().Add(-time.Duration(attempt-1)*platformRetryDelay))
			}
			st.Retried += len(pending)
		}
		fn := startFunction(t, env)
		var next []*delivery
		for _, d := range pending {
			resp := fn.invoke(t, d.payload, 20*time.Second)
			if resp.Error == nil {
				var res handler.UploadResult
				decodeResult(t, resp, &res)
				if len(res.Triggered)+len(res.Skipped)+len(res.Failed) != len(d.keys) || len(res.Failed) != 0 {
					t.Errorf("attempt %d: %d triggered, %d skipped, %d failed of %d records without an error",
						attempt, len(res.Triggered), len(res.Skipped), len(res.Failed), len(d.keys))
				}
				continue
			}
			if m := incompleteMessage.FindStringSubmatch(resp.Error.Message); m == nil {
				t.Fatalf("attempt %d: error %q is not a retryable incomplete delivery", attempt, resp.Error.Message)
			}
			next = append(next, d)
		}
		pending = next
		if attempt == 1 {
			retriesFrom = len(emu.Calls())
			if len(pending) == 0 && testing.Short() {
				// A short run's faults may fail no delivery (see the guard
				// below), which would leave the platform's retries, late
				// deliveries of records that may have run, untested: the
				// platform delivers the first one again, as it does when
				// an invocation that did its work still failed (the same
				// record can arrive more than once, ../shared/spec/scf.md
				// §4). Every record of it ran: none may run again.
				pending = deliveries[:1]
			}
		}
	}
	st.Dropped = len(pending) // the platform gives up on these: the sweep's work
	sweepsFrom := len(emu.Calls())

	// Sweep ticks, CI healthy, each after the last one's runs ended,
	// until one starts nothing.
	emu.SetFaults(ciemu.Faults{})
	exhausted := map[string]bool{}
	for sweep := 1; sweep <= maxSoakSweeps; sweep++ {
		time.Sleep(soakRunningFor + 100*time.Millisecond)
		before := len(emu.Calls())
		fn := startFunction(t, env)
		tick := time.Now().Add(2 * time.Second).UTC().Truncate(time.Second)
		timer, _ := json.Marshal(map[string]string{
			"Type": "Timer", "TriggerName": "sweep", "Time": tick.Format(time.RFC3339),
			"Message": `{"name":"sweep","reconcile":{"window":"1h","lag":"0s","maxTriggers":` + fmt.Sprint(objects) + `}}`,
		})
		var tr handler.TimerResult
		decodeResult(t, fn.invoke(t, timer, 60*time.Second), &tr)
		if len(tr.Reconcile) != 1 || tr.Reconcile[0].Checked != objects || tr.Reconcile[0].Error != "" || len(tr.Reconcile[0].Failed) != 0 || tr.Reconcile[0].Truncated {
			t.Fatalf("sweep %d = %+v, want all %d objects checked without failures", sweep, tr.Reconcile, objects)
		}
		r := tr.Reconcile[0]
		st.Sweeps++
		st.SweepTriggered += len(r.Triggered)
		st.SweepRedriven += len(r.Redriven)
		st.SweepLedger += r.Calls.Ledger
		for _, x := range r.Exhausted {
			exhausted[x.Key] = true
		}
		// Besides its rules' calls, a sweep reads the workflows once (its
		// workflow checks).
		c := r.Calls
		if sweepCalls := len(emu.Calls()) - before - 1; sweepCalls != c.List+c.Ledger+c.Trigger+c.Read+c.State {
			t.Errorf("sweep %d reported %+v calls and one workflow read, the emulator saw %d", sweep, c, sweepCalls+1)
		}
		if len(r.Triggered)+len(r.Redriven) == 0 {
			break
		}
	}
	st.WallSeconds = time.Since(start).Seconds()

	// Every object: a successful run (or reported exhausted), within the
	// bound, and no run beside or after another that did not fail.
	runs := map[string][]cosclient.WorkflowExecution{}
	for _, x := range emu.Executions(e2eBucket, e2eWorkflowID) {
		runs[x.Object] = append(runs[x.Object], x)
	}
	for _, d := range deliveries {
		for _, k := range d.keys {
			h := runs[k] // oldest first
			succeeded := slices.ContainsFunc(h, func(x cosclient.WorkflowExecution) bool { return x.State == cosclient.ExecutionStateSuccess })
			switch {
			case len(h) == 0:
				st.Lost++
				t.Errorf("%s never ran", k)
			case !succeeded && !exhausted[k]:
				st.Unfinished++
				t.Errorf("%s: no successful run and no exhausted report: %+v", k, h)
			}
			if len(h) > ledger.DefaultMaxAttempts {
				st.OverBound++
				t.Errorf("%s ran %d times, over the bound %d", k, len(h), ledger.DefaultMaxAttempts)
			}
			for i := 1; i < len(h); i++ {
				if h[i-1].State != cosclient.ExecutionStateFailed {
					st.Twice++
					t.Errorf("%s: run %d started after a %s run", k, i+1, h[i-1].State)
				}
			}
		}
	}
	// The faults must bite: calls failed before and after processing,
	// and deliveries were retried (a record fails its first attempt when
	// CI fails it more often than the ledger retries: 0.5% of the
	// records, 7 to 12 of 40 deliveries retried in the runs of issue 17;
	// a short run that retries none delivers one again, above).
	var before, lost int
	for _, c := range emu.Calls() {
		switch {
		case c.Fault.Lost():
			lost++
		case c.Fault != ciemu.FaultNone:
			before++
		}
	}
	if before == 0 || lost == 0 || st.Retried == 0 {
		t.Errorf("%d calls failed, %d answers lost, %d deliveries retried: the faults did not bite, the test proves nothing", before, lost, st.Retried)
	}
	if mix.FailRate > 0 && st.SweepRedriven == 0 {
		t.Errorf("nothing was redriven: the outcome mix did not bite, the test proves nothing")
	}
	st.Exhausted = len(exhausted)
	st.count(emu)
	calls := emu.Calls()
	st.FirstCalls, st.RetryCalls, st.SweepCalls = ciCalls(calls[:retriesFrom]), ciCalls(calls[retriesFrom:sweepsFrom]), ciCalls(calls[sweepsFrom:])
	t.Logf("%d deliveries, %d retried, %d dropped after %d attempts; %d sweeps triggered %d and redrove %d with %d ledger calls",
		st.Deliveries, st.Retried, st.Dropped, platformAttempts, st.Sweeps, st.SweepTriggered, st.SweepRedriven, st.SweepLedger)
	st.log(t)
}

// TestSoakHappyPathNoLedgerCalls: fresh deliveries with CI healthy cost one
// TriggerWorkflow per object and nothing else.
func TestSoakHappyPathNoLedgerCalls(t *testing.T) {
	objects, perDelivery := 2000, 50
	if testing.Short() {
		objects = 100
	}
	start := time.Now()
	emu, url := startEmulator(t, ciemu.Options{MaxCalls: 100_000})
	fn := startFunction(t, functionEnv(url, nil))
	for d := range objects / perDelivery {
		var res handler.UploadResult
		decodeResult(t, fn.invoke(t, deliveryAt(t, soakKeys(d, perDelivery), time.Now()), 20*time.Second), &res)
		if len(res.Triggered) != perDelivery {
			t.Fatalf("delivery %d: %d triggered, want %d", d, len(res.Triggered), perDelivery)
		}
	}
	st := soakStats{Name: "no faults, fresh deliveries", Objects: objects, Deliveries: objects / perDelivery, WallSeconds: time.Since(start).Seconds()}
	st.count(emu)
	if st.Calls != objects || st.TriggerCalls != objects {
		t.Errorf("%d CI calls (%d TriggerWorkflow), want exactly %d TriggerWorkflow", st.Calls, st.TriggerCalls, objects)
	}
	st.log(t)
}

// TestSoakRetryBudget: with CI hard down, a large delivery must not turn
// into a retry storm. TriggerWorkflow is not retried by the client after a
// 5xx (it may have run); the ledger lookup that follows is, and its
// retries are paid from the client's token bucket
// (cosclient.DefaultRetryBudget tokens, 5 per retry after an HTTP
// answer), so a delivery costs a bounded number of calls per record.
func TestSoakRetryBudget(t *testing.T) {
	const records = 100
	emu, url := startEmulator(t, ciemu.Options{Faults: ciemu.Faults{ErrorRate: 1}})
	fn := startFunction(t, functionEnv(url, nil))
	payload := deliveryAt(t, soakKeys(0, records), time.Now())

	resp := fn.invoke(t, payload, 30*time.Second)
	expectError(t, resp, fmt.Sprintf("%d of %d item(s) failed", records, records))
	first := len(emu.Calls())
	// One trigger and one lookup per record, plus the retries the budget
	// pays for.
	const retryCost = 5
	bound := 2*records + cosclient.DefaultRetryBudget/retryCost
	if first < 2*records || first > bound {
		t.Errorf("first delivery made %d CI calls, want between %d and %d", first, 2*records, bound)
	}
	if n := emu.TotalTriggers(); n != 0 {
		t.Errorf("TotalTriggers = %d with CI down, want 0", n)
	}
	t.Logf("CI down: %d-record delivery made %d CI calls (bound %d)", records, first, bound)
}
