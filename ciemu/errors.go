package ciemu

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
)

// apiError is an answer outside 2xx: the HTTP status and CI's (or COS's)
// error code. Handlers return it; it is answered as a cosclient.ErrorBody
// (see errorReply).
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

func xmlEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
