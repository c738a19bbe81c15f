package cosclient

import (
	"errors"
	"fmt"
	"net/http"
)

// Errors are layered as in smithy-go: an *OperationError wraps a
// *ResponseError (the HTTP status) which wraps an *APIError (CI's code).
// Callers branch with errors.As, never on strings.

// OperationError is returned by every operation that fails after it was
// validated: it names the operation and how many attempts were made.
type OperationError struct {
	Operation string
	Attempts  int
	Err       error
}

func (e *OperationError) Error() string {
	return fmt.Sprintf("ci %s: %v", e.Operation, e.Err)
}

func (e *OperationError) Unwrap() error { return e.Err }

// ResponseError is an HTTP answer outside 2xx.
type ResponseError struct {
	StatusCode int
	RequestID  string
	Err        error // usually an *APIError
}

func (e *ResponseError) Error() string {
	return fmt.Sprintf("http %d %s: %v", e.StatusCode, http.StatusText(e.StatusCode), e.Err)
}

func (e *ResponseError) Unwrap() error { return e.Err }

// APIError is the service's <Error> body.
type APIError struct {
	Code      string
	Message   string
	RequestID string
	TraceID   string
}

func (e *APIError) Error() string {
	s := e.Code
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.RequestID != "" {
		s += " (request " + e.RequestID + ")"
	}
	return s
}

// ValidationError is a request the client refused to send: Field names the
// offending input field (e.g. "Operation.WorkflowIds").
type ValidationError struct {
	Field  string
	Reason string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("invalid %s: %s", e.Field, e.Reason)
}

// NotFoundError is a job ID the service does not know (NonExistJobIds).
type NotFoundError struct {
	JobID     string
	RequestID string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("job %q not found", e.JobID)
}

// ErrRetryBudgetExhausted is wrapped when the client stops retrying because
// its retry budget is spent: CI is failing and more retries would only add
// load.
var ErrRetryBudgetExhausted = errors.New("retry budget exhausted")

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

// Throttled reports whether err is CI asking the caller to slow down (HTTP
// 429 or a throttling code).
func Throttled(err error) bool {
	var re *ResponseError
	if errors.As(err, &re) && re.StatusCode == http.StatusTooManyRequests {
		return true
	}
	var ae *APIError
	return errors.As(err, &ae) && throttlingCodes[ae.Code]
}

// Retryable reports whether err is worth trying again later: connection
// failures, 5xx, 429 and throttling. Validation, auth and other 4xx errors,
// and not-found, are permanent.
func Retryable(err error) bool {
	if err == nil {
		return false
	}
	var ve *ValidationError
	var nf *NotFoundError
	if errors.As(err, &ve) || errors.As(err, &nf) || errors.Is(err, ErrMissingCredentials) {
		return false
	}
	var re *ResponseError
	if errors.As(err, &re) {
		return re.StatusCode >= 500 || Throttled(err)
	}
	// No HTTP answer at all: a connection failure, a timeout, or an
	// exhausted retry budget. A later invocation may well succeed.
	return true
}
