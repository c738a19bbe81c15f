package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/cosflow/cosflow/internal/clip"
	"github.com/cosflow/cosflow/internal/valid"
)

// MaxBodyBytes is the largest request body accepted (1 MiB): API bodies
// are small, and the bound keeps a hostile caller from costing memory.
const MaxBodyBytes = 1 << 20

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only our own types are encoded: a failure is a programming error.
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"error":{"code":"` + codeInternal + `","message":"cannot encode the answer"}}` + "\n")
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// decodeBody reads r's JSON body into v strictly (valid.Decode): JSON-ish
// Content-Type or none (415), at most MaxBodyBytes (413), well-formed,
// no unknown fields, right types (400 naming the field).
func decodeBody(w http.ResponseWriter, r *http.Request, v any) *apiError {
	if ct := r.Header.Get("Content-Type"); ct != "" && !jsonMediaType(ct) {
		return &apiError{status: http.StatusUnsupportedMediaType, code: codeUnsupportedType,
			message: fmt.Sprintf("Content-Type %q is not JSON; send application/json", clip.String(ct, maxEcho))}
	}
	data, e := readBody(w, r)
	if e != nil {
		return e
	}
	if err := valid.Decode(data, v); err != nil {
		return fromFieldError(err)
	}
	return nil
}

// readBody reads r's body, at most MaxBodyBytes (413 beyond; 400 when it
// cannot be read).
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, *apiError) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, bodyTooLarge()
		}
		return nil, &apiError{status: http.StatusBadRequest, code: codeInvalidRequest,
			message: "cannot read the body: " + err.Error()}
	}
	return data, nil
}

// bodyTooLarge is the 413 of a body over MaxBodyBytes.
func bodyTooLarge() *apiError {
	return &apiError{status: http.StatusRequestEntityTooLarge, code: codeTooLarge,
		message: fmt.Sprintf("body is larger than %d bytes", MaxBodyBytes)}
}

// jsonMediaType accepts application/json and application/*+json, with
// any parameters (charset).
func jsonMediaType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}
