package hostile_test

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/hostile"
	"github.com/cosflow/cosflow/ledger"
)

// TestHugeAnswers: a 2xx answer of 1 GB (announced, or chunked) is read
// no further than its operation's byte bound, and fails every operation
// with a *LimitError, final (RetryNever) and Accepted: the call took
// effect, its answer is unknown.
func TestHugeAnswers(t *testing.T) {
	t.Parallel()
	for _, length := range []bool{true, false} {
		for _, c := range calls {
			t.Run(c.op+"/length="+strconv.FormatBool(length), func(t *testing.T) {
				t.Parallel()
				s := hostile.Start(t, hostile.Huge(http.StatusOK, size(1<<30), "<Response><RequestId>", length))
				m := hostile.NewMeter()
				err := c.call(bounded(t), newClient(t, s, func(o *cosclient.Options) { o.HTTPClient = m.Client() }))
				var le *cosclient.LimitError
				if !errors.As(err, &le) || le.What != "bytes" {
					t.Fatalf("err = %v, want a *LimitError on bytes", err)
				}
				if cosclient.Classify(err) != cosclient.RetryNever || !cosclient.Accepted(err) || cosclient.MayHaveTakenEffect(err) != changesState[c.op] {
					t.Errorf("Classify %v, Accepted %v, MayHaveTakenEffect %v", cosclient.Classify(err), cosclient.Accepted(err), cosclient.MayHaveTakenEffect(err))
				}
				read, most := m.BodyBytes(), le.Limit+1
				if length {
					most = 0 // announced too large: not read at all
				}
				if read > most || s.Requests() != 1 {
					t.Errorf("read %d body bytes in %d requests, want at most %d in one", read, s.Requests(), most)
				}
			})
		}
	}
}

// TestHugeErrorAnswers: an error answer's body is read up to 64 KiB; a
// larger one is not used, the status decides (500 is retried, 403 not).
func TestHugeErrorAnswers(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		status   int
		code     string
		attempts int
	}{{500, "Internal Server Error", 2}, {403, "Forbidden", 1}} {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			t.Parallel()
			s := hostile.Start(t, hostile.Huge(tt.status, size(1<<30), "<Error><Code>", false))
			m := hostile.NewMeter()
			_, err := newClient(t, s, func(o *cosclient.Options) { o.HTTPClient = m.Client() }).ListObjects(bounded(t), nil)
			var ae *cosclient.APIError
			if !errors.As(err, &ae) || ae.Code != tt.code || cosclient.ErrorAttempts(err) != tt.attempts {
				t.Fatalf("err = %v (%d attempts), want code %q after %d", err, cosclient.ErrorAttempts(err), tt.code, tt.attempts)
			}
			if read := m.BodyBytes(); read > int64(tt.attempts)*(64<<10+1) {
				t.Errorf("read %d body bytes in %d attempts", read, tt.attempts)
			}
		})
	}
}

// TestDenseAnswers: tiny elements stop at the element or item bound,
// decoded no further; 16 MiB of them stop at the byte bound first, read
// no further.
func TestDenseAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		op, root, elem, what string
		within               int64 // a size inside the operation's byte bound
	}{
		{"DescribeWorkflowExecutions", "Response", "WorkflowExecutionList", "WorkflowExecutionList", 48 << 10},
		{"DescribeWorkflowExecutions", "Response", "x", "elements", 64 << 10},
		{"DescribeInventoryTriggerJobs", "Response", "JobsDetail", "JobsDetail", 48 << 10},
		{"ListObjects", "ListBucketResult", "Contents", "Contents", 48 << 10},
		{"ListObjects", "ListBucketResult", "Owner", "elements", 512 << 10},
		{"DescribeWorkflowExecution", "Response", "Topology", "elements", 256 << 10},
		{"DescribeInventoryTriggerJob", "Response", "JobParam", "elements", 128 << 10},
		{"TriggerWorkflow", "Response", "InstanceId", "elements", 4 << 10},
	}
	for _, tt := range tests {
		for _, n := range []int64{tt.within, 16 << 20} {
			t.Run(tt.op+"/"+tt.elem+"/"+strconv.FormatInt(n, 10), func(t *testing.T) {
				t.Parallel()
				s := hostile.Start(t, hostile.Dense(http.StatusOK, n, tt.root, tt.elem))
				m := hostile.NewMeter()
				c := newClient(t, s, func(o *cosclient.Options) { o.HTTPClient = m.Client() })
				var err error
				for _, cl := range calls {
					if cl.op == tt.op {
						err = cl.call(bounded(t), c)
					}
				}
				var le *cosclient.LimitError
				if !errors.As(err, &le) || n == tt.within && le.What != tt.what {
					t.Fatalf("err = %v, want a *LimitError on %s", err, tt.what)
				}
				if read := m.BodyBytes(); read > min(n, 2<<20+1) {
					t.Errorf("read %d body bytes of a dense answer", read)
				}
			})
		}
	}
}

// TestMoreItemsThanAsked: a page with one item more than its size (or
// max-keys) asked for is refused whole.
func TestMoreItemsThanAsked(t *testing.T) {
	t.Parallel()
	runs, keys := "", ""
	for i := range 11 {
		runs += "<WorkflowExecutionList><RunId>i" + strconv.Itoa(i) + "</RunId></WorkflowExecutionList>"
		keys += "<Contents><Key>k" + strconv.Itoa(i) + "</Key></Contents>"
	}
	s := hostile.Start(t, hostile.Route(map[string]hostile.Answer{
		"DescribeWorkflowExecutions": hostile.XML(200, "<Response>"+runs+"</Response>"),
		"ListObjects":                hostile.XML(200, "<ListBucketResult>"+keys+"</ListBucketResult>"),
	}))
	c := newClient(t, s, nil)
	ctx := bounded(t)
	for _, tt := range []struct {
		asked, more int
		what        string
		err         error
	}{
		{10, 11, "WorkflowExecutionList", second(c.DescribeWorkflowExecutions(ctx, &cosclient.DescribeWorkflowExecutionsInput{WorkflowID: workflowID, Size: 10}))},
		{11, 0, "", second(c.DescribeWorkflowExecutions(ctx, &cosclient.DescribeWorkflowExecutionsInput{WorkflowID: workflowID, Size: 11}))},
		{5, 11, "Contents", second(c.ListObjects(ctx, &cosclient.ListObjectsInput{MaxKeys: 5}))},
		{0, 0, "", second(c.ListObjects(ctx, nil))},
	} {
		var le *cosclient.LimitError
		switch {
		case tt.what == "" && tt.err != nil:
			t.Errorf("asked %d: %v", tt.asked, tt.err)
		case tt.what != "" && (!errors.As(tt.err, &le) || le.What != tt.what || le.Limit != int64(tt.asked)):
			t.Errorf("asked %d, answered %d: err = %v, want a *LimitError on %s", tt.asked, tt.more, tt.err, tt.what)
		}
	}
}

func second[T any](_ T, err error) error { return err }

// TestLargestLegitimateAnswers: the bounds leave room for the largest
// answers the service can legitimately give: 1,000 keys of 850 bytes, 100
// runs of such keys, 100 jobs.
func TestLargestLegitimateAnswers(t *testing.T) {
	t.Parallel()
	key := func(i int) string {
		k := "photos/2026/" + strconv.Itoa(i) + "-"
		return k + strings.Repeat("x", cosclient.MaxObjectKeyLen-len(k))
	}
	var keys, runs, jobs strings.Builder
	for i := range cosclient.MaxListKeys {
		keys.WriteString("<Contents><Key>" + key(i) + "</Key><LastModified>2026-11-22T10:00:00.000Z</LastModified>" +
			`<ETag>&quot;0123456789abcdef0123456789abcdef&quot;</ETag><Size>123456789</Size><Owner><ID>1250000000</ID>` +
			"<DisplayName>1250000000</DisplayName></Owner><StorageClass>STANDARD_IA</StorageClass></Contents>")
	}
	for i := range cosclient.MaxListSize {
		runs.WriteString("<WorkflowExecutionList><RunId>" + runID + "</RunId><WorkflowId>" + workflowID + "</WorkflowId>" +
			"<WorkflowName>a-workflow-with-a-long-name</WorkflowName><Object>" + key(i) + "</Object>" +
			"<CreateTime>2022-06-30T19:30:21+08:00</CreateTime><State>Success</State></WorkflowExecutionList>")
		jobs.WriteString("<JobsDetail><Code>Success</Code><Message/><Type>Workflow</Type><Name>backfill</Name><JobId>" + jobID + "</JobId>" +
			"<State>Running</State><Progress>40%</Progress><CreationTime>2026-11-22T02:00:00+0800</CreationTime>" +
			"<Input><Prefix>" + key(i) + "</Prefix></Input><Operation><TimeInterval><Start>2026-11-20T00:00:00+0800</Start>" +
			"<End>2026-11-22T00:00:00+0800</End></TimeInterval><WorkflowIds>" + workflowID + "</WorkflowIds>" +
			"<UserData>" + strings.Repeat("u", cosclient.MaxUserDataLen) + "</UserData></Operation></JobsDetail>")
	}
	s := hostile.Start(t, hostile.Route(map[string]hostile.Answer{
		"ListObjects":                  hostile.XML(200, "<ListBucketResult><IsTruncated>false</IsTruncated>"+keys.String()+"</ListBucketResult>"),
		"DescribeWorkflowExecutions":   hostile.XML(200, "<Response><RequestId>r</RequestId>"+runs.String()+"<NextToken/></Response>"),
		"DescribeInventoryTriggerJobs": hostile.XML(200, "<Response><RequestId>r</RequestId>"+jobs.String()+"<NextToken/></Response>"),
	}))
	c := newClient(t, s, nil)
	ctx := bounded(t)
	list, err := c.ListObjects(ctx, nil)
	if err != nil || len(list.Contents) != cosclient.MaxListKeys {
		t.Errorf("ListObjects: %v", err)
	}
	execs, err := c.DescribeWorkflowExecutions(ctx, &cosclient.DescribeWorkflowExecutionsInput{WorkflowID: workflowID, Size: cosclient.MaxListSize})
	if err != nil || len(execs.WorkflowExecutionList) != cosclient.MaxListSize {
		t.Errorf("DescribeWorkflowExecutions: %v", err)
	}
	page, err := c.DescribeInventoryTriggerJobs(ctx, &cosclient.DescribeInventoryTriggerJobsInput{Size: cosclient.MaxListSize})
	if err != nil || len(page.JobsDetail) != cosclient.MaxListSize {
		t.Errorf("DescribeInventoryTriggerJobs: %v", err)
	}
}

// TestUnreadableTriggerIsNotDropped: a 2xx TriggerWorkflow answer that is
// too large, too dense, or stalls mid-body is a run started with its
// instance unknown (ledger's Outcome.Accepted), after one call: not an
// error the upload would be dropped or triggered again for. (A 2xx means
// CI took the trigger; the sweep reads the run back later.)
func TestUnreadableTriggerIsNotDropped(t *testing.T) {
	t.Parallel()
	for name, a := range map[string]hostile.Answer{
		"huge":    hostile.Huge(http.StatusOK, size(1<<30), "<Response><InstanceId>", false),
		"dense":   hostile.Dense(http.StatusOK, 16<<20, "Response", "InstanceId"),
		"stalled": hostile.Stall(http.StatusOK, "<Response><InstanceId>"+runID+"</InstanceId></Response>", 12),
		"cut":     cutShort("<Response><InstanceId>" + runID + "</InstanceId></Response>"),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := hostile.Start(t, a)
			out, err := ledger.New(newClient(t, s, quickBody), ledger.RetriggerAfterLookup).Trigger(bounded(t),
				&cosclient.TriggerWorkflowInput{WorkflowID: workflowID, Object: "a.jpg"}, time.Now())
			if err != nil || !out.Accepted || out.InstanceID != "" || out.Calls != 1 || s.Requests() != 1 {
				t.Errorf("outcome %+v, err %v after %d requests: want accepted (run started, ID unknown) after one call", out, err, s.Requests())
			}
		})
	}
}

// cutShort answers 200 announcing body, sends half of it and hangs up.
func cutShort(body string) hostile.Answer {
	return func(_ *hostile.Server, _ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(body[:len(body)/2]))
		w.(http.Flusher).Flush()
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
		}
	}
}

// TestLimitErrorLayers: a *LimitError sits under the 2xx's
// *smithy.DeserializationError, with the answer's start as its snapshot.
func TestLimitErrorLayers(t *testing.T) {
	t.Parallel()
	s := hostile.Start(t, hostile.Dense(http.StatusOK, 4<<10, "Response", "x"))
	_, err := newClient(t, s, nil).TriggerWorkflow(bounded(t), &cosclient.TriggerWorkflowInput{WorkflowID: workflowID, Object: "a.jpg"})
	var de *smithy.DeserializationError
	var le *cosclient.LimitError
	if !errors.As(err, &de) || !strings.HasPrefix(string(de.Snapshot), "<Response><x/>") || !errors.As(err, &le) || cosclient.ErrorStatus(err) != 200 {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "TriggerWorkflow") || !strings.Contains(err.Error(), "more than 64 elements") {
		t.Errorf("message %q", err)
	}
}

// TestHugeHeaders: headers beyond 64 KiB are refused by the transport,
// not read into memory.
func TestHugeHeaders(t *testing.T) {
	t.Parallel()
	s := hostile.Start(t, hostile.HugeHeaders(8<<20))
	_, err := newClient(t, s, nil).ListObjects(bounded(t), nil)
	var ce *cosclient.ConnectionError
	if !errors.As(err, &ce) || cosclient.Classify(err) != cosclient.RetryNow {
		t.Fatalf("err = %v, want a *ConnectionError", err)
	}
}
