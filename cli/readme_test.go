package cli_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/internal/readmecheck"
)

// sessionHeading is the README section whose sh block is the worked
// session this test runs.
const sessionHeading = "## Operate from a terminal"

// sessionBlock is the first sh block of the README's session section.
// readmecheck reads the first sh block under "## Quickstart"; the section
// is handed to it under that heading rather than parsed a second way.
func sessionBlock(t *testing.T) []string {
	t.Helper()
	doc, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "\n"+sessionHeading+"\n")
	if !ok {
		t.Fatalf("README.md has no %q section", sessionHeading)
	}
	block, err := readmecheck.Quickstart("## Quickstart\n" + section)
	if err != nil {
		t.Fatalf("README.md %q: %v", sessionHeading, err)
	}
	return block
}

// cosflowCall is a cosflow command in a shell line, and in sh -x's trace
// ("+ cosflow jobs wait …", "++ cosflow …" inside $(…)): its command words.
var (
	cosflowCall  = regexp.MustCompile(`(?:^|\$\(|\s)cosflow ([a-z]+(?: [a-z]+)?)`)
	cosflowTrace = regexp.MustCompile(`(?m)^\++ cosflow ([a-z]+(?: [a-z]+)?)`)
)

// TestREADMESession runs the README's worked session, as written, in a
// shell with the binary on PATH, against the emulator holding what the
// session looks at: an upload that ran and one that never did.
func TestREADMESession(t *testing.T) {
	t.Parallel()
	block := sessionBlock(t)
	var want []string
	for _, line := range block {
		for _, m := range cosflowCall.FindAllStringSubmatch(line, -1) {
			want = append(want, m[1])
		}
	}
	if len(want) < 4 {
		t.Fatalf("the session runs %q; want at least a create, a wait, a runs ls and a reconcile", want)
	}

	c := newCI(t, ciemu.Options{SubmittedFor: 100 * time.Millisecond, RunningFor: 300 * time.Millisecond})
	hourAgo := time.Now().Add(-time.Hour)
	for _, key := range []string{"uploads/a.mp4", "uploads/b.mp4"} {
		if err := c.emu.PutObject(bucket, key, 1, hourAgo); err != nil {
			t.Fatal(err)
		}
	}
	ran := seedRun(t, c, "uploads/a.mp4")

	// The session sets its own bucket, region and rule.
	env := c.with(map[string]string{"PATH": binDir + ":" + os.Getenv("PATH"), "COSFLOW_BUCKET": "", "COSFLOW_REGION": ""})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-eux", "-c", strings.Join(block, "\n")+"\n")
	cmd.Dir = t.TempDir()
	cmd.Env = envList(env)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	out, trace := stdout.String(), stderr.String()
	checkNoSecrets(t, []string{"README session"}, out, trace)
	t.Logf("stdout:\n%s\nstderr:\n%s", out, trace)
	if err != nil {
		t.Fatalf("the session failed: %v", err)
	}

	var got []string
	for _, m := range cosflowTrace.FindAllStringSubmatch(trace, -1) {
		got = append(got, m[1])
	}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("the shell ran cosflow %q, want every command of the session, %q", got, want)
	}
	for _, re := range []string{
		`(?m)^b\w+ +reprocess-uploads +Workflow +Success +100%`, // the job waited for
		`(?m)^` + ran + ` +uploads/a\.mp4 +Success`,             // the object's run
		`(?m)^default +2 +1 +0 +1 +0 +false$`,                   // the dry sweep: b never ran
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("the session's stdout has no line matching %s", re)
		}
	}
	if n := c.calls(ciemu.OpCreateInventoryTriggerJob); n != 1 {
		t.Errorf("%d jobs created, want 1", n)
	}
	if n := c.emu.TotalTriggers(); n != 1 {
		t.Errorf("%d triggers in all, want only the one seeded (the sweep is dry)", n)
	}
}
