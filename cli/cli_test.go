package cli_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cosflow/cosflow/handler"
)

// commandNames are every command, as typed.
var commandNames = []string{
	"trigger", "jobs create", "jobs ls", "jobs get", "jobs cancel", "jobs wait",
	"runs ls", "runs get", "runs retry", "reconcile", "invoke", "emulator", "version",
}

func TestHelp(t *testing.T) {
	t.Parallel()
	env := map[string]string{"HOME": t.TempDir()}
	res := run(t, env, "", "help")
	expect(t, res, 0)
	for _, name := range commandNames {
		if !strings.Contains(res.stdout, "cosflow "+name) {
			t.Errorf("cosflow help does not list %q", name)
		}
	}
	for _, name := range commandNames {
		args := append(strings.Fields(name), "-h")
		res := run(t, env, "", args...)
		expect(t, res, 0)
		if !strings.HasPrefix(res.stdout, "usage: cosflow "+name) || !strings.Contains(res.stdout, "\nExample:\n  cosflow "+name) {
			t.Errorf("%q: help %q lacks the usage line or an example", args, res.stdout)
		}
		if again := run(t, env, "", append([]string{"help"}, strings.Fields(name)...)...); again.stdout != res.stdout {
			t.Errorf("cosflow help %s differs from %q", name, args)
		}
	}

	for group, args := range map[string][]string{"jobs": {"jobs", "-h"}, "runs": {"help", "runs"}} {
		res := run(t, env, "", args...)
		expect(t, res, 0)
		if !strings.HasPrefix(res.stdout, "usage: cosflow "+group+" SUBCOMMAND") || !strings.Contains(res.stdout, "cosflow "+group+" ls ") {
			t.Errorf("%q: %q, want the group's commands", args, res.stdout)
		}
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "usage: cosflow COMMAND"}, // no args and no SCF port
		{[]string{"nope"}, `unknown command "nope"`},
		{[]string{"jobs"}, "jobs needs a subcommand: create, ls, get, cancel, wait"},
		{[]string{"jobs", "rm"}, `unknown command "jobs rm"`},
		{[]string{"help", "nope"}, `unknown command "nope"`},
	} {
		expect(t, run(t, env, "", tc.args...), 2, tc.want)
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	res := run(t, map[string]string{}, "", "version")
	expect(t, res, 0)
	if res.stdout != "cosflow "+testVersion+"\n" {
		t.Errorf("version printed %q, want the -X main.version stamp", res.stdout)
	}
}

// TestInvokeBuiltinEmulator: with nothing configured, invoke runs the
// README Quickstart's event against the built-in emulator and prints JSON.
func TestInvokeBuiltinEmulator(t *testing.T) {
	t.Parallel()
	res := run(t, map[string]string{"HOME": t.TempDir()}, "", "invoke", "-event", "../events/testdata/cos_put.json")
	expect(t, res, 0, "using the built-in CI emulator", "with the demo rule")
	var out handler.UploadResult
	if err := json.Unmarshal([]byte(res.stdout), &out); err != nil || len(out.Triggered) != 1 {
		t.Errorf("stdout %q: want one triggered object (%v)", res.stdout, err)
	}
	expect(t, run(t, map[string]string{}, "", "invoke"), 2, "-event FILE|- is required")
}
