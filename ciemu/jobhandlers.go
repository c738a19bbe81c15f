package ciemu

import (
	"bytes"
	"encoding/xml"
	"net/http"

	"github.com/cosflow/cosflow/cosclient"
)

// createJob serves POST /inventorytriggerjob.
func (e *Emulator) createJob(req *request) (any, *apiError) {
	var body bytes.Buffer
	if _, _, err := readBody(req.r, ciBody, &body); err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(body.Bytes())) == 0 {
		return nil, errorf(http.StatusBadRequest, "MissingContent", "the request needs an XML <Request> body")
	}
	var in cosclient.CreateInventoryTriggerJobInput
	if decErr := xml.Unmarshal(body.Bytes(), &in); decErr != nil {
		return nil, errorf(http.StatusBadRequest, "MalformedXML",
			"the body is not a well-formed <Request>: %v", decErr)
	}
	if err := in.Validate(); err != nil {
		return nil, validationError(err)
	}
	typ := in.Type.OrDefault()
	j := &job{
		bucket:    req.bucket,
		id:        e.newID('b'),
		name:      in.Name,
		typ:       typ,
		created:   req.now,
		input:     in.Input,
		operation: in.Operation,
		queueID:   in.Operation.QueueID,
		workflows: splitWorkflowIDs(in.Operation.WorkflowIDs),
	}
	if typ == cosclient.JobTypeJob {
		j.tag = in.Operation.Tag
	}
	if j.queueID == "" {
		j.queueID = defaultQueueID(req.bucket)
	}
	e.mu.Lock()
	e.seq++
	j.seq = e.seq
	e.jobs.add(j, e.lc, req.now)
	d := e.lc.detail(j, req.now)
	e.mu.Unlock()
	return &cosclient.CreateInventoryTriggerJobOutput{RequestID: req.requestID, JobsDetail: &d}, nil
}

// describeJob serves GET /inventorytriggerjob/<jobId>. An unknown ID is a
// 200 answer listing it under NonExistJobIds, as CI does.
func (e *Emulator) describeJob(req *request) (any, *apiError) {
	out := &cosclient.DescribeInventoryTriggerJobOutput{RequestID: req.requestID}
	e.mu.Lock()
	j := e.jobs.get(req.bucket, req.id)
	if j != nil {
		d := e.lc.detail(j, req.now)
		out.JobsDetail = &d
	}
	e.mu.Unlock()
	if j == nil {
		out.NonExistJobIDs = []string{req.id}
	}
	return out, nil
}

// cancelJob serves PUT /inventorytriggerjob/<jobId>?cancel (also without
// ?cancel, as the official Go SDK sends it). The answer is an empty 200.
//
// An unknown job is 400 ResourceNotFound: the CI error table lists
// ResourceNotFound among its 400 codes. A job already in a terminal state
// is 400 InvalidArgument, naming the state.
func (e *Emulator) cancelJob(req *request) (any, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	j := e.jobs.get(req.bucket, req.id)
	if j == nil {
		return nil, errorf(http.StatusBadRequest, "ResourceNotFound", "job %s does not exist", req.id)
	}
	if s := e.lc.at(j, req.now); s.state.Terminal() {
		return nil, invalidArgument("jobId", "job %s is already %s and cannot be cancelled", j.id, s.state)
	}
	j.cancelled = req.now
	return nil, nil
}
