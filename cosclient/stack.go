package cosclient

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Step IDs of every operation's middleware stack, in the order they run.
const (
	StepValidate    = "Validate"    // Initialize: check the input and the bucket
	StepSerialize   = "Serialize"   // Serialize: build the HTTP request
	StepRetry       = "Retry"       // Finalize: attempts, backoff, retry budget
	StepSign        = "Sign"        // Finalize, inside Retry: fresh credentials and signature per attempt
	StepDeserialize = "Deserialize" // Deserialize: typed output or layered error
)

type opID int

const (
	opTriggerWorkflow opID = iota
	opCreateInventoryTriggerJob
	opDescribeInventoryTriggerJobs
	opDescribeInventoryTriggerJob
	opCancelInventoryTriggerJob
	numOps
)

// operation is what differs between the five calls: how the request is
// built and how a 2xx answer is read. Everything else is the shared stack.
type operation struct {
	name      string
	serialize func(cl *call, req *smithyhttp.Request) error
	decode    func(cl *call, body []byte) error
	// pipelines holds ready-built stacks. A smithy-go stack links its
	// steps to the final handler on every call, so one stack must not run
	// two calls at once; pooling builds each stack once yet keeps calls
	// concurrent.
	pipelines sync.Pool
}

// validator is every operation input.
type validator interface{ Validate() error }

// call is the state of one operation call, shared by its middlewares.
type call struct {
	op        *operation
	input     validator
	out       any // pointer to the operation's output struct
	bucket    string
	region    string
	host      string
	overrode  bool   // bucket/region came from a CallOption and need validating
	body      []byte // kept so that every attempt sends it afresh
	validated bool
	attempts  int
	status    int
	requestID string
}

// meta reports the call for an output's Meta.
func (cl *call) meta(start time.Time) CallMeta {
	return CallMeta{Attempts: cl.attempts, Duration: time.Since(start), RequestID: cl.requestID}
}

// pipeline is one built stack and its decorated handler.
type pipeline struct {
	stack   *middleware.Stack
	handler middleware.Handler
	cur     *call // the call running on this pipeline now
}

func (c *Client) initOperations() {
	defs := [numOps]struct {
		name      string
		serialize func(*call, *smithyhttp.Request) error
		decode    func(*call, []byte) error
	}{
		opTriggerWorkflow:              {"TriggerWorkflow", serializeTriggerWorkflow, decodeXML},
		opCreateInventoryTriggerJob:    {"CreateInventoryTriggerJob", serializeCreateInventoryTriggerJob, decodeXML},
		opDescribeInventoryTriggerJobs: {"DescribeInventoryTriggerJobs", serializeDescribeInventoryTriggerJobs, decodeXML},
		opDescribeInventoryTriggerJob:  {"DescribeInventoryTriggerJob", serializeDescribeInventoryTriggerJob, decodeXML},
		opCancelInventoryTriggerJob:    {"CancelInventoryTriggerJob", serializeCancelInventoryTriggerJob, decodeNothing},
	}
	for i := range c.ops {
		op := &c.ops[i]
		op.name, op.serialize, op.decode = defs[i].name, defs[i].serialize, defs[i].decode
		op.pipelines.New = func() any { return c.newPipeline(op.name) }
	}
}

// newPipeline builds the middleware stack of one operation:
// Validate → Serialize → Retry → Sign → (send) → Deserialize.
func (c *Client) newPipeline(name string) *pipeline {
	p := &pipeline{stack: middleware.NewStack(name, smithyhttp.NewStackRequest)}
	st := p.stack
	must(st.Initialize.Add(middleware.InitializeMiddlewareFunc(StepValidate, c.validateStep), middleware.After))
	must(st.Serialize.Add(middleware.SerializeMiddlewareFunc(StepSerialize, c.serializeStep), middleware.After))
	must(st.Finalize.Add(middleware.FinalizeMiddlewareFunc(StepRetry, func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
		return c.retryStep(ctx, p.cur, in, next)
	}), middleware.After))
	must(st.Finalize.Add(middleware.FinalizeMiddlewareFunc(StepSign, c.signStep), middleware.After))
	must(st.Deserialize.Add(middleware.DeserializeMiddlewareFunc(StepDeserialize, func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
		return c.deserializeStep(ctx, p.cur, in, next)
	}), middleware.After))
	// Decorate with the steps themselves, once: Stack.HandleMiddleware
	// would redo this on every call.
	p.handler = middleware.DecorateHandler(sendHandler{c: c, p: p}, st.Initialize, st.Serialize, st.Build, st.Finalize, st.Deserialize)
	return p
}

func must(err error) {
	if err != nil {
		panic("cosclient: build middleware stack: " + err.Error())
	}
}

// invoke runs one call through its operation's stack.
func (c *Client) invoke(ctx context.Context, id opID, cl *call, opts []CallOption) error {
	op := &c.ops[id]
	cl.op = op
	cl.bucket, cl.region, cl.host = c.opts.Bucket, c.opts.Region, c.host
	if len(opts) > 0 {
		o := c.opts
		for _, f := range opts {
			f(&o)
		}
		if o.Bucket != cl.bucket || o.Region != cl.region {
			cl.bucket, cl.region, cl.overrode = o.Bucket, o.Region, true
		}
	}
	p := op.pipelines.Get().(*pipeline)
	err := c.run(ctx, p, cl)
	op.pipelines.Put(p)
	return err
}

// run runs one call on pipeline p, which nothing else is using.
func (c *Client) run(ctx context.Context, p *pipeline, cl *call) error {
	op := cl.op
	p.cur = cl
	_, _, err := p.handler.Handle(ctx, cl)
	p.cur = nil
	if err != nil {
		if !cl.validated {
			return err
		}
		return &OperationError{Operation: op.name, Attempts: cl.attempts, Err: err}
	}
	return nil
}

// validateStep refuses a call before anything is sent.
func (c *Client) validateStep(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	cl := in.Parameters.(*call)
	if cl.bucket == "" {
		return middleware.InitializeOutput{}, middleware.Metadata{}, invalid("bucket", "is not set (Options.Bucket or WithBucket)")
	}
	if cl.overrode {
		if err := ValidateBucket(cl.bucket); err != nil {
			return middleware.InitializeOutput{}, middleware.Metadata{}, err
		}
		if err := ValidateRegion(cl.region); err != nil {
			return middleware.InitializeOutput{}, middleware.Metadata{}, err
		}
		cl.host = virtualHost(cl.bucket, cl.region)
	}
	if err := cl.input.Validate(); err != nil {
		return middleware.InitializeOutput{}, middleware.Metadata{}, err
	}
	cl.validated = true
	return next.HandleInitialize(ctx, in)
}

// serializeStep builds the HTTP request: URL, method, query, headers, body.
func (c *Client) serializeStep(ctx context.Context, in middleware.SerializeInput, next middleware.SerializeHandler) (middleware.SerializeOutput, middleware.Metadata, error) {
	cl := in.Parameters.(*call)
	req, ok := in.Request.(*smithyhttp.Request)
	if !ok {
		return middleware.SerializeOutput{}, middleware.Metadata{}, errors.New("serialize: not a smithy HTTP request")
	}
	req.URL.Scheme = c.scheme
	req.URL.Host = cl.host
	if err := cl.op.serialize(cl, req); err != nil {
		return middleware.SerializeOutput{}, middleware.Metadata{}, err
	}
	req.ContentLength = int64(len(cl.body))
	if req.Method != "GET" {
		// Signed, so it must be what Go sends: Go's transport writes
		// Content-Length from req.ContentLength and skips this header entry.
		if len(cl.body) == 0 {
			req.Header["Content-Length"] = contentLengthZero
		} else {
			req.Header["Content-Length"] = []string{itoa(len(cl.body))}
		}
	}
	return next.HandleSerialize(ctx, in)
}

// contentLengthZero is shared by every body-less request; nothing writes
// to header value slices.
var contentLengthZero = []string{"0"}
