package cosclient

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/cosflow/cosflow/cosclient/cossign"
)

// Middleware IDs of every call's stack, step by step in the order they run
// (see Stack.List):
//
//	Initialize:  OperationInputValidation
//	Serialize:   ResolveEndpoint, OperationSerializer
//	Build:       ContentLengthHeader
//	Finalize:    Retry, Signing (inside Retry: every attempt is signed afresh)
//	Deserialize: ResponseErrorWrapper, OperationDeserializer
//
// APIOptions may add steps of their own relative to these IDs.
const (
	IDValidation      = "OperationInputValidation"
	IDResolveEndpoint = "ResolveEndpoint"
	IDSerializer      = "OperationSerializer"
	IDContentLength   = "ContentLengthHeader"
	IDRetry           = "Retry"
	IDSigning         = "Signing"
	IDErrorWrapper    = "ResponseErrorWrapper"
	IDDeserializer    = "OperationDeserializer"
)

// operation is what differs between the calls: its name and service, how
// its request is built and how a 2xx answer is read. Each
// lives in its own api_op_*.go file; everything else is the shared stack.
//
// The type parameters are the input and output pointer types, so that
// every operation shares one instantiation of the generic code (all
// pointers have one GC shape): all the operations cost one stack builder.
type operation[In input, Out output] struct {
	name    string
	service string // ServiceCI or ServiceCOS: which host serves it
	// newInput and newOutput make a zero input (for a nil params) and an
	// output to decode into.
	newInput  func() In
	newOutput func() Out
	// serialize sets the request's method, path, query and body.
	serialize func(in In, req *smithyhttp.Request) (*smithyhttp.Request, error)
	// decode reads a 2xx answer into out; nil decodes the body as XML.
	decode func(in In, body []byte, out Out) error
	// decodeHeader, when set, reads what a 2xx answer carries in its
	// headers (an object's ETag) into out, after decode.
	decodeHeader func(h http.Header, out Out) error
	// notFound, when set, reads a service error that says the input's
	// resource does not exist (GetObject's NoSuchKey) as a *NotFoundError;
	// it answers nil for any other error, which stays an *APIError.
	notFound func(in In, ae *APIError) *NotFoundError
	// bounds is what a legitimate 2xx answer to in can hold: an answer
	// beyond them is not read or decoded further (see answerBounds).
	bounds func(in In) answerBounds
}

// changesState names the operations whose calls change something at the
// service. They are not retried after an ambiguous failure, which may have
// taken effect: TriggerWorkflow would start a second run, a cancel would
// be refused as already done. The caller looks first.
var changesState = map[string]bool{
	opTriggerWorkflow.name:           true,
	opCreateInventoryTriggerJob.name: true,
	opCancelInventoryTriggerJob.name: true,
	opPutObject.name:                 true,
}

// input is every operation input: a pointer that checks itself.
type input interface {
	comparable
	Validate() error
}

// output is every operation output: a pointer taking its result
// metadata (through OutputMetadata).
type output interface {
	setResultMetadata(middleware.Metadata)
}

// newOf makes a zero T: the newInput and newOutput of operations.
func newOf[T any]() *T { return new(T) }

// call is one call as its middlewares see it, through the stack value
// callKey: the steps themselves are stateless values, so building a call's
// stack allocates little beyond the stack.
type call struct {
	client    *Client
	operation string
	service   string
	options   Options // the client's, as this call's optFns left them
	params    any     // the input as serialized, for deserializers that need it
	// echoes are the credentials the attempt in flight was signed with,
	// set by the Signing step for the deserializer.
	echoes echoes
}

type callKey struct{}

// errNoCall is what a step answers when the context it was handed no
// longer carries its call: a step before it passed on a context not
// derived from its own.
var errNoCall = errors.New("cosclient: a middleware step passed on a context without the call's stack values")

// getCall returns the call ctx carries.
func getCall(ctx context.Context) (*call, error) {
	cl, _ := middleware.GetStackValue(ctx, callKey{}).(*call)
	if cl == nil {
		return nil, errNoCall
	}
	return cl, nil
}

// invoke runs one call of op: it builds the call's stack, lets
// APIOptions edit it, and runs it. Every failure is a
// *smithy.OperationError.
func invoke[In input, Out output](ctx context.Context, c *Client, op *operation[In, Out], params In, optFns []func(*Options)) (Out, error) {
	var zeroIn In
	var zeroOut Out
	if params == zeroIn {
		params = op.newInput()
	}
	opErr := func(err error) error {
		return &smithy.OperationError{ServiceID: op.service, OperationName: op.name, Err: err}
	}
	cl := &call{client: c, operation: op.name, service: op.service, options: c.options}
	if len(optFns) > 0 {
		cl.options = c.Options()
		for _, fn := range optFns {
			fn(&cl.options)
		}
		if err := cl.options.resolve(); err != nil {
			return zeroOut, opErr(err)
		}
	}
	stack, err := op.newStack()
	if err != nil {
		return zeroOut, opErr(fmt.Errorf("build middleware stack: %w", err))
	}
	for _, fn := range cl.options.APIOptions {
		if err := fn(stack); err != nil {
			return zeroOut, opErr(fmt.Errorf("apply APIOptions: %w", err))
		}
	}
	// Stack values belong to one stack: a call made from inside another
	// (cosclient's or any smithy client's) starts afresh.
	ctx = middleware.WithStackValue(middleware.ClearStackValues(ctx), callKey{}, cl)
	send := sendHandler{client: c.http, headerTimeout: cl.options.ResponseHeaderTimeout, idleTimeout: cl.options.IdleBodyTimeout}
	h := middleware.DecorateHandler(send, stack)
	result, md, err := h.Handle(ctx, params)
	if err != nil {
		return zeroOut, opErr(err)
	}
	out, ok := result.(Out)
	if !ok {
		return zeroOut, opErr(fmt.Errorf("stack answered %T, not %T", result, out))
	}
	out.setResultMetadata(md)
	return out, nil
}

// newStack builds one call's stack: the shared steps around op's
// serializer and deserializer, each a stateless value that reads the call
// from the context.
func (op *operation[In, Out]) newStack() (*middleware.Stack, error) {
	stack := middleware.NewStack(op.name, smithyhttp.NewStackRequest)
	for _, err := range []error{
		stack.Initialize.Add(validationStep, middleware.After),
		stack.Serialize.Add(endpointStep, middleware.After),
		stack.Serialize.Add(opSerializer[In, Out]{op}, middleware.After),
		stack.Build.Add(contentLengthStep, middleware.After),
		stack.Finalize.Add(retryMiddleware{}, middleware.After),
		stack.Finalize.Add(signMiddleware{}, middleware.After),
		stack.Deserialize.Add(errorWrapperStep, middleware.After),
		stack.Deserialize.Add(opDeserializer[In, Out]{op}, middleware.After),
	} {
		if err != nil {
			return nil, err
		}
	}
	return stack, nil
}

// The shared steps.
var (
	validationStep    = middleware.InitializeMiddlewareFunc(IDValidation, validate)
	endpointStep      = middleware.SerializeMiddlewareFunc(IDResolveEndpoint, resolveEndpoint)
	contentLengthStep = middleware.BuildMiddlewareFunc(IDContentLength, contentLengthHeader)
	errorWrapperStep  = middleware.DeserializeMiddlewareFunc(IDErrorWrapper, wrapResponseError)
)

// validate refuses a call before anything is sent: its bucket and region,
// then its input.
func validate(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	cl, err := getCall(ctx)
	if err != nil {
		return middleware.InitializeOutput{}, middleware.Metadata{}, err
	}
	if err := validateTarget(cl.options.Bucket, cl.options.Region); err != nil {
		return middleware.InitializeOutput{}, middleware.Metadata{}, err
	}
	params, ok := in.Parameters.(interface{ Validate() error })
	if !ok {
		return middleware.InitializeOutput{}, middleware.Metadata{}, fmt.Errorf("unexpected input %T", in.Parameters)
	}
	if err := params.Validate(); err != nil {
		return middleware.InitializeOutput{}, middleware.Metadata{}, err
	}
	return next.HandleInitialize(ctx, in)
}

// opSerializer is an operation's serializer as a Serialize step.
type opSerializer[In input, Out output] struct{ op *operation[In, Out] }

// ID implements middleware.SerializeMiddleware.
func (opSerializer[In, Out]) ID() string { return IDSerializer }

// HandleSerialize implements middleware.SerializeMiddleware.
func (m opSerializer[In, Out]) HandleSerialize(ctx context.Context, in middleware.SerializeInput, next middleware.SerializeHandler) (middleware.SerializeOutput, middleware.Metadata, error) {
	req, ok := in.Request.(*smithyhttp.Request)
	params, ok2 := in.Parameters.(In)
	if !ok || !ok2 {
		return middleware.SerializeOutput{}, middleware.Metadata{}, &smithy.SerializationError{Err: fmt.Errorf("unexpected request %T or input %T", in.Request, in.Parameters)}
	}
	cl, err := getCall(ctx)
	if err != nil {
		return middleware.SerializeOutput{}, middleware.Metadata{}, err
	}
	cl.params = params // what was sent is what the answer is read against
	req, err = m.op.serialize(params, req)
	if err != nil {
		return middleware.SerializeOutput{}, middleware.Metadata{}, &smithy.SerializationError{Err: err}
	}
	in.Request = req
	return next.HandleSerialize(ctx, in)
}

// opDeserializer is an operation's deserializer as a Deserialize step.
type opDeserializer[In input, Out output] struct{ op *operation[In, Out] }

// ID implements middleware.DeserializeMiddleware.
func (opDeserializer[In, Out]) ID() string { return IDDeserializer }

// HandleDeserialize implements middleware.DeserializeMiddleware.
func (m opDeserializer[In, Out]) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
	out, md, err := next.HandleDeserialize(ctx, in)
	if err != nil {
		return out, md, err
	}
	cl, err := getCall(ctx)
	if err != nil {
		return out, md, err
	}
	params, _ := cl.params.(In)
	result, err := m.op.deserialize(cl.client, params, cl.echoes, out.RawResponse, &md)
	if err != nil {
		return out, md, err
	}
	out.Result = result
	return out, md, nil
}

// answerBounds are what a legitimate 2xx answer of one call can hold: at
// most bytes of body, elements XML elements in all, and items of the
// page's item element under its root (a listing's size or max-keys). The
// body is read no further than the byte bound, and a body beyond any bound
// is not decoded at all. So what one answer costs is bounded by what its
// call can legitimately need, however large or dense the body: the byte
// bound caps the buffer, the element bound the decoded values.
type answerBounds struct {
	bytes    int64
	elements int
	item     string // "" for an answer that is not a page
	items    int
}

// oneBounds are the bounds of an answer about one thing.
func oneBounds(bytes int64, elements int) answerBounds {
	return answerBounds{bytes: bytes, elements: elements}
}

// pageBounds are the bounds of a page of at most n items, each at most
// itemBytes and itemElements, in an envelope (root, request ID, next
// token) of pageEnvelopeBytes and pageEnvelopeElements.
func pageBounds(item string, n int, itemBytes int64, itemElements int) answerBounds {
	return answerBounds{
		bytes:    pageEnvelopeBytes + int64(n)*itemBytes,
		elements: pageEnvelopeElements + n*itemElements,
		item:     item,
		items:    n,
	}
}

// A page's envelope: CI's tokens are opaque and of undocumented length,
// so 16 KiB leaves them room.
const (
	pageEnvelopeBytes    = 16 << 10
	pageEnvelopeElements = 64
)

// maxErrorBody bounds what is read of an answer outside 2xx: an <Error>
// is a few hundred bytes; a larger body is not read, and the error's code
// is the status text.
const maxErrorBody = 64 << 10

// maxPooledBody is the largest buffer bodyBuffers keeps.
const maxPooledBody = 256 << 10

// bodyBuffers hold answers while they are decoded.
var bodyBuffers = sync.Pool{New: func() any { return new([]byte) }}

// deserialize reads one answer: a 2xx into a new output, anything else
// into CI's *APIError; it records CI's request ID in md. A 2xx that
// echoes the attempt's credentials (ec) is not used.
func (op *operation[In, Out]) deserialize(c *Client, params In, ec echoes, raw any, md *middleware.Metadata) (Out, error) {
	var zero Out
	resp, ok := raw.(*smithyhttp.Response)
	if !ok {
		return zero, &smithy.DeserializationError{Err: fmt.Errorf("unexpected raw response %T", raw)}
	}
	defer resp.Body.Close()
	buf := bodyBuffers.Get().(*[]byte)
	defer func() {
		if cap(*buf) <= maxPooledBody { // a rare large listing is not kept
			bodyBuffers.Put(buf)
		}
	}()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		body, err := readBody(resp.Response, maxErrorBody, (*buf)[:0])
		*buf = body
		if err != nil {
			// The answer began but broke off: as ambiguous as no answer.
			return zero, &ConnectionError{Sent: true, Err: fmt.Errorf("read answer: %w", err)}
		}
		if len(body) > maxErrorBody {
			body = nil // not used: the status tells
		}
		ae := apiError(resp.Response, body)
		setRequestIDMetadata(md, ae.RequestID)
		if clockSkew(ae) {
			c.learnClock(resp.Header.Get("Date"))
		}
		if op.notFound != nil {
			if nf := op.notFound(params, ae); nf != nil {
				nf.RequestID = ae.RequestID
				return zero, nf
			}
		}
		return zero, ae
	}
	body, err := readAnswer(resp.Response, op.bounds(params), buf)
	if err != nil {
		// Not even its RequestId is read of a body beyond its bounds.
		setRequestIDMetadata(md, responseRequestID(resp.Response, nil))
		var le *LimitError
		if errors.As(err, &le) {
			return zero, &smithy.DeserializationError{Err: err, Snapshot: snapshot(body)}
		}
		// The answer began but broke off (or stalled): as ambiguous as
		// no answer.
		return zero, &ConnectionError{Sent: true, Err: fmt.Errorf("read answer: %w", err)}
	}
	// Decoding copies what it keeps of body.
	setRequestIDMetadata(md, responseRequestID(resp.Response, body))
	if ec.echoedIn(body) {
		return zero, &smithy.DeserializationError{Err: errEchoed, Snapshot: snapshot(body)}
	}
	md.Set(statusKey{}, resp.StatusCode)
	out := op.newOutput()
	if op.decode != nil {
		err = op.decode(params, body, out)
	} else {
		err = xml.Unmarshal(body, out)
	}
	if err == nil && op.decodeHeader != nil {
		err = op.decodeHeader(resp.Header, out)
	}
	if err != nil {
		var nf *NotFoundError
		if errors.As(err, &nf) {
			nf.RequestID, _ = GetRequestIDMetadata(*md)
			return zero, nf
		}
		return zero, &smithy.DeserializationError{Err: err, Snapshot: snapshot(body)}
	}
	return out, nil
}

// readAnswer reads a 2xx answer into *buf within b: its body, or a
// *LimitError for a body beyond b (read no further than its byte bound),
// or the error of a body that broke off or stalled.
func readAnswer(resp *http.Response, b answerBounds, buf *[]byte) ([]byte, error) {
	if resp.ContentLength > b.bytes {
		return nil, &LimitError{What: "bytes", Limit: b.bytes}
	}
	body, err := readBody(resp, b.bytes, (*buf)[:0])
	*buf = body
	switch {
	case err != nil:
		return body, err
	case int64(len(body)) > b.bytes:
		return body, &LimitError{What: "bytes", Limit: b.bytes}
	}
	return body, b.check(body)
}

// readBody appends resp's body to b, at most limit+1 bytes (so that the
// caller can tell a body over limit), growing b no further than that; its
// error is the body breaking off or stalling.
func readBody(resp *http.Response, limit int64, b []byte) ([]byte, error) {
	if n := resp.ContentLength; n >= 0 && n <= limit {
		b = slices.Grow(b, int(n)+1) // +1 to see the end without growing
	}
	for {
		if len(b) == cap(b) {
			more := max(int64(cap(b)), 4096) // double, from 4 KiB
			b = slices.Grow(b, int(min(more, limit+1-int64(len(b)))))
		}
		room := min(int64(cap(b)), limit+1)
		n, err := resp.Body.Read(b[len(b):room])
		b = b[:len(b)+n]
		switch {
		case err == io.EOF:
			return b, nil
		case err != nil:
			return b, err
		case int64(len(b)) > limit:
			return b, nil
		}
	}
}

// check reports whether body, within the byte bound, is also within the
// element and item bounds: a *LimitError if not. Every element starts with
// a '<' and every item with "<" and its name, so counting those bytes
// (fast, without parsing) settles the answers a service legitimately
// gives; only a body with more of them than the bounds is tokenized, to
// count exactly, and only up to where a bound is passed.
func (b answerBounds) check(body []byte) error {
	tag := ""
	if b.item != "" {
		tag = "<" + b.item
	}
	if bytes.Count(body, []byte("<")) <= b.elements && (tag == "" || bytes.Count(body, []byte(tag)) <= b.items) {
		return nil
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	depth, elements, items := 0, 0, 0
	for {
		tok, err := d.RawToken()
		if err != nil {
			return nil // the end, or not XML: the decoder will say so
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if elements++; elements > b.elements {
				return &LimitError{What: "elements", Limit: int64(b.elements)}
			}
			if depth == 2 && t.Name.Local == b.item {
				if items++; items > b.items {
					return &LimitError{What: b.item, Limit: int64(b.items)}
				}
			}
		case xml.EndElement:
			depth--
		}
	}
}

// responseRequestID is the service's request ID for an answer: the CI or
// COS header, else the body's RequestId.
func responseRequestID(resp *http.Response, body []byte) string {
	for _, h := range []string{hdrRequestID, hdrCOSRequestID} {
		if id := resp.Header.Get(h); id != "" {
			return id
		}
	}
	var b struct {
		RequestID string `xml:"RequestId"`
	}
	_ = xml.Unmarshal(body, &b) // best effort: the ID is for logs
	return b.RequestID
}

// snapshot keeps the start of an unreadable answer for the error.
func snapshot(body []byte) []byte {
	return bytes.Clone(body[:min(len(body), 1024)])
}

// validateTarget checks the call's bucket and region.
func validateTarget(bucket, region string) error {
	v := newChecks("Options")
	if bucket == "" {
		v.add(paramErr("bucket", "is not set (Options.Bucket or WithBucket)"))
	} else {
		v.add(checkBucket("bucket", bucket))
		v.add(checkRegion("region", region))
	}
	return v.err()
}

// resolveEndpoint points the request at the bucket's virtual host.
func resolveEndpoint(ctx context.Context, in middleware.SerializeInput, next middleware.SerializeHandler) (middleware.SerializeOutput, middleware.Metadata, error) {
	req, ok := in.Request.(*smithyhttp.Request)
	if !ok {
		return middleware.SerializeOutput{}, middleware.Metadata{}, &smithy.SerializationError{Err: fmt.Errorf("unexpected request %T", in.Request)}
	}
	cl, err := getCall(ctx)
	if err != nil {
		return middleware.SerializeOutput{}, middleware.Metadata{}, err
	}
	req.URL.Scheme = cl.client.scheme
	req.URL.Host = cl.client.host(cl.service, cl.options.Bucket, cl.options.Region)
	return next.HandleSerialize(ctx, in)
}

// contentLengthHeader puts the body's length in the header map, so that it
// is signed: Go's transport sends req.ContentLength itself and ignores this
// entry, and the two agree.
func contentLengthHeader(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
	req, ok := in.Request.(*smithyhttp.Request)
	if ok && req.Method != http.MethodGet {
		n, known, err := req.StreamLength()
		if err != nil {
			return middleware.BuildOutput{}, middleware.Metadata{}, &smithy.SerializationError{Err: err}
		}
		if known {
			req.ContentLength = n
			req.Header.Set("Content-Length", strconv.FormatInt(n, 10))
		}
	}
	return next.HandleBuild(ctx, in)
}

// wrapResponseError layers an HTTP answer's failure: the deserializer's
// error (CI's <Error>, an unreadable 2xx, an unknown ID) inside a
// *ResponseError carrying the status and CI's request ID. Failures without
// an answer pass through.
func wrapResponseError(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
	out, md, err := next.HandleDeserialize(ctx, in)
	if err == nil {
		return out, md, nil
	}
	resp, ok := out.RawResponse.(*smithyhttp.Response)
	if !ok || resp == nil || resp.StatusCode == 0 {
		return out, md, err
	}
	id, _ := GetRequestIDMetadata(md)
	return out, md, &ResponseError{
		ResponseError: &smithyhttp.ResponseError{Response: resp, Err: err},
		RequestID:     id,
	}
}

// apiError reads the <Error> body of a non-2xx answer. A body that is
// empty or not an <Error> document still yields an *APIError, whose Code
// is the status text.
func apiError(resp *http.Response, body []byte) *APIError {
	ae := &APIError{Fault: smithy.FaultClient}
	if resp.StatusCode >= 500 {
		ae.Fault = smithy.FaultServer
	}
	var eb ErrorBody
	if len(body) > 0 && xml.Unmarshal(body, &eb) == nil {
		ae.Code, ae.Message, ae.RequestID, ae.TraceID = eb.Code, eb.Message, eb.RequestID, eb.TraceID
	}
	if ae.Code == "" {
		ae.Code = http.StatusText(resp.StatusCode)
		if ae.Code == "" {
			ae.Code = "HTTP " + strconv.Itoa(resp.StatusCode)
		}
	}
	if id := responseRequestID(resp, nil); id != "" {
		ae.RequestID = id
	}
	if ae.TraceID == "" {
		ae.TraceID = resp.Header.Get(hdrTraceID)
	}
	return ae
}

// xmlBody encodes v as a request body with its Content-Type.
func xmlBody(req *smithyhttp.Request, v any) (*smithyhttp.Request, error) {
	body, err := xml.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode request body: %w", err)
	}
	req.Header.Set("Content-Type", "application/xml")
	return req.SetStream(bytes.NewReader(body))
}

// query builds a raw query string from name, value pairs in order,
// escaped as COS signs them (cossign.Escape), skipping empty values.
func query(pairs ...string) string {
	var b []byte
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			continue
		}
		if len(b) > 0 {
			b = append(b, '&')
		}
		b = append(b, pairs[i]...)
		b = append(b, '=')
		b = append(b, cossign.Escape(pairs[i+1])...)
	}
	return string(b)
}

// learnClock sets the signing clock's offset from the service's Date, after
// a RequestTimeTooSkewed answer.
func (c *Client) learnClock(date string) {
	t, err := http.ParseTime(date)
	if err != nil {
		return
	}
	c.clockOffset.Store(int64(time.Until(t)))
}
