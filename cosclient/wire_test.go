package cosclient

import (
	"encoding/xml"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go/middleware"
)

// TestWire checks each operation on the wire: method, host, path, the
// exact query (order and COS escaping), what is signed, and how the
// answer (a fixture from the API reference's examples) decodes.
func TestWire(t *testing.T) {
	const object = "dir/a b+c%d/图片.jpg"
	tests := []struct {
		name          string
		answer        string // answered with 200
		call          func(*Client) (any, error)
		method, host  string
		path          string
		rawQuery      string
		signedHeaders []string
		check         func(t *testing.T, out any)
	}{
		{
			name:   "TriggerWorkflow",
			answer: triggerOK,
			call: func(c *Client) (any, error) {
				return c.TriggerWorkflow(bg, &TriggerWorkflowInput{WorkflowID: testWorkflow, Object: object, Name: "任务_1-a"})
			},
			method: "POST", host: testHost, path: "/triggerworkflow",
			rawQuery:      "workflowId=" + testWorkflow + "&object=dir%2Fa%20b%2Bc%25d%2F%E5%9B%BE%E7%89%87.jpg&name=%E4%BB%BB%E5%8A%A1_1-a",
			signedHeaders: []string{"content-length", "host"},
			check: func(t *testing.T, out any) {
				o := out.(*TriggerWorkflowOutput)
				if o.InstanceID != testRunID || o.RequestID != "body-req" {
					t.Errorf("output = %+v", o)
				}
			},
		},
		{
			name:   "TriggerWorkflow without name",
			answer: triggerOK,
			call: func(c *Client) (any, error) {
				return c.TriggerWorkflow(bg, &TriggerWorkflowInput{WorkflowID: testWorkflow, Object: "x.png"})
			},
			method: "POST", host: testHost, path: "/triggerworkflow",
			rawQuery:      "workflowId=" + testWorkflow + "&object=x.png",
			signedHeaders: []string{"content-length", "host"},
		},
		{
			name:   "CreateInventoryTriggerJob",
			answer: `<Response><RequestId>r</RequestId><JobsDetail><Code>Success</Code><JobId>b1</JobId><State>Submitted</State><Name>n</Name></JobsDetail></Response>`,
			call: func(c *Client) (any, error) {
				return c.CreateInventoryTriggerJob(bg, &CreateInventoryTriggerJobInput{Name: "n", Input: JobInput{Prefix: ptr("")},
					Operation: JobOperation{WorkflowIDs: testWorkflow}})
			},
			method: "POST", host: testHost, path: "/inventorytriggerjob",
			signedHeaders: []string{"content-length", "content-type", "host"},
			check: func(t *testing.T, out any) {
				d := out.(*CreateInventoryTriggerJobOutput).JobsDetail
				if d == nil || d.JobID != "b1" || d.State != JobStateSubmitted || d.Code != "Success" {
					t.Errorf("JobsDetail = %+v", d)
				}
			},
		},
		{
			name:   "DescribeInventoryTriggerJobs defaults send type",
			answer: `<Response><RequestId>r</RequestId></Response>`,
			call: func(c *Client) (any, error) {
				return c.DescribeInventoryTriggerJobs(bg, nil)
			},
			method: "GET", host: testHost, path: "/inventorytriggerjob", rawQuery: "type=Workflow",
			signedHeaders: []string{"host"},
			check: func(t *testing.T, out any) {
				if o := out.(*DescribeInventoryTriggerJobsOutput); len(o.JobsDetail) != 0 || o.NextToken != "" {
					t.Errorf("empty page = %+v", o)
				}
			},
		},
		{
			name:   "DescribeInventoryTriggerJobs every filter",
			answer: "jobs_page.xml",
			call: func(c *Client) (any, error) {
				return c.DescribeInventoryTriggerJobs(bg, &DescribeInventoryTriggerJobsInput{NextToken: "tok+/=", Size: 100, Type: JobTypeJob,
					OrderByTime: "Asc", States: []JobState{JobStateRunning, JobStateFailed}, StartCreationTime: "2026-11-20T00:00:00+0800",
					EndCreationTime: "2026-11-22T00:00:00+0800", WorkflowID: testWorkflow, JobID: "b1", Name: "审核-1"})
			},
			method: "GET", host: testHost, path: "/inventorytriggerjob",
			rawQuery: "type=Job&nextToken=tok%2B%2F%3D&size=100&orderByTime=Asc&states=Running%2CFailed" +
				"&startCreationTime=2026-11-20T00%3A00%3A00%2B0800&endCreationTime=2026-11-22T00%3A00%3A00%2B0800" +
				"&workflowId=" + testWorkflow + "&jobId=b1&name=%E5%AE%A1%E6%A0%B8-1",
			signedHeaders: []string{"host"},
			check: func(t *testing.T, out any) {
				o := out.(*DescribeInventoryTriggerJobsOutput)
				var ids []string
				for _, d := range o.JobsDetail {
					ids = append(ids, d.JobID)
				}
				if !reflect.DeepEqual(ids, []string{"b1", "b2", "b3"}) || o.NextToken != "next-page" {
					t.Fatalf("page: ids %v, token %q", ids, o.NextToken)
				}
				d := o.JobsDetail[0]
				if d.Name != "backfill-uploads" || d.Type != JobTypeWorkflow || d.State != JobStateRunning || d.Progress != "40%" ||
					d.EndTime != "-" || d.Input == nil || d.Input.Prefix == nil || *d.Input.Prefix != "uploads/" ||
					d.Operation == nil || d.Operation.WorkflowIDs != testWorkflow || d.Operation.TimeInterval.End != "2026-11-22T00:00:00+0800" {
					t.Errorf("detail 0 = %+v", d)
				}
				p := o.JobsDetail[1].Operation.JobParam
				if p == nil || len(p.Nodes) != 1 || p.Nodes[0].XMLName.Local != "ImageInspect" || len(p.Nodes[0].Nodes) != 2 ||
					p.Nodes[0].Nodes[1].XMLName.Local != "ProcessType" || p.Nodes[0].Nodes[1].Text != "BackupObject" {
					t.Errorf("JobParam of detail 1 = %+v", p)
				}
				if d := o.JobsDetail[2]; d.Code != "InvalidArgument" || d.Message != "bad manifest" || d.State != JobStateFailed {
					t.Errorf("detail 2 = %+v", d)
				}
			},
		},
		{
			name:   "DescribeInventoryTriggerJob",
			answer: "job.xml",
			call: func(c *Client) (any, error) {
				return c.DescribeInventoryTriggerJob(bg, &DescribeInventoryTriggerJobInput{JobID: testJobID})
			},
			method: "GET", host: testHost, path: "/inventorytriggerjob/" + testJobID,
			signedHeaders: []string{"host"},
			check: func(t *testing.T, out any) {
				d := out.(*DescribeInventoryTriggerJobOutput).JobsDetail
				if d.JobID != testJobID || d.State != JobStateRunning || *d.Input.Object != "uploads/photo.jpg" {
					t.Errorf("detail = %+v", d)
				}
			},
		},
		{
			name: "CancelInventoryTriggerJob",
			call: func(c *Client) (any, error) {
				return c.CancelInventoryTriggerJob(bg, &CancelInventoryTriggerJobInput{JobID: testJobID})
			},
			method: "PUT", host: testHost, path: "/inventorytriggerjob/" + testJobID, rawQuery: "cancel",
			signedHeaders: []string{"content-length", "host"},
		},
		{
			name:   "DescribeWorkflowExecutions defaults",
			answer: `<Response><RequestId>r</RequestId></Response>`,
			call: func(c *Client) (any, error) {
				return c.DescribeWorkflowExecutions(bg, &DescribeWorkflowExecutionsInput{WorkflowID: testWorkflow})
			},
			method: "GET", host: testHost, path: "/workflowexecution", rawQuery: "workflowId=" + testWorkflow,
			signedHeaders: []string{"host"},
		},
		{
			name:   "DescribeWorkflowExecutions every filter",
			answer: "executions_page.xml",
			call: func(c *Client) (any, error) {
				return c.DescribeWorkflowExecutions(bg, &DescribeWorkflowExecutionsInput{WorkflowID: testWorkflow, Name: "dir/a.mp4",
					States: []ExecutionState{ExecutionStateSuccess, ExecutionStateFailed}, StartCreationTime: "2022-06-30T00:00:00+0800",
					EndCreationTime: "2022-07-01T00:00:00+0800", OrderByTime: "Desc", Size: 2, NextToken: "t/1", JobID: "b1"})
			},
			method: "GET", host: testHost, path: "/workflowexecution",
			rawQuery: "workflowId=" + testWorkflow + "&name=dir%2Fa.mp4&states=Success%2CFailed" +
				"&startCreationTime=2022-06-30T00%3A00%3A00%2B0800&endCreationTime=2022-07-01T00%3A00%3A00%2B0800" +
				"&orderByTime=Desc&size=2&nextToken=t%2F1&jobId=b1",
			signedHeaders: []string{"host"},
			check: func(t *testing.T, out any) {
				o := out.(*DescribeWorkflowExecutionsOutput)
				if len(o.WorkflowExecutionList) != 2 || o.NextToken != "exec-next" {
					t.Fatalf("page = %+v", o)
				}
				want := time.Date(2022, 6, 30, 19, 30, 21, 0, chinaTime)
				for i, e := range o.WorkflowExecutionList {
					// The API reference's CreateTime and the Go SDK's
					// CreationTime are both read.
					if got, err := e.Created(); err != nil || !got.Equal(want.Add(time.Duration(i)*39*time.Second)) {
						t.Errorf("execution %d created %v, %v", i, got, err)
					}
				}
				if e := o.WorkflowExecutionList[0]; e.RunID != testRunID || e.WorkflowID != testWorkflow || e.Object != "dir/a.mp4" || e.State != ExecutionStateSuccess {
					t.Errorf("execution 0 = %+v", e)
				}
			},
		},
		{
			name:   "DescribeWorkflowExecution",
			answer: "execution.xml",
			call: func(c *Client) (any, error) {
				return c.DescribeWorkflowExecution(bg, &DescribeWorkflowExecutionInput{RunID: testRunID})
			},
			method: "GET", host: testHost, path: "/workflowexecution/" + testRunID,
			signedHeaders: []string{"host"},
			check: func(t *testing.T, out any) {
				e := out.(*DescribeWorkflowExecutionOutput).WorkflowExecution
				if e.RunID != testRunID || e.WorkflowName != "snapshot-flow" || e.State != ExecutionStateSuccess || e.Topology == nil {
					t.Fatalf("execution = %+v", e)
				}
				var names []string
				for _, n := range e.Topology.Nodes {
					for _, c := range n.Nodes {
						names = append(names, n.XMLName.Local+"/"+c.XMLName.Local)
					}
				}
				want := []string{"Dependencies/Start", "Dependencies/Snapshot_1581665960536", "Nodes/Start", "Nodes/Snapshot_1581665960536"}
				if !reflect.DeepEqual(names, want) {
					t.Errorf("topology %q, want %q", names, want)
				}
			},
		},
		{
			name:   "ListObjects on the COS host",
			answer: "list_bucket.xml",
			call: func(c *Client) (any, error) {
				return c.ListObjects(bg, &ListObjectsInput{Prefix: "dir/", Marker: "dir/0.jpg", MaxKeys: 2})
			},
			method: "GET", host: testCOSHost, path: "/", rawQuery: "prefix=dir%2F&marker=dir%2F0.jpg&max-keys=2",
			signedHeaders: []string{"host"},
			check: func(t *testing.T, out any) {
				o := out.(*ListObjectsOutput)
				want := []Object{
					{Key: "dir/a b.jpg", LastModified: "2026-11-22T10:00:00.000Z", ETag: `"098f6bcd4621d373cade4e832627b4f6"`, Size: 1024, StorageClass: "STANDARD"},
					{Key: "dir/图片.jpg", LastModified: "2026-11-22T10:00:01.000Z", ETag: `"5d41402abc4b2a76b9719d911017c592"`, Size: 0, StorageClass: "STANDARD_IA"},
				}
				if o.Name != testBucket || o.Prefix != "dir/" || o.Marker != "dir/0.jpg" || o.MaxKeys != 2 || !o.IsTruncated ||
					o.NextMarker != "dir/图片.jpg" || !reflect.DeepEqual(o.Contents, want) {
					t.Errorf("listing = %+v", o)
				}
			},
		},
		{
			name:   "ListObjects defaults",
			answer: `<ListBucketResult><Name>` + testBucket + `</Name><IsTruncated>false</IsTruncated></ListBucketResult>`,
			call: func(c *Client) (any, error) {
				return c.ListObjects(bg, nil)
			},
			method: "GET", host: testCOSHost, path: "/",
			signedHeaders: []string{"host"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answer := tt.answer
			if strings.HasSuffix(answer, ".xml") {
				answer = fixture(t, answer)
			}
			f := newFakeCI(t, always(xmlAnswer(http.StatusOK, answer)))
			out, err := tt.call(f.client(t))
			if err != nil {
				t.Fatal(err)
			}
			reqs := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests", len(reqs))
			}
			r := reqs[0]
			if r.Method != tt.method || r.Host != tt.host || r.Path != tt.path || r.RawQuery != tt.rawQuery {
				t.Errorf("request %s %s %s?%s\nwant    %s %s %s?%s", r.Method, r.Host, r.Path, r.RawQuery, tt.method, tt.host, tt.path, tt.rawQuery)
			}
			checkSigned(t, r, tt.signedHeaders)
			switch {
			case r.Method == http.MethodGet:
				if r.Body != "" || r.Header.Get("Content-Length") != "" {
					t.Errorf("GET with body %q, content-length %q", r.Body, r.Header.Get("Content-Length"))
				}
			case r.Header.Get("Content-Length") != strconv.Itoa(len(r.Body)):
				t.Errorf("content-length %q for %d bytes", r.Header.Get("Content-Length"), len(r.Body))
			}
			if (r.Body != "") != (r.Header.Get("Content-Type") == "application/xml") {
				t.Errorf("body %q with content-type %q", r.Body, r.Header.Get("Content-Type"))
			}
			md := reflect.ValueOf(out).Elem().FieldByName("ResultMetadata").Interface().(middleware.Metadata)
			id, _ := GetRequestIDMetadata(md)
			attempts, _ := GetAttemptsMetadata(md)
			if id != "req-1" || attempts != 1 {
				t.Errorf("metadata: request ID %q, attempts %d", id, attempts)
			}
			if tt.check != nil {
				tt.check(t, out)
			}
		})
	}
}

// checkSigned checks r carries a valid signature, over a window around
// now, of every query parameter and of exactly headers.
func checkSigned(t *testing.T, r seen, headers []string) {
	t.Helper()
	if !r.SigOK {
		t.Errorf("signature does not verify: %q", r.Header.Get("Authorization"))
	}
	q, _ := url.ParseQuery(r.RawQuery)
	var params []string
	for k := range q {
		params = append(params, strings.ToLower(k))
	}
	slices.Sort(params)
	if !slices.Equal(r.Auth.ParamList, params) {
		t.Errorf("signed params %q, want %q", r.Auth.ParamList, params)
	}
	if !slices.Equal(r.Auth.HeaderList, headers) {
		t.Errorf("signed headers %q, want %q", r.Auth.HeaderList, headers)
	}
	if now := time.Now(); !r.Auth.SignTime.Contains(now) || r.Auth.KeyTime != r.Auth.SignTime {
		t.Errorf("sign time %v, key time %v: not a window around now", r.Auth.SignTime, r.Auth.KeyTime)
	}
}

// TestCreateInventoryTriggerJobBody: the body carries the input exactly
// (it decodes back to it, special characters included), and one full
// input is compared with testdata/create_job_request.xml.
func TestCreateInventoryTriggerJobBody(t *testing.T) {
	jobParam := &JobParam{Nodes: []Node{{XMLName: xml.Name{Local: "ImageInspect"}, Nodes: []Node{
		{XMLName: xml.Name{Local: "AutoProcess"}, Text: "true"},
		{XMLName: xml.Name{Local: "ProcessType"}, Text: "BackupObject"},
	}}}}
	tests := []struct {
		name   string
		in     CreateInventoryTriggerJobInput
		golden string
	}{
		{"workflow prefix", CreateInventoryTriggerJobInput{Name: "backfill", Input: JobInput{Prefix: ptr("")},
			Operation: JobOperation{WorkflowIDs: testWorkflow, TimeInterval: &TimeInterval{Start: "2026-11-20T00:00:00+0800", End: "2026-11-22T02:00:00+0800"}}}, ""},
		{"workflow manifest", CreateInventoryTriggerJobInput{Name: "m", Type: JobTypeWorkflow, Input: JobInput{Manifest: ptr("inv/manifest.json")},
			Operation: JobOperation{WorkflowIDs: testWorkflow + "," + testWorkflow}}, ""},
		{"workflow urlfile", CreateInventoryTriggerJobInput{Name: "u", Input: JobInput{URLFile: ptr("urls\t.txt")},
			Operation: JobOperation{WorkflowIDs: testWorkflow}}, ""},
		{"job object every field", CreateInventoryTriggerJobInput{Name: "审核-1", Type: JobTypeJob, Input: JobInput{Object: ptr("a & <b>\r\n\"'.jpg")},
			Operation: JobOperation{Tag: "ImageInspect", JobParam: jobParam, QueueID: "p0123", UserData: `u=1&x<y>"'`,
				JobLevel: 2, CallBack: "https://cb.example/x?a=1&b=<2>", CallBackFormat: "JSON", CallBackType: "TDMQ",
				CallBackMqConfig: &CallBackMqConfig{MqRegion: "bj", MqMode: "Queue", MqName: "q"},
				Output:           &JobOutput{Region: testRegion, Bucket: testBucket, Object: "out/${Name}\t😀"}}}, "create_job_request.xml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeCI(t, always(xmlAnswer(http.StatusOK, `<Response><JobsDetail><JobId>b1</JobId></JobsDetail></Response>`)))
			if _, err := f.client(t).CreateInventoryTriggerJob(bg, &tt.in); err != nil {
				t.Fatal(err)
			}
			body := f.requests()[0].Body
			var got CreateInventoryTriggerJobInput
			if err := xml.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("body %s: %v", body, err)
			}
			want := tt.in
			want.XMLName = xml.Name{Local: "Request"}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("body decodes to %+v\nwant %+v\nbody %s", got, want, body)
			}
			if tt.golden != "" {
				if g := strings.TrimSpace(fixture(t, tt.golden)); body != g {
					t.Errorf("body\n%s\nwant (testdata/%s)\n%s", body, tt.golden, g)
				}
			}
		})
	}
}

// TestNotFound: an ID CI does not know is a *NotFoundError carrying the
// request ID, never retried; an unknown execution may also be a 404.
func TestNotFound(t *testing.T) {
	describeJob := func(c *Client) error {
		_, err := c.DescribeInventoryTriggerJob(bg, &DescribeInventoryTriggerJobInput{JobID: testJobID})
		return err
	}
	describeRun := func(c *Client) error {
		_, err := c.DescribeWorkflowExecution(bg, &DescribeWorkflowExecutionInput{RunID: testRunID})
		return err
	}
	job := fixture(t, "job.xml")
	tests := []struct {
		name     string
		call     func(*Client) error
		answer   answer
		resource string // of the *NotFoundError; "" = a 404 instead
	}{
		{"job under NonExistJobIds", describeJob, xmlAnswer(200, `<Response><RequestId>r</RequestId><NonExistJobIds>`+testJobID+`</NonExistJobIds></Response>`), "job"},
		{"job under the Go SDK's NonExistJobId", describeJob, xmlAnswer(200, `<Response><NonExistJobId>`+testJobID+`</NonExistJobId></Response>`), "job"},
		{"job without JobsDetail", describeJob, xmlAnswer(200, `<Response><RequestId>r</RequestId></Response>`), "job"},
		{"job with a detail but named unknown", describeJob, xmlAnswer(200, strings.Replace(job, "</Response>", "<NonExistJobIds>"+testJobID+"</NonExistJobIds></Response>", 1)), "job"},
		{"execution: empty answer", describeRun, xmlAnswer(200, `<Response><RequestId>r</RequestId></Response>`), "workflow execution"},
		{"execution without RunId", describeRun, xmlAnswer(200, `<Response><WorkflowExecution><State>Success</State></WorkflowExecution></Response>`), "workflow execution"},
		{"execution: 404", describeRun, errorAnswer(404, "NoSuchResource"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeCI(t, always(tt.answer))
			err := tt.call(f.client(t))
			if !NotFound(err) || Classify(err) != RetryNever || Ambiguous(err) || Accepted(err) {
				t.Fatalf("err = %v: NotFound %v, Classify %v, Ambiguous %v, Accepted %v", err, NotFound(err), Classify(err), Ambiguous(err), Accepted(err))
			}
			if n := len(f.requests()); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
			if ErrorRequestID(err) != "req-1" {
				t.Errorf("request ID %q", ErrorRequestID(err))
			}
			var nf *NotFoundError
			if got := errors.As(err, &nf); got != (tt.resource != "") {
				t.Fatalf("*NotFoundError found: %v, want %v", got, tt.resource != "")
			}
			if nf != nil {
				if nf.Resource != tt.resource || (nf.ID != testJobID && nf.ID != testRunID) || nf.RequestID != "req-1" ||
					!strings.Contains(nf.Error(), nf.ID) {
					t.Errorf("not found = %+v (%v)", nf, nf)
				}
			}
		})
	}
	// A found job is not "not found" because another ID is unknown.
	f := newFakeCI(t, always(xmlAnswer(200, strings.Replace(job, "</Response>", "<NonExistJobIds>b-other</NonExistJobIds></Response>", 1))))
	if err := describeJob(f.client(t)); err != nil {
		t.Errorf("found job with another unknown ID: %v", err)
	}
}
