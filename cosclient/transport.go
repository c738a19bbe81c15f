package cosclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Header names, canonical.
const (
	hdrAuthorization    = "Authorization"
	hdrCOSSecurityToken = "X-Cos-Security-Token"
	hdrCISecurityToken  = "X-Ci-Security-Token"
	hdrRequestID        = "X-Ci-Request-Id"
	hdrCOSRequestID     = "X-Cos-Request-Id"
	hdrTraceID          = "X-Ci-Trace-Id"
)

// sendHandler sends one attempt with the Client's http.Client: the end of
// every stack. A failure without an answer is a *ConnectionError that
// says whether the whole request had been written, which is what makes a
// failure ambiguous (see Ambiguous).
//
// The attempt is bounded in time whatever the transport: a watchdog ends
// it when the answer's headers take longer than the call's
// ResponseHeaderTimeout, or once they came, when the body goes
// IdleBodyTimeout without a byte. Either is a *TimeoutError under the
// *ConnectionError, never the caller's context error: net/http's own
// ResponseHeaderTimeout reports context.DeadlineExceeded, which Classify
// reads as the caller's time running out (RetryLater), not as a stalled
// connection worth another attempt.
type sendHandler struct {
	client *http.Client
	// The call's ResponseHeaderTimeout and IdleBodyTimeout.
	headerTimeout, idleTimeout time.Duration
}

// Handle implements middleware.Handler.
func (s sendHandler) Handle(ctx context.Context, input any) (any, middleware.Metadata, error) {
	req, ok := input.(*smithyhttp.Request)
	if !ok {
		return nil, middleware.Metadata{}, fmt.Errorf("send: unexpected request %T", input)
	}
	a := &attempt{header: s.headerTimeout, idle: s.idleTimeout}
	a.trace.WroteRequest = a.wroteRequest
	a.ctx, a.cancel = context.WithCancelCause(ctx)
	a.timer = time.AfterFunc(s.headerTimeout, a.expire)
	resp, err := s.client.Do(req.Build(httptrace.WithClientTrace(a.ctx, &a.trace)))
	if err != nil {
		a.end()
		return nil, middleware.Metadata{}, &ConnectionError{Sent: a.written.Load(), Err: a.cause(transportError(err))}
	}
	a.inBody.Store(true)
	a.timer.Reset(a.idle)
	a.body = resp.Body
	resp.Body = a
	return &smithyhttp.Response{Response: resp}, middleware.Metadata{}, nil
}

// transportError is what the transport said, without the *url.Error
// around it: the URL is the call's own (the operation error names the
// call), and long, where the reason that follows it is what tells.
func transportError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// attempt is one attempt in flight: whether its request was written, and
// the watchdog that ends it when the answer stalls. Once the headers came
// it is also the answer's body, restarting the watchdog at every byte.
type attempt struct {
	trace   httptrace.ClientTrace
	written atomic.Bool

	ctx          context.Context // the request's: the caller's, ended by expire
	cancel       context.CancelCauseFunc
	timer        *time.Timer
	header, idle time.Duration
	inBody       atomic.Bool // the headers came: the watchdog times the body

	body io.ReadCloser
}

func (a *attempt) wroteRequest(info httptrace.WroteRequestInfo) {
	if info.Err == nil {
		a.written.Store(true)
	}
}

// expire is the watchdog firing: the attempt ends with the phase's
// *TimeoutError as its context's cause.
func (a *attempt) expire() {
	if a.inBody.Load() {
		a.cancel(&TimeoutError{Body: true, After: a.idle})
		return
	}
	a.cancel(&TimeoutError{After: a.header})
}

// cause is err, or the *TimeoutError when the watchdog ended the attempt
// (the transport then reports the context's cancellation); the caller's
// own cancellation or deadline stays as it was.
func (a *attempt) cause(err error) error {
	var te *TimeoutError
	if errors.As(context.Cause(a.ctx), &te) {
		return te
	}
	return err
}

// Read implements io.Reader: the body's bytes, each restarting the
// watchdog.
func (a *attempt) Read(p []byte) (int, error) {
	n, err := a.body.Read(p)
	if n > 0 {
		a.timer.Reset(a.idle)
	}
	if err != nil && err != io.EOF {
		err = a.cause(err)
	}
	return n, err
}

// Close implements io.Closer: it closes the body and ends the attempt.
func (a *attempt) Close() error {
	err := a.body.Close()
	a.end()
	return err
}

// end stops the watchdog and releases the attempt's context.
func (a *attempt) end() {
	a.timer.Stop()
	a.cancel(nil)
}

// redirectClient returns a copy of hc whose connections all go to the
// endpoint's address, while requests keep their virtual-host URL and Host
// header (so signing and bucket routing behave as in production).
func redirectClient(hc *http.Client, u *url.URL) *http.Client {
	addr := u.Host
	if u.Port() == "" {
		port := "443"
		if u.Scheme == "http" {
			port = "80"
		}
		addr = net.JoinHostPort(u.Hostname(), port)
	}
	cp := *hc
	var base *http.Transport
	switch t := hc.Transport.(type) {
	case nil:
		base = http.DefaultTransport.(*http.Transport)
	case *http.Transport:
		base = t
	default:
		// An unknown RoundTripper: rewrite the URL per request instead.
		cp.Transport = &redirectRoundTripper{next: t, addr: addr}
		return &cp
	}
	tr := base.Clone()
	dial := tr.DialContext
	if dial == nil {
		dial = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	}
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return dial(ctx, network, addr)
	}
	if tr.DialTLSContext != nil {
		dialTLS := tr.DialTLSContext
		tr.DialTLSContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialTLS(ctx, network, addr)
		}
	}
	cp.Transport = tr
	return &cp
}

// redirectRoundTripper sends requests to addr, keeping their Host header.
type redirectRoundTripper struct {
	next http.RoundTripper
	addr string
}

// RoundTrip implements http.RoundTripper.
func (r *redirectRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	out := req.Clone(req.Context())
	if out.Host == "" {
		out.Host = req.URL.Host
	}
	out.URL.Host = r.addr
	return r.next.RoundTrip(out)
}

// maxHeaderBytes bounds an answer's status line and headers: CI's and
// COS's are a few hundred bytes, and net/http's default (10 MiB) times
// the calls in flight is more than the function's memory.
const maxHeaderBytes = 64 << 10

// defaultHTTPClient has room for bursts of calls to one host, bounds the
// headers it reads, and does not follow redirects: CI does not redirect,
// and a 3xx is reported as an error rather than re-sent, signed,
// elsewhere.
func defaultHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	tr.MaxResponseHeaderBytes = maxHeaderBytes
	return &http.Client{Transport: tr, CheckRedirect: noRedirects}
}

// noRedirects makes an http.Client answer a 3xx as it is.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
