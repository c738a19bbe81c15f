package ciemu_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/cosclient/cossign"
)

// Start an emulator on loopback and trigger a workflow by hand. The Host
// header, not the address, names the bucket.
func Example() {
	emu := ciemu.New(ciemu.Options{})
	srv, err := emu.Start("127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	req, _ := http.NewRequest("POST", srv.URL()+"/triggerworkflow?workflowId=w1234567890abcdef1234567890abcdef&object=a.jpg", nil)
	req.Host = "examplebucket-1250000000.ci.ap-guangzhou.myqcloud.com"
	req.Header.Set("Authorization", cossign.Authorization(req, ciemu.DefaultSecretID, ciemu.DefaultSecretKey, cossign.NewWindow(time.Now(), time.Minute, 10*time.Minute)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()

	fmt.Println(resp.StatusCode, emu.TriggerCount("examplebucket-1250000000", "w1234567890abcdef1234567890abcdef", "a.jpg"))
	// Output: 200 1
}

// A trigger whose answer is lost after it ran fails as Ambiguous; the
// workflow execution it started is there to be found, which is how a
// caller learns not to trigger again.
func Example_lostAnswer() {
	emu := ciemu.New(ciemu.Options{Faults: ciemu.Faults{LostAnswerRate: 1}})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	ci, err := cosclient.New(cosclient.Options{
		Region: "ap-guangzhou", Bucket: "examplebucket-1250000000", Endpoint: srv.URL,
		Credentials: cosclient.StaticCredentials{SecretID: ciemu.DefaultSecretID, SecretKey: ciemu.DefaultSecretKey},
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	const workflow = "w1234567890abcdef1234567890abcdef"

	_, err = ci.TriggerWorkflow(ctx, &cosclient.TriggerWorkflowInput{WorkflowID: workflow, Object: "a.jpg"})
	fmt.Println("ambiguous:", cosclient.Ambiguous(err))

	out, err := ci.DescribeWorkflowExecutions(ctx, &cosclient.DescribeWorkflowExecutionsInput{WorkflowID: workflow, Name: "a.jpg"})
	if err != nil {
		panic(err)
	}
	for _, x := range out.WorkflowExecutionList {
		if x.Object == "a.jpg" { // the name filter's matching is undocumented: compare
			fmt.Println("ran:", x.Object, x.State)
		}
	}
	// Output:
	// ambiguous: true
	// ran: a.jpg Running
}
