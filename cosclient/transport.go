package cosclient

import (
	"context"
	"fmt"
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
type sendHandler struct {
	client *http.Client
}

// Handle implements middleware.Handler.
func (s sendHandler) Handle(ctx context.Context, input any) (any, middleware.Metadata, error) {
	req, ok := input.(*smithyhttp.Request)
	if !ok {
		return nil, middleware.Metadata{}, fmt.Errorf("send: unexpected request %T", input)
	}
	w := &writeTracker{}
	w.trace.WroteRequest = w.wroteRequest
	resp, err := s.client.Do(req.Build(httptrace.WithClientTrace(ctx, &w.trace)))
	if err != nil {
		return nil, middleware.Metadata{}, &ConnectionError{Sent: w.written.Load(), Err: err}
	}
	return &smithyhttp.Response{Response: resp}, middleware.Metadata{}, nil
}

// writeTracker learns from the transport whether a request was written
// whole.
type writeTracker struct {
	trace   httptrace.ClientTrace
	written atomic.Bool
}

func (w *writeTracker) wroteRequest(info httptrace.WroteRequestInfo) {
	if info.Err == nil {
		w.written.Store(true)
	}
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

// defaultHTTPClient has room for bursts of calls to one host, and does not
// follow redirects: CI does not redirect, and a 3xx is reported as an error
// rather than re-sent, signed, elsewhere.
func defaultHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: tr, CheckRedirect: noRedirects}
}

// noRedirects makes an http.Client answer a 3xx as it is.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
