package cli_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/model"
)

func TestRuns(t *testing.T) {
	t.Parallel()
	c := newCI(t, ciemu.Options{})
	var aRuns []string
	for range 12 {
		aRuns = append(aRuns, seedRun(t, c, "uploads/a.mp4"))
	}
	bRun := seedRun(t, c, "uploads/b.mp4")
	slices.Reverse(aRuns) // newest first

	res := run(t, c.env, "", "runs", "ls", "-workflow", workflowID, "-size", "5")
	expect(t, res, 0, "-all")
	header, rows := table(t, res.stdout)
	if want := []string{"RUN ID", "OBJECT", "STATE", "CREATED"}; !slices.Equal(header, want) {
		t.Errorf("header %q, want %q", header, want)
	}
	if len(rows) != 5 || rows[0][0] != bRun {
		t.Errorf("one page: %q, want the newest 5", rows)
	}

	before := c.calls(ciemu.OpDescribeWorkflowExecutions)
	res = run(t, c.env, "", "runs", "ls", "-workflow", workflowID, "-size", "5", "-all", "-o", "json")
	expect(t, res, 0)
	all := decodeLines[model.Run](t, res.stdout)
	if len(all) != 13 || all[0].RunID != bRun || all[0].Object != "uploads/b.mp4" || all[0].WorkflowID != workflowID {
		t.Errorf("-all: %d runs, first %+v; want 13, newest first", len(all), all)
	}
	if n := c.calls(ciemu.OpDescribeWorkflowExecutions) - before; n != 3 {
		t.Errorf("-all made %d calls, want 3 pages of 5", n)
	}

	res = run(t, c.env, "", "runs", "ls", "-workflow", workflowID, "-object", "uploads/a.mp4", "-all", "-size", "5", "-states", "All", "-since", "1h")
	expect(t, res, 0)
	_, rows = table(t, res.stdout)
	var got []string
	for _, r := range rows {
		got = append(got, r[0])
		if r[1] != "uploads/a.mp4" {
			t.Errorf("-object uploads/a.mp4 listed a run of %s", r[1])
		}
	}
	if !slices.Equal(got, aRuns) {
		t.Errorf("-object: runs %q, want %q", got, aRuns)
	}

	res = run(t, c.env, "", "runs", "get", aRuns[0])
	expect(t, res, 0)
	header, rows = table(t, res.stdout)
	if len(rows) != 1 || !slices.Equal(rows[0][:3], []string{aRuns[0], workflowID, "uploads/a.mp4"}) || header[1] != "WORKFLOW" {
		t.Errorf("runs get table %q", res.stdout)
	}
	res = run(t, c.env, "", "runs", "get", bRun, "-o", "json")
	expect(t, res, 0)
	if got := decodeLines[model.Run](t, res.stdout); len(got) != 1 || got[0].RunID != bRun || got[0].CreateTime == "" {
		t.Errorf("runs get json %+v", got)
	}
	expect(t, run(t, c.env, "", "runs", "get", "i0123456789abcdef0123456789abcdef"), 1, "not found")

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"runs", "ls"}, "-workflow: is required"},
		{[]string{"runs", "ls", "-workflow", workflowID, "-states", "Submitted"}, "-states: "},
		{[]string{"runs", "ls", "-workflow", workflowID, "-size", "0"}, "-size: "},
		{[]string{"runs", "ls", "-workflow", workflowID, "-since", "-1h"}, "-since: "},
		{[]string{"runs", "get"}, "takes RUNID"},
		{[]string{"runs", "get", "i/x"}, "RUNID: "},
	} {
		expectRefused(t, c, tc.args, tc.want)
	}
}

// A failed run's table names CI's code and message; its JSON lists the
// tasks.
func TestRunsGetFailed(t *testing.T) {
	t.Parallel()
	c := newCI(t, ciemu.Options{RunningFor: -1})
	c.emu.StageRuns(bucket, workflowID, "uploads/bad.mp4", ciemu.Staging{Then: ciemu.Fail("InvalidInput", "the source has no video stream")})
	id := seedRun(t, c, "uploads/bad.mp4")

	res := run(t, c.env, "", "runs", "get", id)
	expect(t, res, 0)
	header, rows := table(t, res.stdout)
	if len(rows) != 1 || !slices.Equal(header[5:], []string{"CODE", "MESSAGE"}) ||
		!slices.Equal(rows[0][3:4], []string{"Failed"}) || !slices.Equal(rows[0][5:], []string{"InvalidInput", "the source has no video stream"}) {
		t.Errorf("runs get table %q", res.stdout)
	}
	res = run(t, c.env, "", "runs", "get", id, "-o", "json")
	expect(t, res, 0)
	got := decodeLines[model.Run](t, res.stdout)
	if len(got) != 1 || len(got[0].Tasks) == 0 {
		t.Fatalf("runs get json %q", res.stdout)
	}
	last := got[0].Tasks[len(got[0].Tasks)-1]
	if last.Code != "InvalidInput" || last.Message != "the source has no video stream" || last.JobID == "" || last.Type == "" {
		t.Errorf("failing task %+v", last)
	}
}

// runs retry prints the new run's ID for a failed run; a run that did
// not fail is refused (exit 1, the reason on stderr, no trigger) unless
// -force; an unknown run is exit 1.
func TestRunsRetry(t *testing.T) {
	t.Parallel()
	c := newCI(t, ciemu.Options{RunningFor: -1})
	c.emu.StageRuns(bucket, workflowID, "uploads/bad.mp4", ciemu.Staging{Next: []ciemu.Outcome{ciemu.Fail("", "")}})
	failed := seedRun(t, c, "uploads/bad.mp4")
	ok := seedRun(t, c, "uploads/ok.mp4")

	res := run(t, c.env, "", "runs", "retry", failed)
	expect(t, res, 0)
	if ls := lines(res.stdout); len(ls) != 1 || ls[0] == failed || !strings.HasPrefix(ls[0], "i") {
		t.Errorf("runs retry printed %q, want the new instance ID", res.stdout)
	}
	triggers := c.calls(ciemu.OpTriggerWorkflow)
	expect(t, run(t, c.env, "", "runs", "retry", failed), 1, "came after it", "force")
	expect(t, run(t, c.env, "", "runs", "retry", ok), 1, "did not fail")
	expect(t, run(t, c.env, "", "runs", "retry", "i0123456789abcdef0123456789abcdef"), 1, "not found")
	if n := c.calls(ciemu.OpTriggerWorkflow) - triggers; n != 0 {
		t.Errorf("refused retries triggered %d runs", n)
	}
	res = run(t, c.env, "", "runs", "retry", ok, "-force", "-o", "json")
	expect(t, res, 0)
	if got := decodeLines[model.RetryResponse](t, res.stdout); len(got) != 1 || got[0].RetriedRunID != ok || got[0].InstanceID == "" {
		t.Errorf("runs retry -force -o json %q", res.stdout)
	}
	expectRefused(t, c, []string{"runs", "retry"}, "takes RUNID")
}
