package cli_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/doctor"
)

const (
	doctorFunctionURL = "https://1250000000-abc.ap-guangzhou.tencentscf.com"
	doctorToken       = "doctorCLICallbackToken0123456789"
	wfOther           = "w00000000000000000000000000000abc" // registered, so that unknown IDs are NonExistIDs
	videosRule        = `[{"name":"videos","prefix":"uploads/","suffix":".mp4","workflowId":"` + workflowID + `"}]`
	doctorSweep       = `{"name":"sweep","reconcile":{"window":"6h"}}`
)

// findingsBy indexes findings as "check rule", or "check workflowId" for
// a workflow's own.
func findingsBy(t *testing.T, findings []doctor.Finding) map[string]doctor.Finding {
	t.Helper()
	m := map[string]doctor.Finding{}
	for _, f := range findings {
		k := f.Check + " " + f.Rule
		if f.Rule == "" && f.WorkflowID != "" {
			k = f.Check + " " + f.WorkflowID
		}
		m[k] = f
	}
	return m
}

// readOnly checks that every call the emulator logged was one
// DescribeMediaWorkflow read.
func readOnly(t *testing.T, emu *ciemu.Emulator) {
	t.Helper()
	calls := emu.Calls()
	if len(calls) != 1 || calls[0].Operation != ciemu.OpDescribeMediaWorkflow || calls[0].Method != "GET" {
		t.Errorf("calls %+v, want one DescribeMediaWorkflow GET", calls)
	}
}

func TestDoctorWorkflowCases(t *testing.T) {
	t.Parallel()
	route := doctorFunctionURL + doctor.CallbackPath + "?token=" + doctorToken
	for _, tc := range []struct {
		name     string
		workflow *ciemu.Workflow // the rule's workflow; nil: none
		code     int
		want     map[string]doctor.Level // findings by check and rule (or workflow)
		says     string                  // in the finding of want's first key
		first    string
	}{
		{
			name: "clean",
			workflow: &ciemu.Workflow{ObjectPrefix: "never/",
				NotifyConfig: &cosclient.NotifyConfig{State: "On", URL: route, Event: "WorkflowFinish", Type: "Url"}},
			code: 0,
			want: map[string]doctor.Level{"workflow videos": doctor.LevelOK, "double-run videos": doctor.LevelOK, "loop videos": doctor.LevelOK,
				"callback " + workflowID: doctor.LevelOK, "sweep videos": doctor.LevelOK, "credentials ": doctor.LevelOK, "config ": doctor.LevelOK},
			first: "callback " + workflowID, says: "posts WorkflowFinish to cosflow's callback route",
		},
		{
			name: "missing", code: 1,
			want:  map[string]doctor.Level{"workflow videos": doctor.LevelError, "sweep videos": doctor.LevelOK},
			first: "workflow videos", says: "does not exist in bucket " + bucket,
		},
		{
			name: "paused", workflow: &ciemu.Workflow{State: cosclient.WorkflowStatePaused, ObjectPrefix: "uploads/"}, code: 0,
			want:  map[string]doctor.Level{"workflow videos": doctor.LevelWarn, "double-run videos": doctor.LevelOK},
			first: "workflow videos", says: "is Paused",
		},
		{
			name: "double fire", workflow: &ciemu.Workflow{ObjectPrefix: "uploads/", ExtFilter: &cosclient.ExtFilter{State: "On", Video: "true"}}, code: 1,
			want:  map[string]doctor.Level{"double-run videos": doctor.LevelError, "workflow videos": doctor.LevelOK},
			first: "double-run videos", says: `"uploads/example.mp4"`,
		},
		{
			name: "same prefix, disjoint suffixes", workflow: &ciemu.Workflow{ObjectPrefix: "uploads/", ExtFilter: &cosclient.ExtFilter{State: "On", Image: "true"}}, code: 0,
			want:  map[string]doctor.Level{"double-run videos": doctor.LevelOK},
			first: "double-run videos", says: "takes none",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newCI(t, ciemu.Options{})
			if err := c.emu.RegisterWorkflow(bucket, ciemu.Workflow{ID: wfOther, ObjectPrefix: "elsewhere/"}); err != nil {
				t.Fatal(err)
			}
			if tc.workflow != nil {
				tc.workflow.ID = workflowID
				if err := c.emu.RegisterWorkflow(bucket, *tc.workflow); err != nil {
					t.Fatal(err)
				}
			}
			env := c.with(map[string]string{"COSFLOW_RULES": videosRule, "COSFLOW_BACKFILLS": doctorSweep, "COSFLOW_CALLBACK_TOKEN": doctorToken})
			res := run(t, env, "", "doctor", "-o", "json", "-function-url", doctorFunctionURL)
			expect(t, res, tc.code, "cosflow doctor: ")
			findings := decodeLines[doctor.Finding](t, res.stdout)
			got := findingsBy(t, findings)
			for k, level := range tc.want {
				if f, ok := got[k]; !ok || f.Level != level {
					t.Errorf("finding %s: %+v, want level %s", k, f, level)
				}
			}
			if f := got[tc.first]; !strings.Contains(f.Message, tc.says) {
				t.Errorf("finding %s says %q, want %q", tc.first, f.Message, tc.says)
			}
			if strings.Contains(res.stdout, doctorToken) {
				t.Error("doctor printed the callback token")
			}
			if tc.code == 0 && doctor.Failed(findings) || tc.code == 1 && !doctor.Failed(findings) {
				t.Errorf("exit %d with findings %+v", res.code, findings)
			}
			readOnly(t, c.emu)
		})
	}
}

// TestDoctorTable: the table's columns, and a clean configuration's exit.
func TestDoctorTable(t *testing.T) {
	t.Parallel()
	c := newCI(t, ciemu.Options{})
	if err := c.emu.RegisterWorkflow(bucket, ciemu.Workflow{ID: workflowID, ObjectPrefix: "never/"}); err != nil {
		t.Fatal(err)
	}
	res := run(t, c.with(map[string]string{"COSFLOW_RULES": videosRule, "COSFLOW_BACKFILLS": doctorSweep}), "", "doctor")
	expect(t, res, 0, "0 error, 0 warn")
	header, rows := table(t, res.stdout)
	if want := []string{"LEVEL", "CHECK", "RULE", "WORKFLOW", "MESSAGE"}; !slices.Equal(header, want) {
		t.Errorf("header %q, want %q", header, want)
	}
	for _, r := range rows {
		if len(r) != 5 || (r[0] != "ok" && r[0] != "info") {
			t.Errorf("row %q, want 5 cells at ok or info", r)
		}
	}
}

// TestDoctorServerless: with -serverless, the settings are the file's
// (the terminal's own COSFLOW_ settings are not the function's), its
// ${env:NAME} come from the shell and then from .env, files are read from
// its code folder, and each timer's argument is checked as a tick reads
// it.
func TestDoctorServerless(t *testing.T) {
	t.Parallel()
	c := newCI(t, ciemu.Options{})
	if err := c.emu.RegisterWorkflow(bucket, ciemu.Workflow{ID: workflowID, ObjectPrefix: "never/"}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("dist/rules.json", videosRule)
	write(".env", "export FROM_DOTENV='"+bucket+"'\n# a comment\n")
	yml := func(sweep string) string {
		return `component: scf
inputs:
  src:
    src: ./dist
  environment:
    variables:
      COSFLOW_RULES_FILE: rules.json
      COSFLOW_BUCKET: ${env:FROM_DOTENV}
      COSFLOW_REGION: ${env:THE_REGION}
      COSFLOW_CONCURRENCY: 8
  events:
    - timer:
        parameters:
          name: nightly
          argument: '[{"name":"a","prefix":"uploads/","workflowId":"` + workflowID + `"},{"name":"b","prefix":"uploads/","window":"forever"}]'
    - timer:
        parameters:
          name: sweep
          argument: '` + sweep + `'
          enable: true
    - timer:
        parameters:
          name: off
          argument: '{"name":"old","reconcile":{"window":"1h"}}'
          enable: false
`
	}
	write("serverless.yml", yml(doctorSweep))
	// The terminal's own rules are not the deployment's.
	env := c.with(map[string]string{"THE_REGION": region, "COSFLOW_WORKFLOW_ID": wfOther, "COSFLOW_BUCKET": "", "COSFLOW_REGION": ""})
	res := run(t, env, "", "doctor", "-serverless", filepath.Join(dir, "serverless.yml"), "-o", "json")
	expect(t, res, 1)
	findings := decodeLines[doctor.Finding](t, res.stdout)
	var specs []doctor.Finding
	for _, f := range findings {
		if f.Check == doctor.CheckSpecs {
			specs = append(specs, f)
		}
	}
	got := findingsBy(t, findings)
	switch {
	case got["config "].Level != doctor.LevelOK || !strings.Contains(got["config "].Message, `upload rules "videos",`):
		t.Errorf("config finding %+v, want the file's rule alone", got["config "])
	case got["workflow videos"].Level != doctor.LevelOK:
		t.Errorf("workflow finding %+v", got["workflow videos"])
	case got["sweep videos"].Level != doctor.LevelOK || !strings.Contains(got["sweep videos"].Message, "timer sweep"):
		t.Errorf("sweep finding %+v, want the sweep timer's", got["sweep videos"])
	case len(specs) != 3 || specs[0].Level != doctor.LevelError || !strings.Contains(specs[0].Message, "timer nightly, in its argument: [1].window") ||
		specs[1].Level != doctor.LevelOK || specs[2].Level != doctor.LevelOK || !strings.Contains(specs[2].Message, "timer off (disabled)"):
		t.Errorf("spec findings %+v, want nightly's [1] refused, sweep and off parsed", specs)
	}

	// A disabled timer's sweep serves no rule; an unparsable argument is
	// an error.
	write("serverless.yml", yml(`{"name":"sweep","reconcile":`))
	res = run(t, env, "", "doctor", "-serverless", filepath.Join(dir, "serverless.yml"), "-o", "json")
	expect(t, res, 1)
	got = findingsBy(t, decodeLines[doctor.Finding](t, res.stdout))
	if f := got["sweep videos"]; f.Level != doctor.LevelWarn {
		t.Errorf("sweep finding %+v, want a warning: only a disabled timer sweeps", f)
	}
}

// TestDoctorNoCredentials: without credentials nothing is sent, the
// finding names where they were looked for, and the checks that need no
// CI still run.
func TestDoctorNoCredentials(t *testing.T) {
	t.Parallel()
	c := newCI(t, ciemu.Options{})
	env := c.with(map[string]string{"COSFLOW_RULES": videosRule, "TENCENTCLOUD_SECRETID": "", "TENCENTCLOUD_SECRETKEY": "", "TENCENTCLOUD_SESSIONTOKEN": ""})
	res := run(t, env, "", "doctor", "-o", "json")
	expect(t, res, 1)
	got := findingsBy(t, decodeLines[doctor.Finding](t, res.stdout))
	if f := got["credentials "]; f.Level != doctor.LevelError || !strings.Contains(f.Message, "TENCENTCLOUD_SECRETID") {
		t.Errorf("credentials finding %+v", f)
	}
	if f := got["sweep videos"]; f.Level != doctor.LevelWarn {
		t.Errorf("sweep finding %+v, want the offline check's warning", f)
	}
	if n := c.calls(""); n != 0 {
		t.Errorf("%d CI calls without credentials", n)
	}
}

func TestDoctorRefusals(t *testing.T) {
	t.Parallel()
	c := newCI(t, ciemu.Options{})
	env := c.with(map[string]string{"COSFLOW_RULES": videosRule})
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{env, []string{"-o", "csv"}, "-o: "},
		{env, []string{"extra"}, "takes no arguments"},
		{env, []string{"-serverless", filepath.Join(t.TempDir(), "none.yml")}, "-serverless: "},
		{env, []string{"-serverless", writeFile(t, "bad.yml", "inputs: [")}, "-serverless: "},
		{env, []string{"-function-url", "ftp://example.com"}, "-function-url: "},
		{c.with(map[string]string{"COSFLOW_BUCKET": ""}), nil, "-bucket is required"},
	} {
		expect(t, run(t, tc.env, "", append([]string{"doctor"}, tc.args...)...), 2, tc.want)
	}
	// A configuration the function refuses is a finding, exit 1.
	res := run(t, c.with(map[string]string{"COSFLOW_RULES": "[{"}), "", "doctor", "-o", "json")
	expect(t, res, 1)
	if f := decodeLines[doctor.Finding](t, res.stdout); len(f) != 1 || f[0].Check != doctor.CheckConfig || !strings.Contains(f[0].Message, "COSFLOW_RULES") {
		t.Errorf("findings %+v, want one config error naming COSFLOW_RULES", f)
	}
	if n := c.calls(""); n != 0 {
		t.Errorf("refused runs made %d CI calls", n)
	}
}
