package cosclient

import (
	"encoding/xml"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"testing"
)

func TestTriggerWorkflowWire(t *testing.T) {
	tests := []struct {
		name      string
		in        TriggerWorkflowInput
		wantQuery url.Values
		noName    bool
	}{
		{"with name", TriggerWorkflowInput{WorkflowID: testWorkflow, Object: "dir/a b+c%d/图片.jpg", Name: "任务_1-a"},
			url.Values{"workflowId": {testWorkflow}, "object": {"dir/a b+c%d/图片.jpg"}, "name": {"任务_1-a"}}, false},
		{"empty name omitted", TriggerWorkflowInput{WorkflowID: testWorkflow, Object: "x.png"},
			url.Values{"workflowId": {testWorkflow}, "object": {"x.png"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeCI(t, xmlReply(200, triggerOK))
			out, err := f.client(t).TriggerWorkflow(bg, &tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if out.InstanceID != "i0123456789abcdef0123456789abcdef" || out.RequestID != "body-req" {
				t.Errorf("output = %+v", out)
			}
			if out.Meta.Attempts != 1 || out.Meta.RequestID != "req-1" || out.Meta.Duration <= 0 {
				t.Errorf("meta = %+v", out.Meta)
			}
			r := f.requests()[0]
			if r.Method != "POST" || r.Path != "/triggerworkflow" || r.Host != testHost || !r.SigOK {
				t.Errorf("request = %s %s host %s sigOK %v", r.Method, r.Path, r.Host, r.SigOK)
			}
			q, _ := url.ParseQuery(r.RawQuery)
			if !reflect.DeepEqual(q, tt.wantQuery) {
				t.Errorf("query = %v, want %v", q, tt.wantQuery)
			}
			if tt.noName && has(r.RawQuery, "name") {
				t.Errorf("empty name sent: %s", r.RawQuery)
			}
			if r.Body != "" || r.Header.Get("Content-Length") != "0" {
				t.Errorf("body %q content-length %q", r.Body, r.Header.Get("Content-Length"))
			}
		})
	}
}

func TestCreateInventoryTriggerJobWire(t *testing.T) {
	param := &JobParam{}
	if err := param.UnmarshalJSON([]byte(`{"ImageInspect":{"ProcessType":"BackupObject","AutoProcess":true}}`)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   CreateInventoryTriggerJobInput
	}{
		{"workflow prefix", CreateInventoryTriggerJobInput{Name: "backfill", Input: JobInput{Prefix: ptr("")},
			Operation: JobOperation{WorkflowIDs: testWorkflow, TimeInterval: &TimeInterval{Start: "2026-11-20T00:00:00+0800", End: "2026-11-22T02:00:00+08:00"}}}},
		{"workflow manifest", CreateInventoryTriggerJobInput{Name: "m", Type: JobTypeWorkflow, Input: JobInput{Manifest: ptr("inv/manifest.json")},
			Operation: JobOperation{WorkflowIDs: testWorkflow + "," + testWorkflow}}},
		{"workflow urlfile", CreateInventoryTriggerJobInput{Name: "u", Input: JobInput{URLFile: ptr("urls.txt")},
			Operation: JobOperation{WorkflowIDs: testWorkflow}}},
		{"job object all fields", CreateInventoryTriggerJobInput{Name: "审核-1", Type: JobTypeJob, Input: JobInput{Object: ptr("a & <b>.jpg")},
			Operation: JobOperation{Tag: "ImageInspect", JobParam: param, QueueID: "p0123", UserData: "u=1&x<y",
				JobLevel: 2, CallBack: "https://cb.example/x", CallBackFormat: "JSON", CallBackType: "TDMQ",
				CallBackMqConfig: &CallBackMqConfig{MqRegion: "bj", MqMode: "Queue", MqName: "q"},
				Output:           &JobOutput{Region: testRegion, Bucket: testBucket, Object: "out/${Name}"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeCI(t, xmlReply(200, `<Response><RequestId>r</RequestId><JobsDetail><Code>Success</Code><JobId>b1</JobId><State>Submitted</State><Name>`+tt.in.Name+`</Name></JobsDetail></Response>`))
			out, err := f.client(t).CreateInventoryTriggerJob(bg, &tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if out.JobsDetail == nil || out.JobsDetail.JobID != "b1" || out.JobsDetail.State != JobStateSubmitted || out.JobsDetail.Name != tt.in.Name {
				t.Errorf("JobsDetail = %+v", out.JobsDetail)
			}
			r := f.requests()[0]
			if r.Method != "POST" || r.Path != "/inventorytriggerjob" || r.RawQuery != "" || !r.SigOK {
				t.Errorf("request = %s %s?%s sigOK %v", r.Method, r.Path, r.RawQuery, r.SigOK)
			}
			if r.Header.Get("Content-Type") != "application/xml" || r.Header.Get("Content-Length") != itoa(len(r.Body)) {
				t.Errorf("headers = %v", r.Header)
			}
			var got CreateInventoryTriggerJobInput
			if err := xml.Unmarshal([]byte(r.Body), &got); err != nil {
				t.Fatalf("body %s: %v", r.Body, err)
			}
			want := tt.in
			want.XMLName = xml.Name{Local: "Request"}
			if want.Operation.JobParam != nil { // compare the JobParam as re-encoded XML
				a, _ := xml.Marshal(want.Operation.JobParam)
				b, _ := xml.Marshal(got.Operation.JobParam)
				if string(a) != string(b) {
					t.Errorf("JobParam = %s, want %s", b, a)
				}
				want.Operation.JobParam, got.Operation.JobParam = nil, nil
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("body decodes to %+v\nwant %+v\nbody %s", got, want, r.Body)
			}
		})
	}
}

func TestCreateJobParamXML(t *testing.T) {
	var p JobParam
	if err := p.UnmarshalJSON([]byte(`{"ImageInspect":{"ProcessType":"BackupObject","AutoProcess":true}}`)); err != nil {
		t.Fatal(err)
	}
	b, err := xml.Marshal(&JobOperation{Tag: "ImageInspect", JobParam: &p})
	if err != nil {
		t.Fatal(err)
	}
	want := `<JobOperation><Tag>ImageInspect</Tag><JobParam><ImageInspect><AutoProcess>true</AutoProcess><ProcessType>BackupObject</ProcessType></ImageInspect></JobParam></JobOperation>`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

func TestDescribeInventoryTriggerJobsWire(t *testing.T) {
	tests := []struct {
		name string
		in   DescribeInventoryTriggerJobsInput
		want url.Values
	}{
		{"defaults send type", DescribeInventoryTriggerJobsInput{}, url.Values{"type": {"Workflow"}}},
		{"all filters", DescribeInventoryTriggerJobsInput{NextToken: "tok+/=", Size: 100, Type: JobTypeJob, OrderByTime: "Asc",
			States: []JobState{JobStateRunning, JobStateFailed}, StartCreationTime: "2026-11-20T00:00:00+0800",
			EndCreationTime: "2026-11-22T00:00:00+0800", WorkflowID: testWorkflow, JobID: "b1", Name: "n"},
			url.Values{"nextToken": {"tok+/="}, "size": {"100"}, "type": {"Job"}, "orderByTime": {"Asc"},
				"states": {"Running,Failed"}, "startCreationTime": {"2026-11-20T00:00:00+0800"},
				"endCreationTime": {"2026-11-22T00:00:00+0800"}, "workflowId": {testWorkflow}, "jobId": {"b1"}, "name": {"n"}}},
	}
	page := `<Response><RequestId>r</RequestId>
<JobsDetail><JobId>b1</JobId><State>Running</State><Type>Workflow</Type><Name>one</Name><Input><Prefix>p/</Prefix></Input><Operation><WorkflowIds>` + testWorkflow + `</WorkflowIds></Operation></JobsDetail>
<JobsDetail><JobId>b2</JobId><State>Success</State></JobsDetail>
<JobsDetail><JobId>b3</JobId><State>Failed</State></JobsDetail>
<NextToken>next</NextToken></Response>`
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeCI(t, xmlReply(200, page))
			out, err := f.client(t).DescribeInventoryTriggerJobs(bg, &tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if len(out.JobsDetail) != 3 || out.JobsDetail[2].JobID != "b3" || out.NextToken != "next" {
				t.Errorf("page = %+v", out)
			}
			d := out.JobsDetail[0]
			if d.Name != "one" || d.Type != JobTypeWorkflow || d.Input == nil || d.Input.Prefix == nil || *d.Input.Prefix != "p/" || d.Operation.WorkflowIDs != testWorkflow {
				t.Errorf("detail 0 = %+v", d)
			}
			r := f.requests()[0]
			if r.Method != "GET" || r.Path != "/inventorytriggerjob" || !r.SigOK || r.Header.Get("Content-Length") != "" {
				t.Errorf("request = %+v", r)
			}
			q, _ := url.ParseQuery(r.RawQuery)
			if !reflect.DeepEqual(q, tt.want) {
				t.Errorf("query = %v\nwant %v", q, tt.want)
			}
		})
	}
}

func TestDescribeInventoryTriggerJobWire(t *testing.T) {
	const id = "b/odd id?#%"
	tests := []struct {
		name     string
		body     string
		notFound bool
	}{
		{"found", `<Response><RequestId>r</RequestId><JobsDetail><JobId>` + "b/odd id?#%" + `</JobId><State>Running</State></JobsDetail></Response>`, false},
		{"NonExistJobIds", `<Response><RequestId>r</RequestId><NonExistJobIds>` + id + `</NonExistJobIds></Response>`, true},
		{"NonExistJobId", `<Response><RequestId>r</RequestId><NonExistJobId>` + id + `</NonExistJobId></Response>`, true},
		{"no JobsDetail", `<Response><RequestId>r</RequestId></Response>`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeCI(t, xmlReply(200, tt.body))
			out, err := f.client(t).DescribeInventoryTriggerJob(bg, &DescribeInventoryTriggerJobInput{JobID: id})
			r := f.requests()[0]
			if r.Method != "GET" || r.Path != "/inventorytriggerjob/"+id || !r.SigOK {
				t.Errorf("request %s %s (raw %s) sigOK %v", r.Method, r.Path, r.RawPath, r.SigOK)
			}
			if tt.notFound {
				var nf *NotFoundError
				if !errors.As(err, &nf) || nf.JobID != id || nf.RequestID != "req-1" {
					t.Fatalf("err = %v, want *NotFoundError for %q", err, id)
				}
				if Retryable(err) {
					t.Error("not found is retryable")
				}
				return
			}
			if err != nil || out.JobsDetail.State != JobStateRunning {
				t.Fatalf("out %+v err %v", out, err)
			}
		})
	}
}

func TestCancelInventoryTriggerJobWire(t *testing.T) {
	f := newFakeCI(t, func(_ int, w http.ResponseWriter, _ *http.Request) {})
	out, err := f.client(t).CancelInventoryTriggerJob(bg, &CancelInventoryTriggerJobInput{JobID: "b3deffea2f84911ec9cb15254008618d9"})
	if err != nil {
		t.Fatal(err)
	}
	if out.RequestID != "req-1" || out.Meta.Attempts != 1 {
		t.Errorf("out = %+v", out)
	}
	r := f.requests()[0]
	if r.Method != "PUT" || r.Path != "/inventorytriggerjob/b3deffea2f84911ec9cb15254008618d9" || r.RawQuery != "cancel" || !r.SigOK {
		t.Errorf("request = %+v", r)
	}
	a, _ := cossignParse(r.Header.Get("Authorization"))
	if !reflect.DeepEqual(a.ParamList, []string{"cancel"}) || !reflect.DeepEqual(a.HeaderList, []string{"content-length", "host"}) {
		t.Errorf("signed params %v headers %v", a.ParamList, a.HeaderList)
	}
}
