package cosclient_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/aws/smithy-go"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
)

// exampleClient returns a client of the CI emulator, on loopback, whose
// jobs finish within milliseconds. In production, leave Endpoint unset
// (the client calls https://<bucket>.ci.<region>.myqcloud.com) and take
// the function's credentials with cosclient.EnvCredentials{}.
func exampleClient(faults ciemu.Faults) (*cosclient.Client, func()) {
	emu := ciemu.New(ciemu.Options{SubmittedFor: time.Millisecond, RunningFor: time.Millisecond, Faults: faults, Seed: 1})
	srv := httptest.NewServer(emu)
	c, err := cosclient.New(cosclient.Options{
		Region:      "ap-guangzhou",
		Bucket:      "examplebucket-1250000000",
		Credentials: cosclient.StaticCredentials{SecretID: ciemu.DefaultSecretID, SecretKey: ciemu.DefaultSecretKey},
		Endpoint:    srv.URL,
		Retry:       cosclient.RetryOptions{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond},
	})
	if err != nil {
		panic(err)
	}
	return c, srv.Close
}

const exampleWorkflow = "w0123456789abcdef0123456789abcdef"

// Trigger a workflow for one uploaded object.
func ExampleClient_TriggerWorkflow() {
	c, done := exampleClient(ciemu.Faults{})
	defer done()

	out, err := c.TriggerWorkflow(context.TODO(), &cosclient.TriggerWorkflowInput{
		WorkflowID: exampleWorkflow,
		Object:     "uploads/photo 1.jpg",
	})
	if err != nil {
		fmt.Println("failed:", err)
		return
	}
	attempts, _ := cosclient.GetAttemptsMetadata(out.ResultMetadata)
	fmt.Println("run started:", strings.HasPrefix(out.InstanceID, "i"), "after", attempts, "attempt")
	// Output: run started: true after 1 attempt
}

// Page through every job, two at a time, oldest first.
func ExampleNewJobsPaginator() {
	c, done := exampleClient(ciemu.Faults{})
	defer done()
	ctx := context.TODO()
	for _, name := range []string{"job-a", "job-b", "job-c"} {
		prefix := "uploads/" + name + "/"
		if _, err := c.CreateInventoryTriggerJob(ctx, &cosclient.CreateInventoryTriggerJobInput{
			Name:      name,
			Input:     cosclient.JobInput{Prefix: &prefix},
			Operation: cosclient.JobOperation{WorkflowIDs: exampleWorkflow},
		}); err != nil {
			fmt.Println("create:", err)
			return
		}
	}

	p := cosclient.NewJobsPaginator(c, &cosclient.DescribeInventoryTriggerJobsInput{Size: 2, OrderByTime: "Asc"})
	for n := 1; p.HasMorePages(); n++ {
		page, err := p.NextPage(ctx)
		if err != nil {
			fmt.Println("list:", err)
			return
		}
		fmt.Print("page ", n, ":")
		for _, j := range page.JobsDetail {
			fmt.Print(" ", j.Name, " (", *j.Input.Prefix, ")")
		}
		fmt.Println()
	}
	// Output:
	// page 1: job-a (uploads/job-a/) job-b (uploads/job-b/)
	// page 2: job-c (uploads/job-c/)
}

// Back-fill a prefix with a job, then wait for it to finish.
func ExampleJobWaiter_Wait() {
	c, done := exampleClient(ciemu.Faults{})
	defer done()
	ctx, cancel := context.WithTimeout(context.TODO(), time.Minute)
	defer cancel()

	prefix := "uploads/"
	out, err := c.CreateInventoryTriggerJob(ctx, &cosclient.CreateInventoryTriggerJobInput{
		Name:      "backfill-uploads",
		Input:     cosclient.JobInput{Prefix: &prefix},
		Operation: cosclient.JobOperation{WorkflowIDs: exampleWorkflow},
	})
	if err != nil {
		fmt.Println("create:", err)
		return
	}
	w := cosclient.NewJobWaiter(c, func(o *cosclient.JobWaiterOptions) { o.Interval = time.Millisecond })
	job, err := w.Wait(ctx, out.JobsDetail.JobID)
	if err != nil {
		fmt.Println("wait:", err)
		return
	}
	fmt.Println(job.Name, job.State)
	// Output: backfill-uploads Success
}

// Decide what to do with a failure: Classify says whether to retry now,
// later or never; Ambiguous whether a TriggerWorkflow may have started a
// run anyway (look for it before triggering again).
func ExampleClassify() {
	explain := func(err error) {
		var api smithy.APIError
		if errors.As(err, &api) {
			fmt.Print(api.ErrorCode(), ": ")
		} else if pe := cosclient.ParamErrors(err); pe != nil {
			fmt.Print("refused ", pe[0].Path(), ": ")
		}
		fmt.Println("retry", cosclient.Classify(err), "- throttled", cosclient.Throttled(err),
			"- ambiguous", cosclient.Ambiguous(err), "- attempts", cosclient.ErrorAttempts(err))
	}
	ctx := context.TODO()
	in := &cosclient.TriggerWorkflowInput{WorkflowID: exampleWorkflow, Object: "a.jpg"}

	c, done := exampleClient(ciemu.Faults{ThrottleRate: 1})
	_, err := c.TriggerWorkflow(ctx, in)
	explain(err)
	done()

	c, done = exampleClient(ciemu.Faults{ErrorRate: 1, ErrorStatus: 500})
	_, err = c.TriggerWorkflow(ctx, in)
	explain(err)
	done()

	_, err = c.TriggerWorkflow(ctx, &cosclient.TriggerWorkflowInput{WorkflowID: "w1", Object: "a.jpg"})
	explain(err)
	// Output:
	// SlowDown: retry now - throttled true - ambiguous false - attempts 2
	// InternalError: retry now - throttled false - ambiguous true - attempts 1
	// refused workflowId: retry never - throttled false - ambiguous false - attempts 0
}
