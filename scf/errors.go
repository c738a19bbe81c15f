package scf

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"

	"github.com/cosflow/cosflow/scf/messages"
)

// ErrNoPort is returned by Start when neither _LAMBDA_SERVER_PORT nor
// _SCF_SERVER_PORT is set, i.e. the binary was not started by the platform
// (or by a local harness playing it).
var ErrNoPort = errors.New("scf: neither _LAMBDA_SERVER_PORT nor _SCF_SERVER_PORT is set; run the binary under SCF or set one of them")

// errorType names the Go type of v the way the reference runtime reports
// it: the bare type name with any pointer stripped ("OperationError" for a
// *cosclient.OperationError, "errorString" for errors.New).
func errorType(v any) string {
	t := reflect.TypeOf(v)
	if t == nil {
		return "nil"
	}
	for t.Kind() == reflect.Pointer && t.Name() == "" {
		t = t.Elem()
	}
	if t.Name() != "" {
		return t.Name()
	}
	return t.String() // unnamed types such as map[string]int
}

// errorResponse reports a handler's returned error.
func errorResponse(err error) *messages.InvokeResponse_Error {
	return &messages.InvokeResponse_Error{Message: err.Error(), Type: errorType(err)}
}

// panicResponse reports a recovered panic value and the stack that raised it.
func panicResponse(v any, frames []*messages.InvokeResponse_Error_StackFrame) *messages.InvokeResponse_Error {
	var msg string
	if err, ok := v.(error); ok {
		msg = err.Error()
	} else {
		msg = fmt.Sprint(v)
	}
	return &messages.InvokeResponse_Error{
		Message:    msg,
		Type:       errorType(v),
		StackTrace: frames,
		ShouldExit: true,
	}
}

// maxStackFrames bounds the trace of a panic; deeper frames are the
// runtime's and net/rpc's, of no use to whoever reads the error.
const maxStackFrames = 64

// panicFrames must be called from a deferred function while a panic is
// being recovered. It returns the panicking goroutine's frames from the
// panic site down to (not including) stopAt, the runtime's function that
// called the handler; the runtime's own panic machinery is left out so the
// first frame is the line that panicked.
func panicFrames(stopAt string) []*messages.InvokeResponse_Error_StackFrame {
	pcs := make([]uintptr, maxStackFrames+16)
	n := runtime.Callers(1, pcs)
	all := runtime.CallersFrames(pcs[:n])

	var out []*messages.InvokeResponse_Error_StackFrame
	inPanic, atPanicSite := false, false
	for {
		fr, more := all.Next()
		switch {
		case !inPanic:
			inPanic = fr.Function == "runtime.gopanic"
		case fr.Function == stopAt:
			return out
		case !atPanicSite && strings.HasPrefix(fr.Function, "runtime."):
			// runtime.panicmem, runtime.sigpanic, runtime.goPanicIndex, ...
		default:
			atPanicSite = true
			if len(out) < maxStackFrames {
				out = append(out, &messages.InvokeResponse_Error_StackFrame{
					Path:  fr.File,
					Line:  int32(fr.Line),
					Label: fr.Function,
				})
			}
		}
		if !more {
			return out
		}
	}
}
