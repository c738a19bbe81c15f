package ciemu

import (
	"time"

	"github.com/cosflow/cosflow/cosclient"
)

// triggerWorkflow serves POST /triggerworkflow?workflowId=&object=&name=:
// it starts (records) one workflow execution, whose RunId it answers as
// the InstanceId. A bucket with registered workflows refuses other IDs
// (checkTriggerable).
func (e *Emulator) triggerWorkflow(req *request) (any, *apiError) {
	q := req.r.URL.Query()
	in := cosclient.TriggerWorkflowInput{WorkflowID: q.Get("workflowId"), Object: q.Get("object"), Name: q.Get("name")}
	if err := in.Validate(); err != nil {
		return nil, validationError(err)
	}
	if err := e.checkTriggerable(req.bucket, in.WorkflowID); err != nil {
		return nil, err
	}
	x := e.startExecution(req.bucket, in.WorkflowID, in.Object, req.now)
	return &cosclient.TriggerWorkflowOutput{InstanceID: x.runID, RequestID: req.requestID}, nil
}

// startExecution records one run of a workflow for object, created at:
// what a TriggerWorkflow and CI's own upload trigger both start. It is
// counted by TriggerCount.
func (e *Emulator) startExecution(bucket, workflowID, object string, at time.Time) *execution {
	x := &execution{bucket: bucket, workflowID: workflowID, runID: e.newID('i'), object: object, created: at}
	e.mu.Lock()
	e.seq++
	x.seq = e.seq
	e.executions.add(x)
	e.triggers.add(triggerKey{bucket, workflowID, object})
	e.mu.Unlock()
	return x
}
