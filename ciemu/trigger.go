package ciemu

import "github.com/cosflow/cosflow/cosclient"

// triggerWorkflow serves POST /triggerworkflow?workflowId=&object=&name=:
// it starts (records) one workflow execution, whose RunId it answers as
// the InstanceId.
func (e *Emulator) triggerWorkflow(req *request) (any, *apiError) {
	q := req.r.URL.Query()
	in := cosclient.TriggerWorkflowInput{WorkflowID: q.Get("workflowId"), Object: q.Get("object"), Name: q.Get("name")}
	if err := in.Validate(); err != nil {
		return nil, validationError(err)
	}
	x := &execution{bucket: req.bucket, workflowID: in.WorkflowID, runID: e.newID('i'), object: in.Object, created: req.now}
	e.mu.Lock()
	e.seq++
	x.seq = e.seq
	e.executions.add(x)
	e.triggers.add(triggerKey{req.bucket, in.WorkflowID, in.Object})
	e.mu.Unlock()
	return &cosclient.TriggerWorkflowOutput{InstanceID: x.runID, RequestID: req.requestID}, nil
}
