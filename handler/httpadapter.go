package handler

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/cosflow/cosflow/events"
	"github.com/cosflow/cosflow/internal/clip"
	"github.com/cosflow/cosflow/internal/logx"
)

// Size limits of the HTTP adaptation. SCF's synchronous response limit is
// 6 MB; API requests are small JSON documents. SCF documents 4 KB for the
// request headers and 4 KB for the path with its query
// (cloud.tencent.com/document/product/583/37895, HTTP functions;
// unconfirmed for Function URLs and the legacy gateway): cosflow allows
// twice that, so it never refuses what the platform passes on, and refuses
// anything beyond with the status HTTP has for it.
const (
	MaxRequestBody  = 1 << 20
	MaxResponseBody = 6 << 20
	MaxPathBytes    = 8 << 10 // beyond: 414
	MaxHeaderBytes  = 8 << 10 // all names and values; beyond: 431
	MaxQueryBytes   = 8 << 10 // the encoded query; beyond: 400
)

// adaptError is a request that cannot be adapted, with the status and
// code it is answered with.
type adaptError struct {
	status int
	code   string
	msg    string
}

func (e *adaptError) Error() string { return e.msg }

// Adapt turns an SCF HTTP event (API gateway or Function URL shape) into
// an *http.Request carrying ctx. Failures are answered by the caller with
// 400 (malformed) or 413 (body over MaxRequestBody).
func Adapt(ctx context.Context, req *events.HTTPRequest) (*http.Request, error) {
	if len(req.Path) > MaxPathBytes {
		return nil, &adaptError{http.StatusRequestURITooLong, "URITooLong", fmt.Sprintf("the path is longer than %d bytes", MaxPathBytes)}
	}
	if n := headerBytes(req.Headers); n > MaxHeaderBytes {
		return nil, &adaptError{http.StatusRequestHeaderFieldsTooLarge, "HeadersTooLarge", fmt.Sprintf("the headers hold %d bytes, more than %d", n, MaxHeaderBytes)}
	}
	method := strings.ToUpper(req.HTTPMethod)
	if !validMethod(method) {
		return nil, &adaptError{http.StatusBadRequest, "InvalidRequest", fmt.Sprintf("httpMethod %q is not an HTTP method", clip.String(req.HTTPMethod, 20))}
	}
	if !strings.HasPrefix(req.Path, "/") || strings.ContainsFunc(req.Path, func(r rune) bool { return r < 0x20 || r == 0x7f }) || !utf8.ValidString(req.Path) {
		return nil, &adaptError{http.StatusBadRequest, "InvalidRequest", "path must start with '/' and hold no control characters"}
	}
	// Checking the encoded length first refuses a huge body without
	// decoding it.
	if len(req.Body) > base64.StdEncoding.EncodedLen(MaxRequestBody) || !req.IsBase64Encoded && len(req.Body) > MaxRequestBody {
		return nil, tooLarge()
	}
	body, err := req.BodyBytes()
	if err != nil {
		return nil, &adaptError{http.StatusBadRequest, "InvalidRequest", "body is not valid base64"}
	}
	if len(body) > MaxRequestBody {
		return nil, tooLarge()
	}
	u := &url.URL{Path: req.Path, RawQuery: req.RawQuery()}
	if len(u.RawQuery) > MaxQueryBytes {
		return nil, &adaptError{http.StatusBadRequest, "InvalidRequest", fmt.Sprintf("the query string is longer than %d bytes", MaxQueryBytes)}
	}
	r, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, &adaptError{http.StatusBadRequest, "InvalidRequest", "request cannot be built: " + err.Error()}
	}
	r.URL = u
	r.RequestURI = u.RequestURI()
	r.Header = req.Header()
	r.Host = r.Header.Get("Host")
	r.Header.Del("Host")
	r.ContentLength = int64(len(body))
	r.RemoteAddr = remoteAddr(req.RemoteIP())
	return r, nil
}

// headerBytes is the size of all header names and values.
func headerBytes(h map[string]string) int {
	n := 0
	for k, v := range h {
		n += len(k) + len(v)
	}
	return n
}

func tooLarge() error {
	return &adaptError{http.StatusRequestEntityTooLarge, "RequestTooLarge", fmt.Sprintf("request body is larger than %d bytes", MaxRequestBody)}
}

// validMethod reports whether m is an HTTP token.
func validMethod(m string) bool {
	if m == "" || len(m) > 20 {
		return false
	}
	for i := 0; i < len(m); i++ {
		if c := m[i]; !(c >= 'A' && c <= 'Z' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// remoteAddr is ip as http.Request.RemoteAddr spells it ("ip:port"; the
// platform gives no port), or "" when ip is not an address.
func remoteAddr(ip string) string {
	ip = strings.TrimSpace(ip)
	if _, _, err := net.SplitHostPort(ip); err == nil {
		return ip
	}
	if net.ParseIP(ip) != nil {
		return net.JoinHostPort(ip, "0")
	}
	return ""
}

// handleHTTP serves an HTTP invocation with the API handler.
func (h *Handler) handleHTTP(ctx context.Context, req *events.HTTPRequest) *events.HTTPResponse {
	log := logx.From(ctx, h.logger)
	r, err := Adapt(ctx, req)
	if err != nil {
		var ae *adaptError
		if !errors.As(err, &ae) {
			ae = &adaptError{http.StatusBadRequest, "InvalidRequest", err.Error()}
		}
		log.Warn("http request refused", slog.Int("status", ae.status), slog.String("error", ae.msg))
		return errorResponse(ae.status, ae.code, ae.msg)
	}
	if h.api == nil {
		return errorResponse(http.StatusNotFound, "NotFound", "no HTTP API is configured")
	}
	return serve(h.api, r, log)
}

// serve runs api on r and captures its answer, turning a panic or an
// oversized answer into a JSON error.
func serve(api http.Handler, r *http.Request, log *slog.Logger) (resp *events.HTTPResponse) {
	w := &capture{header: make(http.Header)}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				resp = errorResponse(http.StatusInternalServerError, "InternalError", "the request was aborted")
				return
			}
			log.Error("http handler panicked", slog.String("panic", fmt.Sprint(p)))
			resp = errorResponse(http.StatusInternalServerError, "InternalError", "internal error")
		}
	}()
	api.ServeHTTP(w, r)
	if w.overflow {
		log.Error("http response too large", slog.Int("limit", MaxResponseBody))
		return errorResponse(http.StatusInternalServerError, "InternalError", "response too large")
	}
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return response(w.status, w.header, w.body.Bytes())
}

// capture is an http.ResponseWriter that keeps the answer in memory, up to
// MaxResponseBody.
type capture struct {
	header   http.Header
	status   int
	body     bytes.Buffer
	overflow bool
}

func (c *capture) Header() http.Header { return c.header }

func (c *capture) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}

func (c *capture) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	if c.body.Len()+len(p) > MaxResponseBody {
		c.overflow = true
		return 0, errors.New("response larger than the platform accepts")
	}
	return c.body.Write(p)
}

// response builds the SCF answer: text bodies as is, others base64.
func response(status int, header http.Header, body []byte) *events.HTTPResponse {
	resp := &events.HTTPResponse{StatusCode: status, Headers: make(map[string]string, len(header))}
	for name, vals := range header {
		resp.Headers[name] = strings.Join(vals, ", ")
	}
	if textual(header.Get("Content-Type"), body) {
		resp.Body = string(body)
	} else {
		resp.IsBase64Encoded = true
		resp.Body = base64.StdEncoding.EncodeToString(body)
	}
	return resp
}

// textual reports whether a body can travel as a JSON string unchanged.
func textual(contentType string, body []byte) bool {
	if !utf8.Valid(body) {
		return false
	}
	if contentType == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return strings.HasPrefix(mt, "text/") || mt == "application/json" || strings.HasSuffix(mt, "+json") ||
		mt == "application/xml" || strings.HasSuffix(mt, "+xml") || mt == "application/javascript" ||
		mt == "application/x-www-form-urlencoded"
}

// errorResponse is a JSON error answer in the API's shape.
func errorResponse(status int, code, msg string) *events.HTTPResponse {
	body, _ := json.Marshal(map[string]map[string]string{"error": {"code": code, "message": msg}})
	return &events.HTTPResponse{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": "application/json; charset=utf-8"},
		Body:       string(body),
	}
}
