package ciemu_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/citest"
)

const (
	wf      = "w0123456789abcdef0123456789abcdef"
	otherWF = "wffffffffffffffffffffffffffffffff"
	other   = "other-1250000000"
)

// clockNearNow is a fake clock on a whole second near the real time:
// cosclient signs with the real clock, and the emulator judges the
// signature window by its own.
func clockNearNow() *ciemu.FakeClock {
	return ciemu.NewClockAt(time.Now().Truncate(time.Second))
}

// executionsFixture triggers wf, one second apart from t0:
//
//	r0 photos/a.jpg   r1 photos/a.jpg.bak   r2 photos/b.jpg   r3 video/c.mp4   r4 photos/a.jpg
//
// plus one run of otherWF and one of wf in another bucket, then steps to
// t0+5s. With RunningFor 2.5s, r0..r2 are Success and r3, r4 Running.
func executionsFixture(t *testing.T) (*ciemu.Emulator, *ciemu.FakeClock, *cosclient.Client, []string, time.Time) {
	t.Helper()
	clock := clockNearNow()
	emu, url := citest.Emulator(t, ciemu.Options{Now: clock.Now, RunningFor: 2500 * time.Millisecond})
	c := citest.Client(t, url, nil)
	ctx := context.Background()
	t0 := clock.Now()
	var runs []string
	for i, obj := range []string{"photos/a.jpg", "photos/a.jpg.bak", "photos/b.jpg", "video/c.mp4", "photos/a.jpg"} {
		if i > 0 {
			clock.Advance(time.Second)
		}
		out, err := c.TriggerWorkflow(ctx, &cosclient.TriggerWorkflowInput{WorkflowID: wf, Object: obj})
		if err != nil {
			t.Fatalf("trigger %s: %v", obj, err)
		}
		runs = append(runs, out.InstanceID)
	}
	if _, err := c.TriggerWorkflow(ctx, &cosclient.TriggerWorkflowInput{WorkflowID: otherWF, Object: "photos/a.jpg"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TriggerWorkflow(ctx, &cosclient.TriggerWorkflowInput{WorkflowID: wf, Object: "photos/a.jpg"},
		cosclient.WithBucket(other, citest.Region)); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	return emu, clock, c, runs, t0
}

// listRuns pages through every execution in matches with the paginator
// and returns their RunIds and the number of pages.
func listRuns(t *testing.T, c *cosclient.Client, in *cosclient.DescribeWorkflowExecutionsInput) ([]string, int) {
	t.Helper()
	var ids []string
	pages := citest.AllPages(t, cosclient.NewExecutionsPaginator(c, in))
	for _, out := range pages {
		if in.Size != 0 && len(out.WorkflowExecutionList) > in.Size {
			t.Fatalf("page of %d, size %d", len(out.WorkflowExecutionList), in.Size)
		}
		for _, x := range out.WorkflowExecutionList {
			ids = append(ids, x.RunID)
		}
	}
	return ids, len(pages)
}

func TestDescribeWorkflowExecutionsFilters(t *testing.T) {
	_, _, c, r, t0 := executionsFixture(t)
	at := func(d time.Duration) string { return cosclient.FormatTime(t0.Add(d)) }
	tests := []struct {
		name string
		in   cosclient.DescribeWorkflowExecutionsInput
		want []string
	}{
		{"default is Desc", cosclient.DescribeWorkflowExecutionsInput{}, []string{r[4], r[3], r[2], r[1], r[0]}},
		{"Asc", cosclient.DescribeWorkflowExecutionsInput{OrderByTime: "Asc"}, r},
		{"Running", cosclient.DescribeWorkflowExecutionsInput{States: []cosclient.ExecutionState{"Running"}}, []string{r[4], r[3]}},
		{"Success, Failed", cosclient.DescribeWorkflowExecutionsInput{States: []cosclient.ExecutionState{"Success", "Failed"}}, []string{r[2], r[1], r[0]}},
		{"All", cosclient.DescribeWorkflowExecutionsInput{States: []cosclient.ExecutionState{cosclient.StateAll}}, []string{r[4], r[3], r[2], r[1], r[0]}},
		{"Cancel", cosclient.DescribeWorkflowExecutionsInput{States: []cosclient.ExecutionState{"Cancel"}}, nil},
		// The name filter matches by prefix in the emulator: a key's
		// listing holds the runs of longer keys too.
		{"name is a prefix", cosclient.DescribeWorkflowExecutionsInput{Name: "photos/a.jpg"}, []string{r[4], r[1], r[0]}},
		{"name directory", cosclient.DescribeWorkflowExecutionsInput{Name: "photos/"}, []string{r[4], r[2], r[1], r[0]}},
		{"name exact and alone", cosclient.DescribeWorkflowExecutionsInput{Name: "video/c.mp4"}, []string{r[3]}},
		{"name of nothing", cosclient.DescribeWorkflowExecutionsInput{Name: "photos/z"}, nil},
		{"start", cosclient.DescribeWorkflowExecutionsInput{StartCreationTime: at(2 * time.Second)}, []string{r[4], r[3], r[2]}},
		{"end", cosclient.DescribeWorkflowExecutionsInput{EndCreationTime: at(time.Second)}, []string{r[1], r[0]}},
		{"window", cosclient.DescribeWorkflowExecutionsInput{StartCreationTime: at(time.Second), EndCreationTime: at(3 * time.Second)}, []string{r[3], r[2], r[1]}},
		{"start to the second", cosclient.DescribeWorkflowExecutionsInput{StartCreationTime: at(4*time.Second + 999*time.Millisecond)}, []string{r[4]}},
		{"jobId matches no trigger", cosclient.DescribeWorkflowExecutionsInput{JobID: "b0123456789abcdef0123456789abcdef"}, nil},
		{"combined", cosclient.DescribeWorkflowExecutionsInput{Name: "photos/", States: []cosclient.ExecutionState{"Success"}, OrderByTime: "Asc"}, []string{r[0], r[1], r[2]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.WorkflowID = wf
			got, _ := listRuns(t, c, &in)
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDescribeWorkflowExecutionsPaging(t *testing.T) {
	emu, _, c, r, _ := executionsFixture(t)
	for _, order := range []string{"Desc", "Asc"} {
		want := slices.Clone(r)
		if order == "Desc" {
			slices.Reverse(want)
		}
		for size := 1; size <= 6; size++ {
			got, pages := listRuns(t, c, &cosclient.DescribeWorkflowExecutionsInput{WorkflowID: wf, OrderByTime: order, Size: size})
			if !slices.Equal(got, want) || pages != (len(r)+size-1)/size {
				t.Errorf("%s size %d: %v in %d pages, want %v", order, size, got, pages, want)
			}
		}
	}

	// The token is a cursor: a run started while paging newest first does
	// not shift the pages still to come; paging oldest first reaches it.
	ctx := context.Background()
	var late []string // runs started while paging
	for _, tt := range []struct {
		order string
		want  func() []string
	}{
		{"Desc", func() []string { return []string{r[4], r[3], r[2], r[1], r[0]} }},
		{"Asc", func() []string { return append(slices.Clone(r), late...) }},
	} {
		p := cosclient.NewExecutionsPaginator(c, &cosclient.DescribeWorkflowExecutionsInput{WorkflowID: wf, OrderByTime: tt.order, Size: 2})
		var got []string
		started := false
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range out.WorkflowExecutionList {
				got = append(got, x.RunID)
			}
			if !started {
				tw, err := c.TriggerWorkflow(ctx, &cosclient.TriggerWorkflowInput{WorkflowID: wf, Object: "late.jpg"})
				if err != nil {
					t.Fatal(err)
				}
				late, started = append(late, tw.InstanceID), true
			}
		}
		if want := tt.want(); !slices.Equal(got, want) {
			t.Errorf("%s while adding: %v, want %v", tt.order, got, want)
		}
	}
	if n := emu.TriggerCount(citest.Bucket, wf, "late.jpg"); n != 2 {
		t.Errorf("TriggerCount(late.jpg) = %d, want 2", n)
	}
}

func TestDescribeWorkflowExecution(t *testing.T) {
	emu, clock, c, r, t0 := executionsFixture(t)
	ctx := context.Background()
	out, err := c.DescribeWorkflowExecution(ctx, &cosclient.DescribeWorkflowExecutionInput{RunID: r[3]})
	if err != nil {
		t.Fatal(err)
	}
	x := out.WorkflowExecution
	created, err := x.Created()
	if x.RunID != r[3] || x.WorkflowID != wf || x.WorkflowName != "workflow-01234567" || x.Object != "video/c.mp4" ||
		x.State != cosclient.ExecutionStateRunning || err != nil || !created.Equal(t0.Add(3*time.Second)) {
		t.Errorf("execution %+v (created %v, %v)", x, created, err)
	}
	if x.Topology == nil || len(x.Topology.Nodes) == 0 {
		t.Errorf("no topology: %+v", x.Topology)
	}
	clock.Advance(time.Minute)
	if out, err := c.DescribeWorkflowExecution(ctx, &cosclient.DescribeWorkflowExecutionInput{RunID: r[3]}); err != nil || out.WorkflowExecution.State != cosclient.ExecutionStateSuccess {
		t.Errorf("a minute later: %+v, %v", out, err)
	}

	for _, tt := range []struct {
		name, run string
		opts      []func(*cosclient.Options)
	}{
		{"unknown", "i00000000000000000000000000000000", nil},
		{"another bucket's", r[0], []func(*cosclient.Options){cosclient.WithBucket(other, citest.Region)}},
	} {
		_, err := c.DescribeWorkflowExecution(ctx, &cosclient.DescribeWorkflowExecutionInput{RunID: tt.run}, tt.opts...)
		var nf *cosclient.NotFoundError
		if !errors.As(err, &nf) || !cosclient.NotFound(err) || nf.RequestID == "" {
			t.Errorf("%s run: %v, want a *NotFoundError with the request ID", tt.name, err)
		}
	}

	// The accessor shows what the listing shows, oldest first, with names.
	got := emu.Executions(citest.Bucket, wf)
	if len(got) != len(r) {
		t.Fatalf("Executions: %d, want %d", len(got), len(r))
	}
	for i, x := range got {
		if x.RunID != r[i] || x.WorkflowName != "workflow-01234567" || x.State != cosclient.ExecutionStateSuccess {
			t.Errorf("Executions[%d] = %+v", i, x)
		}
	}
	if got := emu.Executions(other, wf); len(got) != 1 || got[0].Object != "photos/a.jpg" {
		t.Errorf("other bucket: %+v", got)
	}
	if got := emu.Executions(citest.Bucket, otherWF); len(got) != 1 {
		t.Errorf("other workflow: %+v", got)
	}
}

func TestMaxExecutions(t *testing.T) {
	emu, url := citest.Emulator(t, ciemu.Options{MaxExecutions: 3})
	c := citest.Client(t, url, nil)
	ctx := context.Background()
	var runs []string
	for i, w := range []string{wf, otherWF, wf, wf, otherWF} {
		out, err := c.TriggerWorkflow(ctx, &cosclient.TriggerWorkflowInput{WorkflowID: w, Object: "o.jpg"})
		if err != nil {
			t.Fatalf("trigger %d: %v", i, err)
		}
		runs = append(runs, out.InstanceID)
	}
	// The two oldest (one of each workflow) are forgotten.
	if got, _ := listRuns(t, c, &cosclient.DescribeWorkflowExecutionsInput{WorkflowID: wf, OrderByTime: "Asc"}); !slices.Equal(got, []string{runs[2], runs[3]}) {
		t.Errorf("wf runs %v", got)
	}
	if got, _ := listRuns(t, c, &cosclient.DescribeWorkflowExecutionsInput{WorkflowID: otherWF}); !slices.Equal(got, []string{runs[4]}) {
		t.Errorf("otherWF runs %v", got)
	}
	// A lookup by name reads the object's runs apart: forgotten there too.
	if got, _ := listRuns(t, c, &cosclient.DescribeWorkflowExecutionsInput{WorkflowID: wf, Name: "o.jpg"}); !slices.Equal(got, []string{runs[3], runs[2]}) {
		t.Errorf("wf runs of o.jpg %v", got)
	}
	if _, err := c.DescribeWorkflowExecution(ctx, &cosclient.DescribeWorkflowExecutionInput{RunID: runs[0]}); !cosclient.NotFound(err) {
		t.Errorf("forgotten run: %v", err)
	}
	// Trigger counts have their own bound (MaxTriggerKeys).
	if n := emu.TriggerCount(citest.Bucket, wf, "o.jpg"); n != 3 {
		t.Errorf("TriggerCount = %d, want 3", n)
	}
	emu.Reset()
	if len(emu.Executions(citest.Bucket, wf)) != 0 {
		t.Error("Reset kept executions")
	}
}
