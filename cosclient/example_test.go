package cosclient_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cosflow/cosflow/cosclient"
)

// Trigger a workflow for one uploaded object, with credentials from the
// SCF environment.
func ExampleClient_TriggerWorkflow() {
	c, err := cosclient.New(cosclient.Options{
		Region:      "ap-guangzhou",
		Bucket:      "examplebucket-1250000000",
		Credentials: cosclient.EnvCredentials{},
	})
	if err != nil {
		panic(err)
	}
	out, err := c.TriggerWorkflow(context.TODO(), &cosclient.TriggerWorkflowInput{
		WorkflowID: "w0123456789abcdef0123456789abcdef",
		Object:     "uploads/photo.jpg",
	})
	var ae *cosclient.APIError
	switch {
	case errors.As(err, &ae):
		fmt.Println("CI refused:", ae.Code, ae.RequestID)
	case err != nil:
		fmt.Println("failed:", err, "retry later:", cosclient.Retryable(err))
	default:
		fmt.Println("instance", out.InstanceID, "after", out.Meta.Attempts, "attempt(s)")
	}
}

// Back-fill a prefix with a job whose parameters arrive as JSON, then wait
// for it to finish.
func ExampleClient_WaitForJob() {
	c, _ := cosclient.New(cosclient.Options{Region: "ap-guangzhou", Bucket: "examplebucket-1250000000",
		Credentials: cosclient.EnvCredentials{}})
	var param cosclient.JobParam
	_ = param.UnmarshalJSON([]byte(`{"ImageInspect":{"AutoProcess":true,"ProcessType":"BackupObject"}}`))
	prefix := "uploads/"
	ctx, cancel := context.WithTimeout(context.TODO(), time.Hour)
	defer cancel()
	out, err := c.CreateInventoryTriggerJob(ctx, &cosclient.CreateInventoryTriggerJobInput{
		Name:      "backfill-uploads",
		Type:      cosclient.JobTypeJob,
		Input:     cosclient.JobInput{Prefix: &prefix},
		Operation: cosclient.JobOperation{Tag: "ImageInspect", JobParam: &param},
	})
	if err != nil {
		return
	}
	job, err := c.WaitForJob(ctx, out.JobsDetail.JobID, 10*time.Second)
	fmt.Println(job, err)
}
