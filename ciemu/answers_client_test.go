package ciemu_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/citest"
)

// TestSetAnswer: a canned answer replaces the operation's own after it
// ran, so a client test sees the answer it wants to handle while the
// emulator's state follows the call.
func TestSetAnswer(t *testing.T) {
	ctx := context.Background()
	trigger := func(c *cosclient.Client, obj string) (*cosclient.TriggerWorkflowOutput, error) {
		return c.TriggerWorkflow(ctx, &cosclient.TriggerWorkflowInput{WorkflowID: wf, Object: obj})
	}
	tests := []struct {
		name  string
		op    string
		v     any
		call  func(c *cosclient.Client) error
		check func(t *testing.T, emu *ciemu.Emulator, err error)
	}{
		{
			name: "unreadable 200 to a trigger that ran",
			op:   ciemu.OpTriggerWorkflow, v: []byte("<Response><InstanceId>"),
			call: func(c *cosclient.Client) error { _, err := trigger(c, "a.jpg"); return err },
			check: func(t *testing.T, emu *ciemu.Emulator, err error) {
				var de *smithy.DeserializationError
				if !cosclient.Accepted(err) || !cosclient.Ambiguous(err) || cosclient.ErrorStatus(err) != 200 || !errors.As(err, &de) {
					t.Errorf("err %v: want an accepted, ambiguous 200 that did not decode", err)
				}
				if n := emu.TriggerCount(citest.Bucket, wf, "a.jpg"); n != 1 || len(emu.Executions(citest.Bucket, wf)) != 1 {
					t.Errorf("the trigger ran %d times", n)
				}
			},
		},
		{
			name: "empty 200 to a trigger",
			op:   ciemu.OpTriggerWorkflow, v: nil,
			call: func(c *cosclient.Client) error { _, err := trigger(c, "b.jpg"); return err },
			check: func(t *testing.T, emu *ciemu.Emulator, err error) {
				if !cosclient.Accepted(err) || emu.TriggerCount(citest.Bucket, wf, "b.jpg") != 1 {
					t.Errorf("err %v", err)
				}
			},
		},
		{
			name: "404 for an unknown run",
			op:   ciemu.OpDescribeWorkflowExecution,
			v:    ciemu.Answer{Status: 404, Body: cosclient.ErrorBody{Code: "ResourceNotFound", Message: "no such run"}},
			call: func(c *cosclient.Client) error {
				_, err := c.DescribeWorkflowExecution(ctx, &cosclient.DescribeWorkflowExecutionInput{RunID: "i0123"})
				return err
			},
			check: func(t *testing.T, _ *ciemu.Emulator, err error) {
				var ae *cosclient.APIError
				if !cosclient.NotFound(err) || !errors.As(err, &ae) || ae.Code != "ResourceNotFound" || ae.RequestID == "" {
					t.Errorf("err %v: want a 404 the client calls not found", err)
				}
			},
		},
		{
			name: "a listing under the Go SDK's element names",
			op:   ciemu.OpDescribeWorkflowExecutions,
			v: cosclient.DescribeWorkflowExecutionsOutput{WorkflowExecutionList: []cosclient.WorkflowExecution{
				{RunID: "i1", WorkflowID: wf, Object: "a.jpg", State: "Success", CreationTime: "2022-06-30T19:30:21+0800"},
			}},
			call: func(c *cosclient.Client) error {
				out, err := c.DescribeWorkflowExecutions(ctx, &cosclient.DescribeWorkflowExecutionsInput{WorkflowID: wf})
				if err != nil {
					return err
				}
				created, err := out.WorkflowExecutionList[0].Created()
				if want := time.Date(2022, 6, 30, 11, 30, 21, 0, time.UTC); err != nil || !created.Equal(want) {
					t.Errorf("Created() = %v, %v; want %v", created, err, want)
				}
				return nil
			},
			check: func(t *testing.T, _ *ciemu.Emulator, err error) {
				if err != nil {
					t.Error(err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu, url := citest.Emulator(t, ciemu.Options{})
			c := citest.Client(t, url, nil)
			emu.SetAnswer(tt.op, tt.v)
			tt.check(t, emu, tt.call(c))
			calls := emu.Calls()
			if last := calls[len(calls)-1]; last.Operation != tt.op || last.Fault != ciemu.FaultCanned || len(calls) != 1 {
				t.Errorf("calls %+v, want one canned %s", calls, tt.op)
			}
		})
	}
}

// TestSetAnswerQueue: answers are used in order, one per call that ran;
// a call refused before running leaves them; they beat lost answers;
// Reset forgets them.
func TestSetAnswerQueue(t *testing.T) {
	emu, url := citest.Emulator(t, ciemu.Options{Faults: ciemu.Faults{LostAnswerRate: 1}})
	c := citest.Client(t, url, nil)
	ctx := context.Background()
	emu.SetAnswer(ciemu.OpTriggerWorkflow, cosclient.TriggerWorkflowOutput{InstanceID: "ifirst"})
	emu.SetAnswer(ciemu.OpTriggerWorkflow, []byte("<Response><InstanceId>isecond</InstanceId></Response>"))

	bad := func(o *cosclient.Options) {
		o.Credentials = cosclient.StaticCredentials{SecretID: ciemu.DefaultSecretID, SecretKey: "wrong"}
	}
	if _, err := c.TriggerWorkflow(ctx, &cosclient.TriggerWorkflowInput{WorkflowID: wf, Object: "refused"}, bad); err == nil {
		t.Fatal("a badly signed call succeeded")
	}
	for _, want := range []string{"ifirst", "isecond"} {
		out, err := c.TriggerWorkflow(ctx, &cosclient.TriggerWorkflowInput{WorkflowID: wf, Object: want + ".jpg"})
		if err != nil || out.InstanceID != want {
			t.Errorf("got %+v, %v; want the canned %s", out, err, want)
		}
	}
	// The queue is empty: the next trigger's answer is lost again.
	if _, err := c.TriggerWorkflow(ctx, &cosclient.TriggerWorkflowInput{WorkflowID: wf, Object: "third.jpg"}); !cosclient.Ambiguous(err) {
		t.Errorf("third trigger: %v, want its answer lost", err)
	}
	if n := emu.TotalTriggers(); n != 3 {
		t.Errorf("%d triggers ran, want 3", n)
	}

	emu.SetAnswer(ciemu.OpListObjects, []byte("garbage"))
	emu.Reset()
	if _, err := c.ListObjects(ctx, &cosclient.ListObjectsInput{}); err != nil {
		t.Errorf("an answer survived Reset: %v", err)
	}
}
