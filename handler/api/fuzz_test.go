package api_test

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/events"
	"github.com/cosflow/cosflow/handler"
	"github.com/cosflow/cosflow/internal/citest"
	"github.com/cosflow/cosflow/internal/clip"
)

// Fuzz modes: which function an event is sent to.
const (
	modeToken    = iota // the API enabled with fnToken
	modeDryRun          // the same, in dry-run mode
	modeDisabled        // no token configured: every route but health is 403
	modeCIFails         // CI fails most calls (5xx, throttling)
	modes
)

// knownStatuses are every status the function may answer: 500 is not
// among them, so a recovered panic fails the fuzzer too.
var knownStatuses = map[int]bool{
	200: true, 201: true, 202: true, 301: true, 307: true, 308: true,
	400: true, 401: true, 403: true, 404: true, 405: true, 413: true, 414: true, 415: true, 429: true, 431: true,
	502: true, 503: true, 504: true,
}

// mutating are the CI operations that change something.
var mutating = map[string]bool{
	ciemu.OpTriggerWorkflow: true, ciemu.OpCreateInventoryTriggerJob: true, ciemu.OpCancelInventoryTriggerJob: true,
}

// FuzzFunctionURL sends arbitrary events through the whole HTTP path:
// the event JSON into handler.Handle, its adapter, the router, the route
// handlers, a real client and the CI emulator on loopback. The seeds, in
// testdata/fuzz/FuzzFunctionURL, run in every plain go test. For every
// event that is an HTTP invocation:
//   - the answer is JSON, with a known status, in the error shape from 300
//     up; a client error is under 8 KB;
//   - a 5xx is 502, 503 or 504, and only when a CI call failed;
//   - a CI call is made only with the right bearer token, never from a
//     disabled API, and nothing mutating in dry-run mode;
//   - every CI call carries exactly the values the request gave (see
//     sentProblem), byte for byte;
//   - the callback route calls CI only with the callback token in its
//     query, and reads the run back first;
//   - neither token ever reaches the log (newFn).
func FuzzFunctionURL(f *testing.F) {
	var fns [modes]*fn
	fns[modeToken] = newFn(f, ciemu.Options{Seed: 1}, nil)
	fns[modeDryRun] = newFn(f, ciemu.Options{Seed: 1}, map[string]string{handler.EnvDryRun: "true"})
	fns[modeDisabled] = newFn(f, ciemu.Options{Seed: 1}, map[string]string{handler.EnvAPIToken: ""})
	// No resets: a reset connection is logged by the emulator after the
	// client has seen it, so the log could not be read at once.
	fns[modeCIFails] = newFn(f, ciemu.Options{Seed: 1, Faults: ciemu.Faults{ErrorRate: 0.5, ThrottleRate: 0.3}}, nil)
	f.Fuzz(func(t *testing.T, mode byte, event []byte) {
		m := int(mode) % modes
		fx := fns[m]
		fx.emu.Reset() // the log holds this event's calls only
		resp, ok := fx.invoke(t, event)
		if fx.logs.seen.Load() {
			t.Fatal("a token reached the log")
		}
		if !ok {
			return // not an HTTP invocation
		}
		if _, problem := answerProblem(resp); problem != "" || !knownStatuses[resp.StatusCode] {
			t.Fatalf("%d %s: %s", resp.StatusCode, clip.String(resp.Body, 400), problem)
		}
		calls := fx.emu.Calls()
		if resp.StatusCode >= 500 && !slices.ContainsFunc(calls, func(c ciemu.Call) bool { return c.Status >= 500 }) {
			t.Fatalf("%d although no CI call failed: %s", resp.StatusCode, resp.Body)
		}
		var ev events.HTTPRequest
		if err := json.Unmarshal(event, &ev); err != nil {
			// The event decoder refused it: the handler answers alone.
			if resp.StatusCode != http.StatusBadRequest || len(calls) != 0 {
				t.Fatalf("an undecodable event (%v) = %d after %d CI calls", err, resp.StatusCode, len(calls))
			}
			return
		}
		what := ev.HTTPMethod + " " + ev.Path
		// The callback route answers with COSFLOW_CALLBACK_TOKEN alone,
		// whether the API's bearer token is set or not.
		if m == modeDisabled && resp.StatusCode < 300 && ev.Path != "/v1/health" && ev.Path != "/v1/callbacks/ci" {
			t.Fatalf("%s answered %d with the API disabled", what, resp.StatusCode)
		}
		if len(calls) == 0 {
			return
		}
		if ev.Path == "/v1/callbacks/ci" {
			// The callback route has its own token, and reads back and
			// redrives what its body names: the values sent are CI's.
			if q := ev.Query()["token"]; len(q) != 1 || q[0] != fnCallbackToken {
				t.Fatalf("%s made %d CI calls without the callback token", what, len(calls))
			}
			if calls[0].Operation != ciemu.OpDescribeWorkflowExecution {
				t.Fatalf("%s called %s before reading the run back", what, calls[0].Operation)
			}
			return
		}
		if token, ok := bearer(ev.Header().Get("Authorization")); !ok || token != fnToken || m == modeDisabled {
			t.Fatalf("%s made %d CI calls without the right token (mode %d)", what, len(calls), m)
		}
		var jobs []cosclient.JobDetail
		if resp.StatusCode == http.StatusCreated {
			jobs = fx.emu.Jobs(bucketOf(&ev))
		}
		for _, c := range calls {
			if m == modeDryRun && mutating[c.Operation] {
				t.Fatalf("%s: dry run called %s", what, c.Operation)
			}
			if problem := sentProblem(&ev, c, jobs); problem != "" {
				t.Fatalf("%s: CI call %s %s?%s: %s", what, c.Operation, c.Path, c.Query.Encode(), problem)
			}
		}
	})
}

// bearer is the token of an Authorization header ("Bearer" in any case).
func bearer(h string) (string, bool) {
	scheme, token, ok := strings.Cut(h, " ")
	return strings.TrimLeft(token, " "), ok && strings.EqualFold(scheme, "Bearer")
}

// bodyObject decodes the request body as a JSON object with its keys as
// written (nil when it is not one); numbers stay text.
func bodyObject(ev *events.HTTPRequest) map[string]any {
	body, err := ev.BodyBytes()
	if err != nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if dec.Decode(&m) != nil {
		return nil
	}
	return m
}

// at is the value at a dotted path of m; absent is reported as ok false.
func at(m map[string]any, path string) (any, bool) {
	var v any = m
	for _, k := range strings.Split(path, ".") {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = obj[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

// str is the string at path ("" when absent or not a string).
func str(m map[string]any, path string) string {
	v, _ := at(m, path)
	s, _ := v.(string)
	return s
}

// bucketOf is the bucket a request names (the body's for the routes that
// take one, else the query's), or the default.
func bucketOf(ev *events.HTTPRequest) string {
	b := ev.Query().Get("bucket")
	if ev.Path == "/v1/trigger" || ev.Path == "/v1/jobs" && strings.EqualFold(ev.HTTPMethod, http.MethodPost) {
		b = str(bodyObject(ev), "bucket")
	}
	if b == "" {
		return citest.Bucket
	}
	return b
}

// sentProblem says how CI call c differs from what request ev asked for
// ("" when it does not): the bucket, and the operation's own values. A
// call of a route not listed here is a problem too.
func sentProblem(ev *events.HTTPRequest, c ciemu.Call, jobs []cosclient.JobDetail) string {
	if want := bucketOf(ev); c.Bucket != want {
		return fmt.Sprintf("bucket %q, want %q", c.Bucket, want)
	}
	q := ev.Query()
	segs := strings.Split(strings.TrimPrefix(ev.Path, "/"), "/")
	// want maps CI's query parameters to the request's values; only
	// those the request gave are compared, unless exact.
	var want map[string]string
	exact := false
	switch {
	case ev.Path == "/v1/trigger":
		b := bodyObject(ev)
		exact = true
		switch c.Operation {
		case ciemu.OpTriggerWorkflow:
			want = map[string]string{"workflowId": str(b, "workflowId"), "object": str(b, "object"), "name": str(b, "name")}
		case ciemu.OpDescribeWorkflowExecutions: // the ledger looking for the run
			want = map[string]string{"workflowId": str(b, "workflowId"), "name": str(b, "object")}
			exact = false
		}
	case ev.Path == "/v1/jobs" && c.Operation == ciemu.OpCreateInventoryTriggerJob:
		if len(jobs) == 0 {
			return "" // refused or failed: no job to compare
		}
		return jobProblem(bodyObject(ev), &jobs[len(jobs)-1])
	case ev.Path == "/v1/jobs" && c.Operation == ciemu.OpDescribeInventoryTriggerJobs:
		want = map[string]string{}
		for _, k := range []string{"states", "size", "orderByTime", "type", "workflowId", "jobId", "name", "nextToken"} {
			if q.Get(k) != "" {
				want[k] = q.Get(k)
			}
		}
	case ev.Path == "/v1/runs" && c.Operation == ciemu.OpDescribeWorkflowExecutions:
		want = map[string]string{"workflowId": q.Get("workflowId"), "name": q.Get("object")}
		for _, k := range []string{"states", "size", "nextToken"} {
			if q.Get(k) != "" {
				want[k] = q.Get(k)
			}
		}
	case len(segs) >= 3 && segs[0] == "v1" && segs[1] == "jobs" &&
		(c.Operation == ciemu.OpDescribeInventoryTriggerJob || c.Operation == ciemu.OpCancelInventoryTriggerJob):
		if c.Path != "/inventorytriggerjob/"+segs[2] {
			return "not the job the path names"
		}
		return ""
	case len(segs) == 3 && segs[0] == "v1" && segs[1] == "runs" && c.Operation == ciemu.OpDescribeWorkflowExecution:
		if c.Path != "/workflowexecution/"+segs[2] {
			return "not the run the path names"
		}
		return ""
	default:
		return "no route of the request makes this call"
	}
	if want == nil {
		return "no route of the request makes this call"
	}
	for k, v := range want {
		got := c.Query.Get(k)
		if k == "size" { // a number: 007 is sent as 7
			g, _ := strconv.Atoi(got)
			w, err := strconv.Atoi(v)
			got, v = strconv.Itoa(g), strconv.Itoa(w)
			if err != nil {
				v = "not a number"
			}
		}
		if got != v {
			return fmt.Sprintf("%s = %q, want %q", k, got, v)
		}
	}
	if exact && len(c.Query) != countSet(want) {
		return fmt.Sprintf("sent %d parameters, want %d", len(c.Query), countSet(want))
	}
	return ""
}

// countSet counts the values of m that are not "" (what a call sends).
func countSet(m map[string]string) int {
	n := 0
	for _, v := range m {
		if v != "" {
			n++
		}
	}
	return n
}

// jobProblem compares the job CI stored with the body that created it.
func jobProblem(b map[string]any, d *cosclient.JobDetail) string {
	const absent = "\x00absent"
	opt := func(path string) string {
		if _, ok := at(b, path); !ok {
			return absent
		}
		return str(b, path)
	}
	deref := func(p *string) string {
		if p == nil {
			return absent
		}
		return *p
	}
	in := d.Input
	if in == nil {
		in = &cosclient.JobInput{}
	}
	op := d.Operation
	if op == nil {
		op = &cosclient.JobOperation{}
	}
	var out cosclient.JobOutput
	if op.Output != nil {
		out = *op.Output
	}
	var ti cosclient.TimeInterval
	if op.TimeInterval != nil {
		ti = *op.TimeInterval
	}
	var mq cosclient.CallBackMqConfig
	if op.CallBackMqConfig != nil {
		mq = *op.CallBackMqConfig
	}
	typ := cmp.Or(str(b, "type"), string(cosclient.JobTypeWorkflow))
	checks := []struct{ path, want, got string }{
		{"name", str(b, "name"), d.Name},
		{"type", typ, string(d.Type)},
		{"input.prefix", opt("input.prefix"), deref(in.Prefix)},
		{"input.object", opt("input.object"), deref(in.Object)},
		{"input.manifest", opt("input.manifest"), deref(in.Manifest)},
		{"input.urlFile", opt("input.urlFile"), deref(in.URLFile)},
		{"operation.workflowIds", str(b, "operation.workflowIds"), op.WorkflowIDs},
		{"operation.tag", str(b, "operation.tag"), op.Tag},
		{"operation.queueId", str(b, "operation.queueId"), op.QueueID},
		{"operation.userData", str(b, "operation.userData"), op.UserData},
		{"operation.callBack", str(b, "operation.callBack"), op.CallBack},
		{"operation.callBackFormat", str(b, "operation.callBackFormat"), op.CallBackFormat},
		{"operation.callBackType", str(b, "operation.callBackType"), op.CallBackType},
		{"operation.output.region", str(b, "operation.output.region"), out.Region},
		{"operation.output.bucket", str(b, "operation.output.bucket"), out.Bucket},
		{"operation.output.object", str(b, "operation.output.object"), out.Object},
		{"operation.timeInterval.start", str(b, "operation.timeInterval.start"), ti.Start},
		{"operation.timeInterval.end", str(b, "operation.timeInterval.end"), ti.End},
		{"operation.callBackMqConfig.mqRegion", str(b, "operation.callBackMqConfig.mqRegion"), mq.MqRegion},
		{"operation.callBackMqConfig.mqMode", str(b, "operation.callBackMqConfig.mqMode"), mq.MqMode},
		{"operation.callBackMqConfig.mqName", str(b, "operation.callBackMqConfig.mqName"), mq.MqName},
	}
	for _, c := range checks {
		if c.got != c.want {
			return fmt.Sprintf("job %s = %q, want %q", c.path, c.got, c.want)
		}
	}
	v, _ := at(b, "operation.jobLevel")
	var level int64 // absent and null are 0; the API refuses what is not an integer
	if n, ok := v.(json.Number); ok {
		level, _ = n.Int64()
	}
	if level != int64(op.JobLevel) {
		return fmt.Sprintf("job operation.jobLevel = %d, want %d", op.JobLevel, level)
	}
	var want, got []string
	if p, ok := at(b, "operation.jobParam"); ok {
		if obj, ok := p.(map[string]any); ok {
			for k, v := range obj {
				flattenJSON(k, v, &want)
			}
		}
	}
	if op.JobParam != nil {
		flattenNodes("", op.JobParam.Nodes, &got)
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(want, got) {
		return fmt.Sprintf("job operation.jobParam = %q, want %q", got, want)
	}
	return ""
}

// flattenJSON lists a jobParam value as "path=text" leaves, as its XML
// form must hold them: an object's members are child elements, an array
// the element repeated, a scalar the element's text (null and {} empty).
func flattenJSON(path string, v any, out *[]string) {
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 0 {
			*out = append(*out, path+"=")
		}
		for k, x := range v {
			flattenJSON(path+"/"+k, x, out)
		}
	case []any:
		for _, x := range v {
			flattenJSON(path, x, out)
		}
	case nil:
		*out = append(*out, path+"=")
	default:
		*out = append(*out, path+"="+fmt.Sprint(v))
	}
}

// flattenNodes lists an element tree as "path=text" leaves.
func flattenNodes(path string, nodes []cosclient.Node, out *[]string) {
	for _, n := range nodes {
		p := n.XMLName.Local
		if path != "" {
			p = path + "/" + p
		}
		if len(n.Nodes) == 0 {
			*out = append(*out, p+"="+n.Text)
			continue
		}
		flattenNodes(p, n.Nodes, out)
	}
}
