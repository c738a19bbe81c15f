package doctor

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/citest"
)

const (
	functionURL   = "https://1250000000-abc.ap-guangzhou.tencentscf.com"
	callbackToken = "doctorTestCallbackToken0123456789"

	wfOverlap    = "w00000000000000000000000000000001"
	wfElsewhere  = "w00000000000000000000000000000002"
	wfDisjoint   = "w00000000000000000000000000000003"
	wfPaused     = "w00000000000000000000000000000004"
	wfIgnored    = "w00000000000000000000000000000005"
	wfWrongToken = "w00000000000000000000000000000006"
	wfMissing    = "w0000000000000000000000000000dead"
)

// notify is a NotifyConfig posting WorkflowFinish to url.
func notify(url string) *cosclient.NotifyConfig {
	return &cosclient.NotifyConfig{State: "On", URL: url, Event: "TaskFinish,WorkflowFinish", Type: "Url", ResultFormat: "JSON"}
}

// workflowCI is an emulator whose bucket holds a workflow for each case,
// and a client of it.
func workflowCI(t *testing.T) (*ciemu.Emulator, *cosclient.Client) {
	t.Helper()
	emu, url := citest.Emulator(t, ciemu.Options{})
	route := functionURL + CallbackPath + "?token="
	for _, w := range []ciemu.Workflow{
		{ID: wfOverlap, ObjectPrefix: "uploads/", ExtFilter: &cosclient.ExtFilter{State: "On", Video: "true"}, NotifyConfig: notify(route + callbackToken)},
		{ID: wfElsewhere, ObjectPrefix: "never/", NotifyConfig: notify("https://hooks.example.com/ci?secret=s3cr3t")},
		{ID: wfDisjoint, ObjectPrefix: "uploads/", ExtFilter: &cosclient.ExtFilter{State: "On", Image: "true"}},
		{ID: wfPaused, State: cosclient.WorkflowStatePaused, ObjectPrefix: "uploads/", NotifyConfig: notify(route + callbackToken)},
		{ID: wfIgnored, ObjectPrefix: "outputs/"},
		{ID: wfWrongToken, ObjectPrefix: "never2/", NotifyConfig: notify(route + "anotherTokenAltogether0000")},
	} {
		if err := emu.RegisterWorkflow(citest.Bucket, w); err != nil {
			t.Fatal(err)
		}
	}
	return emu, citest.Client(t, url, nil)
}

// testRules take uploads/*.mp4 (and more) into each case's workflow.
var testRules = []Rule{
	{Name: "videos", Prefix: "uploads/", Suffix: ".mp4", WorkflowID: wfOverlap, Swept: true},
	{Name: "elsewhere", Prefix: "uploads/", Suffix: ".mp4", WorkflowID: wfElsewhere, Swept: true},
	{Name: "movies", Prefix: "uploads/", Suffix: ".mov", WorkflowID: wfDisjoint, Swept: true},
	{Name: "paused", Prefix: "uploads/", WorkflowID: wfPaused, Swept: true},
	{Name: "all", WorkflowID: wfIgnored, Swept: true},
	{Name: "token", Prefix: "x/", WorkflowID: wfWrongToken, Swept: true},
	{Name: "gone", Prefix: "uploads/", WorkflowID: wfMissing, Swept: true},
}

// key names a finding in the tables below: check and rule, or check and
// workflow for a workflow's own findings.
func key(f Finding) string {
	if f.Rule == "" {
		return f.Check + " " + f.WorkflowID
	}
	return f.Check + " " + f.Rule
}

// byKey indexes findings by key, failing on a key seen twice.
func byKey(t *testing.T, findings []Finding) map[string]Finding {
	t.Helper()
	m := map[string]Finding{}
	for _, f := range findings {
		if _, dup := m[key(f)]; dup {
			t.Errorf("two findings for %s", key(f))
		}
		m[key(f)] = f
	}
	return m
}

func TestCheckWorkflows(t *testing.T) {
	emu, ci := workflowCI(t)
	d := Deployment{Bucket: citest.Bucket, Rules: testRules, Ignore: []string{".cosflow/", "outputs/"},
		Callback: Callback{Token: callbackToken, FunctionURL: functionURL}}
	findings, err := CheckWorkflows(context.Background(), ci, d)
	if err != nil {
		t.Fatal(err)
	}
	got := byKey(t, findings)
	want := map[string]Level{
		"credentials ": LevelOK,

		"workflow videos": LevelOK, "double-run videos": LevelError, "loop videos": LevelOK,
		"workflow elsewhere": LevelOK, "double-run elsewhere": LevelOK, "loop elsewhere": LevelOK,
		"workflow movies": LevelOK, "double-run movies": LevelOK, "loop movies": LevelOK,
		"workflow paused": LevelWarn, "double-run paused": LevelOK, "loop paused": LevelOK,
		"workflow all": LevelOK, "double-run all": LevelOK, "loop all": LevelOK,
		"workflow token": LevelOK, "double-run token": LevelOK, "loop token": LevelOK,
		"workflow gone": LevelError,

		"callback " + wfOverlap:    LevelOK,
		"callback " + wfElsewhere:  LevelInfo,
		"callback " + wfDisjoint:   LevelInfo,
		"callback " + wfPaused:     LevelInfo,
		"callback " + wfIgnored:    LevelInfo,
		"callback " + wfWrongToken: LevelInfo,
	}
	for k, level := range want {
		if f, ok := got[k]; !ok {
			t.Errorf("no finding %s", k)
		} else if f.Level != level {
			t.Errorf("%s: level %s, want %s (%s)", k, f.Level, level, f.Message)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected finding %s: %+v", k, got[k])
		}
	}

	// The messages name what to fix.
	for k, parts := range map[string][]string{
		"double-run videos":         {`rule "videos"`, wfOverlap, `prefix "uploads/"`, `ObjectPrefix "uploads/"`, `"uploads/example.mp4"`, "prefix no upload uses"},
		"workflow gone":             {wfMissing, citest.Bucket, "NonExistIDs"},
		"workflow paused":           {"Paused", "436/48042", "undocumented"},
		"callback " + wfElsewhere:   {"https://hooks.example.com/ci (query not shown)", functionURL + CallbackPath + "?token=$COSFLOW_CALLBACK_TOKEN"},
		"callback " + wfDisjoint:    {"no NotifyConfig"},
		"callback " + wfWrongToken:  {"a token other than COSFLOW_CALLBACK_TOKEN"},
		"callback " + wfPaused:      {"while it is Paused"},
		"credentials ":              {"DescribeMediaWorkflow", "request ID"},
		"double-run " + "movies":    {"suffix filter image"},
		"double-run " + "elsewhere": {`ObjectPrefix "never/"`, "every file"},
	} {
		for _, p := range parts {
			if !strings.Contains(got[k].Message, p) {
				t.Errorf("%s: message %q does not say %q", k, got[k].Message, p)
			}
		}
	}
	for _, f := range findings {
		if strings.Contains(f.Message, callbackToken) || strings.Contains(f.Message, "s3cr3t") {
			t.Errorf("%s shows a secret: %s", key(f), f.Message)
		}
	}
	if !Failed(findings) {
		t.Error("Failed is false with errors found")
	}
	if missing := MissingWorkflows(findings); len(missing) != 1 || missing["gone"].WorkflowID != wfMissing {
		t.Errorf("MissingWorkflows = %+v, want rule gone alone", missing)
	}

	// One call, a read.
	calls := emu.Calls()
	if len(calls) != 1 || calls[0].Operation != ciemu.OpDescribeMediaWorkflow || calls[0].Method != "GET" {
		t.Errorf("calls %+v, want one DescribeMediaWorkflow", calls)
	}
	if ids := calls[0].Query.Get("ids"); strings.Count(ids, ",") != 6 {
		t.Errorf("ids %q, want the 7 workflows once each", ids)
	}
}

// TestCallbackCases: where a workflow's WorkflowFinish callbacks go, with
// the route off, and with another Function URL.
func TestCallbackCases(t *testing.T) {
	_, ci := workflowCI(t)
	for _, tt := range []struct {
		name     string
		callback Callback
		want     map[string]Level // callback findings by workflow
		says     string
	}{
		{"route off", Callback{}, map[string]Level{wfOverlap: LevelInfo, wfWrongToken: LevelInfo}, "COSFLOW_CALLBACK_TOKEN is not set"},
		{"another Function URL", Callback{Token: callbackToken, FunctionURL: "https://other.example.com"},
			map[string]Level{wfOverlap: LevelInfo}, "not to the Function URL https://other.example.com"},
		{"Function URL unknown", Callback{Token: callbackToken}, map[string]Level{wfOverlap: LevelOK}, "its host was not compared"},
		{"Function URL with a path", Callback{Token: callbackToken, FunctionURL: "https://gw.example.com/release"},
			map[string]Level{wfOverlap: LevelInfo}, "https://gw.example.com/release" + CallbackPath},
	} {
		t.Run(tt.name, func(t *testing.T) {
			findings, err := CheckWorkflows(context.Background(), ci, Deployment{Bucket: citest.Bucket, Rules: testRules, Callback: tt.callback})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]Finding{}
			for _, f := range findings {
				if f.Check == CheckCallback {
					got[f.WorkflowID] = f
				}
			}
			if tt.callback.Token != "" {
				if len(got) != 6 {
					t.Errorf("%d callback findings, want one for each of the 6 workflows", len(got))
				}
			} else if len(got) != len(tt.want) {
				t.Errorf("callback findings %+v, want %v", got, tt.want)
			}
			for id, level := range tt.want {
				if got[id].Level != level || !strings.Contains(got[id].Message, tt.says) {
					t.Errorf("%s: %+v, want %s saying %q", id, got[id], level, tt.says)
				}
			}
		})
	}
}

// TestCheckWorkflowsRefused: a call CI refuses is one credentials error
// naming the CAM action; no workflow check runs.
func TestCheckWorkflowsRefused(t *testing.T) {
	emu, ci := workflowCI(t)
	emu.SetFaults(ciemu.Faults{ErrorRate: 1, ErrorStatus: 403, ErrorCode: "AccessDenied"})
	findings, err := CheckWorkflows(context.Background(), ci, Deployment{Bucket: citest.Bucket, Rules: testRules})
	if err == nil || len(findings) != 1 {
		t.Fatalf("findings %+v, %v; want one, and the error", findings, err)
	}
	f := findings[0]
	if f.Check != CheckCredentials || f.Level != LevelError || !strings.Contains(f.Message, "ci:DescribeMediaWorkflows") || !strings.Contains(f.Message, "AccessDenied") {
		t.Errorf("finding %+v", f)
	}
	if len(MissingWorkflows(findings)) != 0 {
		t.Error("a refused call says workflows are missing")
	}
}

// TestCheckWorkflowsNoRules: with no rule, one listing of one workflow
// still proves the credentials read.
func TestCheckWorkflowsNoRules(t *testing.T) {
	emu, ci := workflowCI(t)
	findings, err := CheckWorkflows(context.Background(), ci, Deployment{Bucket: citest.Bucket})
	if err != nil || len(findings) != 1 || findings[0].Check != CheckCredentials || findings[0].Level != LevelOK {
		t.Fatalf("findings %+v, %v", findings, err)
	}
	if calls := emu.Calls(); len(calls) != 1 || calls[0].Query.Get("pageSize") != "1" || calls[0].Query.Has("ids") {
		t.Errorf("calls %+v, want one listing of one workflow", calls)
	}
}

// TestLoop: the reference's example workflow (its nodes write under abc/
// and bcd/ of its bucket) against rules that take those keys, or not.
func TestLoop(t *testing.T) {
	const (
		exampleBucket = "test-1234567890"
		exampleWF     = "wc666d0b9f9dd47ae9137a096252d49f7"
	)
	answer, err := os.ReadFile(filepath.Join("..", "cosclient", "testdata", "media_workflows.xml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		rule   Rule
		ignore []string
		level  Level
		says   string
	}{
		{"the whole bucket", Rule{Name: "all"}, nil, LevelWarn, `"abc/${RunId}/snapshot-${Number}.${Ext}"`},
		{"under the output prefix", Rule{Name: "bcd", Prefix: "bcd/", Suffix: ".mp4"}, nil, LevelWarn, `"bcd/example.mp4"`},
		{"outputs ignored", Rule{Name: "all"}, []string{"abc/", "bcd/"}, LevelOK, "takes none"},
		{"another prefix", Rule{Name: "in", Prefix: "input/"}, nil, LevelOK, "takes none"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			emu, url := citest.Emulator(t, ciemu.Options{})
			emu.SetAnswer(ciemu.OpDescribeMediaWorkflow, answer)
			tt.rule.WorkflowID = exampleWF
			rules := []Rule{tt.rule, {Name: "paused", Prefix: "zzz/", WorkflowID: "w0123456789abcdef0123456789abcdef"}} // the answer's two
			findings, err := CheckWorkflows(context.Background(), citest.Client(t, url, nil),
				Deployment{Bucket: exampleBucket, Rules: rules, Ignore: tt.ignore}, cosclient.WithBucket(exampleBucket, "ap-chongqing"))
			if err != nil {
				t.Fatal(err)
			}
			f := byKey(t, findings)["loop "+tt.rule.Name]
			if f.Level != tt.level || !strings.Contains(f.Message, tt.says) {
				t.Errorf("loop finding %+v, want %s saying %q", f, tt.level, tt.says)
			}
		})
	}
}

func TestTakesOutput(t *testing.T) {
	for _, tt := range []struct {
		rule    RuleFilter
		tmpl    string
		example string // "" when the rule takes none of its keys
	}{
		{RuleFilter{}, "abc/${RunId}/snapshot-${Number}.${Ext}", "abc/example"},
		{RuleFilter{Prefix: "abc/", Suffix: ".mp4"}, "abc/${RunId}/trans.${Ext}", "abc/example.mp4"},
		{RuleFilter{Prefix: "bcd/", Suffix: ".mp4"}, "bcd/${RunId}/trans.{Ext}", "bcd/example.mp4"},
		{RuleFilter{Suffix: ".mp4"}, "out/${InputName}.jpg", ""},
		{RuleFilter{Suffix: ".jpg"}, "out/${InputName}_cover.jpg", "out/example_cover.jpg"},
		{RuleFilter{Prefix: "out/"}, "out/a.mp4", "out/a.mp4"},
		{RuleFilter{Prefix: "in/"}, "out/a.mp4", ""},
		{RuleFilter{Prefix: "out/"}, "/out/${RunId}.mp4", "out/example.mp4"},
		{RuleFilter{Prefix: "uploads/"}, "${InputPath}/${InputName}_hd.${Ext}", "uploads/example"},
		{RuleFilter{Ignore: []string{"abc/"}}, "abc/${RunId}", ""},
		{RuleFilter{Ignore: []string{"ab"}}, "abc/${RunId}", ""},
		{RuleFilter{Ignore: []string{"abc/x"}}, "abc/${RunId}", "abc/example"},
	} {
		got, ok := takesOutput(tt.rule, tt.tmpl)
		if ok != (tt.example != "") || got != tt.example {
			t.Errorf("takesOutput(%+v, %q) = %q, %v; want %q", tt.rule, tt.tmpl, got, ok, tt.example)
		}
	}
}

func TestCheckSweeps(t *testing.T) {
	rules := []Rule{{Name: "swept", Swept: true}, {Name: "deletes"}}
	looked := []string{"COSFLOW_BACKFILLS", "serverless.yml"}
	for _, tt := range []struct {
		name   string
		sweeps []Sweep
		want   []Level
		says   string
	}{
		{"none", nil, []Level{LevelWarn, LevelWarn}, "looked in COSFLOW_BACKFILLS, serverless.yml"},
		{"another bucket's", []Sweep{{Name: "s", Source: "x", Bucket: "other-1250000000"}}, []Level{LevelWarn, LevelWarn}, "no reconcile spec sweeps"},
		{"this bucket's", []Sweep{{Name: "sweep", Source: "timer cosflow-sweep", Bucket: citest.Bucket}}, []Level{LevelOK, LevelWarn}, `"sweep" (timer cosflow-sweep)`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := CheckSweeps(citest.Bucket, rules, tt.sweeps, looked)
			if len(got) != 2 || got[0].Level != tt.want[0] || got[1].Level != tt.want[1] || !strings.Contains(got[0].Message, tt.says) {
				t.Errorf("CheckSweeps = %+v, want levels %v, the first saying %q", got, tt.want, tt.says)
			}
			if !strings.Contains(got[1].Message, "no object creation") {
				t.Errorf("a rule no sweep serves: %q", got[1].Message)
			}
		})
	}
}
