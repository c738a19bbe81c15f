package hostile_test

import (
	"context"
	"testing"
	"time"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/citest"
	"github.com/cosflow/cosflow/internal/hostile"
)

// The credentials the hostile server sees, and must never get back to us
// in an error, a log line or a terminal.
const (
	secretID     = "AKIDhostiletest0000000000000000000"
	secretKey    = "hostileSecretKey0123456789abcdefXY"
	sessionToken = "hostileSessionToken+/=0123456789abcdefghijklmnopqrstuvwxyz"
	workflowID   = "w0123456789abcdef0123456789abcdef"
	jobID        = "b0123456789abcdef0123456789abcdef"
	runID        = "i0123456789abcdef0123456789abcdef"
)

// short is a test's bound in time: every case ends well inside it, on its
// own, or it fails with the context's error rather than hanging.
const short = 20 * time.Second

// size is n bytes, or small under -short (what a client reads of a
// hostile answer does not depend on its size: only the server's writing
// does).
func size(n int64) int64 {
	if testing.Short() {
		return min(n, 64<<20)
	}
	return n
}

// newClient is a client of the hostile server s with temporary
// credentials, two fast attempts and timeouts of a few seconds (a test
// that waits for one sets its own, shorter); edit, when set, adjusts the
// options first.
func newClient(t *testing.T, s *hostile.Server, edit func(*cosclient.Options)) *cosclient.Client {
	t.Helper()
	opts := cosclient.Options{
		Region: citest.Region, Bucket: citest.Bucket, Endpoint: s.URL, Retry: citest.FastRetry,
		Credentials:           cosclient.StaticCredentials{SecretID: secretID, SecretKey: secretKey, SessionToken: sessionToken},
		ResponseHeaderTimeout: 5 * time.Second,
		IdleBodyTimeout:       5 * time.Second,
	}
	if edit != nil {
		edit(&opts)
	}
	c, err := cosclient.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// quickHeaders and quickBody make one of a client's timeouts a fraction
// of a second, for the tests that wait for it; the other keeps its few
// seconds, which no load on the machine reaches.
func quickHeaders(o *cosclient.Options) { o.ResponseHeaderTimeout = stallAfter }

func quickBody(o *cosclient.Options) { o.IdleBodyTimeout = stallAfter }

const stallAfter = 200 * time.Millisecond

// bounded is a context ending after short, cancelled when t ends.
func bounded(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), short)
	t.Cleanup(cancel)
	return ctx
}

// calls are one call of each operation, for tables over them all.
var calls = []struct {
	op   string
	call func(context.Context, *cosclient.Client) error
}{
	{"TriggerWorkflow", func(ctx context.Context, c *cosclient.Client) error {
		_, err := c.TriggerWorkflow(ctx, &cosclient.TriggerWorkflowInput{WorkflowID: workflowID, Object: "a.jpg"})
		return err
	}},
	{"CreateInventoryTriggerJob", func(ctx context.Context, c *cosclient.Client) error {
		_, err := c.CreateInventoryTriggerJob(ctx, &cosclient.CreateInventoryTriggerJobInput{Name: "n",
			Input: cosclient.JobInput{Prefix: new(string)}, Operation: cosclient.JobOperation{WorkflowIDs: workflowID}})
		return err
	}},
	{"DescribeInventoryTriggerJobs", func(ctx context.Context, c *cosclient.Client) error {
		_, err := c.DescribeInventoryTriggerJobs(ctx, &cosclient.DescribeInventoryTriggerJobsInput{Size: 100})
		return err
	}},
	{"DescribeInventoryTriggerJob", func(ctx context.Context, c *cosclient.Client) error {
		_, err := c.DescribeInventoryTriggerJob(ctx, &cosclient.DescribeInventoryTriggerJobInput{JobID: jobID})
		return err
	}},
	{"CancelInventoryTriggerJob", func(ctx context.Context, c *cosclient.Client) error {
		_, err := c.CancelInventoryTriggerJob(ctx, &cosclient.CancelInventoryTriggerJobInput{JobID: jobID})
		return err
	}},
	{"DescribeWorkflowExecutions", func(ctx context.Context, c *cosclient.Client) error {
		_, err := c.DescribeWorkflowExecutions(ctx, &cosclient.DescribeWorkflowExecutionsInput{WorkflowID: workflowID, Size: 100})
		return err
	}},
	{"DescribeWorkflowExecution", func(ctx context.Context, c *cosclient.Client) error {
		_, err := c.DescribeWorkflowExecution(ctx, &cosclient.DescribeWorkflowExecutionInput{RunID: runID})
		return err
	}},
	{"ListObjects", func(ctx context.Context, c *cosclient.Client) error {
		_, err := c.ListObjects(ctx, nil)
		return err
	}},
}

// changesState names the operations whose ambiguous failure is not
// retried.
var changesState = map[string]bool{"TriggerWorkflow": true, "CreateInventoryTriggerJob": true, "CancelInventoryTriggerJob": true}
