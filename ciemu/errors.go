package ciemu

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"

	"github.com/cosflow/cosflow/cosclient"
)

// apiError is an answer outside 2xx: the HTTP status and CI's error code.
// Handlers return it; serve writes it as a cosclient.ErrorBody.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.status, e.code, e.message)
}

// errorf builds an apiError with a formatted message.
func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

// invalidArgument is the service's answer to a well-formed request with a
// bad value: 400 InvalidArgument naming the field and why.
func invalidArgument(field, format string, args ...any) *apiError {
	return &apiError{
		status:  http.StatusBadRequest,
		code:    "InvalidArgument",
		message: field + ": " + fmt.Sprintf(format, args...),
	}
}

// writeError writes e as CI and COS do: the <Error> body with the request
// and trace IDs (the caller sets their headers), Content-Type
// application/xml.
func writeError(w http.ResponseWriter, e *apiError, requestID, traceID string) {
	writeXML(w, e.status, cosclient.ErrorBody{
		Code:      e.code,
		Message:   e.message,
		RequestID: requestID,
		TraceID:   traceID,
	})
}

// writeXML writes v as an XML body with status. A nil v is an empty body.
func writeXML(w http.ResponseWriter, status int, v any) {
	if v == nil {
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(status)
		return
	}
	body, err := xml.Marshal(v)
	if err != nil {
		// Only our own response types reach here, so this is a bug in the
		// emulator: say so rather than send half a body.
		status = http.StatusInternalServerError
		body = []byte("<Error><Code>InternalError</Code><Message>encode response: " +
			xmlEscape(err.Error()) + "</Message></Error>")
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

func xmlEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
