// Package messages holds the wire messages of Tencent SCF's Go1 runtime
// protocol: the arguments and replies of the net/rpc methods Function.Ping
// and Function.Invoke, gob-encoded. Package scf serves them and scf.Client
// sends them; a function's own code never needs this package, which is why
// it lives apart from scf's user API (as aws-lambda-go keeps lambda/messages
// apart from lambda).
//
// gob matches struct fields by name and type, not by type name, so every
// field keeps the reference runtime's name and type exactly: renaming one,
// even RequestId to RequestID, would silently drop it on the wire. The
// underscored type names (InvokeRequest_Timestamp, InvokeResponse_Error, ...)
// are the protocol's own, generated from protobuf in the reference runtime,
// kept so the two can be compared side by side. Both break Go's naming
// style on purpose, so this file is exempt from staticcheck's naming check
// (ST1003).
package messages

//lint:file-ignore ST1003 names mirror the wire protocol: gob matches fields by name, and type names follow the reference runtime's protobuf names

import "time"

// PingRequest is the argument of Function.Ping, which the platform calls to
// learn that the function process is ready.
type PingRequest struct{}

// PingResponse is the reply of Function.Ping.
type PingResponse struct{}

// InvokeRequest_Timestamp is an absolute point in time (Unix seconds plus
// nanoseconds), used for the call's deadline. Both zero means "no deadline".
type InvokeRequest_Timestamp struct {
	Seconds int64
	Nanos   int64
}

// TimestampOf is the wire form of t, for callers building an InvokeRequest;
// the zero time maps to the zero timestamp ("no deadline").
func TimestampOf(t time.Time) InvokeRequest_Timestamp {
	if t.IsZero() {
		return InvokeRequest_Timestamp{}
	}
	return InvokeRequest_Timestamp{Seconds: t.Unix(), Nanos: int64(t.Nanosecond())}
}

// Time is the inverse of TimestampOf: the point in time ts names, and false
// for the zero timestamp, which means "no deadline" (not the Unix epoch).
// Both directions live here so that rule is spelled once.
func (ts InvokeRequest_Timestamp) Time() (time.Time, bool) {
	if ts.Seconds == 0 && ts.Nanos == 0 {
		return time.Time{}, false
	}
	return time.Unix(ts.Seconds, ts.Nanos), true
}

// InvokeRequest is the argument of Function.Invoke: one event delivery.
type InvokeRequest struct {
	Payload               []byte // the event JSON, handed to the handler as is
	RequestId             string
	TraceId               string
	Deadline              InvokeRequest_Timestamp
	InvokedFunctionUnique string
	ClientContext         []byte
	Namespace             string
	FunctionName          string
	FunctionVersion       string
	MemoryLimitInMb       int32
	TimeLimitInMs         int32
	Environment           string // JSON object of env vars to set before this call
	TencentcloudRegion    string
	TencentcloudAppID     string
	TencentcloudUin       string
	FunctionTrace         string
}

// InvokeResponse is the reply of Function.Invoke: either the handler's
// result as JSON in Payload, or Error.
type InvokeResponse struct {
	Payload []byte
	Error   *InvokeResponse_Error
}

// InvokeResponse_Error describes a failed call. ShouldExit is set after a
// panic, telling the platform the process may be in a bad state.
type InvokeResponse_Error struct {
	Message    string
	Type       string
	StackTrace []*InvokeResponse_Error_StackFrame
	ShouldExit bool
}

// InvokeResponse_Error_StackFrame is one frame of a panic's stack trace.
type InvokeResponse_Error_StackFrame struct {
	Path  string // source file
	Line  int32
	Label string // function name
}
