package api

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/valid"
)

// Error codes of the API's own errors. Errors that CI reported keep CI's
// code (e.g. InvalidArgument, AccessDenied).
const (
	codeInvalidRequest   = "InvalidRequest"
	codeUnauthorized     = "Unauthorized"
	codeAPIDisabled      = "APIDisabled"
	codeNotFound         = "NotFound"
	codeMethodNotAllowed = "MethodNotAllowed"
	codeRedirect         = "NonCanonicalPath"
	codeTooLarge         = "RequestTooLarge"
	codeUnsupportedType  = "UnsupportedMediaType"
	codeThrottled        = "Throttled"
	codeUpstream         = "UpstreamError"
	codeInternal         = "InternalError"
)

// ciResourceNotFound is CI's code for an unknown resource (a job ID).
const ciResourceNotFound = "ResourceNotFound"

// apiError is one error answer:
// {"error":{"code","message","field","requestId"}}.
type apiError struct {
	status    int
	code      string
	message   string
	field     string // JSON path or query parameter; "" when none
	requestID string // CI's request ID, for CI errors
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.message) }

// errorBody is the JSON shape of every error answer.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Field     string `json:"field,omitempty"`
	RequestID string `json:"requestId,omitempty"`
}

// writeError answers with e in the API's error shape.
func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.status, errorBody{Error: errorDetail{
		Code: e.code, Message: e.message, Field: e.field, RequestID: e.requestID,
	}})
}

// invalid is a 400 naming the offending field.
func invalid(field, reason string) *apiError {
	msg := reason
	if field != "" {
		msg = field + " " + reason
	} else {
		msg = "body " + reason
	}
	return &apiError{status: http.StatusBadRequest, code: codeInvalidRequest, message: msg, field: field}
}

// fromFieldError turns a validation failure into a 400 (nil when err is
// not one).
func fromFieldError(err error) *apiError {
	var fe *valid.FieldError
	if errors.As(err, &fe) {
		return invalid(fe.Field, fe.Reason)
	}
	return nil
}

// fromCI maps an error of a cosclient call onto an answer:
// refused input → 400; unknown job → 404 (also when CI says so with a 400
// ResourceNotFound); throttling → 429; any other CI
// 4xx → the same status with CI's code and request ID; CI 5xx after
// retries, connection failures and the rest → 502.
func fromCI(err error) *apiError {
	if e := fromFieldError(valid.FromCI(err, "")); e != nil {
		return e
	}
	var nf *cosclient.NotFoundError
	if errors.As(err, &nf) {
		return &apiError{status: http.StatusNotFound, code: codeNotFound,
			message: fmt.Sprintf("job %q not found", nf.JobID), requestID: nf.RequestID}
	}
	var ae *cosclient.APIError
	var re *cosclient.ResponseError
	hasAPI := errors.As(err, &ae)
	hasResp := errors.As(err, &re)
	out := &apiError{status: http.StatusBadGateway, code: codeUpstream, message: "CI call failed: " + err.Error()}
	if hasResp {
		out.requestID = re.RequestID
		if re.StatusCode >= 400 && re.StatusCode < 500 {
			out.status = re.StatusCode
		}
	}
	if hasAPI {
		out.code = ae.Code
		if ae.Code == ciResourceNotFound && out.status == http.StatusBadRequest {
			// CI answers 400 for an unknown job ID on cancel; to an API
			// caller that is a 404, as it is for GET.
			out.status = http.StatusNotFound
		}
		if ae.Message != "" {
			out.message = "CI: " + ae.Message
		}
		if ae.RequestID != "" {
			out.requestID = ae.RequestID
		}
	}
	if cosclient.Throttled(err) {
		out.status = http.StatusTooManyRequests
		if !hasAPI {
			out.code = codeThrottled
		}
	}
	return out
}
