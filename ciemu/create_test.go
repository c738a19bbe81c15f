package ciemu

import (
	"crypto/md5"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/cosflow/cosflow/cosclient"
)

func TestCreateJobEchoesInputAndOperation(t *testing.T) {
	e, srv := newTestServer(t, Options{})
	body := `<Request>
	<Name>检查-job_1</Name><Type>Job</Type>
	<Input><Manifest>inventory/manifest.json</Manifest></Input>
	<Operation>
		<TimeInterval><Start>2026-11-01T00:00:00+0800</Start><End>2026-11-22T02:00:00+0800</End></TimeInterval>
		<Tag>ImageInspect</Tag>
		<JobParam><ImageInspect><AutoProcess>true</AutoProcess><ProcessType>DeleteObject</ProcessType></ImageInspect></JobParam>
		<Output><Region>ap-guangzhou</Region><Bucket>out-1250000000</Bucket><Object>r/${Number}</Object></Output>
		<QueueId>p0123456789abcdef0123456789abcdef</QueueId>
		<UserData>hello world</UserData><JobLevel>2</JobLevel>
		<CallBack>https://example.com/cb</CallBack><CallBackFormat>JSON</CallBackFormat><CallBackType>Url</CallBackType>
	</Operation></Request>`
	d := createJob(t, srv, e.now(), body)
	if d.JobID[0] != 'b' || len(d.JobID) != 33 || d.Code != "Success" || d.Type != "Job" || d.Name != "检查-job_1" ||
		d.Tag != "ImageInspect" || d.State != "Submitted" || d.StartTime != "-" || d.EndTime != "-" ||
		d.QueueID != "p0123456789abcdef0123456789abcdef" {
		t.Errorf("detail %+v", d)
	}
	if _, err := cosclient.ParseTime(d.CreationTime); err != nil {
		t.Errorf("CreationTime %q: %v", d.CreationTime, err)
	}
	if d.Input == nil || d.Input.Manifest == nil || *d.Input.Manifest != "inventory/manifest.json" {
		t.Errorf("Input %+v", d.Input)
	}
	op := d.Operation
	if op == nil || op.TimeInterval == nil || op.TimeInterval.End != "2026-11-22T02:00:00+0800" || op.JobLevel != 2 ||
		op.UserData != "hello world" || op.Output == nil || op.Output.Object != "r/${Number}" || op.CallBackFormat != "JSON" {
		t.Fatalf("Operation %+v", op)
	}
	if op.JobParam == nil || len(op.JobParam.Nodes) != 1 || op.JobParam.Nodes[0].XMLName.Local != "ImageInspect" ||
		len(op.JobParam.Nodes[0].Nodes) != 2 || op.JobParam.Nodes[0].Nodes[1].Text != "DeleteObject" {
		t.Errorf("JobParam %+v", op.JobParam)
	}
	if jobs := e.Jobs(testBucket); len(jobs) != 1 || jobs[0].JobID != d.JobID {
		t.Errorf("Jobs = %+v", jobs)
	}
	if jobs := e.Jobs("other-1250000000"); len(jobs) != 0 {
		t.Errorf("jobs leak across buckets: %+v", jobs)
	}
}

func TestCreateJobDefaults(t *testing.T) {
	_, srv := newTestServer(t, Options{})
	d := createJob(t, srv, time.Now(), "<Request><Name>n</Name><Input><Prefix></Prefix></Input><Operation><WorkflowIds>"+testWF+"</WorkflowIds></Operation></Request>")
	if d.Type != cosclient.JobTypeWorkflow || d.QueueID != defaultQueueID(testBucket) || d.Input.Prefix == nil || *d.Input.Prefix != "" {
		t.Errorf("detail %+v (input %+v)", d, d.Input)
	}
}

func TestCreateJobRejects(t *testing.T) {
	_, srv := newTestServer(t, Options{})
	op := "<Operation><WorkflowIds>" + testWF + "</WorkflowIds></Operation>"
	in := "<Input><Object>a.jpg</Object></Input>"
	tests := []struct {
		name, body string
		header     map[string]string
		code       string
		inMsg      string
	}{
		{"empty body", "", nil, "MissingContent", "body"},
		{"not xml", "hello", nil, "MalformedXML", "Request"},
		{"unclosed", "<Request><Name>n</Name>", nil, "MalformedXML", ""},
		{"wrong root", "<Job><Name>n</Name></Job>", nil, "MalformedXML", "Request"},
		{"no name", "<Request>" + in + op + "</Request>", nil, "InvalidArgument", "Name"},
		{"long name", "<Request><Name>" + strings.Repeat("n", 129) + "</Name>" + in + op + "</Request>", nil, "InvalidArgument", "Name"},
		{"bad name", "<Request><Name>a b</Name>" + in + op + "</Request>", nil, "InvalidArgument", "Name"},
		{"bad type", "<Request><Name>n</Name><Type>Batch</Type>" + in + op + "</Request>", nil, "InvalidArgument", "Type"},
		{"no input", "<Request><Name>n</Name><Input></Input>" + op + "</Request>", nil, "InvalidArgument", "Input"},
		{"two inputs", "<Request><Name>n</Name><Input><Object>a</Object><Prefix>p</Prefix></Input>" + op + "</Request>", nil, "InvalidArgument", "Input: needs exactly one of"},
		{"long key", "<Request><Name>n</Name><Input><Object>" + strings.Repeat("k", 851) + "</Object></Input>" + op + "</Request>", nil, "InvalidArgument", "Input.Object"},
		{"no workflow", "<Request><Name>n</Name>" + in + "<Operation></Operation></Request>", nil, "InvalidArgument", "WorkflowIds"},
		{"bad workflow", "<Request><Name>n</Name>" + in + "<Operation><WorkflowIds>wXYZ</WorkflowIds></Operation></Request>", nil, "InvalidArgument", "WorkflowIds"},
		{"job without tag", "<Request><Name>n</Name><Type>Job</Type>" + in + op + "</Request>", nil, "InvalidArgument", "Tag"},
		{"bad interval", "<Request><Name>n</Name>" + in + "<Operation><WorkflowIds>" + testWF + "</WorkflowIds><TimeInterval><Start>yesterday</Start></TimeInterval></Operation></Request>", nil, "InvalidArgument", "TimeInterval.Start"},
		{"job level", "<Request><Name>n</Name>" + in + "<Operation><WorkflowIds>" + testWF + "</WorkflowIds><JobLevel>3</JobLevel></Operation></Request>", nil, "InvalidArgument", "JobLevel"},
		{"job level text", "<Request><Name>n</Name>" + in + "<Operation><WorkflowIds>" + testWF + "</WorkflowIds><JobLevel>high</JobLevel></Operation></Request>", nil, "MalformedXML", ""},
		{"user data", "<Request><Name>n</Name>" + in + "<Operation><WorkflowIds>" + testWF + "</WorkflowIds><UserData>tab\there</UserData></Operation></Request>", nil, "InvalidArgument", "UserData"},
		{"callback format", "<Request><Name>n</Name>" + in + "<Operation><WorkflowIds>" + testWF + "</WorkflowIds><CallBackFormat>YAML</CallBackFormat></Operation></Request>", nil, "InvalidArgument", "CallBackFormat"},
		{"callback type", "<Request><Name>n</Name>" + in + "<Operation><WorkflowIds>" + testWF + "</WorkflowIds><CallBackType>Kafka</CallBackType></Operation></Request>", nil, "InvalidArgument", "CallBackType"},
		{"content-md5 mismatch", workflowJobBody("n", "p/"), map[string]string{"Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg=="}, "InvalidContent", "Content-MD5"},
		{"too large", "<Request><Name>n</Name>" + strings.Repeat(" ", 1<<20) + "</Request>", nil, "InvalidArgument", "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := testCall{method: "POST", target: "/inventorytriggerjob", body: tt.body, header: tt.header}.do(t, srv)
			eb := wantError(t, a, 400, tt.code)
			if !strings.Contains(eb.Message, tt.inMsg) {
				t.Errorf("message %q does not mention %q", eb.Message, tt.inMsg)
			}
		})
	}
}

func TestCreateJobContentMD5(t *testing.T) {
	_, srv := newTestServer(t, Options{})
	body := workflowJobBody("n", "p/")
	sum := md5.Sum([]byte(body))
	a := testCall{method: "POST", target: "/inventorytriggerjob", body: body,
		header: map[string]string{"Content-MD5": base64.StdEncoding.EncodeToString(sum[:])}}.do(t, srv)
	if a.status != 200 {
		t.Fatalf("status %d: %s", a.status, a.body)
	}
}

func TestTriggerWorkflowRejects(t *testing.T) {
	e, srv := newTestServer(t, Options{})
	tests := []struct{ name, query, inMsg string }{
		{"no workflow", "object=a.jpg", "workflowId"},
		{"bad workflow", "workflowId=w123&object=a.jpg", "workflowId"},
		{"upper-case workflow", "workflowId=W1234567890ABCDEF1234567890ABCDEF&object=a.jpg", "workflowId"},
		{"no object", "workflowId=" + testWF, "object"},
		{"long object", "workflowId=" + testWF + "&object=" + strings.Repeat("k", 851), "object"},
		{"bad name", "workflowId=" + testWF + "&object=a.jpg&name=a%20b", "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := testCall{method: "POST", target: "/triggerworkflow?" + tt.query}.do(t, srv)
			eb := wantError(t, a, 400, "InvalidArgument")
			if !strings.Contains(eb.Message, tt.inMsg) {
				t.Errorf("message %q does not mention %q", eb.Message, tt.inMsg)
			}
		})
	}
	if n := e.TotalTriggers(); n != 0 {
		t.Errorf("rejected triggers counted: %d", n)
	}
}

func TestRouting(t *testing.T) {
	_, srv := newTestServer(t, Options{})
	wantError(t, testCall{method: "GET", target: "/triggerworkflow"}.do(t, srv), 405, "MethodNotAllowed")
	wantError(t, testCall{method: "DELETE", target: "/inventorytriggerjob/b1"}.do(t, srv), 405, "MethodNotAllowed")
	wantError(t, testCall{method: "GET", target: "/template"}.do(t, srv), 404, "ResourceNotFound")
	wantError(t, testCall{method: "GET", target: "/inventorytriggerjob/a/b"}.do(t, srv), 404, "ResourceNotFound")
	// An unknown route still needs a valid signature first.
	wantError(t, testCall{method: "GET", target: "/template", noAuth: true}.do(t, srv), 401, "MissingAuthorization")
}
