package ciemu

import (
	"net/http"
	"strings"
	"time"

	"github.com/cosflow/cosflow/cosclient"
)

// Operation names as recorded in Call.Operation. The COS ones are
// cosclient's names where it has the operation (ListObjects is COS's GET
// Bucket).
const (
	OpTriggerWorkflow              = "TriggerWorkflow"
	OpCreateInventoryTriggerJob    = "CreateInventoryTriggerJob"
	OpDescribeInventoryTriggerJobs = "DescribeInventoryTriggerJobs"
	OpDescribeInventoryTriggerJob  = "DescribeInventoryTriggerJob"
	OpCancelInventoryTriggerJob    = "CancelInventoryTriggerJob"
	OpDescribeWorkflowExecutions   = "DescribeWorkflowExecutions"
	OpDescribeWorkflowExecution    = "DescribeWorkflowExecution"
	OpDescribeMediaWorkflow        = "DescribeMediaWorkflow"
	OpSetMediaWorkflowState        = "SetMediaWorkflowState" // PUT /workflow/<id>?active or ?paused
	OpPutObject                    = "PutObject"
	OpListObjects                  = "ListObjects"
	OpGetObject                    = "GetObject"
)

// request is one call being served: what the handlers need to know.
type request struct {
	r         *http.Request
	now       time.Time
	bucket    string
	id        string // from the path: a job or run ID, an object key
	requestID string
	// header holds the operation's own answer headers (an object's ETag):
	// they go out with its answer only, not with an error or a fault.
	header http.Header
}

// handlerFunc serves one operation: it returns the XML body to answer 200
// with (nil for an empty body) or the error to answer.
type handlerFunc func(e *Emulator, req *request) (any, *apiError)

// endpoint is one operation of a route table.
type endpoint struct {
	op string
	h  handlerFunc
	// mutates marks the operations that change state: the ones whose
	// answer Faults.LostAnswerRate may lose after they ran.
	mutates bool
}

// The route tables, by service: path → method → operation. A path written
// with {id} matches /<base>/<one non-empty segment>.
var (
	ciRoutes = map[string]map[string]endpoint{
		"/triggerworkflow": {
			http.MethodPost: {OpTriggerWorkflow, (*Emulator).triggerWorkflow, true},
		},
		"/inventorytriggerjob": {
			http.MethodPost: {OpCreateInventoryTriggerJob, (*Emulator).createJob, true},
			http.MethodGet:  {OpDescribeInventoryTriggerJobs, (*Emulator).describeJobs, false},
		},
		"/inventorytriggerjob/{id}": {
			http.MethodGet: {OpDescribeInventoryTriggerJob, (*Emulator).describeJob, false},
			http.MethodPut: {OpCancelInventoryTriggerJob, (*Emulator).cancelJob, true},
		},
		"/workflowexecution": {
			http.MethodGet: {OpDescribeWorkflowExecutions, (*Emulator).describeExecutions, false},
		},
		"/workflowexecution/{id}": {
			http.MethodGet: {OpDescribeWorkflowExecution, (*Emulator).describeExecution, false},
		},
		"/workflow": {
			http.MethodGet: {OpDescribeMediaWorkflow, (*Emulator).describeWorkflows, false},
		},
		"/workflow/{id}": {
			http.MethodPut: {OpSetMediaWorkflowState, (*Emulator).setWorkflowStateHandler, true},
		},
	}
	// On a COS host every path but / names an object, whatever it looks
	// like: /triggerworkflow there is the object "triggerworkflow".
	cosRoutes = map[string]map[string]endpoint{
		"/": {
			http.MethodGet: {OpListObjects, (*Emulator).listObjects, false},
		},
		"/{key}": {
			http.MethodPut: {OpPutObject, (*Emulator).putObject, true},
			http.MethodGet: {OpGetObject, (*Emulator).getObject, false},
		},
	}
)

// route is where one request goes.
type route struct {
	endpoint
	id  string    // the {id} or {key} of the path
	err *apiError // no such route: answered after authentication
}

// findRoute maps a service, method and path to an operation. A known path
// with another method is 405; an unknown path is 404. An invalid host is
// routed as CI, whose error family answers it.
func findRoute(service, method, path string) route {
	if service == cosclient.ServiceCOS {
		methods, key := cosRoutes["/"], ""
		if path != "/" {
			methods, key = cosRoutes["/{key}"], strings.TrimPrefix(path, "/")
		}
		return pick(methods, method, path, key)
	}
	if methods, ok := ciRoutes[path]; ok {
		return pick(methods, method, path, "")
	}
	base, id, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	if methods, ok := ciRoutes["/"+base+"/{id}"]; ok && id != "" && !strings.Contains(id, "/") {
		return pick(methods, method, path, id)
	}
	return route{err: errorf(http.StatusNotFound, "ResourceNotFound", "no API at %s", path)}
}

func pick(methods map[string]endpoint, method, path, id string) route {
	ep, ok := methods[method]
	if !ok {
		return route{err: errorf(http.StatusMethodNotAllowed, "MethodNotAllowed", "%s is not allowed on %s", method, path)}
	}
	return route{endpoint: ep, id: id}
}

// ServeHTTP answers one CI or COS request. The order is: count it in
// flight, inject faults (before anything with side effects), check the
// Host, the signature and the route, run the operation, then answer it:
// with a canned answer (SetAnswer) if one is queued, else maybe losing
// the answer (Faults.LostAnswerRate). Every answer carries the service's
// request-ID header (x-ci-request-id or x-cos-request-id); every call is
// logged, before its answer goes out.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.enter()
	defer e.leave()

	now := e.now()
	bucket, service, hostErr := bucketFromHost(r.Host)
	rt := findRoute(service, r.Method, r.URL.Path)
	req := &request{r: r, now: now, bucket: bucket, id: rt.id, requestID: e.newRequestID(), header: make(http.Header)}
	call := Call{
		Time:      now,
		Operation: rt.op,
		Method:    r.Method,
		Path:      r.URL.Path,
		Bucket:    bucket,
		Query:     r.URL.Query(),
		RequestID: req.requestID,
	}

	kind, f := e.decideFault(rt.op)
	if f.Latency > 0 {
		call.Latency = f.Latency
		if !sleep(r.Context(), f.Latency) {
			call.Fault = FaultCancelled
			e.record(call)
			return
		}
	}
	call.Fault = kind
	if kind == FaultReset && e.reset(w, call) {
		return
	}

	body, apiErr, ran := e.serve(req, rt, hostErr, kind, f)
	var canned *Answer
	if ran {
		canned = e.takeAnswer(rt.op)
	}
	switch {
	case canned != nil:
		call.Fault = FaultCanned
	case ran && apiErr == nil && rt.mutates:
		call.Fault = e.decideLost(f, rt.op)
	}
	if call.Fault == FaultLostReset {
		if e.reset(w, call) {
			return
		}
		call.Fault = FaultLostError
	}

	idHeader, traceHeader := idHeaders(service)
	rp := e.replyFor(req, traceHeader, call.Fault, canned, body, apiErr)
	w.Header().Set(idHeader, req.requestID)
	call.Status, call.Code = rp.status, rp.code
	e.record(call)
	rp.write(w)
}

// replyFor is the answer to a call that was not reset: the canned one,
// the operation's own (its body or its error), or the operation's lost
// one as fault says.
func (e *Emulator) replyFor(req *request, traceHeader string, fault FaultKind, canned *Answer, body any, apiErr *apiError) reply {
	switch {
	case canned != nil:
		return canned.reply()
	case fault == FaultLostError:
		return errorReply(lostAnswer(), req.requestID, traceHeader, e.newTraceID())
	case apiErr != nil:
		return errorReply(apiErr, req.requestID, traceHeader, e.newTraceID())
	case fault == FaultLostBody:
		rp := okReply(body, nil)
		// The root element closes at the end, so half a document never
		// parses; an empty answer stays empty.
		rp.body = rp.body[:len(rp.body)/2]
		return rp
	}
	return okReply(body, req.header)
}

// reset logs call and resets its connection, or reports that it cannot.
func (e *Emulator) reset(w http.ResponseWriter, call Call) bool {
	conn := hijack(w)
	if conn == nil {
		return false
	}
	e.record(call) // Status 0: nothing was answered
	resetConnection(conn)
	return true
}

func (e *Emulator) record(call Call) {
	e.mu.Lock()
	e.calls.push(call)
	e.mu.Unlock()
}

// serve runs the checks and the operation, in the service's order; ran
// reports that the operation itself ran (whatever it answered).
func (e *Emulator) serve(req *request, rt route, hostErr *apiError, kind FaultKind, f Faults) (body any, err *apiError, ran bool) {
	switch kind {
	case FaultError, FaultThrottle, FaultReset: // a reset that could not hijack degrades to an error
		return nil, faultError(kind, f), false
	}
	if hostErr != nil {
		return nil, hostErr, false
	}
	if _, err := e.authenticate(req.r, req.now); err != nil {
		return nil, err, false
	}
	if rt.err != nil {
		return nil, rt.err, false
	}
	body, err = rt.h(e, req)
	return body, err, true
}

// newRequestID returns an ID in the shape CI uses (base64-ish text); ours
// is hex from the seeded source, unique per request.
func (e *Emulator) newRequestID() string {
	return e.newID('N')[1:] // 32 hex, no prefix
}

func (e *Emulator) newTraceID() string {
	return e.newID('O')[1:]
}
