package ciemu

import "github.com/cosflow/cosflow/cosclient"

// triggerWorkflow serves POST /triggerworkflow?workflowId=&object=&name=.
func (e *Emulator) triggerWorkflow(req *request) (any, *apiError) {
	q := req.r.URL.Query()
	wf, obj, name := q.Get("workflowId"), q.Get("object"), q.Get("name")
	if err := checkWorkflowID("workflowId", wf); err != nil {
		return nil, err
	}
	if err := checkObjectKey("object", obj); err != nil {
		return nil, err
	}
	if err := checkJobName("name", name, false); err != nil {
		return nil, err
	}
	out := &cosclient.TriggerWorkflowOutput{
		InstanceID: e.newID('i'),
		RequestID:  req.requestID,
	}
	e.mu.Lock()
	e.triggers.add(triggerKey{req.bucket, wf, obj})
	e.mu.Unlock()
	return out, nil
}
