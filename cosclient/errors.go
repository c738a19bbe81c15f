package cosclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Errors are smithy-go's, layered so callers branch with errors.As and
// never on strings: every failed call returns a *smithy.OperationError
// (ServiceID CI or COS, the operation's name). Below it:
//   - a refused input: smithy.InvalidParamsError of *ParamError;
//   - an HTTP answer outside 2xx, or a 2xx that could not be read:
//     *ResponseError (which errors.As also finds as
//     *smithyhttp.ResponseError, with the status code), wrapping CI's
//     <Error> as *APIError (a smithy.APIError), a
//     *smithy.DeserializationError, or a *NotFoundError;
//   - no answer at all: *ConnectionError (a *TimeoutError below it when
//     the client itself ended the attempt);
//   - no credentials: *SigningError.
//
// Under a 2xx *ResponseError, a *LimitError is an answer larger than its
// operation can legitimately return and a *MismatchError one about
// another ID than the one asked for. A paginator that cannot finish its
// listing returns a *ListingCutShortError, outside any call.
//
// Text CI sent (an <Error>'s fields, an answered ID, a decoder's or the
// transport's message) reaches these errors without what it echoed of the
// call's credentials, and clipped (see the Signing step).
//
// Classify is the one place that decides what a failure means for retries.

// APIError is CI's (or COS's) <Error> answer. It implements smithy.APIError.
type APIError struct {
	Code      string
	Message   string
	RequestID string
	TraceID   string
	Fault     smithy.ErrorFault // client for 4xx, server for 5xx
}

// ErrorCode implements smithy.APIError.
func (e *APIError) ErrorCode() string { return e.Code }

// ErrorMessage implements smithy.APIError.
func (e *APIError) ErrorMessage() string { return e.Message }

// ErrorFault implements smithy.APIError.
func (e *APIError) ErrorFault() smithy.ErrorFault { return e.Fault }

// ServiceRequestID is CI's request ID for the failed call.
func (e *APIError) ServiceRequestID() string { return e.RequestID }

func (e *APIError) Error() string {
	s := e.Code
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

var _ smithy.APIError = (*APIError)(nil)

// ResponseError is an HTTP answer the call could not use: a status outside
// 2xx, or a 2xx whose body could not be read. errors.As finds the embedded
// *smithyhttp.ResponseError too.
type ResponseError struct {
	*smithyhttp.ResponseError
	// RequestID is CI's x-ci-request-id (else the body's RequestId).
	RequestID string
}

// ServiceRequestID is CI's request ID for the failed call.
func (e *ResponseError) ServiceRequestID() string { return e.RequestID }

func (e *ResponseError) Error() string {
	s := fmt.Sprintf("http %d", e.HTTPStatusCode())
	if e.RequestID != "" {
		s += " (request " + e.RequestID + ")"
	}
	return s + ": " + e.Err.Error()
}

// As lets errors.As find the embedded *smithyhttp.ResponseError.
func (e *ResponseError) As(target any) bool {
	return errors.As(e.ResponseError, target)
}

// NotFoundError is an ID the service does not know: a job under
// NonExistJobIds, an unknown workflow execution, or an object key COS
// answered NoSuchKey for (GetObject).
type NotFoundError struct {
	Resource  string // "job", "workflow execution" or "object"
	ID        string
	RequestID string
}

// ServiceRequestID is CI's request ID for the call.
func (e *NotFoundError) ServiceRequestID() string { return e.RequestID }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("%s %q not found", e.Resource, e.ID)
}

// ConnectionError is a request that got no HTTP answer: a dial failure, a
// reset, a timeout. Sent reports that the whole request had been written
// before it failed, so the service may have acted on it.
type ConnectionError struct {
	Sent bool
	Err  error
}

func (e *ConnectionError) Error() string {
	if e.Sent {
		return "no answer after the request was sent: " + e.Err.Error()
	}
	return "request not sent: " + e.Err.Error()
}

// Unwrap returns the transport's error.
func (e *ConnectionError) Unwrap() error { return e.Err }

// ConnectionError marks the error as a connection failure, as smithy-go's
// RequestSendError does.
func (e *ConnectionError) ConnectionError() bool { return true }

// TimeoutError is an attempt the client ended itself because the answer
// stalled: no status and headers within Options.ResponseHeaderTimeout of
// the attempt's start, or no byte of the body for Options.IdleBodyTimeout.
// It is not the caller's context ending (which stays context.Canceled or
// DeadlineExceeded, RetryLater): it sits under a *ConnectionError, so that
// Classify and Ambiguous read it as any other failure of the connection.
type TimeoutError struct {
	// Body is set when the answer's headers had come and its body stalled.
	Body  bool
	After time.Duration
}

func (e *TimeoutError) Error() string {
	if e.Body {
		return fmt.Sprintf("the answer's body stalled: no byte for %v", e.After)
	}
	return fmt.Sprintf("no answer within %v", e.After)
}

// Timeout reports true, as a net.Error does.
func (e *TimeoutError) Timeout() bool { return true }

// LimitError is a 2xx answer beyond what its operation can legitimately
// return: more bytes, more items than the page asked for, or more XML
// elements. Reading and decoding stopped there.
type LimitError struct {
	// What is "bytes", "elements", or the repeated item element (e.g.
	// "Contents").
	What  string
	Limit int64
}

// Is makes every *LimitError an ErrAnswerTooLarge, so that callers that
// only ask whether an answer was too large need not know the bound.
func (e *LimitError) Is(target error) bool { return target == ErrAnswerTooLarge }

func (e *LimitError) Error() string {
	switch e.What {
	case "bytes", "elements":
		return fmt.Sprintf("the answer has more than %d %s", e.Limit, e.What)
	}
	return fmt.Sprintf("the answer has more than the %d %s asked for", e.Limit, e.What)
}

// MismatchError is a 2xx answer about another job, run or workflow than
// the one the call asked about: it is not used.
type MismatchError struct {
	Resource string // "job", "workflow execution" or "workflow"
	Asked    string
	Answered string // as CI sent it, less any credential it echoed, clipped
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("asked about %s %q, CI answered about %q", e.Resource, e.Asked, e.Answered)
}

// ListingCutShortError is a listing a paginator stopped before its end:
// its page budget (Options.MaxPages) was spent, or the service's
// continuation did not move forward. The pages read so far were returned;
// what comes after them was not read. Reading the listing again would stop
// the same way, so Classify calls it RetryNever.
type ListingCutShortError struct {
	Operation string // the listing's, e.g. "ListObjects"
	Pages     int    // pages read
	Reason    string
}

func (e *ListingCutShortError) Error() string {
	return fmt.Sprintf("%s listing cut short after %d pages: %s", e.Operation, e.Pages, e.Reason)
}

// SigningError is a request that could not be signed: the credentials
// provider failed or gave no SecretId/SecretKey.
type SigningError struct{ Err error }

func (e *SigningError) Error() string { return "sign request: " + e.Err.Error() }

// Unwrap returns the provider's error.
func (e *SigningError) Unwrap() error { return e.Err }

// ErrRetryBudgetExhausted is wrapped when the client stops retrying because
// its retry budget is spent: CI is failing and more retries now would only
// add load.
var ErrRetryBudgetExhausted = errors.New("retry budget exhausted")

// ErrAnswerTooLarge is what every *LimitError is (errors.Is): an answer
// beyond what its operation can legitimately return (GetObject:
// MaxObjectBodyLen bytes), of which no more than its bound was buffered.
var ErrAnswerTooLarge = errors.New("answer body over the operation's limit")

// Retry is what a failure means for trying again.
type Retry int

// The three answers of Classify.
const (
	// RetryNever: the same call would fail (or did succeed) again.
	RetryNever Retry = iota
	// RetryLater: worth trying again later, not now: the caller's time
	// ran out or the retry budget is spent. On SCF, leave it to the
	// platform's retry.
	RetryLater
	// RetryNow: a transient failure; try again now, after a backoff.
	RetryNow
)

func (r Retry) String() string {
	switch r {
	case RetryNow:
		return "now"
	case RetryLater:
		return "later"
	}
	return "never"
}

// throttlingCodes are CI and COS error codes that mean "slow down".
var throttlingCodes = map[string]bool{
	"SlowDown":                  true,
	"RequestLimitExceeded":      true,
	"RequestRateLimitExceeded":  true,
	"Throttling":                true,
	"ThrottlingException":       true,
	"TooManyRequests":           true,
	"LimitExceeded.QpsExceeded": true,
}

// codeClockSkew is the answer to a request signed with a clock too far
// from the service's; the client re-signs once with a corrected clock.
const codeClockSkew = "RequestTimeTooSkewed"

// clockSkew reports whether err is that answer: the one test the
// deserializer (which corrects the clock), the retry step and Classify
// share.
func clockSkew(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Code == codeClockSkew
}

// Classify decides what err means for retrying: the client's retry step
// and every caller use it, so they cannot disagree.
//
//   - RetryNever: a refused input, no credentials, a 2xx answer (the call
//     took effect even if the answer could not be read, was too large or
//     was cut short), a redirect, a 4xx other than throttling and clock
//     skew, an unknown ID, a listing cut short.
//   - RetryLater: the context ended, the retry budget is spent.
//   - RetryNow: no answer (before or after sending, the client's own
//     timeouts included), a 5xx, 429 or a throttling code, a clock-skew
//     refusal.
func Classify(err error) Retry {
	var (
		se *SigningError
		re *smithyhttp.ResponseError
		ce *ConnectionError
		nf *NotFoundError
		lc *ListingCutShortError
	)
	switch {
	case err == nil:
		return RetryNever
	case len(ParamErrors(err)) > 0, errors.As(err, &se), errors.As(err, &nf), errors.As(err, &lc):
		return RetryNever
	case errors.Is(err, ErrRetryBudgetExhausted),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return RetryLater
	case errors.As(err, &re):
		status := re.HTTPStatusCode()
		switch {
		case status >= 200 && status < 400:
			return RetryNever
		case status >= 500, Throttled(err), clockSkew(err):
			return RetryNow
		}
		return RetryNever
	case errors.As(err, &ce):
		return RetryNow
	}
	var ser *smithy.SerializationError
	if errors.As(err, &ser) {
		return RetryNever
	}
	// Something failed before or around the transport in a way no rule
	// above names: not retried now, but not worth dropping either.
	return RetryLater
}

// Throttled reports whether err is the service asking the caller to slow
// down (HTTP 429 or a throttling code).
func Throttled(err error) bool {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusTooManyRequests {
		return true
	}
	var ae *APIError
	return errors.As(err, &ae) && throttlingCodes[ae.Code]
}

// isConnectionError reports whether err is a *ConnectionError. It is a
// function of its own so that its target escapes only when it is called:
// the pacer calls it for failed calls alone, so answered ones allocate
// nothing there.
func isConnectionError(err error) bool {
	var ce *ConnectionError
	return errors.As(err, &ce)
}

// Ambiguous reports whether a failed call may nonetheless have taken
// effect at the service: the request was sent and no usable answer came
// back (a reset or timeout after writing, a 5xx other than throttling, a
// 2xx that could not be read). A TriggerWorkflow that failed this way may
// have started its workflow: look for the run (DescribeWorkflowExecutions)
// before triggering again.
func Ambiguous(err error) bool {
	var ce *ConnectionError
	if errors.As(err, &ce) {
		return ce.Sent
	}
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) {
		return false
	}
	status := re.HTTPStatusCode()
	if status >= 500 {
		return !Throttled(err)
	}
	return Accepted(err)
}

// MayHaveTakenEffect reports whether a failed call changed something at
// the service although it failed: an operation that changes state (a
// trigger, a job created or cancelled) that failed ambiguously. A failed
// read changed nothing, whatever its failure.
func MayHaveTakenEffect(err error) bool {
	var oe *smithy.OperationError
	return errors.As(err, &oe) && mayHaveTakenEffect(oe.OperationName, err)
}

// mayHaveTakenEffect is MayHaveTakenEffect for a call of the named
// operation: also the retry step's test, so that what it will not retry
// is what callers are told to look for.
func mayHaveTakenEffect(operation string, err error) bool {
	return changesState[operation] && Ambiguous(err)
}

// Accepted reports whether the service answered 2xx although the call
// failed: the answer could not be read, was larger than the operation's
// bound, broke off or stalled, or named another ID (but not an unknown
// one). The operation took effect; a TriggerWorkflow failing this way has
// started its workflow, with the instance ID unknown.
func Accepted(err error) bool {
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() < 200 || re.HTTPStatusCode() > 299 {
		return false
	}
	var nf *NotFoundError
	return !errors.As(err, &nf)
}

// ErrorRequestID is CI's request ID carried by err, "" when the call got
// no answer.
func ErrorRequestID(err error) string {
	var r interface{ ServiceRequestID() string }
	if errors.As(err, &r) {
		return r.ServiceRequestID()
	}
	return ""
}

// ErrorStatus is the HTTP status of the answer behind err, 0 when there
// was none.
func ErrorStatus(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// attemptsError carries how many attempts a failed call made; it is
// transparent to errors.As and to the message.
type attemptsError struct {
	attempts int
	err      error
}

func (e *attemptsError) Error() string { return e.err.Error() }
func (e *attemptsError) Unwrap() error { return e.err }

// ErrorAttempts is how many attempts the failed call behind err made (0
// when it was refused before sending).
func ErrorAttempts(err error) int {
	var ae *attemptsError
	if errors.As(err, &ae) {
		return ae.attempts
	}
	return 0
}

// NotFound reports whether err says an ID is unknown: a *NotFoundError, or
// an HTTP 404 (how an unknown workflow execution may be answered).
func NotFound(err error) bool {
	var nf *NotFoundError
	return errors.As(err, &nf) || ErrorStatus(err) == http.StatusNotFound
}
