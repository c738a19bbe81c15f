package api

import (
	"bytes"
	"context"
	"encoding/base64"
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

// Size limits of an HTTP invocation. SCF's synchronous response limit is
// 6 MB; API requests are small JSON documents (MaxBodyBytes). SCF
// documents 4 KB for the request headers and 4 KB for the path with its
// query (cloud.tencent.com/document/product/583/37895, HTTP functions;
// unconfirmed for Function URLs and the legacy gateway): cosflow allows
// twice that, so it never refuses what the platform passes on, and refuses
// anything beyond with the status HTTP has for it.
const (
	MaxResponseBody = 6 << 20
	MaxPathBytes    = 8 << 10 // beyond: 414
	MaxHeaderBytes  = 8 << 10 // all names and values; beyond: 431
	MaxQueryBytes   = 8 << 10 // the encoded query; beyond: 400
)

// maxMethodBytes bounds an HTTP method (the longest standard one is 7).
const maxMethodBytes = 20

// SCF serves an http.Handler (the API, New) to SCF's HTTP invocations: it
// adapts each event to an *http.Request, runs the handler and captures its
// answer as the event's response. What cannot be adapted, or is beyond
// the limits above, is answered in the API's error shape; so is a panic.
// It is safe for concurrent use.
type SCF struct {
	h      http.Handler
	logger *slog.Logger
}

// NewSCF returns h served to SCF's HTTP invocations; logger is used when
// an invocation's context carries none (logx.With).
func NewSCF(h http.Handler, logger *slog.Logger) *SCF {
	return &SCF{h: recoverPanics(h), logger: logger}
}

// ServeEvent answers one HTTP invocation.
func (s *SCF) ServeEvent(ctx context.Context, req *events.HTTPRequest) *events.HTTPResponse {
	r, e := adapt(ctx, req)
	if e != nil {
		logx.From(ctx, s.logger).Warn("http request refused", slog.Int("status", e.status), slog.String("error", e.message))
		return errorEvent(e)
	}
	return s.serve(r, logx.From(ctx, s.logger))
}

// Refuse answers an HTTP invocation whose event could not be decoded: a
// 400 saying why.
func (s *SCF) Refuse(ctx context.Context, err error) *events.HTTPResponse {
	logx.From(ctx, s.logger).Warn("http request refused", slog.String("error", err.Error()))
	return errorEvent(&apiError{status: http.StatusBadRequest, code: codeInvalidRequest, message: err.Error()})
}

// adapt turns an SCF HTTP event (API gateway or Function URL shape) into
// an *http.Request carrying ctx, or the error it is refused with.
func adapt(ctx context.Context, req *events.HTTPRequest) (*http.Request, *apiError) {
	if len(req.Path) > MaxPathBytes {
		return nil, &apiError{status: http.StatusRequestURITooLong, code: codeURITooLong, message: fmt.Sprintf("the path is longer than %d bytes", MaxPathBytes)}
	}
	if n := headerBytes(req.Headers); n > MaxHeaderBytes {
		return nil, &apiError{status: http.StatusRequestHeaderFieldsTooLarge, code: codeHeadersTooLarge, message: fmt.Sprintf("the headers hold %d bytes, more than %d", n, MaxHeaderBytes)}
	}
	method := strings.ToUpper(req.HTTPMethod)
	if !validMethod(method) {
		return nil, badRequest(fmt.Sprintf("httpMethod %q is not an HTTP method", clip.String(req.HTTPMethod, maxMethodBytes)))
	}
	if !strings.HasPrefix(req.Path, "/") || strings.ContainsFunc(req.Path, func(r rune) bool { return r < 0x20 || r == 0x7f }) || !utf8.ValidString(req.Path) {
		return nil, badRequest("path must start with '/' and hold no control characters")
	}
	// Checking the encoded length first refuses a huge body without
	// decoding it.
	if len(req.Body) > base64.StdEncoding.EncodedLen(MaxBodyBytes) || !req.IsBase64Encoded && len(req.Body) > MaxBodyBytes {
		return nil, bodyTooLarge()
	}
	body, err := req.BodyBytes()
	if err != nil {
		return nil, badRequest("body is not valid base64")
	}
	if len(body) > MaxBodyBytes {
		return nil, bodyTooLarge()
	}
	u := &url.URL{Path: req.Path, RawQuery: req.RawQuery()}
	if len(u.RawQuery) > MaxQueryBytes {
		return nil, badRequest(fmt.Sprintf("the query string is longer than %d bytes", MaxQueryBytes))
	}
	// Built from the path alone: the error quotes the URL it could not
	// parse, and the query may hold a secret (the callback route's token).
	r, err := http.NewRequestWithContext(ctx, method, (&url.URL{Path: u.Path}).String(), bytes.NewReader(body))
	if err != nil {
		return nil, badRequest("request cannot be built: " + clip.String(err.Error(), maxEcho))
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

// badRequest is a 400 about the request as a whole.
func badRequest(msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: codeInvalidRequest, message: msg}
}

// headerBytes is the size of all header names and values.
func headerBytes(h map[string]string) int {
	n := 0
	for k, v := range h {
		n += len(k) + len(v)
	}
	return n
}

// validMethod reports whether m is an HTTP token.
func validMethod(m string) bool {
	if m == "" || len(m) > maxMethodBytes {
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

// serve runs the handler on r and captures its answer; an answer over
// MaxResponseBody, which the platform would not carry, becomes a 500. A
// handler that aborts (http.ErrAbortHandler, which recoverPanics passes
// on for a server to drop the connection) has no connection to drop
// here: it is answered 500 too.
func (s *SCF) serve(r *http.Request, log *slog.Logger) (resp *events.HTTPResponse) {
	defer func() {
		if p := recover(); p != nil {
			if p != http.ErrAbortHandler {
				panic(p)
			}
			resp = errorEvent(&apiError{status: http.StatusInternalServerError, code: codeInternal, message: "the request was aborted"})
		}
	}()
	w := &capture{header: make(http.Header)}
	s.h.ServeHTTP(w, r)
	if w.overflow {
		log.Error("http response too large", slog.Int("limit", MaxResponseBody))
		return errorEvent(&apiError{status: http.StatusInternalServerError, code: codeInternal, message: "response too large"})
	}
	return w.response()
}

// errorEvent is e as an invocation's answer.
func errorEvent(e *apiError) *events.HTTPResponse {
	w := &capture{header: make(http.Header)}
	writeError(w, e)
	return w.response()
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

// response is the captured answer as SCF takes it: text bodies as is,
// others base64.
func (c *capture) response() *events.HTTPResponse {
	status := c.status
	if status == 0 {
		status = http.StatusOK
	}
	resp := &events.HTTPResponse{StatusCode: status, Headers: make(map[string]string, len(c.header))}
	for name, vals := range c.header {
		resp.Headers[name] = strings.Join(vals, ", ")
	}
	body := c.body.Bytes()
	if textual(c.header.Get("Content-Type"), body) {
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
