package cosclient

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

func jobsPage(next string, ids ...string) string {
	b := "<Response><RequestId>r</RequestId>"
	for _, id := range ids {
		b += "<JobsDetail><JobId>" + id + "</JobId></JobsDetail>"
	}
	return b + "<NextToken>" + next + "</NextToken></Response>"
}

func executionsPage(next string, ids ...string) string {
	b := "<Response>"
	for _, id := range ids {
		b += "<WorkflowExecutionList><RunId>" + id + "</RunId></WorkflowExecutionList>"
	}
	return b + "<NextToken>" + next + "</NextToken></Response>"
}

func objectsPage(truncated bool, nextMarker string, keys ...string) string {
	b := "<ListBucketResult><IsTruncated>" + map[bool]string{true: "true", false: "false"}[truncated] + "</IsTruncated>"
	if nextMarker != "" {
		b += "<NextMarker>" + nextMarker + "</NextMarker>"
	}
	for _, k := range keys {
		b += "<Contents><Key>" + k + "</Key></Contents>"
	}
	return b + "</ListBucketResult>"
}

// drain pages p to its end and returns the items of every page.
func drain[Out any](p *Paginator[Out], items func(*Out) []string) ([]string, error) {
	var all []string
	for p.HasMorePages() {
		page, err := p.NextPage(bg)
		if err != nil {
			return all, err
		}
		all = append(all, items(page)...)
	}
	if _, err := p.NextPage(bg); !errors.Is(err, ErrNoMorePages) {
		return all, errors.New("after the last page: " + errString(err))
	}
	return all, nil
}

func errString(err error) string {
	if err == nil {
		return "no error"
	}
	return err.Error()
}

func jobIDs(o *DescribeInventoryTriggerJobsOutput) (ids []string) {
	for _, d := range o.JobsDetail {
		ids = append(ids, d.JobID)
	}
	return ids
}

func runIDs(o *DescribeWorkflowExecutionsOutput) (ids []string) {
	for _, e := range o.WorkflowExecutionList {
		ids = append(ids, e.RunID)
	}
	return ids
}

func keys(o *ListObjectsOutput) (ks []string) {
	for _, c := range o.Contents {
		ks = append(ks, c.Key)
	}
	return ks
}

func TestPaginators(t *testing.T) {
	jobs := func(in *DescribeInventoryTriggerJobsInput) func(*Client) ([]string, error) {
		return func(c *Client) ([]string, error) { return drain(NewJobsPaginator(c, in), jobIDs) }
	}
	executions := func(in *DescribeWorkflowExecutionsInput) func(*Client) ([]string, error) {
		return func(c *Client) ([]string, error) { return drain(NewExecutionsPaginator(c, in), runIDs) }
	}
	objects := func(in *ListObjectsInput) func(*Client) ([]string, error) {
		return func(c *Client) ([]string, error) { return drain(NewObjectsPaginator(c, in), keys) }
	}
	tests := []struct {
		name       string
		tokenParam string            // the query parameter carrying the token
		pages      map[string]string // token sent → page
		fixed      string            // query parameters sent with every page
		drain      func(*Client) ([]string, error)
		items      []string
		sent       []string // tokens, in order
		cut        string   // the drain ends in a *ListingCutShortError saying this
	}{
		{
			name: "jobs", tokenParam: "nextToken",
			pages: map[string]string{"": jobsPage("t2", "b1", "b2"), "t2": jobsPage("t3", "b3"), "t3": jobsPage("", "b4")},
			fixed: "size=2&type=Job", drain: jobs(&DescribeInventoryTriggerJobsInput{Size: 2, Type: JobTypeJob}),
			items: []string{"b1", "b2", "b3", "b4"}, sent: []string{"", "t2", "t3"},
		},
		{
			name: "jobs from a token", tokenParam: "nextToken",
			pages: map[string]string{"t2": jobsPage("t3", "b3"), "t3": jobsPage("", "b4")},
			fixed: "type=Workflow", drain: jobs(&DescribeInventoryTriggerJobsInput{NextToken: "t2"}),
			items: []string{"b3", "b4"}, sent: []string{"t2", "t3"},
		},
		{
			name: "jobs, a repeated token stops paging", tokenParam: "nextToken",
			pages: map[string]string{"": jobsPage("same", "b1"), "same": jobsPage("same", "b2")},
			fixed: "type=Workflow", drain: jobs(nil),
			items: []string{"b1", "b2"}, sent: []string{"", "same"},
		},
		{
			name: "jobs, a token repeated later stops paging", tokenParam: "nextToken",
			pages: map[string]string{"": jobsPage("a", "b1"), "a": jobsPage("b", "b2"), "b": jobsPage("a", "b3")},
			fixed: "type=Workflow", drain: jobs(nil),
			items: []string{"b1", "b2", "b3"}, sent: []string{"", "a", "b"},
		},
		{
			name: "executions", tokenParam: "nextToken",
			pages: map[string]string{"": executionsPage("n1", "i1", "i2"), "n1": executionsPage("", "i3")},
			fixed: "workflowId=" + testWorkflow + "&name=a.mp4&states=Success", drain: executions(&DescribeWorkflowExecutionsInput{
				WorkflowID: testWorkflow, Name: "a.mp4", States: []ExecutionState{ExecutionStateSuccess}}),
			items: []string{"i1", "i2", "i3"}, sent: []string{"", "n1"},
		},
		{
			name: "executions, a repeated token stops paging", tokenParam: "nextToken",
			pages: map[string]string{"": executionsPage("x", "i1"), "x": executionsPage("x", "i2")},
			fixed: "workflowId=" + testWorkflow, drain: executions(&DescribeWorkflowExecutionsInput{WorkflowID: testWorkflow}),
			items: []string{"i1", "i2"}, sent: []string{"", "x"},
		},
		{
			name: "objects by NextMarker, else the last key", tokenParam: "marker",
			pages: map[string]string{"": objectsPage(true, "k2", "k1", "k2"), "k2": objectsPage(true, "", "k3", "k4 x"), "k4 x": objectsPage(false, "", "k5")},
			fixed: "prefix=k&max-keys=2", drain: objects(&ListObjectsInput{Prefix: "k", MaxKeys: 2}),
			items: []string{"k1", "k2", "k3", "k4 x", "k5"}, sent: []string{"", "k2", "k4 x"},
		},
		{
			name: "objects from a marker", tokenParam: "marker",
			pages: map[string]string{"k2": objectsPage(false, "", "k3")},
			drain: objects(&ListObjectsInput{Marker: "k2"}),
			items: []string{"k3"}, sent: []string{"k2"},
		},
		{
			name: "objects truncated without a way on are cut short", tokenParam: "marker",
			pages: map[string]string{"": objectsPage(true, "")},
			drain: objects(nil), sent: []string{""}, cut: "no marker or key",
		},
		{
			name: "objects, a repeated marker is cut short", tokenParam: "marker",
			pages: map[string]string{"": objectsPage(true, "", "k1"), "k1": objectsPage(true, "", "k1")},
			drain: objects(nil), items: []string{"k1", "k1"}, sent: []string{"", "k1"}, cut: "does not move past",
		},
		{
			name: "objects, a marker going back is cut short", tokenParam: "marker",
			pages: map[string]string{"": objectsPage(true, "k2", "k1", "k2"), "k2": objectsPage(true, "k1", "k3")},
			drain: objects(nil), items: []string{"k1", "k2", "k3"}, sent: []string{"", "k2"}, cut: "does not move past",
		},
		{
			name: "objects, a marker before the page's last key is cut short", tokenParam: "marker",
			pages: map[string]string{"": objectsPage(true, "k2", "k1", "k3")},
			drain: objects(nil), items: []string{"k1", "k3"}, sent: []string{""}, cut: "before the page's last key",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeCI(t, func(n int, w http.ResponseWriter, r *http.Request) {
				page, ok := tt.pages[r.URL.Query().Get(tt.tokenParam)]
				if !ok {
					errorAnswer(400, "InvalidArgument")(w, r)
					return
				}
				xmlAnswer(200, page)(w, r)
			})
			items, err := tt.drain(f.client(t))
			var lc *ListingCutShortError
			switch {
			case tt.cut == "" && err != nil:
				t.Fatal(err)
			case tt.cut != "" && (!errors.As(err, &lc) || !strings.Contains(lc.Reason, tt.cut) || lc.Operation != "ListObjects" || lc.Pages != len(tt.sent)):
				t.Fatalf("err = %v, want the listing cut short after %d pages: %s", err, len(tt.sent), tt.cut)
			}
			if !reflect.DeepEqual(items, tt.items) {
				t.Errorf("items %q, want %q", items, tt.items)
			}
			var sent []string
			want, _ := url.ParseQuery(tt.fixed)
			for _, r := range f.requests() {
				q, _ := url.ParseQuery(r.RawQuery)
				sent = append(sent, q.Get(tt.tokenParam))
				q.Del(tt.tokenParam)
				if !reflect.DeepEqual(q, want) {
					t.Errorf("query %q, want %q and the token", r.RawQuery, tt.fixed)
				}
			}
			if !reflect.DeepEqual(sent, tt.sent) {
				t.Errorf("tokens sent %q, want %q", sent, tt.sent)
			}
		})
	}
}

// TestPaginatorPageError: a failed page is returned and can be asked for
// again; the caller's input is copied, not shared.
func TestPaginatorPageError(t *testing.T) {
	f := newFakeCI(t, failThen(1, errorAnswer(403, "AccessDenied"), xmlAnswer(200, jobsPage("", "b1"))))
	in := &DescribeInventoryTriggerJobsInput{Size: 5}
	p := NewJobsPaginator(f.client(t), in)
	in.Size = 500 // not seen by the paginator
	if _, err := p.NextPage(bg); ErrorStatus(err) != 403 || !p.HasMorePages() {
		t.Fatalf("first page: %v, more pages %v", err, p.HasMorePages())
	}
	page, err := p.NextPage(bg)
	if err != nil || len(page.JobsDetail) != 1 || p.HasMorePages() {
		t.Fatalf("again: %+v, %v, more pages %v", page, err, p.HasMorePages())
	}
	for _, r := range f.requests() {
		if r.RawQuery != "type=Workflow&size=5" {
			t.Errorf("query %q", r.RawQuery)
		}
	}
}

func jobAnswer(state JobState) answer {
	return xmlAnswer(200, `<Response><JobsDetail><JobId>`+testJobID+`</JobId><State>`+string(state)+`</State></JobsDetail></Response>`)
}

func TestJobWaiter(t *testing.T) {
	tests := []struct {
		name   string
		states []JobState // answered in turn, the last one again and again
		want   JobState
	}{
		{"reaches Success", []JobState{JobStateSubmitted, JobStateRunning, JobStateSuccess}, JobStateSuccess},
		{"reaches Failed", []JobState{JobStateRunning, JobStatePause, JobStateFailed}, JobStateFailed},
		{"already cancelled", []JobState{JobStateCancel}, JobStateCancel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeCI(t, func(n int, w http.ResponseWriter, r *http.Request) {
				jobAnswer(tt.states[min(n, len(tt.states))-1])(w, r)
			})
			var seen []JobState
			w := NewJobWaiter(f.client(t), func(o *JobWaiterOptions) {
				o.Interval = time.Nanosecond
				o.OnPoll = func(d *JobDetail) { seen = append(seen, d.State) }
			})
			d, err := w.Wait(bg, testJobID)
			if err != nil || d.State != tt.want || d.JobID != testJobID {
				t.Fatalf("Wait = %+v, %v", d, err)
			}
			if !reflect.DeepEqual(seen, tt.states) || len(f.requests()) != len(tt.states) {
				t.Errorf("polled %d times, saw %v", len(f.requests()), seen)
			}
			for _, r := range f.requests() {
				if r.Path != "/inventorytriggerjob/"+testJobID {
					t.Errorf("polled %s", r.Path)
				}
			}
		})
	}
}

// TestJobWaiterStops: the wait ends with the context (during a poll or
// between two, an hour apart), or at the first failed poll.
func TestJobWaiterStops(t *testing.T) {
	var nf *NotFoundError
	tests := []struct {
		name    string
		answer  func(cancel context.CancelFunc) func(int, http.ResponseWriter, *http.Request)
		onPoll  func(cancel context.CancelFunc) func(*JobDetail)
		polls   int
		last    JobState // of the detail returned; "" = nil
		wantErr func(error) bool
	}{
		{
			name: "cancelled between polls",
			answer: func(context.CancelFunc) func(int, http.ResponseWriter, *http.Request) {
				return always(jobAnswer(JobStateRunning))
			},
			onPoll: func(cancel context.CancelFunc) func(*JobDetail) { return func(*JobDetail) { cancel() } },
			polls:  1,
			last:   JobStateRunning,
			wantErr: func(err error) bool {
				return errors.Is(err, context.Canceled) && strings.Contains(err.Error(), "last state Running")
			},
		},
		{
			name: "cancelled during a poll",
			answer: func(cancel context.CancelFunc) func(int, http.ResponseWriter, *http.Request) {
				return func(n int, w http.ResponseWriter, r *http.Request) {
					if n == 2 {
						cancel()
						<-r.Context().Done()
						return
					}
					jobAnswer(JobStateRunning)(w, r)
				}
			},
			polls:   2,
			last:    JobStateRunning,
			wantErr: func(err error) bool { return errors.Is(err, context.Canceled) },
		},
		{
			name: "not found",
			answer: func(context.CancelFunc) func(int, http.ResponseWriter, *http.Request) {
				return always(xmlAnswer(200, `<Response><NonExistJobIds>`+testJobID+`</NonExistJobIds></Response>`))
			},
			polls:   1,
			wantErr: func(err error) bool { return errors.As(err, &nf) && NotFound(err) },
		},
		{
			name: "a failed poll",
			answer: func(context.CancelFunc) func(int, http.ResponseWriter, *http.Request) {
				return failThen(1, jobAnswer(JobStateSubmitted), errorAnswer(403, "AccessDenied"))
			},
			polls:   2,
			last:    JobStateSubmitted,
			wantErr: func(err error) bool { return ErrorStatus(err) == 403 && strings.Contains(err.Error(), testJobID) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(bg)
			defer cancel()
			f := newFakeCI(t, tt.answer(cancel))
			w := NewJobWaiter(f.client(t), func(o *JobWaiterOptions) {
				o.Interval = time.Nanosecond
				if tt.onPoll != nil {
					o.Interval = time.Hour
					o.OnPoll = tt.onPoll(cancel)
				}
			})
			d, err := w.Wait(ctx, testJobID)
			if !tt.wantErr(err) {
				t.Errorf("err = %v", err)
			}
			if (d == nil) != (tt.last == "") || (d != nil && d.State != tt.last) {
				t.Errorf("last detail = %+v, want state %q", d, tt.last)
			}
			if n := len(f.requests()); n != tt.polls {
				t.Errorf("%d polls, want %d", n, tt.polls)
			}
		})
	}
}

func TestJobWaiterDefaultInterval(t *testing.T) {
	c := newTestClient(t)
	if w := NewJobWaiter(c); w.options.Interval != DefaultWaitInterval {
		t.Errorf("interval %v, want %v", w.options.Interval, DefaultWaitInterval)
	}
	if w := NewJobWaiter(c, func(o *JobWaiterOptions) { o.Interval = -1 }); w.options.Interval != DefaultWaitInterval {
		t.Errorf("negative interval kept: %v", w.options.Interval)
	}
}
