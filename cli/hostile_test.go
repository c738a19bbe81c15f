package cli_test

// The command line's binary against a CI that misbehaves on purpose
// (internal/hostile, on loopback): answers that never come or trickle,
// huge and dense answers, IDs and messages made to act on a terminal,
// errors that echo the credentials, listings that never end. Every run
// ends on its own, inside its -timeout or faster; run (e2e_test.go) also
// checks that no secret reached its output.

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/hostile"
	"github.com/cosflow/cosflow/model"
)

// hostileJobID and hostileRunID are IDs the commands on one job or run
// ask about.
const (
	hostileJobID = "b0123456789abcdef0123456789abcdef"
	hostileRunID = "i0123456789abcdef0123456789abcdef"
)

// hostileEnv is a terminal's environment pointed at the hostile server s,
// with the test credentials, the default bucket and region, and one rule
// (for reconcile).
func hostileEnv(t *testing.T, s *hostile.Server) map[string]string {
	return map[string]string{
		"HOME":                      t.TempDir(),
		"COSFLOW_CI_ENDPOINT":       s.URL,
		"TENCENTCLOUD_SECRETID":     testSecretID,
		"TENCENTCLOUD_SECRETKEY":    testSecretKey,
		"TENCENTCLOUD_SESSIONTOKEN": testSessionToken,
		"COSFLOW_BUCKET":            bucket,
		"COSFLOW_REGION":            region,
		"COSFLOW_WORKFLOW_ID":       workflowID,
	}
}

// hostileCommands are one run of each operator command that calls CI,
// and the operation it calls first. Files they read are written under t.
func hostileCommands(t *testing.T) []struct {
	op   string
	args []string
} {
	job := writeFile(t, "job.json", `{"name":"n","input":{"prefix":"uploads/"},"operation":{"workflowIds":"`+workflowID+`"}}`)
	spec := writeFile(t, "sweep.json", `{"name":"sweep","reconcile":{"window":"6h"}}`)
	return []struct {
		op   string
		args []string
	}{
		{"TriggerWorkflow", []string{"trigger", "-workflow", workflowID, "-object", "uploads/a.mp4"}},
		{"CreateInventoryTriggerJob", []string{"jobs", "create", "-f", job}},
		{"DescribeInventoryTriggerJobs", []string{"jobs", "ls", "-all"}},
		{"DescribeInventoryTriggerJob", []string{"jobs", "get", hostileJobID}},
		{"CancelInventoryTriggerJob", []string{"jobs", "cancel", hostileJobID}},
		{"DescribeWorkflowExecutions", []string{"runs", "ls", "-workflow", workflowID, "-all"}},
		{"DescribeWorkflowExecution", []string{"runs", "get", hostileRunID}},
		{"ListObjects", []string{"reconcile", "-f", spec}},
	}
}

// timed runs args and fails when the run took longer than most.
func timed(t *testing.T, env map[string]string, most time.Duration, args ...string) result {
	t.Helper()
	start := time.Now()
	res := run(t, env, "", args...)
	if took := time.Since(start); took > most {
		t.Errorf("cosflow %q took %v, want at most %v", args, took, most)
	}
	return res
}

// TestHostileTimeouts: against a CI that never answers, or trickles its
// answer faster than the idle-body timeout, every operator command ends
// with exit 3 inside its -timeout (plus the process's start), naming the
// operation it was in; a trigger without an answer says the run may have
// started and how to check. A trigger answered 2xx whose body never ended
// started the run (the ledger's Accepted): exit 0, and how to find it.
func TestHostileTimeouts(t *testing.T) {
	t.Parallel()
	answers := map[string]hostile.Answer{
		"silent": hostile.Silent(),
		// 10 bytes a second: each byte well inside the idle timeout,
		// the whole answer far beyond -timeout.
		"trickle": hostile.Trickle(http.StatusOK, "<Response><RequestId>"+strings.Repeat("r", 4096), 100*time.Millisecond),
	}
	const timeout = 1500 * time.Millisecond
	for name, answer := range answers {
		s := hostile.Start(t, answer, hostile.Options{Hold: 30 * time.Second})
		for _, cmd := range hostileCommands(t) {
			t.Run(name+"/"+strings.Join(cmd.args[:2], " "), func(t *testing.T) {
				t.Parallel()
				res := timed(t, hostileEnv(t, s), timeout+10*time.Second, append(cmd.args, "-timeout", timeout.String())...)
				want := []string{"-timeout " + timeout.String() + " ran out"}
				if cmd.op != "ListObjects" { // the sweep's rule line names its listing
					want = append(want, "during "+cmd.op)
				}
				code := 3
				switch {
				case cmd.op == "TriggerWorkflow" && name == "silent":
					want = append(want, "the run may have started", "check with "+checkA)
				case cmd.op == "TriggerWorkflow":
					want, code = []string{acceptedA}, 0
				}
				expect(t, res, code, want...)
			})
		}
	}
}

// The lines of a trigger of uploads/a.mp4 whose answer was lost, and
// whose run may have started or did.
const (
	checkA    = "cosflow runs ls -workflow " + workflowID + " -object uploads/a.mp4"
	acceptedA = "the run started, its ID is unknown (find it with " + checkA + ")"
)

// TestHostileHugeAnswers: answers of 1 GB, or of 16 MiB of tiny
// elements, to every operator command end it at once with exit 1 and a
// line saying the answer is too large; a trigger so answered started
// its run (exit 0, and how to find it).
func TestHostileHugeAnswers(t *testing.T) {
	t.Parallel()
	for name, answer := range map[string]hostile.Answer{
		"huge":  hostile.Huge(http.StatusOK, 1<<30, "<Response><RequestId>", false),
		"dense": hostile.Dense(http.StatusOK, 16<<20, "Response", "x"),
	} {
		s := hostile.Start(t, answer)
		for _, cmd := range hostileCommands(t) {
			if cmd.op == "ListObjects" {
				continue // a bucket listing's root differs: the sweep's bounds are the handler's tests'
			}
			t.Run(name+"/"+strings.Join(cmd.args[:2], " "), func(t *testing.T) {
				t.Parallel()
				res := timed(t, hostileEnv(t, s), 20*time.Second, cmd.args...)
				if cmd.op == "TriggerWorkflow" {
					expect(t, res, 0, acceptedA)
					return
				}
				expect(t, res, 1, cmd.op, "the answer has more than")
			})
		}
	}
}

// TestHostileEscapes: IDs made to act on a terminal (CR/LF, a forged
// JSON log line, C1 controls, U+2028, a right-to-left override) are
// printed escaped, tables and error lines alike; -o json holds escapes
// that decode to exactly CI's ID.
func TestHostileEscapes(t *testing.T) {
	t.Parallel()
	s := hostile.Start(t, hostile.About(hostile.ControlID))
	env := hostileEnv(t, s)
	job := writeFile(t, "job.json", `{"name":"n","input":{"prefix":"uploads/"},"operation":{"workflowIds":"`+workflowID+`"}}`)
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"trigger", "-workflow", workflowID, "-object", "a.jpg"}, 0},
		{[]string{"jobs", "create", "-f", job}, 0},
		{[]string{"runs", "ls", "-workflow", workflowID}, 1}, // the runs of another workflow: refused, named
		{[]string{"jobs", "get", hostileJobID}, 1},           // about another job: refused, named
		{[]string{"jobs", "wait", hostileJobID, "-timeout", "10s"}, 1},
	} {
		res := timed(t, env, 20*time.Second, tc.args...)
		expect(t, res, tc.code)
		for _, out := range []string{res.stdout, res.stderr} {
			checkTerminalSafe(t, tc.args, out)
		}
		if tc.code == 0 && !strings.Contains(res.stdout, `i0\r\n{"level":"INFO"`) {
			t.Errorf("%q: stdout %q does not show CI's ID, escaped", tc.args, res.stdout)
		}
		if tc.code == 1 && !strings.Contains(res.stderr, `CI answered about "i0\r\n{\"level\"`) {
			t.Errorf("%q: stderr %q does not name both IDs", tc.args, res.stderr)
		}
	}

	res := run(t, env, "", "trigger", "-workflow", workflowID, "-object", "a.jpg", "-o", "json")
	expect(t, res, 0)
	checkTerminalSafe(t, []string{"trigger", "-o", "json"}, res.stdout)
	var got model.TriggerResponse
	if err := json.Unmarshal([]byte(res.stdout), &got); err != nil || got.InstanceID != hostile.ControlID {
		t.Errorf("-o json %q: instance %q, want CI's ID as sent (%v)", res.stdout, got.InstanceID, err)
	}
}

// checkTerminalSafe fails when out holds anything but line ends that a
// terminal acts on.
func checkTerminalSafe(t *testing.T, args []string, out string) {
	t.Helper()
	if i := strings.IndexFunc(out, func(r rune) bool {
		return r != '\n' && (unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r))
	}); i >= 0 {
		t.Errorf("cosflow %q printed %q raw: %q", args, []rune(out[i:])[0], out)
	}
}

// TestHostileSecretsEchoed: a refusal echoing the request's Authorization,
// its q-signature, the session token and the secret key reaches the
// terminal without them (run checks the key and the token).
func TestHostileSecretsEchoed(t *testing.T) {
	t.Parallel()
	s := hostile.Start(t, hostile.Echo(http.StatusForbidden, testSecretKey))
	res := run(t, hostileEnv(t, s), "", "trigger", "-workflow", workflowID, "-object", "a.jpg")
	expect(t, res, 1, "CI refused TriggerWorkflow", "HTTP 403")
	if strings.Contains(res.stderr, "q-signature=") && !strings.Contains(res.stderr, "q-signature=[") {
		t.Errorf("stderr %q holds a signature", res.stderr)
	}
}

// TestHostileEndlessPages: a listing whose every page names a next one,
// with tokens longer than a caller may send, is followed by -all for
// cosclient's page budget, printed, and then reported cut short (exit 1,
// not 0, and not 2: the tokens are CI's); without -all one page is
// printed.
func TestHostileEndlessPages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		op   string
		args []string
	}{
		{"DescribeInventoryTriggerJobs", []string{"jobs", "ls"}},
		{"DescribeWorkflowExecutions", []string{"runs", "ls", "-workflow", workflowID}},
	} {
		t.Run(tc.op, func(t *testing.T) {
			t.Parallel()
			s := hostile.Start(t, hostile.EndlessPages(2*cosclient.MaxTokenLen))
			env := hostileEnv(t, s)
			res := timed(t, env, 30*time.Second, tc.args...)
			expect(t, res, 0, "more on the next pages")
			if n := len(lines(res.stdout)); n != 2 || s.Requests() != 1 {
				t.Errorf("one page: %d lines in %d requests", n, s.Requests())
			}

			res = timed(t, env, 30*time.Second, append(tc.args, "-all", "-o", "json")...)
			expect(t, res, 1, "the "+tc.op+" listing was cut short after 1000 pages", "the budget of 1000 pages is spent")
			if n := len(lines(res.stdout)); n != cosclient.DefaultMaxPages || s.Requests() != 1+cosclient.DefaultMaxPages {
				t.Errorf("-all: %d rows in %d requests, want %d in %d", n, s.Requests()-1, cosclient.DefaultMaxPages, cosclient.DefaultMaxPages)
			}
		})
	}
}
