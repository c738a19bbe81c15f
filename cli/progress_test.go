package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/cosflow/cosflow/cosclient"
)

// polls is a wait as the waiter reports it: Submitted twice, Running at
// two progresses, then Success.
var polls = []cosclient.JobDetail{
	{JobID: "b1", State: cosclient.JobStateSubmitted, Progress: "0%"},
	{JobID: "b1", State: cosclient.JobStateSubmitted, Progress: "0%"},
	{JobID: "b1", State: cosclient.JobStateRunning, Progress: "10%"},
	{JobID: "b1", State: cosclient.JobStateRunning, Progress: "60%"},
	{JobID: "b1", State: cosclient.JobStateSuccess, Progress: "100%"},
}

func showPolls(tty bool) string {
	var buf bytes.Buffer
	p := newProgress(&buf, tty)
	for i := range polls {
		p.poll(&polls[i])
	}
	p.end()
	return buf.String()
}

func TestProgressOffTerminal(t *testing.T) {
	got := showPolls(false)
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	want := []string{"job b1: Submitted (", "job b1: Running 10% (", "job b1: Success ("}
	if len(lines) != len(want) || strings.ContainsAny(got, "\r\x1b") {
		t.Fatalf("got %q, want one plain line per state change", got)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) || !strings.HasSuffix(lines[i], "s)") {
			t.Errorf("line %d = %q, want %q and the elapsed time", i, lines[i], w)
		}
	}
}

func TestProgressOnTerminal(t *testing.T) {
	got := showPolls(true)
	// The state changes stay on screen; the repeated polls are one
	// status line, redrawn, and cleared before anything else is written.
	for _, w := range []string{
		"job b1: Submitted (", clearLine + "job b1: Running 10% (",
		"job b1: Running 60% (", clearLine + "job b1: Success (",
	} {
		if !strings.Contains(got, w) {
			t.Errorf("%q lacks %q", got, w)
		}
	}
	if strings.Count(got, "\n") != 3 || !strings.HasSuffix(got, "\n") {
		t.Errorf("%q: want three finished lines and the status line cleared", got)
	}
}

func TestParseInterspersed(t *testing.T) {
	for _, tc := range []struct {
		args, want []string
		interval   string
	}{
		{[]string{"ID", "-interval", "1s"}, []string{"ID"}, "1s"},
		{[]string{"-interval", "1s", "ID"}, []string{"ID"}, "1s"},
		{[]string{"A", "-interval=2s", "B"}, []string{"A", "B"}, "2s"},
		{[]string{"A", "--", "-interval", "3s"}, []string{"A", "-interval", "3s"}, "5s"},
		{nil, nil, "5s"},
	} {
		c := &command{name: "test"}
		fs := newFlagSet(c)
		interval := fs.Duration("interval", 5e9, "")
		got, err := parseInterspersed(fs, tc.args)
		if err != nil || strings.Join(got, " ") != strings.Join(tc.want, " ") || interval.String() != tc.interval {
			t.Errorf("%q: positional %q, interval %v, err %v; want %q and %s", tc.args, got, interval, err, tc.want, tc.interval)
		}
	}
}
