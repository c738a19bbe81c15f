package ledger

import (
	"errors"
	"testing"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/citest"
)

// TestRetry: a failed run that is its object's latest is retried with one
// new run; anything else is refused, naming why, with no trigger, unless
// forced; an unknown run is not found.
func TestRetry(t *testing.T) {
	emu, url := citest.Emulator(t, ciemu.Options{RunningFor: -1})
	ci := citest.Client(t, url, nil)
	l := New(ci, RetriggerAfterLookup)
	emu.StageRuns(citest.Bucket, wf, "failed.mp4", ciemu.Staging{Then: ciemu.Fail("InternalError", "boom")})
	emu.StageRuns(citest.Bucket, wf, "superseded.mp4", ciemu.Staging{Next: []ciemu.Outcome{ciemu.Fail("", "")}})
	emu.StageRuns(citest.Bucket, wf, "running.mp4", ciemu.Staging{Then: ciemu.StayRunning()})
	runs := trigger(t, ci, "failed.mp4", "superseded.mp4", "ok.mp4", "running.mp4")
	first := runs["superseded.mp4"]
	trigger(t, ci, "superseded.mp4") // its later run

	for _, c := range []struct {
		name, runID string
		force       bool
		refused     string // "" when it triggers
	}{
		{"the latest run failed", runs["failed.mp4"], false, ""},
		{"a later run exists", first, false, RefusedLaterRun},
		{"a later run exists, forced", first, true, ""},
		{"the run succeeded", runs["ok.mp4"], false, RefusedNotFailed},
		{"the run is running", runs["running.mp4"], false, RefusedNotFailed},
		{"the run succeeded, forced", runs["ok.mp4"], true, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := citest.Calls(emu, ciemu.OpTriggerWorkflow)
			o, err := l.Retry(bg, c.runID, c.force, time.Now())
			triggers := citest.Calls(emu, ciemu.OpTriggerWorkflow) - before
			var re *RetryRefusedError
			switch {
			case c.refused == "":
				if err != nil || o.InstanceID == "" || o.InstanceID == c.runID || triggers != 1 {
					t.Fatalf("Retry = %+v, %v after %d triggers; want one new run", o.Outcome, err, triggers)
				}
				if o.Run == nil || o.Run.RunID != c.runID {
					t.Errorf("Run = %+v, want the run retried", o.Run)
				}
			case !errors.As(err, &re) || re.Reason != c.refused || re.RunID != c.runID:
				t.Fatalf("Retry error %v, want refused %s", err, c.refused)
			case triggers != 0:
				t.Errorf("a refused retry triggered %d runs", triggers)
			}
		})
	}

	// The retried failure's successor is now the latest: a second retry
	// of the same run is refused, so a retry repeated by mistake starts
	// nothing.
	var re *RetryRefusedError
	if _, err := l.Retry(bg, runs["failed.mp4"], false, time.Now()); !errors.As(err, &re) || re.Reason != RefusedLaterRun {
		t.Errorf("a repeated retry: %v, want refused %s", err, RefusedLaterRun)
	}
	if _, err := l.Retry(bg, "i"+"ffffffffffffffffffffffffffffffff", true, time.Now()); !cosclient.NotFound(err) {
		t.Errorf("an unknown run: %v, want not found", err)
	}
}
