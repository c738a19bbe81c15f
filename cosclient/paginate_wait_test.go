package cosclient

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestJobsPaginator(t *testing.T) {
	pages := map[string]string{ // nextToken sent → page
		"":   `<Response><JobsDetail><JobId>b1</JobId></JobsDetail><JobsDetail><JobId>b2</JobId></JobsDetail><NextToken>t2</NextToken></Response>`,
		"t2": `<Response><JobsDetail><JobId>b3</JobId></JobsDetail><NextToken>t3</NextToken></Response>`,
		"t3": `<Response><JobsDetail><JobId>b4</JobId></JobsDetail><NextToken></NextToken></Response>`,
	}
	f := newFakeCI(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("size") != "2" || r.URL.Query().Get("type") != "Job" {
			w.WriteHeader(400)
			return
		}
		xmlReply(200, pages[r.URL.Query().Get("nextToken")])(n, w, r)
	})
	p := NewJobsPaginator(f.client(t), &DescribeInventoryTriggerJobsInput{Size: 2, Type: JobTypeJob})
	var ids []string
	for p.HasMorePages() {
		out, err := p.NextPage(bg)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range out.JobsDetail {
			ids = append(ids, d.JobID)
		}
	}
	if got := len(f.requests()); got != 3 || len(ids) != 4 || ids[3] != "b4" {
		t.Fatalf("%d requests, ids %v", got, ids)
	}
	if _, err := p.NextPage(bg); !errors.Is(err, ErrNoMorePages) {
		t.Errorf("after the end: %v", err)
	}
}

func TestJobsPaginatorRepeatedToken(t *testing.T) {
	f := newFakeCI(t, xmlReply(200, `<Response><JobsDetail><JobId>b1</JobId></JobsDetail><NextToken>same</NextToken></Response>`))
	p := NewJobsPaginator(f.client(t), nil)
	pages := 0
	for p.HasMorePages() && pages < 10 {
		if _, err := p.NextPage(bg); err != nil {
			t.Fatal(err)
		}
		pages++
	}
	if pages != 2 {
		t.Fatalf("%d pages, want 2 (the repeated token stops paging)", pages)
	}
}

func TestWaitForJobReachesSuccess(t *testing.T) {
	states := []JobState{JobStateSubmitted, JobStateRunning, JobStateSuccess}
	f := newFakeCI(t, func(n int, w http.ResponseWriter, r *http.Request) {
		xmlReply(200, `<Response><JobsDetail><JobId>b1</JobId><State>`+string(states[min(n-1, 2)])+`</State></JobsDetail></Response>`)(n, w, r)
	})
	d, err := f.client(t).WaitForJob(bg, "b1", time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if d.State != JobStateSuccess || len(f.requests()) != 3 {
		t.Fatalf("state %s after %d polls", d.State, len(f.requests()))
	}
}

func TestWaitForJobContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	f := newFakeCI(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 2 {
			cancel()
		}
		xmlReply(200, `<Response><JobsDetail><JobId>b1</JobId><State>Running</State></JobsDetail></Response>`)(n, w, r)
	})
	d, err := f.client(t).WaitForJob(ctx, "b1", time.Millisecond)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d == nil || d.State != JobStateRunning {
		t.Errorf("last detail = %+v", d)
	}
}

func TestWaitForJobNotFound(t *testing.T) {
	f := newFakeCI(t, xmlReply(200, `<Response><NonExistJobIds>b9</NonExistJobIds></Response>`))
	_, err := f.client(t).WaitForJob(bg, "b9", time.Millisecond)
	var nf *NotFoundError
	if !errors.As(err, &nf) || len(f.requests()) != 1 {
		t.Fatalf("err = %v", err)
	}
}
