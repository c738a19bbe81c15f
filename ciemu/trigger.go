package ciemu

import "github.com/cosflow/cosflow/cosclient"

// triggerWorkflow serves POST /triggerworkflow?workflowId=&object=&name=.
func (e *Emulator) triggerWorkflow(req *request) (any, *apiError) {
	q := req.r.URL.Query()
	in := cosclient.TriggerWorkflowInput{WorkflowID: q.Get("workflowId"), Object: q.Get("object"), Name: q.Get("name")}
	if err := checkTrigger(&in); err != nil {
		return nil, err
	}
	out := &cosclient.TriggerWorkflowOutput{
		InstanceID: e.newID('i'),
		RequestID:  req.requestID,
	}
	e.mu.Lock()
	e.triggers.add(triggerKey{req.bucket, in.WorkflowID, in.Object})
	e.mu.Unlock()
	return out, nil
}
