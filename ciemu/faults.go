package ciemu

import (
	"context"
	"net"
	"net/http"
	"time"
)

// Faults make the emulator misbehave the way a real service under load
// does. Rates are probabilities in [0, 1] drawn from one seeded source per
// request: a request is reset with probability ResetRate, else throttled
// with ThrottleRate, else failed with ErrorRate (the rates add; their sum is
// capped at 1). Latency applies to every request before anything else.
//
// Every fault is decided and acted on BEFORE the request is authenticated
// or processed, so a reset or an injected error never has side effects: a
// client that sees one may retry without double-triggering a workflow.
type Faults struct {
	ErrorRate    float64       // answer ErrorStatus/ErrorCode
	ErrorStatus  int           // default 503
	ErrorCode    string        // default derived from ErrorStatus (503 ServiceUnavailable, 500 InternalError, ...)
	Latency      time.Duration // sleep before answering, cut short by the request's context
	ResetRate    float64       // close the TCP connection with SO_LINGER 0 (an RST), no answer
	ThrottleRate float64       // answer ThrottleStatus SlowDown
	// ThrottleStatus is the status of throttled answers: 503 (default, as
	// COS answers SlowDown) or 429.
	ThrottleStatus int
}

// FaultKind names the fault injected into one call.
type FaultKind string

// Fault kinds recorded in Call.Fault.
const (
	FaultNone     FaultKind = ""
	FaultError    FaultKind = "error"
	FaultThrottle FaultKind = "throttle"
	FaultReset    FaultKind = "reset"
	// FaultCancelled is a request whose context ended during injected
	// latency: the client went away, nothing was answered.
	FaultCancelled FaultKind = "cancelled"
)

// SetFaults replaces the fault configuration; requests already past fault
// injection are not affected. Soak tests turn faults on and off with it.
func (e *Emulator) SetFaults(f Faults) {
	e.mu.Lock()
	e.faults = f
	e.mu.Unlock()
}

// decideFault draws this request's fault.
func (e *Emulator) decideFault() (FaultKind, Faults) {
	e.mu.Lock()
	defer e.mu.Unlock()
	f := e.faults
	if f.ResetRate <= 0 && f.ThrottleRate <= 0 && f.ErrorRate <= 0 {
		return FaultNone, f
	}
	u := e.rng.Float64()
	switch {
	case u < f.ResetRate:
		return FaultReset, f
	case u < f.ResetRate+f.ThrottleRate:
		return FaultThrottle, f
	case u < f.ResetRate+f.ThrottleRate+f.ErrorRate:
		return FaultError, f
	}
	return FaultNone, f
}

// faultError is the answer for an injected error or throttle.
func faultError(kind FaultKind, f Faults) *apiError {
	if kind == FaultThrottle {
		status := f.ThrottleStatus
		if status == 0 {
			status = http.StatusServiceUnavailable
		}
		return errorf(status, "SlowDown", "please reduce your request rate (injected)")
	}
	status := f.ErrorStatus
	if status == 0 {
		status = http.StatusServiceUnavailable
	}
	code := f.ErrorCode
	if code == "" {
		code = codeForStatus(status)
	}
	return errorf(status, code, "injected fault")
}

// codeForStatus is the CI/COS code usually paired with an HTTP status.
func codeForStatus(status int) string {
	switch status {
	case http.StatusServiceUnavailable:
		return "ServiceUnavailable"
	case http.StatusTooManyRequests:
		return "SlowDown"
	case http.StatusBadRequest:
		return "InvalidArgument"
	case http.StatusForbidden:
		return "AccessDenied"
	case http.StatusNotFound:
		return "ResourceNotFound"
	}
	return "InternalError"
}

// sleep waits d unless ctx ends first; it reports whether d elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// resetConnection takes over the connection and closes it with SO_LINGER
// 0, so the kernel sends an RST: the client sees "connection reset by peer"
// rather than a clean EOF. It reports whether it could (HTTP/2 and wrapped
// writers cannot be hijacked).
func resetConnection(w http.ResponseWriter) bool {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return false
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return false
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		tcp.SetLinger(0)
	}
	conn.Close()
	return true
}
