package sdkbench

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	cos "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/cosflow/cosflow/internal/benchwire"
)

// sdkClient is the official SDK's client for base over rt.
func sdkClient(b *testing.B, base string, rt http.RoundTripper) *cos.Client {
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	return cos.NewClient(&cos.BaseURL{CIURL: u}, &http.Client{Transport: &cos.AuthorizationTransport{
		SecretID: benchwire.SecretID, SecretKey: benchwire.SecretKey, Transport: rt}})
}

// benchTrigger runs the sdk TriggerWorkflow sub-benchmark against base over rt.
func benchTrigger(b *testing.B, base string, rt http.RoundTripper) {
	b.Run("sdk", func(b *testing.B) {
		c := sdkClient(b, base, rt)
		opt := &cos.TriggerWorkflowOptions{WorkflowId: benchwire.WorkflowID, Object: benchwire.Object, Name: benchwire.RunName}
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := c.CI.TriggerWorkflow(context.Background(), opt); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchCreateJob is benchTrigger for CreateInventoryTriggerJob.
func benchCreateJob(b *testing.B, base string, rt http.RoundTripper) {
	b.Run("sdk", func(b *testing.B) {
		c := sdkClient(b, base, rt)
		opt := &cos.CreateInventoryTriggerJobOptions{Name: benchwire.JobName, Type: "Workflow",
			Input: &cos.InventoryTriggerJobInput{Prefix: benchwire.JobPrefix},
			Operation: &cos.InventoryTriggerJobOperation{WorkflowIds: benchwire.WorkflowID,
				TimeInterval: cos.InventoryTriggerJobOperationTimeInterval{Start: benchwire.WindowStart, End: benchwire.WindowEnd}}}
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := c.CI.CreateInventoryTriggerJob(context.Background(), opt); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkTriggerWorkflow(b *testing.B) {
	benchTrigger(b, benchwire.Server(b, benchwire.TriggerAnswer).URL, benchwire.Transport())
}

func BenchmarkCreateInventoryTriggerJob(b *testing.B) {
	benchCreateJob(b, benchwire.Server(b, benchwire.CreateJobAnswer).URL, benchwire.Transport())
}

func BenchmarkTriggerWorkflowInMemory(b *testing.B) {
	benchTrigger(b, "https://"+benchwire.Host, benchwire.MemTransport{Body: benchwire.TriggerAnswer})
}

func BenchmarkCreateInventoryTriggerJobInMemory(b *testing.B) {
	benchCreateJob(b, "https://"+benchwire.Host, benchwire.MemTransport{Body: benchwire.CreateJobAnswer})
}
