package scf

import (
	"context"
	"time"
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

// deadlineOf maps the wire deadline to a time; both fields zero means none.
func deadlineOf(ts InvokeRequest_Timestamp) (time.Time, bool) {
	if ts.Seconds == 0 && ts.Nanos == 0 {
		return time.Time{}, false
	}
	return time.Unix(ts.Seconds, ts.Nanos), true
}

// TimestampOf is the wire form of t, for callers building an InvokeRequest;
// the zero time maps to the zero timestamp ("no deadline").
func TimestampOf(t time.Time) InvokeRequest_Timestamp {
	if t.IsZero() {
		return InvokeRequest_Timestamp{}
	}
	return InvokeRequest_Timestamp{Seconds: t.Unix(), Nanos: int64(t.Nanosecond())}
}

// invocationContextOf extracts the per-call facts from a request.
func invocationContextOf(req *InvokeRequest) *InvocationContext {
	deadline, _ := deadlineOf(req.Deadline)
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
