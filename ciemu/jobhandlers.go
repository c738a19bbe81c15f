package ciemu

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"io"
	"net/http"

	"github.com/cosflow/cosflow/cosclient"
)

// createJob serves POST /inventorytriggerjob.
func (e *Emulator) createJob(req *request) (any, *apiError) {
	body, err := readBody(req.r)
	if err != nil {
		return nil, err
	}
	var in cosclient.CreateInventoryTriggerJobInput
	if decErr := xml.Unmarshal(body, &in); decErr != nil {
		return nil, errorf(http.StatusBadRequest, "MalformedXML",
			"the body is not a well-formed <Request>: %v", decErr)
	}
	if err := checkCreate(&in); err != nil {
		return nil, err
	}
	typ := in.Type
	if typ == "" {
		typ = cosclient.JobTypeWorkflow
	}
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

// readBody reads a request body of at most maxBodyBytes and checks
// Content-MD5 when sent.
func readBody(r *http.Request) ([]byte, *apiError) {
	if r.ContentLength > maxBodyBytes {
		return nil, bodyTooLarge(r.ContentLength)
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, bodyTooLarge(-1)
		}
		return nil, errorf(http.StatusBadRequest, "InvalidContent", "read body: %v", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errorf(http.StatusBadRequest, "MissingContent", "the request needs an XML <Request> body")
	}
	if want := r.Header.Get("Content-MD5"); want != "" {
		sum := md5.Sum(body)
		if got := base64.StdEncoding.EncodeToString(sum[:]); got != want {
			return nil, errorf(http.StatusBadRequest, "InvalidContent",
				"Content-MD5 %s does not match the body (MD5 %s)", want, got)
		}
	}
	return body, nil
}

func bodyTooLarge(n int64) *apiError {
	if n < 0 {
		return errorf(http.StatusBadRequest, "InvalidArgument", "body: over the %d-byte limit", maxBodyBytes)
	}
	return errorf(http.StatusBadRequest, "InvalidArgument", "body: %d bytes, over the %d-byte limit", n, maxBodyBytes)
}

// describeJob serves GET /inventorytriggerjob/<jobId>. An unknown ID is a
// 200 answer listing it under NonExistJobIds, as CI does.
func (e *Emulator) describeJob(req *request) (any, *apiError) {
	out := &cosclient.DescribeInventoryTriggerJobOutput{RequestID: req.requestID}
	e.mu.Lock()
	j := e.jobs.get(req.bucket, req.jobID)
	if j != nil {
		d := e.lc.detail(j, req.now)
		out.JobsDetail = &d
	}
	e.mu.Unlock()
	if j == nil {
		out.NonExistJobIDs = []string{req.jobID}
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
	j := e.jobs.get(req.bucket, req.jobID)
	if j == nil {
		return nil, errorf(http.StatusBadRequest, "ResourceNotFound", "job %s does not exist", req.jobID)
	}
	if s := e.lc.at(j, req.now); s.state.Terminal() {
		return nil, invalidArgument("jobId", "job %s is already %s and cannot be cancelled", j.id, s.state)
	}
	j.cancelled = req.now
	return nil, nil
}
