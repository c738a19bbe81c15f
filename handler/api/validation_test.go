package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cosflow/cosflow/ciemu"
)

// Bad input is refused with 400 naming the JSON field (or query
// parameter), and nothing at all reaches CI.
func TestValidation(t *testing.T) {
	env := newEnv(t, ciemu.Options{}, nil)
	wf := `"workflowId":"` + testWF + `"`
	job := func(fields string) string { return `{"name":"n",` + fields + `}` }
	wfOp := `"operation":{"workflowIds":"` + testWF + `"}`
	tests := []struct {
		name, method, target, body string
		field                      string
	}{
		// POST /v1/trigger
		{"empty body", "POST", "/v1/trigger", "", ""},
		{"not JSON", "POST", "/v1/trigger", `{`, ""},
		{"two values", "POST", "/v1/trigger", `{` + wf + `,"object":"a"} {}`, ""},
		{"array body", "POST", "/v1/trigger", `[1]`, ""},
		{"invalid UTF-8", "POST", "/v1/trigger", "{" + wf + `,"object":"a` + "\xff" + `"}`, ""},
		{"too deep", "POST", "/v1/trigger", strings.Repeat("[", 40) + strings.Repeat("]", 40), ""},
		{"unknown field", "POST", "/v1/trigger", `{` + wf + `,"object":"a","extra":1}`, "extra"},
		{"workflowId wrong type", "POST", "/v1/trigger", `{"workflowId":1,"object":"a"}`, "workflowId"},
		{"workflowId missing", "POST", "/v1/trigger", `{"object":"a"}`, "workflowId"},
		{"workflowId bad shape", "POST", "/v1/trigger", `{"workflowId":"w123","object":"a"}`, "workflowId"},
		{"workflowId upper-case hex", "POST", "/v1/trigger", `{"workflowId":"` + strings.ToUpper(testWF) + `","object":"a"}`, "workflowId"},
		{"object missing", "POST", "/v1/trigger", `{` + wf + `}`, "object"},
		{"object too long", "POST", "/v1/trigger", `{` + wf + `,"object":"` + strings.Repeat("k", 851) + `"}`, "object"},
		{"name bad characters", "POST", "/v1/trigger", `{` + wf + `,"object":"a","name":"a b"}`, "name"},
		{"bucket bad", "POST", "/v1/trigger", `{"bucket":"Bad_Bucket",` + wf + `,"object":"a"}`, "bucket"},
		{"bucket without appid", "POST", "/v1/trigger", `{"bucket":"examplebucket",` + wf + `,"object":"a"}`, "bucket"},
		{"region bad", "POST", "/v1/trigger", `{"region":"Guangzhou",` + wf + `,"object":"a"}`, "region"},
		// POST /v1/jobs
		{"job name missing", "POST", "/v1/jobs", `{"input":{"prefix":"p"},` + wfOp + `}`, "name"},
		{"job name too long", "POST", "/v1/jobs", `{"name":"` + strings.Repeat("n", 129) + `","input":{"prefix":"p"},` + wfOp + `}`, "name"},
		{"job type unknown", "POST", "/v1/jobs", job(`"type":"Batch","input":{"prefix":"p"},` + wfOp), "type"},
		{"input empty", "POST", "/v1/jobs", job(`"input":{},` + wfOp), "input"},
		{"input two selectors", "POST", "/v1/jobs", job(`"input":{"prefix":"p","object":"o"},` + wfOp), "input"},
		{"input prefix wrong type", "POST", "/v1/jobs", job(`"input":{"prefix":1},` + wfOp), "input.prefix"},
		{"input unknown field", "POST", "/v1/jobs", job(`"input":{"bucket":"b"},` + wfOp), "input.bucket"},
		{"workflowIds missing", "POST", "/v1/jobs", job(`"input":{"prefix":"p"},"operation":{}`), "operation.workflowIds"},
		{"workflowIds bad", "POST", "/v1/jobs", job(`"input":{"prefix":"p"},"operation":{"workflowIds":"w1"}`), "operation.workflowIds"},
		{"tag missing for Job", "POST", "/v1/jobs", job(`"type":"Job","input":{"prefix":"p"},"operation":{}`), "operation.tag"},
		{"jobLevel out of range", "POST", "/v1/jobs", job(`"input":{"prefix":"p"},"operation":{"workflowIds":"` + testWF + `","jobLevel":3}`), "operation.jobLevel"},
		{"jobLevel wrong type", "POST", "/v1/jobs", job(`"input":{"prefix":"p"},"operation":{"workflowIds":"` + testWF + `","jobLevel":"1"}`), "operation.jobLevel"},
		{"start not a time", "POST", "/v1/jobs", job(`"input":{"prefix":"p"},"operation":{"workflowIds":"` + testWF + `","timeInterval":{"start":"yesterday"}}`), "operation.timeInterval.start"},
		{"start after end", "POST", "/v1/jobs", job(`"input":{"prefix":"p"},"operation":{"workflowIds":"` + testWF + `","timeInterval":{"start":"2026-11-22T02:00:00+0800","end":"2026-11-01T02:00:00+0800"}}`), "operation.timeInterval.end"},
		{"jobParam not an object", "POST", "/v1/jobs", job(`"type":"Job","input":{"prefix":"p"},"operation":{"tag":"Snapshot","jobParam":"x"}`), "operation.jobParam"},
		{"callBackFormat unknown", "POST", "/v1/jobs", job(`"input":{"prefix":"p"},"operation":{"workflowIds":"` + testWF + `","callBackFormat":"YAML"}`), "operation.callBackFormat"},
		{"userData not ASCII", "POST", "/v1/jobs", job(`"input":{"prefix":"p"},"operation":{"workflowIds":"` + testWF + `","userData":"é"}`), "operation.userData"},
		// GET /v1/jobs
		{"size zero", "GET", "/v1/jobs?size=0", "", "size"},
		{"size too big", "GET", "/v1/jobs?size=101", "", "size"},
		{"size not a number", "GET", "/v1/jobs?size=ten", "", "size"},
		{"state unknown", "GET", "/v1/jobs?states=Running,Done", "", "states"},
		{"state list with a hole", "GET", "/v1/jobs?states=Running,", "", "states"},
		{"type unknown", "GET", "/v1/jobs?type=Batch", "", "type"},
		{"orderByTime lower-case", "GET", "/v1/jobs?orderByTime=asc", "", "orderByTime"},
		{"start time bad", "GET", "/v1/jobs?startCreationTime=yesterday", "", "startCreationTime"},
		{"end time not in CI's layout", "GET", "/v1/jobs?endCreationTime=2026-11-22T02:00:00%2B08:00", "", "endCreationTime"},
		{"end before start", "GET", "/v1/jobs?startCreationTime=2026-11-22T02:00:00%2B0800&endCreationTime=2026-11-21T02:00:00%2B0800", "", "endCreationTime"},
		{"workflowId filter bad", "GET", "/v1/jobs?workflowId=w1", "", "workflowId"},
		{"jobId filter bad", "GET", "/v1/jobs?jobId=a/b", "", "jobId"},
		{"name filter bad", "GET", "/v1/jobs?name=a%20b", "", "name"},
		{"nextToken with a control character", "GET", "/v1/jobs?nextToken=a%01b", "", "nextToken"},
		{"bucket query bad", "GET", "/v1/jobs?bucket=BAD", "", "bucket"},
		{"region query bad", "GET", "/v1/jobs?region=x", "", "region"},
		{"unknown query parameter", "GET", "/v1/jobs?limit=5", "", "limit"},
		{"repeated query parameter", "GET", "/v1/jobs?size=1&size=2", "", "size"},
		// job routes
		{"job id bad", "GET", "/v1/jobs/a.b", "", "id"},
		{"job id too long", "GET", "/v1/jobs/" + strings.Repeat("b", 129), "", "id"},
		{"job route unknown query", "GET", "/v1/jobs/b1?force=1", "", "force"},
		{"cancel bad bucket", "POST", "/v1/jobs/b1/cancel?bucket=x", "", "bucket"},
		// GET /v1/runs
		{"runs without workflowId", "GET", "/v1/runs", "", "workflowId"},
		{"runs of a bad workflowId", "GET", "/v1/runs?workflowId=w1", "", "workflowId"},
		{"runs object too long", "GET", "/v1/runs?workflowId=" + testWF + "&object=" + strings.Repeat("k", 851), "", "object"},
		{"runs state of jobs only", "GET", "/v1/runs?workflowId=" + testWF + "&states=Pause", "", "states"},
		{"runs since not a duration", "GET", "/v1/runs?workflowId=" + testWF + "&since=yesterday", "", "since"},
		{"runs since negative", "GET", "/v1/runs?workflowId=" + testWF + "&since=-1h", "", "since"},
		{"runs since over a year", "GET", "/v1/runs?workflowId=" + testWF + "&since=9000h", "", "since"},
		{"runs size too big", "GET", "/v1/runs?workflowId=" + testWF + "&size=101", "", "size"},
		{"runs CI's name for object", "GET", "/v1/runs?workflowId=" + testWF + "&name=a.jpg", "", "name"},
		{"runs orderByTime", "GET", "/v1/runs?workflowId=" + testWF + "&orderByTime=Asc", "", "orderByTime"},
		{"runs repeated object", "GET", "/v1/runs?workflowId=" + testWF + "&object=a&object=b", "", "object"},
		// GET /v1/runs/{runId}
		{"run id bad", "GET", "/v1/runs/i.1", "", "runId"},
		{"run route unknown query", "GET", "/v1/runs/i1?object=a", "", "object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := env.do(t, tt.method, tt.target, tt.body)
			e := res.apiErr(t)
			if res.status != http.StatusBadRequest || e.Field != tt.field {
				t.Errorf("= %d field %q (%s), want 400 field %q", res.status, e.Field, e.Message, tt.field)
			}
			if tt.field != "" && !strings.Contains(e.Message, tt.field) {
				t.Errorf("message %q does not name %s", e.Message, tt.field)
			}
		})
	}
	if n := len(env.emu.Calls()); n != 0 {
		t.Fatalf("bad input made %d CI calls, want 0", n)
	}
}

func TestBucketDefaults(t *testing.T) {
	body := `{"workflowId":"` + testWF + `","object":"a"}`
	tests := []struct {
		name           string
		bucket, region string // configured defaults
		body           string
		field          string
	}{
		{"no default bucket", "", testRegion, body, "bucket"},
		{"no defaults at all", "", "", body, "bucket"},
		{"no default region", testBucket, "", body, "region"},
		{"bucket given, no region anywhere", "", "", `{"bucket":"` + testBucket + `",` + body[1:], "region"},
		{"bad configured bucket", "Bad", testRegion, body, "bucket"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t, ciemu.Options{}, func(o *Options) { o.Bucket, o.Region = tt.bucket, tt.region })
			res := env.do(t, http.MethodPost, "/v1/trigger", tt.body)
			if e := res.apiErr(t); res.status != http.StatusBadRequest || e.Field != tt.field {
				t.Errorf("= %d field %q, want 400 field %q", res.status, e.Field, tt.field)
			}
			if n := len(env.emu.Calls()); n != 0 {
				t.Errorf("%d CI calls, want 0", n)
			}
		})
	}
	// Given in the request, both defaults are unnecessary.
	env := newEnv(t, ciemu.Options{}, func(o *Options) { o.Bucket, o.Region = "", "" })
	full := `{"bucket":"` + testBucket + `","region":"` + testRegion + `",` + body[1:]
	if res := env.do(t, http.MethodPost, "/v1/trigger", full); res.status != http.StatusOK {
		t.Errorf("trigger with bucket and region = %d %s, want 200", res.status, res.body)
	}
}

func TestBodyLimits(t *testing.T) {
	env := newEnv(t, ciemu.Options{}, nil)
	small := `{"workflowId":"` + testWF + `","object":"a"}`
	huge := `{"workflowId":"` + testWF + `","object":"` + strings.Repeat("a", MaxBodyBytes) + `"}`
	tests := []struct {
		name, contentType, body string
		status                  int
	}{
		{"huge body", "application/json", huge, http.StatusRequestEntityTooLarge},
		{"text body", "text/plain", small, http.StatusUnsupportedMediaType},
		{"form body", "application/x-www-form-urlencoded", small, http.StatusUnsupportedMediaType},
		{"malformed content type", "application/json; =", small, http.StatusUnsupportedMediaType},
		{"json with charset", "application/json; charset=utf-8", small, http.StatusOK},
		{"vendor json", "application/vnd.cosflow+json", small, http.StatusOK},
		{"no content type", "", small, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(env.emu.Calls())
			req := httptest.NewRequest(http.MethodPost, "/v1/trigger", strings.NewReader(tt.body))
			req.Header.Set("Authorization", "Bearer "+testToken)
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			rec := httptest.NewRecorder()
			env.handler.ServeHTTP(rec, req)
			res := result{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
			if res.status != tt.status {
				t.Fatalf("= %d %s, want %d", res.status, res.body, tt.status)
			}
			calls := len(env.emu.Calls()) - before
			if tt.status == http.StatusOK {
				if calls != 1 {
					t.Errorf("%d CI calls, want 1", calls)
				}
				return
			}
			res.apiErr(t)
			if calls != 0 {
				t.Errorf("refused body made %d CI calls", calls)
			}
		})
	}
}
