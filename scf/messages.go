package scf

// The wire messages of the Go1 runtime protocol. gob matches struct fields by
// name and type (not by type name), so these must keep the reference
// runtime's field names and types exactly. The underscored type names mirror
// the protocol's own (protobuf-generated) names so the two can be compared
// side by side; they are deliberate, not a style slip.

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
