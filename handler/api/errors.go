package api

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/aws/smithy-go"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/cirules"
	"github.com/cosflow/cosflow/internal/clip"
	"github.com/cosflow/cosflow/internal/valid"
	"github.com/cosflow/cosflow/ledger"
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
	codeURITooLong       = "URITooLong"
	codeHeadersTooLarge  = "HeadersTooLarge"
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

// writeError answers with e in the API's error shape. The field was
// clipped where it was set (invalidIn): clipping it again would cut the
// "..." that marks the cut.
func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.status, errorBody{Error: errorDetail{
		Code:      clip.String(e.code, maxEcho),
		Message:   clip.String(e.message, maxMessage),
		Field:     e.field,
		RequestID: clip.String(e.requestID, maxEcho),
	}})
}

// maxEcho bounds, in bytes, how much of a caller's input an error message
// echoes (a field name, a path, a method); clip.String cuts there without
// splitting a character.
const maxEcho = 200

// maxMessage bounds a whole error message, in bytes, so that every error
// answer stays well under 8 KB whatever the input was.
const maxMessage = 2000

// invalid is a 400 naming the offending field of the body ("" for the
// body as a whole).
func invalid(field, reason string) *apiError { return invalidIn("body", field, reason) }

// invalidIn is a 400 naming the offending field of subject (the body or
// the query), or subject itself when field is "".
func invalidIn(subject, field, reason string) *apiError {
	field = clip.String(field, maxEcho)
	msg := subject + " " + reason
	if field != "" {
		msg = field + " " + reason
	}
	return &apiError{status: http.StatusBadRequest, code: codeInvalidRequest, message: msg, field: field}
}

// fromFieldError turns a body's validation failure into a 400 (any other
// error too: it is a client's mistake that validation reported).
func fromFieldError(err error) *apiError { return fromFieldErrorIn("body", err) }

// fromQueryError turns a query's validation failure into a 400.
func fromQueryError(err error) *apiError { return fromFieldErrorIn("query", err) }

func fromFieldErrorIn(subject string, err error) *apiError {
	var fe *valid.FieldError
	if errors.As(err, &fe) {
		return invalidIn(subject, fe.Field, fe.Reason)
	}
	return invalidIn(subject, "", err.Error())
}

// fromCI maps an error of a CI call onto an answer: a refused input → 400;
// an unknown ID → 404 (also when CI says so with a 400 ResourceNotFound);
// throttling → 429; any other CI 4xx → the same status with CI's code and
// request ID; CI 5xx after retries, connection failures and the rest →
// 502.
func fromCI(err error) *apiError {
	if fe := cirules.FieldError(err, "", nil); fe != nil {
		return invalid(fe.Field, fe.Reason)
	}
	requestID := cosclient.ErrorRequestID(err)
	status := cosclient.ErrorStatus(err)
	var ae smithy.APIError
	hasAPI := errors.As(err, &ae)
	if cosclient.NotFound(err) || hasAPI && ae.ErrorCode() == ciResourceNotFound && status == http.StatusBadRequest {
		// CI answers 400 ResourceNotFound for an unknown job ID on cancel;
		// to an API caller that is a 404, as it is for GET.
		msg := "not found"
		var nf *cosclient.NotFoundError
		if errors.As(err, &nf) {
			msg = nf.Error()
		} else if hasAPI && ae.ErrorMessage() != "" {
			msg = "CI: " + ae.ErrorMessage()
		}
		return &apiError{status: http.StatusNotFound, code: codeNotFound, message: msg, requestID: requestID}
	}
	out := &apiError{status: http.StatusBadGateway, code: codeUpstream, message: "CI call failed: " + err.Error(), requestID: requestID}
	if status >= 400 && status < 500 {
		out.status = status
	}
	if hasAPI {
		out.code = ae.ErrorCode()
		if msg := ae.ErrorMessage(); msg != "" {
			out.message = "CI: " + msg
		}
	}
	if cosclient.Throttled(err) {
		out.status = http.StatusTooManyRequests
		if !hasAPI {
			out.code = codeThrottled
		}
	}
	if ledger.MayHaveTakenEffect(err) {
		// Say so, so that the caller looks before it tries again.
		out.message = "the call may have taken effect at CI, look before retrying (GET /v1/runs, GET /v1/jobs): " + out.message
	}
	return out
}
