package cli_test

import (
	"slices"
	"testing"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/handler"
)

const sweepSpec = `{"name": "sweep", "reconcile": {"window": "6h", "lag": "1m"}}`

func TestReconcile(t *testing.T) {
	t.Parallel()
	c := newCI(t, ciemu.Options{})
	env := c.with(map[string]string{"COSFLOW_WORKFLOW_ID": workflowID, "COSFLOW_IGNORE_PREFIXES": "processed/"})
	hourAgo := time.Now().Add(-time.Hour)
	for key, modified := range map[string]time.Time{
		"uploads/ran.mp4":      hourAgo,
		"uploads/missed.mp4":   hourAgo,
		"uploads/too-old.mp4":  hourAgo.Add(-24 * time.Hour),
		"uploads/too-new.mp4":  time.Now(), // within the lag
		"processed/output.mp4": hourAgo,    // ignored prefix
	} {
		if err := c.emu.PutObject(bucket, key, 1, modified); err != nil {
			t.Fatal(err)
		}
	}
	seedRun(t, c, "uploads/ran.mp4")
	spec := writeFile(t, "sweep.json", sweepSpec)

	// Dry: the table counts, the JSON names what would run; nothing runs.
	res := run(t, env, "", "reconcile", "-f", spec, "-dry-run")
	expect(t, res, 0)
	header, rows := table(t, res.stdout)
	if want := []string{"RULE", "CHECKED", "ALREADY RAN", "TRIGGERED", "PLANNED", "FAILED", "TRUNCATED"}; !slices.Equal(header, want) {
		t.Errorf("header %q, want %q", header, want)
	}
	if want := [][]string{{handler.DefaultRuleName, "2", "1", "0", "1", "0", "false"}}; !slices.EqualFunc(rows, want, slices.Equal) {
		t.Errorf("dry-run rows %q, want %q", rows, want)
	}
	res = run(t, env, sweepSpec, "reconcile", "-f", "-", "-dry-run", "-o", "json")
	expect(t, res, 0)
	got := decodeLines[handler.ReconcileResult](t, res.stdout)
	if len(got) != 1 || !slices.Equal(got[0].Planned, []string{"uploads/missed.mp4"}) || got[0].Name != "sweep" || got[0].Checked != 2 {
		t.Errorf("dry-run json %+v, want uploads/missed.mp4 planned", got)
	}
	if n := c.emu.TotalTriggers(); n != 1 {
		t.Errorf("a dry run triggered: %d triggers in all, want the 1 seeded", n)
	}

	// For real: the missed upload runs once; the next sweep finds it ran.
	res = run(t, env, "", "reconcile", "-f", spec, "-o", "json")
	expect(t, res, 0)
	got = decodeLines[handler.ReconcileResult](t, res.stdout)
	if len(got) != 1 || len(got[0].Triggered) != 1 || got[0].Triggered[0].Key != "uploads/missed.mp4" || got[0].Triggered[0].InstanceID == "" {
		t.Errorf("sweep json %+v, want uploads/missed.mp4 triggered", got)
	}
	if n := c.emu.TriggerCount(bucket, workflowID, "uploads/missed.mp4"); n != 1 {
		t.Errorf("TriggerCount(missed) = %d, want 1", n)
	}
	res = run(t, env, "", "reconcile", "-f", spec)
	expect(t, res, 0)
	if _, rows := table(t, res.stdout); len(rows) != 1 || rows[0][2] != "2" || rows[0][3] != "0" {
		t.Errorf("second sweep rows %q, want both already ran", rows)
	}

	// A rule CI will not list: exit 1, the rule named on stderr.
	c.emu.SetFaults(ciemu.Faults{ErrorRate: 1, ErrorStatus: 403, ErrorCode: "AccessDenied"})
	res = run(t, env, "", "reconcile", "-f", spec)
	expect(t, res, 1, "rule default: ", "AccessDenied")
	if _, rows := table(t, res.stdout); len(rows) != 1 {
		t.Errorf("a failed sweep still prints its result; got %q", res.stdout)
	}
}

func TestReconcileRefusals(t *testing.T) {
	t.Parallel()
	c := newCI(t, ciemu.Options{})
	env := c.with(map[string]string{"COSFLOW_WORKFLOW_ID": workflowID})
	for _, tc := range []struct {
		env  map[string]string
		spec string
		args []string
		want string
	}{
		{env, `{"name":"sweep","reconcile":{}}`, nil, "reconcile.window: is required"},
		{env, `{"name":"sweep","reconcile":{"window":"1h","lag":"2h"}}`, nil, "reconcile.lag: "},
		{env, `{"name":"nightly","prefix":"uploads/","workflowId":"` + workflowID + `"}`, nil, "reconcile: is required"},
		{env, `{"name":"sweep","reconcile":{"window":"6h"},"extra":1}`, nil, "extra"},
		{c.with(map[string]string{"COSFLOW_WORKFLOW_ID": workflowID, "COSFLOW_BUCKET": ""}), sweepSpec, nil, "bucket: is required (or set COSFLOW_BUCKET)"},
		{c.env, sweepSpec, nil, "no upload rule to sweep for: set COSFLOW_RULES or COSFLOW_WORKFLOW_ID"},
		{c.with(map[string]string{"COSFLOW_RULES": "[{"}), sweepSpec, nil, "COSFLOW_RULES"},
		{env, sweepSpec, []string{"-o", "csv"}, "-o: "},
		{env, "", []string{"-f", ""}, "-f SPEC|- is required"},
	} {
		args := []string{"reconcile", "-f", writeFile(t, "spec.json", tc.spec)}
		expect(t, run(t, tc.env, "", append(args, tc.args...)...), 2, tc.want)
	}
	if n := c.calls(""); n != 0 {
		t.Errorf("refused sweeps made %d CI calls", n)
	}
}
