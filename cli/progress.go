package cli

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/cosflow/cosflow/cosclient"
)

// progress shows a waited job on stderr: one line per state change with
// the time since the wait began and, on a terminal, a status line redrawn
// at every poll. Off a terminal (a log, a pipe) only the state changes
// are written, so the log stays readable.
type progress struct {
	w     io.Writer
	tty   bool
	start time.Time
	last  cosclient.JobState
	drawn bool // a status line is on screen, to be cleared before anything else
}

// clearLine returns the cursor to the start of the line and erases it.
const clearLine = "\r\x1b[K"

func newProgress(w io.Writer, tty bool) *progress {
	return &progress{w: w, tty: tty, start: time.Now()}
}

// poll shows one detail the waiter read (cosclient.JobWaiterOptions.OnPoll).
func (p *progress) poll(d *cosclient.JobDetail) {
	p.clear()
	line := fmt.Sprintf("job %s: %s (%s)", d.JobID, describe(d), elapsed(time.Since(p.start)))
	if d.State != p.last {
		fmt.Fprintln(p.w, oneLine(line))
		p.last = d.State
		return
	}
	if p.tty {
		fmt.Fprint(p.w, oneLine(line))
		p.drawn = true
	}
}

// end clears the status line, once the wait is over.
func (p *progress) end() { p.clear() }

func (p *progress) clear() {
	if p.drawn {
		fmt.Fprint(p.w, clearLine)
		p.drawn = false
	}
}

// describe is a job's state with its progress while it runs: "Running
// 40%".
func describe(d *cosclient.JobDetail) string {
	if d.State == cosclient.JobStateRunning && d.Progress != "" {
		return string(d.State) + " " + d.Progress
	}
	return string(d.State)
}

// elapsed is a wait's duration as people read it: tenths of a second for
// the first minute, whole seconds after.
func elapsed(d time.Duration) string {
	if d < time.Minute {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// isTerminal reports whether w is a terminal (a character device), where
// a redrawn status line makes sense.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
