package cli_test

// End-to-end tests of the command line: TestMain builds the real binary
// (as scripts/build.sh does, version stamped through main.version), each
// test starts the CI emulator on loopback and runs the binary against it
// with COSFLOW_CI_ENDPOINT, checking stdout, stderr and the exit code.
// Every run is also checked never to print the secret key or the session
// token.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/citest"
)

// The credentials every emulator of these tests accepts, recognisable so
// that a leak is found; the SecretId is not a secret.
const (
	testSecretID     = "AKIDcliTestSecretId0000000000000000"
	testSecretKey    = "cliTestSecretKeyMUSTNOTBEPRINTED"
	testSessionToken = "cliTestSessionTokenMUSTNOTBEPRINTED"
	testVersion      = "cli-e2e-version"
	bucket           = citest.Bucket
	region           = citest.Region
	workflowID       = "w0123456789abcdef0123456789abcdef"
)

var (
	// cosflowBin is the binary operators build (go build, go install).
	cosflowBin string
	// binDir holds cosflowBin, named cosflow, for the README's session.
	binDir string
)

func TestMain(m *testing.M) {
	// Named cosflow in a directory of its own, for the README's session.
	os.Exit(citest.RunWithBinary(m, filepath.Join("bin", "cosflow"), func(path string) {
		cosflowBin, binDir = path, filepath.Dir(path)
	}, "-ldflags", "-X main.version="+testVersion))
}

// result is what one run of the binary did.
type result struct {
	stdout, stderr string
	code           int
}

// lines are the non-empty lines of s.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// ci is one emulator on loopback and the environment of a terminal
// pointed at it.
type ci struct {
	emu *ciemu.Emulator
	url string
	env map[string]string
}

// newCI starts an emulator accepting the test credentials, with opts
// (Credentials are set here), and an environment using SCF's variables
// with a session token, the default bucket and region, and a home with no
// credentials file.
func newCI(t *testing.T, opts ciemu.Options) *ci {
	t.Helper()
	if opts.Credentials == nil {
		opts.Credentials = map[string]string{testSecretID: testSecretKey}
	}
	emu, url := citest.Emulator(t, opts)
	return &ci{emu: emu, url: url, env: map[string]string{
		"HOME":                      t.TempDir(),
		"COSFLOW_CI_ENDPOINT":       url,
		"TENCENTCLOUD_SECRETID":     testSecretID,
		"TENCENTCLOUD_SECRETKEY":    testSecretKey,
		"TENCENTCLOUD_SESSIONTOKEN": testSessionToken,
		"COSFLOW_BUCKET":            bucket,
		"COSFLOW_REGION":            region,
	}}
}

// with is c's environment with overrides; an empty value removes the
// variable.
func (c *ci) with(overrides map[string]string) map[string]string {
	return citest.Env(c.env, overrides)
}

// client is an in-process client of the same emulator, to seed it and to
// look at what the commands did.
func (c *ci) client(t *testing.T) *cosclient.Client {
	t.Helper()
	return citest.Client(t, c.url, func(o *cosclient.Options) {
		o.Credentials = cosclient.StaticCredentials{SecretID: testSecretID, SecretKey: testSecretKey}
	})
}

// calls counts the emulator's logged calls of op ("" for all).
func (c *ci) calls(op string) int {
	return citest.Calls(c.emu, op)
}

// run runs the binary with exactly env and stdin, and checks that no
// secret reached its output.
func run(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	return runBin(t, cosflowBin, env, stdin, args...)
}

// runBin is run with another build of the binary.
func runBin(t *testing.T, bin string, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = envList(env)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := result{stdout: stdout.String(), stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		res.code = exitErr.ExitCode()
	default:
		t.Fatalf("run cosflow %q: %v", args, err)
	}
	checkNoSecrets(t, args, res.stdout, res.stderr)
	return res
}

// envList is env as exec wants it, in a stable order.
func envList(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		out = append(out, k+"="+env[k])
	}
	return out
}

// checkNoSecrets fails the test when an output holds a secret key or a
// session token any test uses.
func checkNoSecrets(t *testing.T, args []string, outputs ...string) {
	t.Helper()
	for _, out := range outputs {
		for _, secret := range []string{testSecretKey, testSessionToken, sdkSecretKey, sdkSessionToken, profileSecretKey, profileToken} {
			if strings.Contains(out, secret) {
				t.Errorf("cosflow %q printed the secret %.10s…", args, secret)
			}
		}
	}
}

// expect checks a run's exit code and that stderr holds every one of
// parts; it logs the run when it fails.
func expect(t *testing.T, res result, code int, stderrParts ...string) {
	t.Helper()
	if res.code != code {
		t.Errorf("exit code %d, want %d\nstdout: %s\nstderr: %s", res.code, code, res.stdout, res.stderr)
	}
	for _, p := range stderrParts {
		if !strings.Contains(res.stderr, p) {
			t.Errorf("stderr %q does not mention %q", res.stderr, p)
		}
	}
}

// expectRefused runs args with c's environment and checks that they are
// refused as a usage mistake (exit 2, stderr holding every one of want)
// before anything reaches CI.
func expectRefused(t *testing.T, c *ci, args []string, want ...string) {
	t.Helper()
	before := c.calls("")
	expect(t, run(t, c.env, "", args...), 2, want...)
	if c.calls("") != before {
		t.Errorf("%q reached CI", args)
	}
}

// decodeLines decodes each stdout line strictly into a T (unknown fields
// refused, so the field names are exactly the API's).
func decodeLines[T any](t *testing.T, stdout string) []T {
	t.Helper()
	var out []T
	for _, l := range lines(stdout) {
		var v T
		dec := json.NewDecoder(strings.NewReader(l))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("stdout line %q is not a %T: %v", l, v, err)
		}
		out = append(out, v)
	}
	return out
}

// table splits a table's stdout into its header cells and rows of cells
// (columns are separated by two spaces or more).
func table(t *testing.T, stdout string) (header []string, rows [][]string) {
	t.Helper()
	ls := lines(stdout)
	if len(ls) == 0 {
		t.Fatalf("stdout %q is no table", stdout)
	}
	split := func(l string) []string {
		var cells []string
		for _, c := range strings.Split(l, "  ") {
			if c = strings.TrimSpace(c); c != "" {
				cells = append(cells, c)
			}
		}
		return cells
	}
	for _, l := range ls[1:] {
		rows = append(rows, split(l))
	}
	return split(ls[0]), rows
}

// seedJob creates a job directly, for the commands to find.
func seedJob(t *testing.T, c *ci, name string) string {
	t.Helper()
	prefix := "uploads/"
	out, err := c.client(t).CreateInventoryTriggerJob(context.Background(), &cosclient.CreateInventoryTriggerJobInput{
		Name: name, Type: cosclient.JobTypeWorkflow,
		Input:     cosclient.JobInput{Prefix: &prefix},
		Operation: cosclient.JobOperation{WorkflowIDs: workflowID},
	})
	if err != nil {
		t.Fatalf("seed job %s: %v", name, err)
	}
	return out.JobsDetail.JobID
}

// seedRun triggers the workflow for key directly and returns the run ID.
func seedRun(t *testing.T, c *ci, key string) string {
	t.Helper()
	out, err := c.client(t).TriggerWorkflow(context.Background(), &cosclient.TriggerWorkflowInput{WorkflowID: workflowID, Object: key})
	if err != nil {
		t.Fatalf("seed run for %s: %v", key, err)
	}
	return out.InstanceID
}

// writeFile writes a test file and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
