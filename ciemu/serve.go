package ciemu

import (
	"net/http"
	"strings"
	"time"
)

// Operation names as recorded in Call.Operation.
const (
	OpTriggerWorkflow              = "TriggerWorkflow"
	OpCreateInventoryTriggerJob    = "CreateInventoryTriggerJob"
	OpDescribeInventoryTriggerJobs = "DescribeInventoryTriggerJobs"
	OpDescribeInventoryTriggerJob  = "DescribeInventoryTriggerJob"
	OpCancelInventoryTriggerJob    = "CancelInventoryTriggerJob"
)

// request is one call being served: what the handlers need to know.
type request struct {
	r         *http.Request
	now       time.Time
	bucket    string
	jobID     string // from the path, for the per-job operations
	requestID string
}

// handlerFunc serves one operation: it returns the XML body to answer 200
// with (nil for an empty body) or the error to answer.
type handlerFunc func(e *Emulator, req *request) (any, *apiError)

// route maps a method and path to an operation. A known path with another
// method is 405; an unknown path is 404.
func route(method, path string) (op string, h handlerFunc, jobID string, err *apiError) {
	switch {
	case path == "/triggerworkflow":
		if method == http.MethodPost {
			return OpTriggerWorkflow, (*Emulator).triggerWorkflow, "", nil
		}
	case path == "/inventorytriggerjob":
		switch method {
		case http.MethodPost:
			return OpCreateInventoryTriggerJob, (*Emulator).createJob, "", nil
		case http.MethodGet:
			return OpDescribeInventoryTriggerJobs, (*Emulator).describeJobs, "", nil
		}
	case strings.HasPrefix(path, "/inventorytriggerjob/"):
		id := strings.TrimPrefix(path, "/inventorytriggerjob/")
		if id == "" || strings.Contains(id, "/") {
			return "", nil, "", errorf(http.StatusNotFound, "ResourceNotFound", "no API at %s", path)
		}
		switch method {
		case http.MethodGet:
			return OpDescribeInventoryTriggerJob, (*Emulator).describeJob, id, nil
		case http.MethodPut:
			return OpCancelInventoryTriggerJob, (*Emulator).cancelJob, id, nil
		}
	default:
		return "", nil, "", errorf(http.StatusNotFound, "ResourceNotFound", "no API at %s", path)
	}
	return "", nil, "", errorf(http.StatusMethodNotAllowed, "MethodNotAllowed", "%s is not allowed on %s", method, path)
}

// ServeHTTP answers one CI request. The order is: count it in flight, inject
// faults (before anything with side effects), check the Host, the
// signature and the route, then run the operation. Every answer carries
// x-ci-request-id; every call is logged.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.enter()
	defer e.leave()

	now := e.now()
	req := &request{r: r, now: now, requestID: e.newRequestID()}
	call := Call{
		Time:      now,
		Method:    r.Method,
		Path:      r.URL.Path,
		Query:     r.URL.Query(),
		RequestID: req.requestID,
	}
	op, h, jobID, routeErr := route(r.Method, r.URL.Path)
	call.Operation = op
	req.jobID = jobID
	if bucket, err := bucketFromHost(r.Host); err == nil {
		call.Bucket = bucket
	}
	defer func() {
		e.mu.Lock()
		e.calls.push(call)
		e.mu.Unlock()
	}()

	kind, f := e.decideFault()
	if f.Latency > 0 {
		call.Latency = f.Latency
		if !sleep(r.Context(), f.Latency) {
			call.Fault = FaultCancelled
			return
		}
	}
	call.Fault = kind
	if kind == FaultReset && resetConnection(w) {
		return
	}

	body, apiErr := e.serve(req, h, routeErr, kind, f)
	w.Header().Set("x-ci-request-id", req.requestID)
	if apiErr != nil {
		call.Status, call.Code = apiErr.status, apiErr.code
		writeError(w, apiErr, req.requestID, e.newTraceID())
		return
	}
	call.Status = http.StatusOK
	writeXML(w, http.StatusOK, body)
}

// serve runs the checks and the operation, in the service's order.
func (e *Emulator) serve(req *request, h handlerFunc, routeErr *apiError, kind FaultKind, f Faults) (any, *apiError) {
	switch kind {
	case FaultError, FaultThrottle, FaultReset: // a reset that could not hijack degrades to an error
		return nil, faultError(kind, f)
	}
	bucket, err := bucketFromHost(req.r.Host)
	if err != nil {
		return nil, err
	}
	req.bucket = bucket
	if _, err := e.authenticate(req.r, req.now); err != nil {
		return nil, err
	}
	if routeErr != nil {
		return nil, routeErr
	}
	return h(e, req)
}

// newRequestID returns an ID in the shape CI uses (base64-ish text); ours
// is hex from the seeded source, unique per request.
func (e *Emulator) newRequestID() string {
	return e.newID('N')[1:] // 32 hex, no prefix
}

func (e *Emulator) newTraceID() string {
	return e.newID('O')[1:]
}
