package ciemu

import (
	"net/url"
	"time"
)

// Call is one request as the emulator saw it, kept for tests to query.
type Call struct {
	Time      time.Time     // when the request arrived (Options.Now)
	Operation string        // e.g. "TriggerWorkflow"; "" for an unknown route
	Method    string        // HTTP method
	Path      string        // URL path
	Bucket    string        // from the Host header; "" when it was invalid
	Query     url.Values    // query parameters as sent
	Status    int           // HTTP status answered; 0 when the connection was reset
	Code      string        // CI error code; "" on success
	RequestID string        // x-ci-request-id answered
	Fault     FaultKind     // injected fault, FaultNone when the call was served normally
	Latency   time.Duration // injected latency slept before answering
}

// callLog is a ring buffer of the last cap calls.
type callLog struct {
	buf  []Call
	next int // where the next call goes
}

func newCallLog(capacity int) callLog {
	return callLog{buf: make([]Call, 0, capacity)}
}

func (l *callLog) add(c Call) {
	if len(l.buf) < cap(l.buf) {
		l.buf = append(l.buf, c)
		return
	}
	l.buf[l.next] = c
	l.next = (l.next + 1) % len(l.buf)
}

// all returns the calls oldest first.
func (l *callLog) all() []Call {
	out := make([]Call, 0, len(l.buf))
	out = append(out, l.buf[l.next:]...)
	return append(out, l.buf[:l.next]...)
}

func (l *callLog) reset() {
	l.buf = l.buf[:0]
	l.next = 0
}
