package scf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"runtime"

	"github.com/cosflow/cosflow/scf/messages"
)

// Handler handles one event. payload is the event JSON exactly as the
// platform delivered it; the returned value is sent back JSON-encoded. ctx
// carries the call's deadline and its [InvocationContext].
type Handler func(ctx context.Context, payload json.RawMessage) (any, error)

// rpcFunction is the net/rpc receiver registered as "Function". Its method
// set is exactly the protocol's: net/rpc exposes every exported method of
// the right shape.
type rpcFunction struct {
	handler Handler
}

// Ping answers the platform's readiness probe.
func (f *rpcFunction) Ping(_ *messages.PingRequest, _ *messages.PingResponse) error {
	return nil
}

// Invoke runs the handler for one event. Every failure, including a panic,
// is reported inside the response; the RPC itself only fails if the
// connection does, so one bad event cannot take the process down.
func (f *rpcFunction) Invoke(req *messages.InvokeRequest, resp *messages.InvokeResponse) error {
	*resp = invoke(context.Background(), f.handler, req)
	return nil
}

// invoke turns one request into one response: deadline, environment,
// InvocationContext, handler call, result encoding.
func invoke(parent context.Context, h Handler, req *messages.InvokeRequest) messages.InvokeResponse {
	ctx := parent
	if deadline, ok := req.Deadline.Time(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}

	env, err := decodeEnvironment(req.Environment)
	if err == nil {
		err = applyEnvironment(env)
	}
	if err != nil {
		return messages.InvokeResponse{Error: errorResponse(err)}
	}

	ctx = NewContext(ctx, invocationContextOf(req))
	result, fail := callHandler(ctx, h, req.Payload)
	if fail != nil {
		return messages.InvokeResponse{Error: fail}
	}

	payload, err := json.Marshal(result)
	if err != nil {
		return messages.InvokeResponse{Error: &messages.InvokeResponse_Error{
			Message: fmt.Sprintf("scf: encode handler result as JSON: %v", err),
			Type:    errorType(rootCause(err)),
		}}
	}
	return messages.InvokeResponse{Payload: payload}
}

// callHandler runs h and reports how it failed, if it did, in the wire's
// terms: a returned error as is, a panic with its stack and ShouldExit set.
// Both land in the same response field, so one failure value serves the
// caller better than an error and a panic to tell apart (aws-lambda-go's
// runtime has the same shape). It must stay a separate, non-inlined
// function: its name marks where the reported stack trace ends.
func callHandler(ctx context.Context, h Handler, payload []byte) (result any, fail *messages.InvokeResponse_Error) {
	defer func() {
		if v := recover(); v != nil {
			fail = panicResponse(v, panicFrames(callHandlerName))
		}
	}()
	result, err := h(ctx, json.RawMessage(payload))
	if err != nil {
		return nil, errorResponse(err)
	}
	return result, nil
}

// callHandlerName is callHandler's symbol name, computed rather than spelled
// out so it survives a rename of the module or package. It is set in init
// because callHandler itself refers to it.
var callHandlerName string

func init() {
	callHandlerName = runtime.FuncForPC(reflect.ValueOf(callHandler).Pointer()).Name()
}

// rootCause unwraps err down to the error that says what went wrong, so a
// wrapped json.UnsupportedTypeError is named as such.
func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}
