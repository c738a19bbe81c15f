package ledger

import (
	"fmt"
	"testing"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/citest"
)

func TestDecide(t *testing.T) {
	const (
		running = cosclient.ExecutionStateRunning
		success = cosclient.ExecutionStateSuccess
		failed  = cosclient.ExecutionStateFailed
		cancel  = cosclient.ExecutionStateCancel
	)
	hist := func(states ...cosclient.ExecutionState) History { // newest first
		h := make(History, len(states))
		for i, s := range states {
			h[i] = Run{RunID: "i" + string(rune('a'+i)), State: s}
		}
		return h
	}
	for _, c := range []struct {
		name string
		h    History
		max  int
		want Verdict
	}{
		{"no run", nil, 3, Trigger},
		{"running", hist(running), 3, Wait},
		{"success", hist(success), 3, Done},
		{"failed once", hist(failed), 3, Redrive},
		{"failed twice of three", hist(failed, failed), 3, Redrive},
		{"failed three of three", hist(failed, failed, failed), 3, Exhausted},
		{"more runs than the bound", hist(failed, failed, failed, failed), 3, Exhausted},
		{"redrive off", hist(failed), 1, Exhausted},
		{"a redrive running beside a failure", hist(running, failed), 3, Wait},
		{"an older run still going", hist(failed, running), 3, Wait},
		{"an older success", hist(failed, success), 3, Done},
		{"a newer success", hist(success, failed), 3, Done},
		{"unknown state", hist("Submitted"), 3, Wait},
		{"cancelled", hist(cancel), 3, Cancelled},
		{"cancelled after a failure", hist(cancel, failed), 3, Cancelled},
		{"failed after a cancel", hist(failed, cancel), 3, Redrive},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Decide(c.h, c.max); got != c.want {
				t.Errorf("Decide(%v, %d) = %v, want %v", c.h, c.max, got, c.want)
			}
		})
	}
}

// TestHistory: an object's runs since its upload, newest first, with
// their states as CI ends them; other objects' runs and runs before the
// upload do not count.
func TestHistory(t *testing.T) {
	emu, url := citest.Emulator(t, ciemu.Options{RunningFor: -1})
	ci := citest.Client(t, url, nil)
	l := New(ci, RetriggerAfterLookup)
	emu.StageRuns(citest.Bucket, wf, "a.mp4", ciemu.Staging{Next: []ciemu.Outcome{ciemu.Fail("InternalError", "transcode failed")}})
	before := trigger(t, ci, "a.mp4")["a.mp4"]
	// For an upload after that run (beyond Slack), the run does not count.
	h, calls, err := l.History(bg, wf, "a.mp4", time.Now().Add(Slack+2*time.Second))
	if err != nil || len(h) != 0 || calls != 1 {
		t.Fatalf("a run before the upload: %v, %d calls, %v", h, calls, err)
	}
	h, _, err = l.History(bg, wf, "a.mp4", time.Now().Add(-time.Minute))
	if err != nil || len(h) != 1 || h[0].RunID != before || h[0].State != cosclient.ExecutionStateFailed || h[0].Created.IsZero() {
		t.Fatalf("the failed run: %+v, %v", h, err)
	}
	second := trigger(t, ci, "a.mp4", "a.mp4.bak")["a.mp4"]
	h, _, err = l.History(bg, wf, "a.mp4", time.Now().Add(-time.Minute))
	if err != nil || len(h) != 2 || h[0].RunID != second || h[0].State != cosclient.ExecutionStateSuccess || h[1].RunID != before {
		t.Fatalf("after a redrive: %+v, %v", h, err)
	}
	if v := Decide(h, DefaultMaxAttempts); v != Done {
		t.Errorf("verdict %v, want done", v)
	}
}

// TestHistoriesReadFailuresWhole: a history of failed runs is read whole
// (its length is the attempt count the bound is on), however many other
// runs the listing shows; one with a Success may stop there.
func TestHistoriesReadFailuresWhole(t *testing.T) {
	for _, order := range []Order{NewestFirst, OldestFirst} {
		t.Run(fmt.Sprint(order), func(t *testing.T) {
			emu, url := citest.Emulator(t, ciemu.Options{RunningFor: -1, MaxCalls: 100_000})
			ci := citest.Client(t, url, nil)
			l := New(ci, RetriggerAfterLookup)
			emu.StageRuns(citest.Bucket, wf, "f.mp4", ciemu.Staging{Then: ciemu.Fail("InternalError", "always")})
			since := time.Now().Add(-time.Minute)
			first := trigger(t, ci, "f.mp4", "ok.mp4")["f.mp4"]
			trigger(t, ci, keys("other/", 150)...)
			second := trigger(t, ci, "f.mp4")["f.mp4"]
			asked := append([]string{"f.mp4", "ok.mp4"}, keys("none/", 5)...)
			got, err := l.Histories(bg, wf, items(asked, since), 4, order)
			if err != nil {
				t.Fatal(err)
			}
			if h := got.Of["f.mp4"]; len(h) != 2 || h[0].RunID != second || h[1].RunID != first || Decide(h, DefaultMaxAttempts) != Redrive {
				t.Errorf("f.mp4: %+v, want both failed runs, newest first (redrive)", h)
			}
			if h := got.Of["ok.mp4"]; len(h) != 1 || Decide(h, DefaultMaxAttempts) != Done {
				t.Errorf("ok.mp4: %+v, want its success", h)
			}
			for _, k := range asked[2:] {
				if h, ok := got.Of[k]; !ok || len(h) != 0 {
					t.Errorf("%s: %+v (read %v), want read and empty", k, h, ok)
				}
			}
			if got.Calls > len(asked)+1 || got.Calls != listCalls(emu) {
				t.Errorf("%d calls (emulator saw %d) for %d objects, want at most %d", got.Calls, listCalls(emu), len(asked), len(asked)+1)
			}
		})
	}
}

// TestHistoriesOldestFirstNewestFirst: the oldest-first read collects an
// object's runs oldest first; the histories it settles (on a decisive
// run, or at the listing's end for the rest) hold them newest first, as
// Decide and Latest take them and as the object's own lookup reads them:
// one run or several, over the listing's pages.
func TestHistoriesOldestFirstNewestFirst(t *testing.T) {
	emu, url := citest.Emulator(t, ciemu.Options{RunningFor: -1, MaxCalls: 100_000})
	ci := citest.Client(t, url, nil)
	l := New(ci, RetriggerAfterLookup)
	fail := ciemu.Fail("InternalError", "transcode failed")
	always := ciemu.Staging{Then: fail}
	for key, s := range map[string]ciemu.Staging{
		"one-failed.mp4":          always,
		"two-failed.mp4":          always,
		"three-failed.mp4":        always,
		"failed-then-ok.mp4":      {Next: []ciemu.Outcome{fail}},
		"failed-then-running.mp4": {Next: []ciemu.Outcome{fail}, Then: ciemu.StayRunning()},
	} {
		emu.StageRuns(citest.Bucket, wf, key, s)
	}
	since := time.Now().Add(-time.Minute)
	asked := []string{"one-ok.mp4", "one-failed.mp4", "two-failed.mp4", "three-failed.mp4", "failed-then-ok.mp4", "failed-then-running.mp4"}
	trigger(t, ci, asked...) // the first page: the first runs
	trigger(t, ci, keys("other/", 120)...)
	trigger(t, ci, "two-failed.mp4", "three-failed.mp4", "failed-then-ok.mp4", "failed-then-running.mp4") // the second page
	trigger(t, ci, "three-failed.mp4")
	asked = append(asked, "none.mp4")
	before := listCalls(emu)
	got, err := l.Histories(bg, wf, items(asked, since), 1, OldestFirst)
	if err != nil {
		t.Fatal(err)
	}
	if calls := listCalls(emu) - before; calls != 2 || got.Calls != calls {
		t.Errorf("%d calls (Calls %d), want the listing's 2 pages, no lookup", calls, got.Calls)
	}
	for key, want := range map[string]Verdict{
		"one-ok.mp4":              Done,
		"one-failed.mp4":          Redrive,
		"two-failed.mp4":          Redrive,
		"three-failed.mp4":        Exhausted,
		"failed-then-ok.mp4":      Done,
		"failed-then-running.mp4": Wait,
		"none.mp4":                Trigger,
	} {
		h, ok := got.Of[key]
		own, _, err := l.History(bg, wf, key, since)
		if err != nil {
			t.Fatal(err)
		}
		if !ok || fmt.Sprint(h) != fmt.Sprint(own) {
			t.Errorf("%s: %+v (read %v), want its own lookup's, newest first: %+v", key, h, ok, own)
		}
		if v := Decide(h, DefaultMaxAttempts); v != want {
			t.Errorf("%s: %v, want %v", key, v, want)
		}
	}
}
