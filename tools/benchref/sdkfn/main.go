// Command sdkfn is the reference function a user would write with the same
// packages as cosflow: the floor's Go1 runtime, validator/v10 checking the
// event, and the official SDK's TriggerWorkflow (a cos.Client and its
// CIService built at start, as a function would, to reuse connections).
// scripts/bench.sh compares cosflow's deploy binary with it, built alike:
// start-up and size.
//
// It lives in the tools module, a separate binary: cosflow never links the
// SDK and its go.mod does not require it.
//
// Settings: TENCENTCLOUD_SECRETID/TENCENTCLOUD_SECRETKEY, COSFLOW_CI_ENDPOINT
// (default https://examplebucket-1250000000.ci.ap-guangzhou.myqcloud.com) and
// COSFLOW_WORKFLOW_ID. The payload is {"object":"<key>"}.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/go-playground/validator/v10"
	cos "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/cosflow/cosflow/tools/benchref"
)

const defaultEndpoint = "https://examplebucket-1250000000.ci.ap-guangzhou.myqcloud.com"

func main() {
	client, err := newClient()
	if err == nil {
		err = benchref.Serve(func(payload []byte) ([]byte, error) { return invoke(client, payload) })
	}
	fmt.Fprintln(os.Stderr, "sdkfn:", err)
	os.Exit(1)
}

// newClient builds the SDK client once per process, as functions do.
func newClient() (*cos.Client, error) {
	endpoint := os.Getenv("COSFLOW_CI_ENDPOINT")
	if endpoint == "" {
		endpoint = defaultEndpoint
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, fmt.Errorf("COSFLOW_CI_ENDPOINT: %w", err)
	}
	return cos.NewClient(&cos.BaseURL{CIURL: u}, &http.Client{Transport: &cos.AuthorizationTransport{
		SecretID:  os.Getenv("TENCENTCLOUD_SECRETID"),
		SecretKey: os.Getenv("TENCENTCLOUD_SECRETKEY"),
	}}), nil
}

// event is the payload, checked as a user's function would check it.
type event struct {
	Object string `json:"object" validate:"required,max=850"`
}

var validate = validator.New(validator.WithRequiredStructEnabled())

// invoke triggers the configured workflow for the object the payload names.
func invoke(c *cos.Client, payload []byte) ([]byte, error) {
	var ev event
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, fmt.Errorf("decode event: %w", err)
	}
	if err := validate.Struct(&ev); err != nil {
		return nil, fmt.Errorf("invalid event: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, _, err := c.CI.TriggerWorkflow(ctx, &cos.TriggerWorkflowOptions{
		WorkflowId: os.Getenv("COSFLOW_WORKFLOW_ID"),
		Object:     ev.Object,
	})
	if err != nil {
		return nil, fmt.Errorf("trigger workflow: %w", err)
	}
	return json.Marshal(map[string]string{"instanceId": res.InstanceId, "requestId": res.RequestId})
}
