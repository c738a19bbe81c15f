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
	Bucket    string        // from the Host header (CI or COS); "" when it was invalid
	Query     url.Values    // query parameters as sent
	Status    int           // HTTP status answered; 0 when the connection was reset
	Code      string        // CI or COS error code; "" on success
	RequestID string        // x-ci-request-id (x-cos-request-id on a COS host) answered
	Fault     FaultKind     // injected fault or canned answer; FaultNone when the call was served normally
	Latency   time.Duration // injected latency slept before answering
}
