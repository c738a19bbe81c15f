package ciemu

import (
	"context"
	"net"
	"net/http"
	"slices"
	"time"
)

// Faults make the emulator misbehave the way a real service under load
// does. Rates are probabilities in [0, 1] drawn from one seeded source.
//
// Before processing: a request is reset with probability ResetRate, else
// throttled with ThrottleRate, else failed with ErrorRate (the rates add;
// their sum is capped at 1). Latency applies to every request before
// anything else. These are decided and acted on BEFORE the request is
// authenticated or processed, so they never have side effects: a client
// that sees one may retry without double-triggering a workflow.
//
// A QPS limit (QPS, QPSBurst) throttles what goes beyond it before
// anything else is drawn, the way CI limits each API per account; it
// combines with Latency, which a throttled call waits too (its answer
// still takes the round trip).
//
// After processing: with LostAnswerRate, a call that changed state
// (TriggerWorkflow, CreateInventoryTriggerJob, CancelInventoryTriggerJob,
// PUT Object) runs, its effects stand (the execution exists, the trigger
// is counted), and then its answer is lost, one of three ways drawn
// alike: a TCP reset (FaultLostReset), a 500 InternalError
// (FaultLostError), or a 200 whose body is cut short (FaultLostBody). A
// client cannot tell these from the before-processing faults (save the
// 200), which is the point: it must not assume a failed call had no
// effect.
type Faults struct {
	ErrorRate    float64       // answer ErrorStatus/ErrorCode
	ErrorStatus  int           // default 503
	ErrorCode    string        // default derived from ErrorStatus (503 ServiceUnavailable, 500 InternalError, ...)
	Latency      time.Duration // sleep before answering, cut short by the request's context
	ResetRate    float64       // close the TCP connection with SO_LINGER 0 (an RST), no answer
	ThrottleRate float64       // answer ThrottleStatus SlowDown
	// ThrottleStatus is the status of throttled answers, ThrottleRate's
	// and QPS's: 503 (default) or 429. CI's documentation names the
	// frequency-control code, SlowDown, without its status
	// (../shared/spec/ci-api.md, Errors); the COS family answers SlowDown
	// with 503, as S3 does (https://aws.amazon.com/premiumsupport/knowledge-center/s3-503-within-request-rate-prefix/),
	// and 429 is HTTP's own. cosclient takes either for a throttle
	// (Throttled: the code, or the status 429).
	ThrottleStatus int
	// QPS, when positive, limits each operation (of Ops, when set) to QPS
	// calls a second, as CI limits its APIs per account (the numbers are
	// unpublished: ../shared/spec/ci-api.md, Limits): a token bucket per
	// operation, holding QPSBurst calls (default QPS, at least 1) and
	// refilled at QPS a second on the emulator's clock (Options.Now). A
	// call that finds it empty is throttled (FaultThrottle) before
	// processing. SetFaults starts the buckets full again.
	QPS      float64
	QPSBurst int
	// buckets holds QPS's token buckets, made afresh for every
	// configuration (clone), guarded by the emulator's mutex.
	buckets *qpsBuckets
	// Ops, when not empty, limits the before-processing faults and
	// Latency to these operations (Op* names); other calls are served
	// normally.
	Ops []string
	// LostAnswerRate loses the answer of a call that changed state, after
	// it ran.
	LostAnswerRate float64
	// LostAnswerOps, when not empty, limits lost answers to these
	// operations; naming one that changes no state has no effect.
	LostAnswerOps []string
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
	// The answers lost after the operation ran (LostAnswerRate); its
	// effects stand. A reset falls back to FaultLostError where the
	// connection cannot be taken over.
	FaultLostReset FaultKind = "lost-reset" // the connection was reset instead of answering
	FaultLostError FaultKind = "lost-error" // 500 InternalError instead of the answer
	FaultLostBody  FaultKind = "lost-body"  // 200 with half the body, without the operation's own headers
	// FaultCanned is a call answered with a SetAnswer answer after it
	// ran.
	FaultCanned FaultKind = "canned"
)

// Lost reports whether k is an answer lost after the operation ran.
func (k FaultKind) Lost() bool {
	return k == FaultLostReset || k == FaultLostError || k == FaultLostBody
}

// lostWays are the ways an answer is lost, drawn alike.
var lostWays = [...]FaultKind{FaultLostReset, FaultLostError, FaultLostBody}

// SetFaults replaces the fault configuration; requests already past fault
// injection are not affected. Soak tests turn faults on and off with it.
func (e *Emulator) SetFaults(f Faults) {
	f = f.clone()
	e.mu.Lock()
	e.faults = f
	e.mu.Unlock()
}

// clone is f with slices of its own, so the caller may reuse its own,
// and QPS buckets of its own, full.
func (f Faults) clone() Faults {
	f.Ops, f.LostAnswerOps = slices.Clone(f.Ops), slices.Clone(f.LostAnswerOps)
	f.buckets = &qpsBuckets{}
	return f
}

// decideFault draws the before-processing fault of a call of op, and
// returns the faults in force for the call: those its lost answer is
// drawn from too.
func (e *Emulator) decideFault(op string) (FaultKind, Faults) {
	e.mu.Lock()
	defer e.mu.Unlock()
	f := e.faults
	if len(f.Ops) > 0 && !slices.Contains(f.Ops, op) {
		f.Latency = 0
		return FaultNone, f
	}
	if f.QPS > 0 && !f.buckets.admit(op, e.now(), f) {
		return FaultThrottle, f
	}
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

// qpsBuckets are the token buckets of Faults.QPS, one per operation.
type qpsBuckets struct {
	byOp map[string]*qpsBucket
}

type qpsBucket struct {
	tokens float64
	at     time.Time // when tokens was counted
}

// admit takes a token from op's bucket at now, or reports that it is
// empty. The emulator's mutex is held.
func (q *qpsBuckets) admit(op string, now time.Time, f Faults) bool {
	burst := float64(f.QPSBurst)
	if burst <= 0 {
		burst = max(f.QPS, 1)
	}
	b := q.byOp[op]
	if b == nil {
		if q.byOp == nil {
			q.byOp = make(map[string]*qpsBucket)
		}
		b = &qpsBucket{tokens: burst, at: now}
		q.byOp[op] = b
	}
	if d := now.Sub(b.at); d > 0 {
		b.tokens = min(burst, b.tokens+d.Seconds()*f.QPS)
		b.at = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// decideLost draws whether a call of op, which changed state under faults
// f, loses its answer, and how.
func (e *Emulator) decideLost(f Faults, op string) FaultKind {
	if f.LostAnswerRate <= 0 || len(f.LostAnswerOps) > 0 && !slices.Contains(f.LostAnswerOps, op) {
		return FaultNone
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.rng.Float64() >= f.LostAnswerRate {
		return FaultNone
	}
	return lostWays[e.rng.IntN(len(lostWays))]
}

// lostAnswer is the 500 that replaces a FaultLostError answer.
func lostAnswer() *apiError {
	return errorf(http.StatusInternalServerError, "InternalError", "internal error (injected after the operation ran)")
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

// hijack takes over the connection for a reset; nil when it cannot
// (HTTP/2 and wrapped writers cannot be hijacked).
func hijack(w http.ResponseWriter) net.Conn {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return nil
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return nil
	}
	return conn
}

// resetConnection closes conn with SO_LINGER 0, so the kernel sends an
// RST: the client sees "connection reset by peer" rather than a clean EOF.
func resetConnection(conn net.Conn) {
	if tcp, ok := conn.(*net.TCPConn); ok {
		tcp.SetLinger(0)
	}
	conn.Close()
}
