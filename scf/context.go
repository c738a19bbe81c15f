package scf

import (
	"context"
	"time"

	"github.com/cosflow/cosflow/scf/messages"
)

// InvocationContext holds the facts the platform sends with one call. The
// runtime puts it in the handler's context; read it with [FromContext].
type InvocationContext struct {
	RequestID       string
	TraceID         string
	FunctionName    string
	Namespace       string
	FunctionVersion string
	MemoryLimitMB   int
	TimeLimit       time.Duration // the function's configured timeout
	Region          string        // e.g. "ap-guangzhou"
	AppID           string
	Uin             string
	Deadline        time.Time // zero when the call has no deadline
}

type invocationContextKey struct{}

// NewContext returns a copy of parent carrying ic. The runtime calls it for
// every invocation; tests of handlers call it to fake one.
func NewContext(parent context.Context, ic *InvocationContext) context.Context {
	return context.WithValue(parent, invocationContextKey{}, ic)
}

// FromContext returns the InvocationContext stored in ctx, if any.
func FromContext(ctx context.Context) (*InvocationContext, bool) {
	ic, ok := ctx.Value(invocationContextKey{}).(*InvocationContext)
	return ic, ok && ic != nil
}

// invocationContextOf extracts the per-call facts from a request.
func invocationContextOf(req *messages.InvokeRequest) *InvocationContext {
	deadline, _ := req.Deadline.Time()
	return &InvocationContext{
		RequestID:       req.RequestId,
		TraceID:         req.TraceId,
		FunctionName:    req.FunctionName,
		Namespace:       req.Namespace,
		FunctionVersion: req.FunctionVersion,
		MemoryLimitMB:   int(req.MemoryLimitInMb),
		TimeLimit:       time.Duration(req.TimeLimitInMs) * time.Millisecond,
		Region:          req.TencentcloudRegion,
		AppID:           req.TencentcloudAppID,
		Uin:             req.TencentcloudUin,
		Deadline:        deadline,
	}
}
