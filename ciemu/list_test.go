package ciemu

import (
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cosflow/cosflow/cosclient"
)

// listFixture creates, one minute apart on a fake clock:
//
//	j0 Workflow "alpha" wf A   (oldest)
//	j1 Workflow "beta"  wf B
//	j2 Job      "gamma" tag ImageInspect
//	j3 Workflow "alpha" wf A,B
//	j4 Workflow "delta" wf A   (newest, still Submitted at the end)
//
// and cancels j1. With SubmittedFor 30s and RunningFor 2m, at the end
// j0 is Success, j1 Cancel, j2 Running (Job), j3 Running, j4 Submitted.
func listFixture(t *testing.T) (*fakeClock, *httptest.Server, []cosclient.JobDetail) {
	t.Helper()
	clock := newFakeClock()
	_, srv := newTestServer(t, Options{Now: clock.Now, SubmittedFor: 30 * time.Second, RunningFor: 2 * time.Minute})
	const wfA, wfB = testWF, "wffffffffffffffffffffffffffffffff"
	bodies := []string{
		"<Request><Name>alpha</Name><Input><Prefix>a/</Prefix></Input><Operation><WorkflowIds>" + wfA + "</WorkflowIds></Operation></Request>",
		"<Request><Name>beta</Name><Input><Prefix>b/</Prefix></Input><Operation><WorkflowIds>" + wfB + "</WorkflowIds></Operation></Request>",
		"<Request><Name>gamma</Name><Type>Job</Type><Input><Object>c.jpg</Object></Input><Operation><Tag>ImageInspect</Tag></Operation></Request>",
		"<Request><Name>alpha</Name><Input><Prefix>d/</Prefix></Input><Operation><WorkflowIds>" + wfA + "," + wfB + "</WorkflowIds></Operation></Request>",
		"<Request><Name>delta</Name><Input><Prefix>e/</Prefix></Input><Operation><WorkflowIds>" + wfA + "</WorkflowIds></Operation></Request>",
	}
	var jobs []cosclient.JobDetail
	for i, b := range bodies {
		if i > 0 {
			clock.Advance(time.Minute)
		}
		jobs = append(jobs, createJob(t, srv, clock.Now(), b))
		if i == 1 {
			a := testCall{method: "PUT", target: "/inventorytriggerjob/" + jobs[1].JobID + "?cancel", now: clock.Now()}.do(t, srv)
			if a.status != 200 || len(a.body) != 0 {
				t.Fatalf("cancel: %d %s", a.status, a.body)
			}
		}
	}
	clock.Advance(10 * time.Second) // j3 is 70s old (Running), j4 10s (Submitted)
	return clock, srv, jobs
}

func listIDs(t *testing.T, srv *httptest.Server, now time.Time, q url.Values) ([]string, string) {
	t.Helper()
	var out cosclient.DescribeInventoryTriggerJobsOutput
	testCall{method: "GET", target: "/inventorytriggerjob?" + q.Encode(), now: now}.do(t, srv).decode(t, &out)
	var ids []string
	for _, d := range out.JobsDetail {
		ids = append(ids, d.JobID)
	}
	return ids, out.NextToken
}

func TestDescribeJobsFilters(t *testing.T) {
	clock, srv, j := listFixture(t)
	id := func(is ...int) []string {
		var out []string
		for _, i := range is {
			out = append(out, j[i].JobID)
		}
		return out
	}
	wantStates := []cosclient.JobState{"Success", "Cancel", "Running", "Running", "Submitted"}
	for i, d := range j {
		var one cosclient.DescribeInventoryTriggerJobOutput
		testCall{method: "GET", target: "/inventorytriggerjob/" + d.JobID, now: clock.Now()}.do(t, srv).decode(t, &one)
		if one.JobsDetail == nil || one.JobsDetail.State != wantStates[i] {
			t.Errorf("job %d: %+v, want state %s", i, one.JobsDetail, wantStates[i])
		}
	}
	t1 := cosclient.FormatTime(newFakeClock().Now().Add(time.Minute))              // j1's creation, +0800 style
	t3 := newFakeClock().Now().Add(3 * time.Minute).In(time.FixedZone("", 8*3600)) // j3's creation
	tests := []struct {
		name  string
		query string
		want  []string
	}{
		{"default is Workflow, Desc", "", id(4, 3, 1, 0)},
		{"Asc", "orderByTime=Asc", id(0, 1, 3, 4)},
		{"type Job", "type=Job", id(2)},
		{"states All", "states=All", id(4, 3, 1, 0)},
		{"states list", "states=Success,Cancel", id(1, 0)},
		{"states Running", "states=Running", id(3)},
		{"states Submitted", "states=Submitted", id(4)},
		{"states none match", "states=Failed,Pause", nil},
		{"start +0800", "startCreationTime=" + url.QueryEscape(t1), id(4, 3, 1)},
		{"end", "endCreationTime=" + url.QueryEscape(cosclient.FormatTime(t3)), id(3, 1, 0)},
		{"window", "startCreationTime=" + url.QueryEscape(t1) + "&endCreationTime=" + url.QueryEscape(cosclient.FormatTime(t3)), id(3, 1)},
		{"workflowId", "workflowId=wffffffffffffffffffffffffffffffff", id(3, 1)},
		{"jobId", "jobId=" + j[3].JobID, id(3)},
		{"jobId of other type", "jobId=" + j[2].JobID, nil},
		{"name", "name=alpha", id(3, 0)},
		{"combined", "name=alpha&workflowId=" + testWF + "&states=Running&orderByTime=Asc", id(3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got, next := listIDs(t, srv, clock.Now(), q)
			if !slices.Equal(got, tt.want) || next != "" {
				t.Errorf("got %v (next %q), want %v", got, next, tt.want)
			}
		})
	}
}

func TestDescribeJobsPaging(t *testing.T) {
	clock, srv, j := listFixture(t)
	for _, order := range []string{"Desc", "Asc"} {
		for size := 1; size <= 5; size++ {
			q := url.Values{"size": {itoa(size)}, "orderByTime": {order}, "type": {"Workflow"}}
			var all []string
			for pages := 0; ; pages++ {
				if pages > 5 {
					t.Fatal("paging does not end")
				}
				ids, next := listIDs(t, srv, clock.Now(), q)
				if len(ids) > size {
					t.Fatalf("page of %d > size %d", len(ids), size)
				}
				all = append(all, ids...)
				if next == "" {
					break
				}
				q.Set("nextToken", next)
			}
			want := []string{j[4].JobID, j[3].JobID, j[1].JobID, j[0].JobID}
			if order == "Asc" {
				slices.Reverse(want)
			}
			if !slices.Equal(all, want) {
				t.Errorf("%s size %d: %v, want %v", order, size, all, want)
			}
		}
	}
	// Default size is 10: create 11 more and see a token after 10.
	for i := 0; i < 11; i++ {
		createJob(t, srv, clock.Now(), workflowJobBody("more", "m/"))
	}
	ids, next := listIDs(t, srv, clock.Now(), url.Values{})
	if len(ids) != 10 || next == "" {
		t.Errorf("default page: %d jobs, next %q", len(ids), next)
	}
}

func TestDescribeJobsRejects(t *testing.T) {
	_, srv := newTestServer(t, Options{})
	for _, q := range []string{
		"size=0", "size=101", "size=ten", "type=Batch", "orderByTime=Newest", "states=Done",
		"states=Running,done", "startCreationTime=2026-11-22", "endCreationTime=yesterday",
		"nextToken=xyz", "nextToken=c0",
		"startCreationTime=2026-11-22T02:00:00%2B0800&endCreationTime=2026-11-21T02:00:00%2B0800",
	} {
		a := testCall{method: "GET", target: "/inventorytriggerjob?" + q}.do(t, srv)
		param, _, _ := strings.Cut(q, "=")
		if strings.HasPrefix(q, "startCreationTime=2026-11-22T") {
			param = "endCreationTime"
		}
		eb := wantError(t, a, 400, "InvalidArgument")
		if !strings.Contains(eb.Message, param) {
			t.Errorf("%s: message %q does not name %s", q, eb.Message, param)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
