package api

import (
	"cmp"
	"maps"
	"net/http"
	"slices"
	"testing"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/ledger"
	"github.com/cosflow/cosflow/model"
)

const otherWF = "wffffffffffffffffffffffffffffffff"

// triggerRun starts workflowID for object through the API and returns the
// run's ID (the trigger's instanceId).
func triggerRun(t *testing.T, env *testEnv, workflowID, object string) string {
	t.Helper()
	res := env.do(t, http.MethodPost, "/v1/trigger", `{"workflowId":"`+workflowID+`","object":"`+object+`"}`)
	var out model.TriggerResponse
	res.json(t, &out)
	if res.status != http.StatusOK || out.InstanceID == "" {
		t.Fatalf("trigger %s = %d %s", object, res.status, res.body)
	}
	return out.InstanceID
}

// runsFixture triggers, in this order, testWF for dir/a.mp4,
// dir/a.mp4.bak, dir/b.mp4 and dir/a.mp4 again, then otherWF for
// dir/a.mp4, and returns the run IDs by those names. Runs finish at once
// (RunningFor < 0), so every one is Success.
func runsFixture(t *testing.T) (*testEnv, map[string]string) {
	t.Helper()
	env := newEnv(t, ciemu.Options{RunningFor: -1}, nil)
	runs := map[string]string{
		"a":     triggerRun(t, env, testWF, "dir/a.mp4"),
		"a.bak": triggerRun(t, env, testWF, "dir/a.mp4.bak"),
		"b":     triggerRun(t, env, testWF, "dir/b.mp4"),
		"a2":    triggerRun(t, env, testWF, "dir/a.mp4"),
		"other": triggerRun(t, env, otherWF, "dir/a.mp4"),
	}
	return env, runs
}

// runsPage decodes a GET /v1/runs answer, checking that every run has
// exactly the documented fields and a readable createTime.
func runsPage(t *testing.T, res result) model.ListRunsResponse {
	t.Helper()
	if res.status != http.StatusOK {
		t.Fatalf("list runs = %d %s", res.status, res.body)
	}
	var raw struct {
		Runs      []map[string]any `json:"runs"`
		NextToken *string          `json:"nextToken"`
	}
	res.json(t, &raw)
	if raw.Runs == nil || raw.NextToken == nil {
		t.Fatalf("answer %s lacks a runs array or nextToken", res.body)
	}
	want := []string{"createTime", "object", "runId", "state", "workflowId"}
	for _, r := range raw.Runs {
		if got := slices.Sorted(maps.Keys(r)); !slices.Equal(got, want) {
			t.Errorf("run fields %v, want %v", got, want)
		}
	}
	var page model.ListRunsResponse
	res.json(t, &page)
	for _, r := range page.Runs {
		if _, err := cosclient.ParseTime(r.CreateTime); err != nil {
			t.Errorf("run %s createTime %q: %v", r.RunID, r.CreateTime, err)
		}
	}
	return page
}

func TestListRuns(t *testing.T) {
	env, runs := runsFixture(t)
	const other = "otherbucket-1250000001"
	tests := []struct {
		name   string
		query  string
		want   []string          // fixture names, newest first
		wantCI map[string]string // query parameters CI must receive ("" = absent)
		bucket string            // CI bucket; "" = the default
	}{
		{"every run of the workflow", "workflowId=" + testWF,
			[]string{"a2", "b", "a.bak", "a"}, map[string]string{"workflowId": testWF, "name": ""}, ""},
		{"the object's runs only, though CI's filter matches a prefix", "workflowId=" + testWF + "&object=dir/a.mp4",
			[]string{"a2", "a"}, map[string]string{"workflowId": testWF, "name": "dir/a.mp4"}, ""},
		{"an object with no run", "workflowId=" + testWF + "&object=dir/c.mp4",
			nil, map[string]string{"name": "dir/c.mp4"}, ""},
		{"another workflow", "workflowId=" + otherWF + "&object=dir/a.mp4",
			[]string{"other"}, map[string]string{"workflowId": otherWF}, ""},
		{"states passed on", "workflowId=" + testWF + "&states=Running",
			nil, map[string]string{"states": "Running"}, ""},
		{"a states list", "workflowId=" + testWF + "&states=Success,Failed&object=dir/b.mp4",
			[]string{"b"}, map[string]string{"states": "Success,Failed"}, ""},
		{"size passed on", "workflowId=" + testWF + "&size=100",
			[]string{"a2", "b", "a.bak", "a"}, map[string]string{"size": "100"}, ""},
		{"another bucket", "workflowId=" + testWF + "&bucket=" + other + "&region=ap-beijing",
			nil, map[string]string{"workflowId": testWF}, other},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(env.emu.Calls())
			page := runsPage(t, env.do(t, http.MethodGet, "/v1/runs?"+tt.query, ""))
			var got, want []string
			for _, r := range page.Runs {
				got = append(got, r.RunID)
			}
			for _, name := range tt.want {
				want = append(want, runs[name])
			}
			if !slices.Equal(got, want) || page.NextToken != "" {
				t.Errorf("runs %v next %q, want %v (%v) on one page", got, page.NextToken, want, tt.want)
			}
			calls := env.emu.Calls()[before:]
			if len(calls) != 1 || calls[0].Operation != ciemu.OpDescribeWorkflowExecutions {
				t.Fatalf("CI calls %+v, want one DescribeWorkflowExecutions", calls)
			}
			for k, v := range tt.wantCI {
				if got := calls[0].Query.Get(k); got != v {
					t.Errorf("CI query %s = %q, want %q", k, got, v)
				}
			}
			if bucket := cmp.Or(tt.bucket, testBucket); calls[0].Bucket != bucket {
				t.Errorf("CI bucket %q, want %q", calls[0].Bucket, bucket)
			}
		})
	}
	// Each run shows what CI recorded for it.
	page := runsPage(t, env.do(t, http.MethodGet, "/v1/runs?workflowId="+testWF+"&object=dir/b.mp4", ""))
	if r := page.Runs[0]; r.WorkflowID != testWF || r.Object != "dir/b.mp4" || r.State != cosclient.ExecutionStateSuccess {
		t.Errorf("run = %+v", r)
	}
}

// since is passed on as CI's startCreationTime, in CI's layout.
func TestListRunsSince(t *testing.T) {
	env, _ := runsFixture(t)
	page := runsPage(t, env.do(t, http.MethodGet, "/v1/runs?workflowId="+testWF+"&since=1h", ""))
	if len(page.Runs) != 4 {
		t.Errorf("%d runs in the last hour, want 4", len(page.Runs))
	}
	calls := env.callsOf(ciemu.OpDescribeWorkflowExecutions)
	start := calls[len(calls)-1].Query.Get("startCreationTime")
	if err := cosclient.ValidateTime(start); err != nil {
		t.Errorf("startCreationTime %q is not in CI's layout: %v", start, err)
	}
}

// Paging with an object filter: a page may hold fewer runs than size (CI
// pages before the exact match), some none at all, but following
// nextToken yields exactly the object's runs, each once.
func TestListRunsPagesExactObject(t *testing.T) {
	env, runs := runsFixture(t)
	base := "/v1/runs?workflowId=" + testWF + "&object=dir/a.mp4&size=1"
	var got []string
	pages, empty := 0, 0
	for next := ""; ; {
		target := base
		if next != "" {
			target += "&nextToken=" + next
		}
		page := runsPage(t, env.do(t, http.MethodGet, target, ""))
		pages++
		if len(page.Runs) > 1 {
			t.Fatalf("page of %d runs, size 1", len(page.Runs))
		}
		if len(page.Runs) == 0 {
			empty++
		}
		for _, r := range page.Runs {
			got = append(got, r.RunID)
		}
		if next = page.NextToken; next == "" {
			break
		}
		if pages > 10 {
			t.Fatal("paging does not end")
		}
	}
	if want := []string{runs["a2"], runs["a"]}; !slices.Equal(got, want) {
		t.Errorf("runs %v, want %v", got, want)
	}
	if empty == 0 {
		t.Errorf("no page was emptied by the exact match; the fixture no longer tests it")
	}
	for _, c := range env.callsOf(ciemu.OpDescribeWorkflowExecutions)[1:] {
		if c.Query.Get("nextToken") == "" || c.Query.Get("name") != "dir/a.mp4" {
			t.Errorf("a later page was asked as %v", c.Query)
		}
	}
}

func TestGetRun(t *testing.T) {
	env, runs := runsFixture(t)
	res := env.do(t, http.MethodGet, "/v1/runs/"+runs["b"], "")
	var run model.Run
	res.json(t, &run)
	if run.RunID != runs["b"] || run.WorkflowID != testWF || run.Object != "dir/b.mp4" || run.State != cosclient.ExecutionStateSuccess {
		t.Errorf("run %+v", run)
	}
	if res.status != http.StatusOK || run.WorkflowName == "" || run.CreateTime == "" || len(run.Tasks) == 0 || run.Tasks[0].JobID == "" {
		t.Errorf("get run = %d %s, want 200 with workflowName, createTime and tasks", res.status, res.body)
	}

	for _, target := range []string{
		"/v1/runs/i" + "ffffffffffffffffffffffffffffffff",
		"/v1/runs/" + runs["b"] + "?bucket=otherbucket-1250000001&region=ap-beijing",
	} {
		res := env.do(t, http.MethodGet, target, "")
		if e := res.apiErr(t); res.status != http.StatusNotFound || e.Code != codeNotFound || e.RequestID == "" {
			t.Errorf("GET %s = %d %s, want 404 with CI's request ID", target, res.status, res.body)
		}
	}
	calls := env.callsOf(ciemu.OpDescribeWorkflowExecution)
	if len(calls) != 3 || calls[0].Path != "/workflowexecution/"+runs["b"] || calls[2].Bucket != "otherbucket-1250000001" {
		t.Errorf("CI calls %+v", calls)
	}
}

// TestRetryRun: POST /v1/runs/{runId}/retry starts one new run of a failed
// run's object; a run that did not fail, or has a later run, is refused
// with 409 naming the reason and no trigger, unless force=true; an unknown
// run is 404; a bad query is 400 before CI is called.
func TestRetryRun(t *testing.T) {
	env := newEnv(t, ciemu.Options{RunningFor: -1}, nil)
	env.emu.StageRuns(testBucket, testWF, "dir/bad.mp4", ciemu.Staging{Next: []ciemu.Outcome{ciemu.Fail("InternalError", "boom")}})
	failed := triggerRun(t, env, testWF, "dir/bad.mp4")
	ok := triggerRun(t, env, testWF, "dir/ok.mp4")

	res := env.do(t, http.MethodPost, "/v1/runs/"+failed+"/retry", "")
	var got model.RetryResponse
	res.json(t, &got)
	if res.status != http.StatusOK || got.InstanceID == "" || got.InstanceID == failed || got.RetriedRunID != failed ||
		got.Object != "dir/bad.mp4" || got.WorkflowID != testWF {
		t.Fatalf("retry = %d %s", res.status, res.body)
	}
	if n := len(env.callsOf(ciemu.OpTriggerWorkflow)); n != 3 {
		t.Errorf("%d triggers, want the two seeds and one retry", n)
	}

	for _, c := range []struct {
		target string
		status int
		code   string
	}{
		{"/v1/runs/" + failed + "/retry", http.StatusConflict, ledger.RefusedLaterRun},
		{"/v1/runs/" + ok + "/retry", http.StatusConflict, ledger.RefusedNotFailed},
		{"/v1/runs/i" + "ffffffffffffffffffffffffffffffff" + "/retry", http.StatusNotFound, codeNotFound},
		{"/v1/runs/" + ok + "/retry?force=maybe", http.StatusBadRequest, codeInvalidRequest},
		{"/v1/runs/" + ok + "/retry?force=true&force=true", http.StatusBadRequest, codeInvalidRequest},
		{"/v1/runs/" + ok + "/retry?other=1", http.StatusBadRequest, codeInvalidRequest},
	} {
		before := len(env.callsOf(ciemu.OpTriggerWorkflow))
		res := env.do(t, http.MethodPost, c.target, "")
		if e := res.apiErr(t); res.status != c.status || e.Code != c.code {
			t.Errorf("POST %s = %d %s, want %d %s", c.target, res.status, res.body, c.status, c.code)
		}
		if n := len(env.callsOf(ciemu.OpTriggerWorkflow)) - before; n != 0 {
			t.Errorf("POST %s triggered %d runs", c.target, n)
		}
	}
	res = env.do(t, http.MethodPost, "/v1/runs/"+ok+"/retry?force=true", "")
	if res.json(t, &got); res.status != http.StatusOK || got.RetriedRunID != ok || got.InstanceID == "" {
		t.Errorf("forced retry = %d %s", res.status, res.body)
	}
	if res := env.doAuth(t, http.MethodPost, "/v1/runs/"+ok+"/retry", "", ""); res.status != http.StatusUnauthorized {
		t.Errorf("retry without the bearer token = %d", res.status)
	}
}
