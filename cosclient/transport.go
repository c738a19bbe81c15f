package cosclient

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/cosflow/cosflow/cosclient/cossign"
)

// Signature windows start a little in the past to absorb clock skew, as
// the official SDKs do, and last long enough for slow uploads.
const (
	signSkew = 60 * time.Second
	signTTL  = 10 * time.Minute
)

// Header names, canonical so that setting them costs no allocation.
const (
	hdrAuthorization    = "Authorization"
	hdrCOSSecurityToken = "X-Cos-Security-Token"
	hdrCISecurityToken  = "X-Ci-Security-Token"
	hdrRequestID        = "X-Ci-Request-Id"
	hdrTraceID          = "X-Ci-Trace-Id"
)

// signStep signs each attempt afresh: it asks the provider for credentials
// every time (SCF rotates them) and signs with the corrected clock.
func (c *Client) signStep(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
	req, ok := in.Request.(*smithyhttp.Request)
	if !ok {
		return middleware.FinalizeOutput{}, middleware.Metadata{}, errors.New("sign: not a smithy HTTP request")
	}
	cr, err := c.opts.Credentials.Credentials(ctx)
	if err == nil && (cr.SecretID == "" || cr.SecretKey == "") {
		err = ErrMissingCredentials
	}
	if err != nil {
		return middleware.FinalizeOutput{}, middleware.Metadata{}, &signError{err: err}
	}
	h := req.Header
	if cr.SessionToken != "" {
		tok := []string{cr.SessionToken}
		h[hdrCOSSecurityToken] = tok
		h[hdrCISecurityToken] = tok
	} else {
		delete(h, hdrCOSSecurityToken)
		delete(h, hdrCISecurityToken)
	}
	delete(h, hdrAuthorization)
	h[hdrAuthorization] = []string{cossign.Authorization(req.Request, cr.SecretID, cr.SecretKey, cossign.NewWindow(c.now(), signSkew, signTTL))}
	return next.HandleFinalize(ctx, in)
}

// signError is a failure to obtain credentials: permanent for this call.
type signError struct{ err error }

func (e *signError) Error() string { return "sign request: " + e.err.Error() }
func (e *signError) Unwrap() error { return e.err }

// sendHandler sends one attempt with the Client's http.Client. Each attempt
// gets a fresh body reader over the kept body bytes.
type sendHandler struct {
	c *Client
	p *pipeline
}

// Handle implements middleware.Handler.
func (s sendHandler) Handle(ctx context.Context, input any) (any, middleware.Metadata, error) {
	req, ok := input.(*smithyhttp.Request)
	if !ok {
		return nil, middleware.Metadata{}, errors.New("send: not a smithy HTTP request")
	}
	hr := req.Request.WithContext(ctx)
	if body := s.p.cur.body; len(body) > 0 {
		hr.Body = io.NopCloser(bytes.NewReader(body))
		hr.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	resp, err := s.c.http.Do(hr)
	if err != nil {
		return nil, middleware.Metadata{}, err
	}
	return &smithyhttp.Response{Response: resp}, middleware.Metadata{}, nil
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
	return &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
