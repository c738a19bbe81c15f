package ciemu

import (
	"encoding/xml"
	"maps"
	"net/http"
	"strconv"

	"github.com/cosflow/cosflow/cosclient"
)

// reply is one answer, decided in full before anything is written, so
// that the call is in the log before the client can see its answer.
type reply struct {
	status int
	code   string      // the error code, for the log; "" for a 2xx
	header http.Header // headers besides the service's request ID
	body   []byte
}

// okReply is a 200 answer with the operation's own headers and v as its
// body (see encode).
func okReply(v any, header http.Header) reply {
	body, err := encode(v)
	if err != nil {
		// Only the emulator's own values and SetAnswer's reach here: say
		// so rather than send half a body.
		return reply{status: http.StatusInternalServerError, code: "InternalError",
			body: []byte("<Error><Code>InternalError</Code><Message>encode response: " + xmlEscape(err.Error()) + "</Message></Error>")}
	}
	return reply{status: http.StatusOK, header: header, body: body}
}

// errorReply is e as CI and COS answer it: the <Error> body with the
// request and trace IDs, the trace ID also in traceHeader.
func errorReply(e *apiError, requestID, traceHeader, traceID string) reply {
	rp := okReply(cosclient.ErrorBody{Code: e.code, Message: e.message, RequestID: requestID, TraceID: traceID}, http.Header{})
	rp.status, rp.code = e.status, e.code
	rp.header.Set(traceHeader, traceID)
	return rp
}

// encode is an answer's body: v's XML, the bytes themselves for a
// []byte, nothing for nil.
func encode(v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case []byte:
		return v, nil
	}
	return xml.Marshal(v)
}

// write sends the reply; a body is XML unless the operation said what
// it is (GET Object).
func (rp *reply) write(w http.ResponseWriter) {
	maps.Copy(w.Header(), rp.header)
	if len(rp.body) > 0 && w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/xml")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(rp.body)))
	w.WriteHeader(rp.status)
	w.Write(rp.body)
}
