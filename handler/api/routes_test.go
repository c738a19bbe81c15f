package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/model"
)

func TestHealthNeedsNoToken(t *testing.T) {
	for _, token := range []string{"", testToken} {
		env := newEnv(t, ciemu.Options{}, func(o *Options) { o.Token = token })
		res := env.doAuth(t, http.MethodGet, "/v1/health", "", "")
		var body map[string]string
		res.json(t, &body)
		if res.status != http.StatusOK || body["status"] != "ok" {
			t.Errorf("token %q: health = %d %s, want 200 ok", token, res.status, res.body)
		}
		if n := len(env.emu.Calls()); n != 0 {
			t.Errorf("health made %d CI calls", n)
		}
	}
}

func TestTrigger(t *testing.T) {
	env := newEnv(t, ciemu.Options{}, nil)
	const other = "otherbucket-1250000001"
	tests := []struct {
		name, body, bucket, object string
		wantName                   string
	}{
		{"default bucket", `{"workflowId":"` + testWF + `","object":"in/a b.mp4"}`, testBucket, "in/a b.mp4", ""},
		{"named job", `{"workflowId":"` + testWF + `","object":"in/視頻.mp4","name":"job_1"}`, testBucket, "in/視頻.mp4", "job_1"},
		{"other bucket", `{"bucket":"` + other + `","region":"ap-beijing","workflowId":"` + testWF + `","object":"x.jpg"}`, other, "x.jpg", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := env.do(t, http.MethodPost, "/v1/trigger", tt.body)
			var out model.TriggerResponse
			res.json(t, &out)
			if res.status != http.StatusOK || out.InstanceID == "" || out.RequestID == "" {
				t.Fatalf("trigger = %d %s, want 200 with instanceId and requestId", res.status, res.body)
			}
			if n := env.emu.TriggerCount(tt.bucket, testWF, tt.object); n != 1 {
				t.Errorf("emulator saw %d triggers of %s/%s, want 1", n, tt.bucket, tt.object)
			}
			calls := env.callsOf(ciemu.OpTriggerWorkflow)
			last := calls[len(calls)-1]
			if got := last.Query.Get("name"); got != tt.wantName {
				t.Errorf("name sent = %q, want %q", got, tt.wantName)
			}
			line := findLog(t, env, "workflow triggered", "instanceId", out.InstanceID)
			for k, want := range map[string]any{"bucket": tt.bucket, "key": tt.object, "workflowId": testWF, "attempts": 1.0} {
				if line[k] != want {
					t.Errorf("log %s = %v, want %v", k, line[k], want)
				}
			}
			if _, ok := line["durationMs"]; !ok {
				t.Errorf("log line lacks durationMs: %v", line)
			}
		})
	}
	if strings.Contains(env.logs.String(), testToken) {
		t.Errorf("the API token reached the log")
	}
}

// findLog returns the one log line with msg whose key has value.
func findLog(t *testing.T, env *testEnv, msg, key, value string) map[string]any {
	t.Helper()
	var found []map[string]any
	for _, l := range env.logs.Lines(t) {
		if l["msg"] == msg && l[key] == value {
			found = append(found, l)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d log lines %q with %s=%s, want 1; log:\n%s", len(found), msg, key, value, env.logs)
	}
	return found[0]
}

func TestCreateJob(t *testing.T) {
	env := newEnv(t, ciemu.Options{}, nil)
	tests := []struct {
		name, body string
		check      func(t *testing.T, job model.Job)
	}{
		{"workflow over a prefix with a time window",
			`{"name":"backfill-1","type":"Workflow","input":{"prefix":"videos/"},
			  "operation":{"workflowIds":"` + testWF + `","timeInterval":{"start":"2026-11-01T00:00:00+0800","end":"2026-11-22T02:00:00+0800"}}}`,
			func(t *testing.T, job model.Job) {
				if job.Input == nil || job.Input.Prefix == nil || *job.Input.Prefix != "videos/" {
					t.Errorf("input = %+v, want prefix videos/", job.Input)
				}
				if job.Operation == nil || job.Operation.WorkflowIDs != testWF || job.Operation.TimeInterval == nil {
					t.Errorf("operation = %+v", job.Operation)
				}
				findLog(t, env, "job created", "jobId", job.JobID)
			}},
		{"type defaults to Workflow",
			`{"name":"b2","input":{"object":"a.mp4"},"operation":{"workflowIds":"` + testWF + `"}}`,
			func(t *testing.T, job model.Job) {
				if job.Type != cosclient.JobTypeWorkflow {
					t.Errorf("type = %q, want Workflow", job.Type)
				}
			}},
		{"job with tag and jobParam",
			`{"name":"inspect","type":"Job","input":{"prefix":""},"operation":{"tag":"ImageInspect",
			  "jobParam":{"ImageInspect":{"AutoProcess":"true","ProcessType":"BackupObject"}},"jobLevel":1,"userData":"u1"}}`,
			func(t *testing.T, job model.Job) {
				if job.Operation == nil || job.Operation.Tag != "ImageInspect" || job.Operation.JobParam == nil {
					t.Fatalf("operation = %+v", job.Operation)
				}
				line := findLog(t, env, "job created", "jobId", job.JobID)
				if line["tag"] != "ImageInspect" || line["prefix"] != "" {
					t.Errorf("log line = %v, want tag and prefix", line)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := env.do(t, http.MethodPost, "/v1/jobs", tt.body)
			var job model.Job
			res.json(t, &job)
			if res.status != http.StatusCreated || job.JobID == "" {
				t.Fatalf("create = %d %s, want 201 with a job", res.status, res.body)
			}
			tt.check(t, job)
		})
	}
	if n := len(env.emu.Jobs(testBucket)); n != len(tests) {
		t.Errorf("emulator holds %d jobs, want %d", n, len(tests))
	}
	line := findLog(t, env, "job created", "prefix", "videos/")
	for k, want := range map[string]any{"bucket": testBucket, "workflowId": testWF, "attempts": 1.0} {
		if line[k] != want {
			t.Errorf("log %s = %v, want %v", k, line[k], want)
		}
	}
}

// createJobs makes n Workflow jobs named prefix0..prefix(n-1).
func createJobs(t *testing.T, env *testEnv, prefix string, n int) []string {
	t.Helper()
	var ids []string
	for i := 0; i < n; i++ {
		body := fmt.Sprintf(`{"name":"%s%d","input":{"prefix":"p/"},"operation":{"workflowIds":"%s"}}`, prefix, i, testWF)
		res := env.do(t, http.MethodPost, "/v1/jobs", body)
		var job model.Job
		res.json(t, &job)
		if res.status != http.StatusCreated {
			t.Fatalf("create = %d %s", res.status, res.body)
		}
		ids = append(ids, job.JobID)
	}
	return ids
}

func TestListJobsPages(t *testing.T) {
	env := newEnv(t, ciemu.Options{}, nil)
	ids := createJobs(t, env, "page", 5)
	seen := map[string]bool{}
	target := "/v1/jobs?size=2&orderByTime=Asc"
	pages := 0
	for {
		res := env.do(t, http.MethodGet, target, "")
		var page model.ListJobsResponse
		res.json(t, &page)
		if res.status != http.StatusOK || page.Jobs == nil {
			t.Fatalf("list = %d %s, want 200 with a jobs array", res.status, res.body)
		}
		if len(page.Jobs) > 2 {
			t.Fatalf("page of %d jobs, want at most 2", len(page.Jobs))
		}
		for _, j := range page.Jobs {
			if seen[j.JobID] {
				t.Fatalf("job %s on two pages", j.JobID)
			}
			seen[j.JobID] = true
		}
		pages++
		if page.NextToken == "" {
			break
		}
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		target = "/v1/jobs?size=2&orderByTime=Asc&nextToken=" + page.NextToken
	}
	if pages != 3 || len(seen) != len(ids) {
		t.Errorf("%d pages holding %d jobs, want 3 pages holding %d", pages, len(seen), len(ids))
	}
	for _, c := range env.callsOf(ciemu.OpDescribeInventoryTriggerJobs)[1:] {
		if c.Query.Get("nextToken") == "" {
			t.Errorf("a later page was asked without nextToken: %v", c.Query)
		}
	}
}

func TestListJobsPassesEveryFilter(t *testing.T) {
	env := newEnv(t, ciemu.Options{}, nil)
	const jobID = "b0123456789abcdef0123456789abcdef"
	target := "/v1/jobs?states=Running,Failed&size=7&orderByTime=Asc&type=Job&workflowId=" + testWF +
		"&jobId=" + jobID + "&name=nightly&startCreationTime=2026-11-01T00:00:00%2B0800" +
		"&endCreationTime=2026-11-22T02:00:00%2B0800&bucket=otherbucket-1250000001&region=ap-beijing"
	res := env.do(t, http.MethodGet, target, "")
	var page model.ListJobsResponse
	res.json(t, &page)
	if res.status != http.StatusOK {
		t.Fatalf("list = %d %s", res.status, res.body)
	}
	if page.Jobs == nil || len(page.Jobs) != 0 {
		t.Errorf("jobs = %#v, want an empty array", page.Jobs)
	}
	if !strings.Contains(string(res.body), `"jobs":[]`) {
		t.Errorf("body %s does not hold an empty jobs array", res.body)
	}
	calls := env.callsOf(ciemu.OpDescribeInventoryTriggerJobs)
	if len(calls) != 1 {
		t.Fatalf("%d list calls, want 1", len(calls))
	}
	c := calls[0]
	want := map[string]string{
		"states": "Running,Failed", "size": "7", "orderByTime": "Asc", "type": "Job",
		"workflowId": testWF, "jobId": jobID, "name": "nightly",
		"startCreationTime": "2026-11-01T00:00:00+0800", "endCreationTime": "2026-11-22T02:00:00+0800",
	}
	for k, v := range want {
		if got := c.Query.Get(k); got != v {
			t.Errorf("CI query %s = %q, want %q", k, got, v)
		}
	}
	if c.Bucket != "otherbucket-1250000001" {
		t.Errorf("CI bucket = %q, want the query's", c.Bucket)
	}
}

func TestGetAndCancelJob(t *testing.T) {
	env := newEnv(t, ciemu.Options{}, nil)
	id := createJobs(t, env, "gc", 1)[0]

	res := env.do(t, http.MethodGet, "/v1/jobs/"+id, "")
	var job model.Job
	res.json(t, &job)
	if res.status != http.StatusOK || job.JobID != id || job.Name != "gc0" {
		t.Fatalf("get = %d %s, want 200 with job %s", res.status, res.body, id)
	}

	res = env.do(t, http.MethodPost, "/v1/jobs/"+id+"/cancel", "")
	var out model.CancelJobResponse
	res.json(t, &out)
	if res.status != http.StatusOK || out.JobID != id || out.State != cosclient.JobStateCancel {
		t.Fatalf("cancel = %d %s, want 200 {jobId, state: Cancel}", res.status, res.body)
	}
	findLog(t, env, "job cancelled", "jobId", id)

	res = env.do(t, http.MethodGet, "/v1/jobs/"+id, "")
	res.json(t, &job)
	if job.State != cosclient.JobStateCancel {
		t.Errorf("after cancel the job is %q, want Cancel", job.State)
	}

	const unknown = "bffffffffffffffffffffffffffffffff"
	for _, tt := range []struct{ method, target string }{
		{http.MethodGet, "/v1/jobs/" + unknown},
		{http.MethodPost, "/v1/jobs/" + unknown + "/cancel"},
	} {
		res := env.do(t, tt.method, tt.target, "")
		e := res.apiErr(t)
		if res.status != http.StatusNotFound {
			t.Errorf("%s %s = %d %s, want 404", tt.method, tt.target, res.status, res.body)
		}
		if e.RequestID == "" {
			t.Errorf("%s %s: CI's request ID missing: %s", tt.method, tt.target, res.body)
		}
	}
}

func TestDryRunSendsNothing(t *testing.T) {
	env := newEnv(t, ciemu.Options{}, func(o *Options) { o.DryRun = true })
	tests := []struct {
		name, method, target, body string
		wantRequest                string // a fragment of the echoed request
	}{
		{"trigger", http.MethodPost, "/v1/trigger", `{"workflowId":"` + testWF + `","object":"a.jpg"}`, `"bucket":"` + testBucket + `"`},
		{"create", http.MethodPost, "/v1/jobs", `{"name":"n","input":{"prefix":"p/"},"operation":{"workflowIds":"` + testWF + `"}}`, `"type":"Workflow"`},
		{"cancel", http.MethodPost, "/v1/jobs/b0123/cancel", "", `"jobId":"b0123"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := env.do(t, tt.method, tt.target, tt.body)
			var out struct {
				DryRun  bool           `json:"dryRun"`
				Request map[string]any `json:"request"`
			}
			res.json(t, &out)
			if res.status != http.StatusAccepted || !out.DryRun || out.Request == nil {
				t.Fatalf("dry run = %d %s, want 202 with the request", res.status, res.body)
			}
			if !strings.Contains(string(res.body), tt.wantRequest) {
				t.Errorf("answer %s lacks %s", res.body, tt.wantRequest)
			}
		})
	}
	if n := len(env.emu.Calls()); n != 0 {
		t.Fatalf("dry run made %d CI calls", n)
	}
	// Reads still go to CI.
	for _, read := range []struct{ target, op string }{
		{"/v1/jobs", ciemu.OpDescribeInventoryTriggerJobs},
		{"/v1/runs?workflowId=" + testWF, ciemu.OpDescribeWorkflowExecutions},
	} {
		if res := env.do(t, http.MethodGet, read.target, ""); res.status != http.StatusOK {
			t.Fatalf("dry-run GET %s = %d %s", read.target, res.status, res.body)
		}
		if n := len(env.callsOf(read.op)); n != 1 {
			t.Errorf("dry-run GET %s made %d CI calls, want 1", read.target, n)
		}
	}
}

func TestUnknownRouteAndMethod(t *testing.T) {
	env := newEnv(t, ciemu.Options{}, nil)
	tests := []struct {
		method, target string
		status         int
		allow          string
	}{
		{http.MethodGet, "/v1/nothing", http.StatusNotFound, ""},
		{http.MethodGet, "/", http.StatusNotFound, ""},
		{http.MethodDelete, "/v1/jobs", http.StatusMethodNotAllowed, "GET, HEAD, POST"},
		{http.MethodGet, "/v1/trigger", http.StatusMethodNotAllowed, "POST"},
		{http.MethodPut, "/v1/jobs/b1/cancel", http.StatusMethodNotAllowed, "POST"},
		{http.MethodPost, "/v1/health", http.StatusMethodNotAllowed, "GET, HEAD"},
		{http.MethodPost, "/v1/runs", http.StatusMethodNotAllowed, "GET, HEAD"},
		{http.MethodDelete, "/v1/runs/i1", http.StatusMethodNotAllowed, "GET, HEAD"},
		{http.MethodGet, "/v1/runs/i1/cancel", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		res := env.do(t, tt.method, tt.target, "")
		e := res.apiErr(t)
		if res.status != tt.status {
			t.Errorf("%s %s = %d (%s), want %d", tt.method, tt.target, res.status, e.Code, tt.status)
		}
		if got := res.header.Get("Allow"); got != tt.allow {
			t.Errorf("%s %s: Allow %q, want %q", tt.method, tt.target, got, tt.allow)
		}
	}
	if n := len(env.emu.Calls()); n != 0 {
		t.Errorf("%d CI calls, want 0", n)
	}
}

func TestRequestLogLine(t *testing.T) {
	env := newEnv(t, ciemu.Options{}, nil)
	env.do(t, http.MethodGet, "/v1/jobs/b0123", "")
	line := findLog(t, env, "api request", "route", routeGet)
	if line["method"] != "GET" || line["status"] != 404.0 {
		t.Errorf("request line = %v", line)
	}
	if _, ok := line["durationMs"]; !ok {
		t.Errorf("request line lacks durationMs: %v", line)
	}
	if strings.Contains(env.logs.String(), testToken) {
		t.Errorf("the API token reached the log")
	}
}
