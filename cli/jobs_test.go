package cli_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/model"
)

// backfillBody is a POST /v1/jobs body.
const backfillBody = `{"name": "reprocess-uploads", "input": {"prefix": "uploads/"},
 "operation": {"workflowIds": "` + workflowID + `"}}`

func TestJobsCreate(t *testing.T) {
	t.Parallel()
	c := newCI(t, ciemu.Options{})
	file := writeFile(t, "backfill.json", backfillBody)

	res := run(t, c.env, "", "jobs", "create", "-f", file)
	expect(t, res, 0)
	jobs := c.emu.Jobs(bucket)
	if len(jobs) != 1 || strings.TrimSpace(res.stdout) != jobs[0].JobID {
		t.Fatalf("table output %q, want exactly the ID of the one job created (%+v)", res.stdout, jobs)
	}

	res = run(t, c.env, backfillBody, "jobs", "create", "-f", "-", "-o", "json")
	expect(t, res, 0)
	got := decodeLines[model.Job](t, res.stdout)
	if len(got) != 1 || got[0].JobID == "" || got[0].Name != "reprocess-uploads" || got[0].Input == nil ||
		got[0].Input.Prefix == nil || *got[0].Input.Prefix != "uploads/" || got[0].Operation.WorkflowIDs != workflowID {
		t.Errorf("json output %+v, want the job read from stdin", got)
	}
	if n := len(c.emu.Jobs(bucket)); n != 2 {
		t.Errorf("emulator holds %d jobs, want 2", n)
	}

	// The body's own bucket wins over the default; an explicit flag
	// that disagrees is a mistake.
	other := writeFile(t, "other.json", `{"bucket":"otherbucket-1250000000","name":"x","input":{"prefix":""},"operation":{"workflowIds":"`+workflowID+`"}}`)
	expect(t, run(t, c.env, "", "jobs", "create", "-f", other), 0)
	if n := len(c.emu.Jobs("otherbucket-1250000000")); n != 1 {
		t.Errorf("the file's bucket holds %d jobs, want 1", n)
	}
	expectRefused(t, c, []string{"jobs", "create", "-f", other, "-bucket", bucket}, "-bucket", "otherbucket-1250000000")
}

func TestJobsCreateRefusals(t *testing.T) {
	t.Parallel()
	c := newCI(t, ciemu.Options{})
	noOp := writeFile(t, "noop.json", `{"name":"x","input":{"prefix":"uploads/"},"operation":{}}`)
	unknown := writeFile(t, "unknown.json", `{"name":"x","input":{"prefix":"uploads/"},"operation":{"workflowIds":"`+workflowID+`"},"colour":"red"}`)
	for _, tc := range []struct {
		args  []string
		stdin string
		want  []string
	}{
		{[]string{"-f", noOp}, "", []string{noOp + ": operation.workflowIds"}},
		{[]string{"-f", unknown}, "", []string{unknown + ": colour", "not a known field"}},
		{[]string{"-f", "-"}, `{"name":"x"`, []string{"stdin"}},
		{[]string{"-f", "/nonexistent/job.json"}, "", []string{"-f", "/nonexistent/job.json"}},
		{nil, "", []string{"-f FILE|- is required"}},
		{[]string{"-f", noOp, "extra"}, "", []string{"takes no arguments"}},
	} {
		res := run(t, c.env, tc.stdin, append([]string{"jobs", "create"}, tc.args...)...)
		expect(t, res, 2, tc.want...)
		// The mistake in one line, at most followed by where help is.
		if ls := lines(res.stderr); len(ls) == 0 || len(ls) > 2 || len(ls) == 2 && !strings.Contains(ls[1], "-h") {
			t.Errorf("%q: stderr %q, want the mistake in one line", tc.args, res.stderr)
		}
	}
	if n := c.calls(""); n != 0 {
		t.Errorf("refused creates made %d CI calls", n)
	}
}

func TestJobsListGetCancel(t *testing.T) {
	t.Parallel()
	c := newCI(t, ciemu.Options{RunningFor: time.Hour})
	first, second := seedJob(t, c, "first"), seedJob(t, c, "second")

	res := run(t, c.env, "", "jobs", "ls")
	expect(t, res, 0)
	header, rows := table(t, res.stdout)
	if want := []string{"JOB ID", "NAME", "TYPE", "STATE", "PROGRESS", "CREATED"}; !slices.Equal(header, want) {
		t.Errorf("header %q, want %q", header, want)
	}
	if len(rows) != 2 || rows[0][0] != second || rows[1][0] != first || rows[0][1] != "second" {
		t.Errorf("rows %q, want the two jobs, newest first", rows)
	}

	res = run(t, c.env, "", "jobs", "ls", "-o", "json", "-name", "first")
	expect(t, res, 0)
	if got := decodeLines[model.Job](t, res.stdout); len(got) != 1 || got[0].JobID != first {
		t.Errorf("-name first: %+v, want the first job only", got)
	}

	res = run(t, c.env, "", "jobs", "get", first)
	expect(t, res, 0)
	if _, rows := table(t, res.stdout); len(rows) != 1 || rows[0][0] != first || rows[0][1] != "first" {
		t.Errorf("jobs get table %q", res.stdout)
	}
	res = run(t, c.env, "", "jobs", "get", "-o", "json", first) // flags before the ID, too
	expect(t, res, 0)
	if got := decodeLines[model.Job](t, res.stdout); len(got) != 1 || got[0].JobID != first || got[0].Operation == nil {
		t.Errorf("jobs get json %+v", got)
	}

	res = run(t, c.env, "", "jobs", "cancel", first)
	expect(t, res, 0)
	if _, rows := table(t, res.stdout); len(rows) != 1 || !slices.Equal(rows[0], []string{first, "Cancel"}) {
		t.Errorf("jobs cancel table %q", res.stdout)
	}
	res = run(t, c.env, "", "jobs", "cancel", second, "-o", "json")
	expect(t, res, 0)
	if strings.TrimSpace(res.stdout) != `{"jobId":"`+second+`","state":"Cancel"}` {
		t.Errorf("jobs cancel json %q", res.stdout)
	}
	for _, j := range c.emu.Jobs(bucket) {
		if j.State != cosclient.JobStateCancel {
			t.Errorf("job %s is %s after cancel", j.JobID, j.State)
		}
	}

	// CI refuses to cancel a job twice: one line with its code, message
	// and the request ID of exactly that call.
	res = run(t, c.env, "", "jobs", "cancel", first)
	calls := c.emu.Calls()
	last := calls[len(calls)-1]
	expect(t, res, 1, "CI refused CancelInventoryTriggerJob", last.Code, "cannot be cancelled", "HTTP 400", "request ID "+last.RequestID)
	if n := len(lines(res.stderr)); n != 1 || res.stdout != "" {
		t.Errorf("refusal: stdout %q, stderr %d lines %q; want stderr only, one line", res.stdout, n, res.stderr)
	}

	res = run(t, c.env, "", "jobs", "get", "b0123456789abcdef0123456789abcdef")
	expect(t, res, 1, "not found", "request ID ")

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"jobs", "get"}, "takes ID"},
		{[]string{"jobs", "get", "bad/id"}, "ID: "},
		{[]string{"jobs", "cancel", first, second}, "takes ID"},
		{[]string{"jobs", "ls", "-states", "Bogus"}, "-states: "},
		{[]string{"jobs", "ls", "-size", "500"}, "-size: "},
		{[]string{"jobs", "ls", "-since", "yesterday"}, "-since: "},
		{[]string{"jobs", "ls", "-type", "Batch"}, "-type: "},
		{[]string{"jobs", "ls", "-workflow", "w1"}, "-workflow: "},
		{[]string{"jobs", "ls", "-o", "yaml"}, "-o: "},
		{[]string{"jobs", "ls", "-nope"}, "-nope"},
		{[]string{"jobs", "ls", "-region", "Mars"}, "-region: "},
	} {
		expectRefused(t, c, tc.args, tc.want)
	}
	expect(t, run(t, c.with(map[string]string{"COSFLOW_BUCKET": ""}), "", "jobs", "ls"), 2, "-bucket is required (or set COSFLOW_BUCKET)")
}

func TestJobsListAll(t *testing.T) {
	t.Parallel()
	c := newCI(t, ciemu.Options{})
	var ids []string
	for i := range 25 {
		ids = append(ids, seedJob(t, c, fmt.Sprintf("job-%02d", i)))
	}
	slices.Reverse(ids) // newest first

	res := run(t, c.env, "", "jobs", "ls", "-size", "10")
	expect(t, res, 0, "-all")
	if _, rows := table(t, res.stdout); len(rows) != 10 || rows[0][0] != ids[0] {
		t.Errorf("one page: %d rows, want the newest 10", len(rows))
	}

	before := c.calls(ciemu.OpDescribeInventoryTriggerJobs)
	res = run(t, c.env, "", "jobs", "ls", "-size", "10", "-all", "-o", "json")
	expect(t, res, 0)
	if res.stderr != "" {
		t.Errorf("stderr %q, want nothing after the last page", res.stderr)
	}
	var got []string
	for _, j := range decodeLines[model.Job](t, res.stdout) {
		got = append(got, j.JobID)
	}
	if !slices.Equal(got, ids) {
		t.Errorf("-all listed %d jobs %q, want all 25 newest first", len(got), got)
	}
	if n := c.calls(ciemu.OpDescribeInventoryTriggerJobs) - before; n != 3 {
		t.Errorf("-all made %d calls, want 3 pages of 10", n)
	}

	res = run(t, c.env, "", "jobs", "ls", "-size", "10", "-all")
	expect(t, res, 0)
	if _, rows := table(t, res.stdout); len(rows) != 25 {
		t.Errorf("-all table has %d rows, want 25 under one header", len(rows))
	}
}

func TestJobsWaitSuccess(t *testing.T) {
	t.Parallel()
	c := newCI(t, ciemu.Options{SubmittedFor: 50 * time.Millisecond, RunningFor: 300 * time.Millisecond})
	for _, format := range []string{"table", "json"} {
		id := seedJob(t, c, "wait-"+format)
		res := run(t, c.env, "", "jobs", "wait", id, "-interval", "100ms", "-o", format)
		expect(t, res, 0, "job "+id+": Success (")
		if format == "json" {
			if got := decodeLines[model.Job](t, res.stdout); len(got) != 1 || got[0].State != "Success" || got[0].JobID != id {
				t.Errorf("json: %+v, want the job as it ended", got)
			}
		} else if _, rows := table(t, res.stdout); len(rows) != 1 || rows[0][3] != "Success" {
			t.Errorf("table: %q, want the job as it ended", res.stdout)
		}
		// One line per state change, not per poll, off a terminal.
		var states []string
		for _, l := range lines(res.stderr) {
			if strings.Contains(l, "\r") || strings.Contains(l, "\x1b") {
				t.Errorf("stderr is no terminal but has a redraw: %q", l)
			}
			_, after, _ := strings.Cut(l, id+": ")
			state, _, _ := strings.Cut(after, " ")
			states = append(states, state)
		}
		if len(states) < 2 || states[len(states)-1] != "Success" || len(slices.Compact(slices.Clone(states))) != len(states) {
			t.Errorf("state lines %q, want each state change once, ending in Success", res.stderr)
		}
	}
}

func TestJobsWaitCancel(t *testing.T) {
	t.Parallel()
	c := newCI(t, ciemu.Options{SubmittedFor: 50 * time.Millisecond, RunningFor: time.Hour})
	id := seedJob(t, c, "to-cancel")
	w := startWait(t, c, id)
	// Cancel from another command once the wait has seen the job run.
	seen := w.until(t, id+": Running")
	expect(t, run(t, c.env, "", "jobs", "cancel", id), 0)
	res := w.finish(t, seen)
	expect(t, res, 1, "job "+id+": Cancel (", "ended Cancel")
	if _, rows := table(t, res.stdout); len(rows) != 1 || rows[0][3] != "Cancel" {
		t.Errorf("stdout %q, want the cancelled job", res.stdout)
	}
}

func TestJobsWaitTimeout(t *testing.T) {
	t.Parallel()
	c := newCI(t, ciemu.Options{SubmittedFor: time.Hour})
	id := seedJob(t, c, "slow")
	res := run(t, c.env, "", "jobs", "wait", id, "-interval", "100ms", "-timeout", "300ms", "-o", "json")
	expect(t, res, 3, "-timeout 300ms ran out", "still Submitted")
	if got := decodeLines[model.Job](t, res.stdout); len(got) != 1 || got[0].State != "Submitted" {
		t.Errorf("stdout %q, want the job as last seen", res.stdout)
	}
	for _, args := range [][]string{
		{"-interval", "0s"}, {"-timeout", "0s"}, {"-interval", "soon"},
	} {
		expect(t, run(t, c.env, "", append([]string{"jobs", "wait", id}, args...)...), 2, args[0])
	}
	expect(t, run(t, c.env, "", "jobs", "wait", "b0123456789abcdef0123456789abcdef"), 1, "not found")
}

func TestJobsWaitInterrupted(t *testing.T) {
	t.Parallel()
	c := newCI(t, ciemu.Options{SubmittedFor: time.Hour})
	id := seedJob(t, c, "interrupted")
	w := startWait(t, c, id)
	seen := w.until(t, id+": Submitted")
	if err := w.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	expect(t, w.finish(t, seen), 130, "interrupted; job "+id+" goes on")
}

// waiting is `cosflow jobs wait` running in the background, its stderr
// read line by line as it comes.
type waiting struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer
	lines  chan string // stderr's lines, closed at its end
}

// startWait starts `cosflow jobs wait id`, polling every 100ms.
func startWait(t *testing.T, c *ci, id string) *waiting {
	t.Helper()
	w := &waiting{cmd: exec.Command(cosflowBin, "jobs", "wait", id, "-interval", "100ms"), lines: make(chan string, 100)}
	w.cmd.Env = envList(c.env)
	w.cmd.Stdout = &w.stdout
	pipe, err := w.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.cmd.Process.Kill() })
	go func() {
		defer close(w.lines)
		for sc := bufio.NewScanner(pipe); sc.Scan(); {
			w.lines <- sc.Text()
		}
	}()
	return w
}

// until reads stderr up to the first line holding s and returns the
// lines read; the test fails if stderr ends first.
func (w *waiting) until(t *testing.T, s string) []string {
	t.Helper()
	var seen []string
	for {
		select {
		case l, ok := <-w.lines:
			if !ok {
				t.Fatalf("jobs wait ended before printing %q; stderr: %q", s, seen)
			}
			if seen = append(seen, l); strings.Contains(l, s) {
				return seen
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("jobs wait did not print %q; stderr: %q", s, seen)
		}
	}
}

// finish reads the rest of stderr, waits for the process to end and
// returns what it did, stderr beginning with the lines seen already.
func (w *waiting) finish(t *testing.T, seen []string) result {
	t.Helper()
	for open := true; open; {
		select {
		case l, ok := <-w.lines:
			if open = ok; ok {
				seen = append(seen, l)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("jobs wait did not end; stderr: %q", seen)
		}
	}
	_ = w.cmd.Wait()
	res := result{stdout: w.stdout.String(), stderr: strings.Join(seen, "\n"), code: w.cmd.ProcessState.ExitCode()}
	checkNoSecrets(t, w.cmd.Args, res.stdout, res.stderr)
	return res
}
